using System;
using System.Linq;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;

namespace FheGen.Tests;

/// <summary>
/// The attributes' enums (what users write) and the compiler core's (netstandard2.0, linked into the generator, which
/// reads attribute arguments as integers) are cast into each other: every name must have the same value in both.
/// </summary>
public class EnumParityTests
{
    private static void AssertSameMembers<TPublic, TCore>() where TPublic : struct, Enum where TCore : struct, Enum
    {
        var expected = Enum.GetValues<TPublic>().Select(v => (Enum.GetName(v), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)));
        var actual = Enum.GetValues<TCore>().Select(v => (Enum.GetName(v), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Activation_and_ActivationKind_have_the_same_names_and_values() => AssertSameMembers<Activation, ActivationKind>();

    [Fact]
    public void Rounding_and_RoundingKind_have_the_same_names_and_values() => AssertSameMembers<Rounding, RoundingKind>();

    [Fact]
    public void EnumKinds_converts_every_value_by_name_both_ways()
    {
        foreach (var a in Enum.GetValues<Activation>())
        {
            Assert.Equal(a.ToString(), a.ToKind().ToString());
            Assert.Equal(a, a.ToKind().ToActivation());
        }

        foreach (var r in Enum.GetValues<Rounding>())
        {
            Assert.Equal(r.ToString(), r.ToKind().ToString());
            Assert.Equal(r, r.ToKind().ToRounding());
        }
    }

    [Fact]
    public void The_cost_model_charges_a_rounded_layer_by_its_method_and_an_unrounded_one_by_none()
    {
        foreach (var kind in Enum.GetValues<RoundingKind>())
        {
            Assert.Equal(kind, CostModel.RoundingCharge(1, kind));
            Assert.Null(CostModel.RoundingCharge(0, kind));
        }
    }
}
