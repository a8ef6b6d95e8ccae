using System;
using FheGen.Compiler.Parameters;

namespace FheGen.Compiler.Tests.Parameters;

/// <summary>
/// Sets below the 128-bit curve are rejected by default: by the constructor and by <see cref="TfheParameters.Parse"/>
/// (which the key readers use), so key generation and deserialization never see one. Only a set named with
/// <see cref="TfheParameters.CreateInsecureForTesting"/> passes, and only that exact set.
/// </summary>
public class InsecureSetTests
{
    // Each test uses its own values: a set named by CreateInsecureForTesting is accepted for the rest of the process.
    private static readonly TfheParameters Published = KnownParameterSets.Message2Carry2.Parameters;

    [Fact]
    public void Constructor_rejects_a_set_below_the_curve_with_the_numbers()
    {
        var e = Assert.Throws<ArgumentException>(() => new TfheParameters(2, 0, 64, 2, 256, Math.Pow(2, -39), Math.Pow(2, -49), 15, 2, 5, 5));
        Assert.Contains("is not 128-bit secure", e.Message, StringComparison.Ordinal);
        Assert.Contains("LWE side: n = 64", e.Message, StringComparison.Ordinal);
        Assert.Contains("GLWE side: k·N = 512", e.Message, StringComparison.Ordinal);

        // One ulp-scale step below the curve on one side is enough to be rejected.
        Assert.Throws<ArgumentException>(() => new TfheParameters(2, 2, 834, 1, 2048, Published.LweNoiseStdDev * 0.98, Published.GlweNoiseStdDev, 23, 1, 3, 5));
        Assert.Throws<ArgumentException>(() => new TfheParameters(2, 2, 834, 1, 2048, Published.LweNoiseStdDev, Published.GlweNoiseStdDev * 0.98, 23, 1, 3, 5));
        // The published set itself is on the curve and accepted.
        Assert.Equal(Published, new TfheParameters(2, 2, 834, 1, 2048, Published.LweNoiseStdDev, Published.GlweNoiseStdDev, 23, 1, 3, 5));
    }

    [Fact]
    public void Parse_rejects_the_id_of_a_set_below_the_curve()
    {
        // The Id a writer would have put in a key file for an insecure set, built by hand (never named in this process).
        string id = Published.Id.Replace("-n834-", "-n700-", StringComparison.Ordinal);
        Assert.False(TfheParameters.TryParse(id, out _));
        var e = Assert.Throws<FormatException>(() => TfheParameters.Parse(id));
        Assert.Contains("not 128-bit secure", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_named_insecure_for_testing_is_accepted_again_and_no_other()
    {
        var named = TfheParameters.CreateInsecureForTesting(2, 0, 48, 1, 1024, Math.Pow(2, -38), Math.Pow(2, -48), 15, 2, 5, 4);
        Assert.False(Security.IsSecure(named));
        Assert.Throws<ArgumentException>(() => named.Validate());
        Assert.Equal(named, TfheParameters.Parse(named.Id));
        Assert.Equal(named, new TfheParameters(2, 0, 48, 1, 1024, Math.Pow(2, -38), Math.Pow(2, -48), 15, 2, 5, 4));
        // A neighbour of the named set is still rejected.
        Assert.Throws<ArgumentException>(() => new TfheParameters(2, 0, 49, 1, 1024, Math.Pow(2, -38), Math.Pow(2, -48), 15, 2, 5, 4));
    }

    [Fact]
    public void The_opt_in_still_checks_structure()
        => Assert.Throws<ArgumentOutOfRangeException>(() => TfheParameters.CreateInsecureForTesting(2, 0, 48, 1, 1000, Math.Pow(2, -38), Math.Pow(2, -48), 15, 2, 5, 4));
}
