using System;
using CsCheck;
using FheGen.Backends;

namespace FheGen.Tests.Simulation;

public sealed class StandardNormalTests
{
    private static void AssertRelative(double expected, double actual, double tolerance)
        => Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R} (relative error {Math.Abs(actual / expected - 1):G3}).");

    // Reference values from mpmath at 40 digits, for these exact doubles.
    [Theory]
    [InlineData(-1.959963984540054, 0.025000000000000010876)]
    [InlineData(-1.0, 0.15865525393145705141)]
    [InlineData(0.5, 0.69146246127401310364)]
    [InlineData(3.0, 0.99865010196836990547)]
    [InlineData(-7.034483825340235, 9.9999999971957553021e-13)]
    [InlineData(-10.0, 7.619853024160526066e-24)]
    [InlineData(-21.27345412779, 9.9998791522622154274e-101)]
    [InlineData(-37.0, 5.7255712225245768227e-300)]
    public void Cdf_matches_reference_values_deep_into_the_tail(double x, double expected)
    {
        AssertRelative(expected, StandardNormal.Cdf(x), 1e-14);
        AssertRelative(expected, StandardNormal.UpperTail(-x), 1e-14);
    }

    [Theory]
    [InlineData(0.025, -1.9599639845400542118)]
    [InlineData(0.005, -2.5758293035489007538)]
    [InlineData(0.05, -1.644853626951472688)]
    [InlineData(1e-12, -7.0344838253011319326)]
    [InlineData(4.547473508864641e-13, -7.1435520343521893331)] // 2^-41: z of p_error 2^-40
    [InlineData(1e-100, -21.273453560965324294)]
    [InlineData(1e-300, -37.047096299361199237)]
    public void Quantile_matches_reference_values_deep_into_the_tail(double p, double expected)
    {
        AssertRelative(expected, StandardNormal.Quantile(p), 1e-14);
        AssertRelative(-expected, StandardNormal.UpperTailQuantile(p), 1e-14);
    }

    [Fact]
    public void Quantile_inverts_the_cdf_from_one_in_ten_to_the_300()
    {
        // log-uniform tails: relative accuracy must not degrade as p shrinks.
        Gen.Double[-300, Math.Log10(0.5)].Select(e => Math.Pow(10, e)).Sample(p =>
        {
            double x = StandardNormal.Quantile(p);
            // Phi amplifies a relative error e of x to about x^2 e, so a few ulps of x allow this much.
            double tolerance = 8 * 2.220446049250313e-16 * (1 + x * x);
            AssertRelative(p, StandardNormal.Cdf(x), tolerance);
            AssertRelative(p, StandardNormal.UpperTail(StandardNormal.UpperTailQuantile(p)), tolerance);
        }, iter: 2000);
        // The other way round is well conditioned (away from 0, where x itself is tiny).
        Gen.Double[-37, -1].Sample(x => AssertRelative(x, StandardNormal.Quantile(StandardNormal.Cdf(x)), 4e-15), iter: 2000);
    }

    [Fact]
    public void Symmetry_and_edges()
    {
        Gen.Double[-40, 40].Sample(x => StandardNormal.UpperTail(x) == StandardNormal.Cdf(-x));
        Gen.Double[0.5, 1].Sample(p => StandardNormal.Quantile(p) == -StandardNormal.Quantile(1 - p));
        Assert.Equal(0.5, StandardNormal.Cdf(0));
        Assert.Equal(0.0, StandardNormal.Quantile(0.5));
        Assert.Equal(double.NegativeInfinity, StandardNormal.Quantile(0));
        Assert.Equal(double.PositiveInfinity, StandardNormal.Quantile(1));
        Assert.Equal(0.0, StandardNormal.Cdf(-40));
        Assert.Equal(1.0, StandardNormal.Cdf(40));
        Assert.True(double.IsNaN(StandardNormal.Cdf(double.NaN)));
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Quantile(-1e-300));
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Quantile(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Quantile(double.NaN));
    }

    [Fact]
    public void Density_and_interval_are_consistent()
    {
        AssertRelative(0.3989422804014327, StandardNormal.Density(0), 1e-15);
        AssertRelative(Math.Exp(-50) / Math.Sqrt(2 * Math.PI), StandardNormal.Density(-10), 1e-14);
        // Intervals on either side and across zero, tiny and large.
        AssertRelative(StandardNormal.UpperTail(20) - StandardNormal.UpperTail(21), StandardNormal.Interval(20, 21), 1e-15);
        AssertRelative(StandardNormal.UpperTail(20) - StandardNormal.UpperTail(21), StandardNormal.Interval(-21, -20), 1e-15);
        AssertRelative(1 - 2 * StandardNormal.UpperTail(1.959963984540054), StandardNormal.Interval(-1.959963984540054, 1.959963984540054), 1e-15);
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Interval(1, 0));
    }
}
