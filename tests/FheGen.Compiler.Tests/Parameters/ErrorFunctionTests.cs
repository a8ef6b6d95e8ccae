using System;
using CsCheck;
using FheGen.Compiler.Parameters;

namespace FheGen.Compiler.Tests.Parameters;


public class ErrorFunctionTests
{
    // Reference values from mpmath at 40 digits: erfc(x) and log2 erfc(x).
    [Theory]
    [InlineData(0.0, 1.0, 0.0)]
    [InlineData(0.1, 0.88753708398171511, -0.17212069396432865)]
    [InlineData(0.5, 0.47950012218695346, -1.0603969120141557)]
    [InlineData(1.0, 0.15729920705028513, -2.6684166967815996)]
    [InlineData(1.5, 0.033894853524689273, -4.8827899535239506)]
    [InlineData(2.0, 0.0046777349810472658, -7.739974157122987)]
    [InlineData(2.5, 0.00040695201744495894, -11.262853679099845)]
    [InlineData(3.0, 2.2090496998585441e-5, -15.466214597195473)]
    [InlineData(5.0, 1.5374597944280349e-12, -39.242588455115306)]
    [InlineData(6.5, 3.8421483271206475e-20, -64.49664868205699)]
    [InlineData(10.0, 2.0884875837625448e-45, -148.42430570335061)]
    [InlineData(-1.0, 1.8427007929497149, 0.88182183354521978)]
    [InlineData(-3.0, 1.9999779095030014, 0.99998406498676143)]
    public void Matches_reference_values(double x, double erfc, double log2Erfc)
    {
        Assert.Equal(erfc, ErrorFunction.Erfc(x), erfc * 1e-13);
        Assert.Equal(log2Erfc, ErrorFunction.Log2Erfc(x), 1e-12 + Math.Abs(log2Erfc) * 1e-14);
    }

    [Theory]
    [InlineData(27.0, -1057.3063081867601)]        // erfc = 5.2e-319, a subnormal double
    [InlineData(100.0, -14434.420085269882)]       // erfc = 6.4e-4346, far below double range
    [InlineData(1000.0, -1442705.8324220342)]
    public void Log2_stays_finite_far_into_the_tail(double x, double expected)
    {
        double actual = ErrorFunction.Log2Erfc(x);
        Assert.True(double.IsFinite(actual));
        Assert.Equal(expected, actual, Math.Abs(expected) * 1e-14);
    }

    [Fact]
    public void Series_and_continued_fraction_agree_at_the_switch()
    {
        // The series is used below 2, the continued fraction from 2 on: no jump at the seam.
        double below = ErrorFunction.Erfc(Math.BitDecrement(2.0));
        double at = ErrorFunction.Erfc(2.0);
        Assert.Equal(at, below, at * 1e-13);
    }

    [Fact]
    public void Is_decreasing_and_symmetric()
    {
        Gen.Double[-6, 30].Select(Gen.Double[0, 1]).Sample(t =>
        {
            (double x, double dx) = t;
            Assert.True(ErrorFunction.Log2Erfc(x + dx + 1e-9) <= ErrorFunction.Log2Erfc(x));
            Assert.Equal(2.0, ErrorFunction.Erfc(x) + ErrorFunction.Erfc(-x), 1e-14);
        }, iter: 500);
    }

    [Fact]
    public void Inverse_round_trips_on_the_safe_side()
    {
        Gen.Double[-5000, -1e-3].Sample(target =>
        {
            double x = ErrorFunction.InverseLog2Erfc(target);
            double back = ErrorFunction.Log2Erfc(x);
            Assert.True(back <= target, $"log2 erfc({x}) = {back} > {target}");
            Assert.Equal(target, back, Math.Abs(target) * 1e-12);
        }, iter: 300);
        Assert.Equal(0.0, ErrorFunction.InverseLog2Erfc(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ErrorFunction.InverseLog2Erfc(0.5));
    }
}
