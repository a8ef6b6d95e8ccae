using System;
using System.Linq;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Tests;

/// <summary>Automatic rounding to the budget, the rounding method, and the global error probability.</summary>
public class RoundingModesAndPErrorTests
{
    /// <summary>8 inputs in [0, 15], weights 1.0 (4-bit: q = 7): hidden accumulator [0, 840], 10 bits.</summary>
    private static ModelSpec Model(int budget = 8, int? layerBudget = null) => SpecBuilder.Create(8).InputBits(4).InputRange(0, 15).Budget(budget)
        .Layer(new LayerSpec
        {
            Name = "h",
            Outputs = 2,
            Activation = ActivationKind.Relu,
            OutputMin = 0,
            OutputMax = 4,
            Weights = new EquatableArray<float>(SpecBuilder.Fill(16, 1)),
            PbsBudgetBits = layerBudget,
        })
        .Dense("out", 1, new float[] { 1, 1 }, null, ActivationKind.Identity)
        .Build();

    private static ModelSpec WithRound(ModelSpec spec, RoundSetting round)
        => spec with { Round = EquatableArray.Of(round) };

    [Theory]
    [InlineData(8, null, 8, 2)]   // model budget 8: [0, 840] loses 2 LSBs -> [0, 210]
    [InlineData(6, null, 6, 4)]   // model budget 6: 4 LSBs -> [0, 53]
    [InlineData(8, 5, 5, 5)]      // the layer's own budget wins: 5 LSBs -> [0, 26]
    public void Auto_rounds_each_layer_to_its_budget_with_the_fewest_bits(int budget, int? layerBudget, int expectedTlu, int expectedLsbs)
    {
        foreach (var layer in new string?[] { "h", null })
        {
            var spec = WithRound(Model(budget, layerBudget), new RoundSetting(layer, RoundSetting.AutoBits));
            var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
            var h = result.PlanOrThrow().Layers[0];
            Assert.Equal(expectedLsbs, h.RoundedBits);
            Assert.True(h.TluInputBits <= expectedTlu);
            Assert.Equal(h.RoundedBits, RoundingPlanner.Plan(h.AccumulatorMin, h.AccumulatorMax, expectedTlu).Lsbs);
            Assert.Empty(result.WithId(DiagnosticIds.OverBudget));
            // Auto is the same as asking for the budget's width explicitly.
            var explicitBits = CircuitCompiler.Compile(WithRound(Model(budget, layerBudget), new RoundSetting(layer, expectedTlu))).PlanOrThrow();
            Assert.Equal(h.RoundedBits, explicitBits.Layers[0].RoundedBits);
        }
    }

    [Fact]
    public void Approximate_rounding_is_recorded_and_adds_no_bootstrapping()
    {
        var exact = CircuitCompiler.Compile(WithRound(Model(), new RoundSetting("h", 6))).PlanOrThrow();
        var approximate = CircuitCompiler.Compile(WithRound(Model(), new RoundSetting("h", 6) { Method = RoundingKind.Approximate })).PlanOrThrow();
        Assert.Equal(RoundingKind.Exact, exact.Layers[0].RoundingMethod);
        Assert.Equal(RoundingKind.Approximate, approximate.Layers[0].RoundingMethod);
        // Same rounding, same tables: only the evaluation differs.
        Assert.Equal(exact.Layers[0].RoundedBits, approximate.Layers[0].RoundedBits);
        Assert.Equal(exact.Tables[0].Entries, approximate.Tables[0].Entries);
        // Exact rounding of 4 LSBs before a 6-bit TLU is one chunk (sign + identity lookup) on each of 2 neurons:
        // 4 extra bootstrappings; approximate: none.
        Assert.Equal(4, exact.Layers[0].RoundedBits);
        Assert.Equal(6, exact.Layers[0].TluInputBits);
        Assert.Equal(4, exact.Layers[0].RoundingPbsCount);
        Assert.Equal(0, approximate.Layers[0].RoundingPbsCount);
        Assert.Equal(2 + 4, exact.TotalPbsCount);
        Assert.Equal(2, approximate.TotalPbsCount);
    }

    [Fact]
    public void The_model_default_method_applies_unless_the_layer_overrides_it()
    {
        var spec = Model() with
        {
            Round = EquatableArray.Of(
                new RoundSetting(null, 6) { Method = RoundingKind.Approximate },
                new RoundSetting("h", null) { Method = RoundingKind.Exact }),
        };
        Assert.Equal(RoundingKind.Exact, CircuitCompiler.Compile(spec).PlanOrThrow().Layers[0].RoundingMethod);
        var defaultOnly = Model() with { Round = EquatableArray.Of(new RoundSetting(null, 6) { Method = RoundingKind.Approximate }) };
        var plan = CircuitCompiler.Compile(defaultOnly).PlanOrThrow();
        Assert.Equal(RoundingKind.Approximate, plan.Layers[0].RoundingMethod);
        Assert.Equal(0, plan.Layers[1].RoundedBits); // the output layer has no TLU to round
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(-2)]
    public void Invalid_bits_are_reported_but_auto_is_not(int bits)
    {
        var result = CircuitCompiler.Compile(WithRound(Model(), new RoundSetting("h", bits)));
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidAttribute, d.Id);
        Assert.Equal($"Bits must be between 1 and 16, or Auto; it is {bits}", d.Message);
    }

    [Fact]
    public void Global_p_error_is_split_over_every_bootstrapping()
    {
        var spec = WithRound(Model(), new RoundSetting("h", 6)) with { GlobalPError = 0.01 };
        var plan = CircuitCompiler.Compile(spec).PlanOrThrow();
        Assert.Equal(6, plan.TotalPbsCount);
        // (1 - p)^6 = 0.99.
        Assert.Equal(1 - Math.Pow(0.99, 1.0 / 6), plan.PError, 15);
        Assert.Equal(0.99, Math.Pow(1 - plan.PError, plan.TotalPbsCount), 14);
        Assert.Equal(0.01, plan.GlobalPError);
    }

    [Theory]
    [InlineData(1e-12, 1000)]
    [InlineData(1e-300, 7)]
    [InlineData(0.5, 3)]
    public void Per_tlu_p_error_is_accurate_for_tiny_and_large_values(double global, int pbs)
    {
        double p = CircuitPlan.PerTluPError(global, pbs);
        // Reference with decimal-free algebra: 1 - (1-g)^(1/N) ~ g/N for tiny g.
        double expected = global < 1e-6 ? global / pbs : 1 - Math.Pow(1 - global, 1.0 / pbs);
        Assert.Equal(expected, p, expected * 1e-9);
        Assert.Equal(global, CircuitPlan.PerTluPError(global, 1));
    }

    [Theory]
    [InlineData(1e-12, 1000)]
    [InlineData(1e-300, 7)]
    [InlineData(0.2, 3)]
    [InlineData(0.01, 1)]
    public void Global_p_error_for_a_per_tlu_share_is_the_smallest_that_reaches_it(double perTlu, int pbs)
    {
        double global = CircuitPlan.GlobalPErrorFor(perTlu, pbs);
        Assert.True(CircuitPlan.PerTluPError(global, pbs) >= perTlu);
        // Smallest: a hair less no longer reaches the share; and it is the closed form 1 - (1-p)^N.
        Assert.True(CircuitPlan.PerTluPError(global * (1 - 1e-9), pbs) < perTlu);
        double expected = perTlu < 1e-6 ? perTlu * pbs : 1 - Math.Pow(1 - perTlu, pbs);
        Assert.Equal(expected, global, expected * 1e-9);
    }

    [Fact]
    public void Stating_both_p_errors_is_an_error_and_global_must_be_a_probability()
    {
        var both = Model() with { GlobalPError = 0.01 };
        var d = Assert.Single(CircuitCompiler.Compile(both, source: ModelSource.Of(both) with { PErrorExplicit = true }).Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidAttribute, d.Id);
        Assert.Equal(new DiagnosticTarget(TargetKind.ModelAttribute, 0, "GlobalPError"), d.Target);
        Assert.Equal("state either PError (per table lookup) or GlobalPError (whole circuit), not both", d.Message);
        foreach (double bad in new[] { 0.0, 1.0, -0.1, double.NaN })
        {
            var result = CircuitCompiler.Compile(Model() with { GlobalPError = bad });
            Assert.Null(result.Plan);
            Assert.Contains(result.Diagnostics, x => x.Message.StartsWith("GlobalPError must be in (0, 1)", StringComparison.Ordinal));
        }
        Assert.NotEqual(Model() with { GlobalPError = 0.01 }, Model());
    }
}
