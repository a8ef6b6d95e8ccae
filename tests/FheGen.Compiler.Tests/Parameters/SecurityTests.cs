using System;
using CsCheck;
using FheGen.Compiler.Parameters;

namespace FheGen.Compiler.Tests.Parameters;


public class SecurityTests
{
    [Fact]
    public void Published_sets_are_secure_and_sit_on_the_curve()
    {
        foreach (KnownParameterSet set in KnownParameterSets.All)
        {
            TfheParameters p = set.Parameters;
            Assert.True(Security.IsSecure(p), set.Name);
            p.Validate(requireSecure: true);
            // TFHE-rs picks the curve minimum itself: both σ agree with it to ~14 digits.
            Assert.Equal(Security.MinimumStdDev(p.LweDimension), p.LweNoiseStdDev, p.LweNoiseStdDev * 1e-13);
            Assert.Equal(Security.MinimumStdDev(p.BigLweDimension), p.GlweNoiseStdDev, p.GlweNoiseStdDev * 1e-13);
        }
    }

    [Theory]
    // mpmath: sqrt(2^-124 + 2^(5.31469187675068 - 0.0497829131652661 d))
    [InlineData(600, 0.0002014168483116798)]
    [InlineData(700, 3.5874700934478829e-5)]
    [InlineData(834, 3.5539902359442729e-6)]
    [InlineData(1024, 1.3397753019986099e-7)]
    [InlineData(2048, 2.84526747960189e-15)]
    [InlineData(4096, 2.1684043449710089e-19)] // the 2^-62 floor
    public void Minimum_std_dev_matches_the_curve(int dimension, double expected)
    {
        Assert.Equal(expected, Security.MinimumStdDev(dimension), expected * 1e-13);
        Assert.Equal(expected * expected, Security.MinimumVariance(dimension), expected * expected * 1e-12);
    }

    [Fact]
    public void Floor_is_2_to_the_minus_62()
    {
        Assert.Equal(Math.Pow(2, -62), Security.MinimumStdDev(65536));
        Assert.Equal(-124, Security.Log2MinimumVariance(100000));
    }

    [Fact]
    public void Curve_is_a_sharp_threshold_and_decreases_with_dimension()
    {
        Gen.Int[300, 300000].Sample(d =>
        {
            double min = Security.MinimumStdDev(d);
            Assert.True(Security.IsSecure(d, min));
            Assert.True(Security.IsSecure(d, min * 1.01));
            Assert.False(Security.IsSecure(d, min * 0.999));
            Assert.True(Security.MinimumStdDev(d + 1) <= min);
        }, iter: 500);
    }

    [Fact]
    public void Lowering_either_sigma_below_the_curve_fails()
    {
        TfheParameters p = KnownParameterSets.Message2Carry2.Parameters;
        var lweTooSmall = TfheParameters.CreateInsecureForTesting(2, 2, 834, 1, 2048, p.LweNoiseStdDev * 0.99, p.GlweNoiseStdDev, 23, 1, 3, 5);
        var glweTooSmall = TfheParameters.CreateInsecureForTesting(2, 2, 834, 1, 2048, p.LweNoiseStdDev, p.GlweNoiseStdDev * 0.99, 23, 1, 3, 5);
        var fewerDimensions = TfheParameters.CreateInsecureForTesting(2, 2, 820, 1, 2048, p.LweNoiseStdDev, p.GlweNoiseStdDev, 23, 1, 3, 5);
        Assert.False(Security.IsSecure(lweTooSmall));
        Assert.False(Security.IsSecure(glweTooSmall));
        Assert.False(Security.IsSecure(fewerDimensions));
        Assert.Throws<ArgumentException>(() => lweTooSmall.Validate());
        Assert.Throws<ArgumentException>(() => glweTooSmall.Validate(requireSecure: true));
    }

    [Fact]
    public void Insecure_set_is_rejected_with_a_clear_message()
    {
        var weak = TfheParameters.CreateInsecureForTesting(2, 2, 700, 1, 2048, Math.Pow(2, -20), 2.845267479601915e-15, 23, 1, 3, 5);
        ArgumentException e = Assert.Throws<ArgumentException>(() => weak.Validate(requireSecure: true));
        Assert.Equal("parameters", e.ParamName);
        Assert.Contains("n = 700 with sigma 2^-20.00 ", e.Message, StringComparison.Ordinal);
        Assert.Contains("is below the 128-bit curve", e.Message, StringComparison.Ordinal);
        Assert.Contains("sigma >= 2^-14.77", e.Message, StringComparison.Ordinal); // the curve minimum for n = 700
        Assert.DoesNotContain("GLWE side", e.Message, StringComparison.Ordinal);

        var bothWeak = TfheParameters.CreateInsecureForTesting(2, 2, 700, 1, 2048, Math.Pow(2, -20), Math.Pow(2, -60), 23, 1, 3, 5);
        e = Assert.Throws<ArgumentException>(() => Security.EnsureSecure(bothWeak));
        Assert.Contains("LWE side: n = 700", e.Message, StringComparison.Ordinal);
        Assert.Contains("GLWE side: k·N = 2048 with sigma 2^-60.00", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Security.MinimumStdDev(0));
        Assert.Throws<ArgumentNullException>(() => Security.IsSecure(null!));
        Assert.False(Security.IsSecure(1000, double.NaN));
    }
}
