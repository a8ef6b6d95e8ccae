using System;
using System.Collections.Generic;
using FheGen.Tfhe.Commons;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Core;

public class NoiseSamplerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CoreTestUtil.LweStdDev, 1)]
    [InlineData(CoreTestUtil.GlweStdDev, 8)]
    [InlineData(0.01, 9)]
    public void Gaussian_torus_samples_have_the_requested_std_dev_and_shape(double sigma, byte seed)
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(seed);
        const int count = 100_000;
        var values = new double[count];
        int withinOneSigma = 0;
        for (int i = 0; i < count; i++)
        {
            values[i] = FheGen.Tfhe.Commons.Torus.ToDouble(sampler.NextGaussianTorus(sigma));
            if (System.Math.Abs(values[i]) <= sigma)
            {
                withinOneSigma++;
            }
        }

        (double mean, double std) = CoreTestUtil.MeanStd(values);
        output.WriteLine($"sigma {sigma:R}: measured/requested = {std / sigma:F4}, mean/sigma = {mean / sigma:F4}, within 1 sigma = {withinOneSigma / (double)count:F4}");

        // Std-dev of the estimate is sigma/sqrt(2·count) ≈ 0.2%; 5% cannot be a fluke.
        Assert.InRange(std / sigma, 0.95, 1.05);
        Assert.InRange(System.Math.Abs(mean), 0, 6 * sigma / System.Math.Sqrt(count));

        // A Gaussian has 68.27% within one sigma (a uniform of the same variance has 57.7%).
        Assert.InRange(withinOneSigma / (double)count, 0.6827 - 0.01, 0.6827 + 0.01);
    }

    [Fact]
    public void Zero_std_dev_gives_zero_and_bad_std_dev_throws()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(2);
        Assert.Equal(0UL, sampler.NextGaussianTorus(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.NextGaussianTorus(-1e-9));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.NextGaussianTorus(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.NextGaussianTorus(double.PositiveInfinity));
    }

    [Fact]
    public void Torus_from_double_rounds_and_wraps()
    {
        Assert.Equal(0UL, FheGen.Tfhe.Commons.Torus.FromDouble(0));
        Assert.Equal(1UL << 62, FheGen.Tfhe.Commons.Torus.FromDouble(0.25));
        Assert.Equal(3UL << 62, FheGen.Tfhe.Commons.Torus.FromDouble(-0.25));
        Assert.Equal(3UL << 62, FheGen.Tfhe.Commons.Torus.FromDouble(0.75));
        Assert.Equal(1UL << 63, FheGen.Tfhe.Commons.Torus.FromDouble(0.5));
        Assert.Equal(1UL << 63, FheGen.Tfhe.Commons.Torus.FromDouble(-0.5));
        Assert.Equal(1UL << 62, FheGen.Tfhe.Commons.Torus.FromDouble(3.25));
        Assert.Equal(ulong.MaxValue, FheGen.Tfhe.Commons.Torus.FromDouble(-System.Math.ScaleB(1, -64)));
        Assert.Equal(2UL, FheGen.Tfhe.Commons.Torus.FromDouble(System.Math.ScaleB(1.6, -64)));
        Assert.Equal(ulong.MaxValue - 1, FheGen.Tfhe.Commons.Torus.FromDouble(-System.Math.ScaleB(1.6, -64)));
        Assert.Equal(0.25, FheGen.Tfhe.Commons.Torus.ToDouble(1UL << 62));
        Assert.Equal(-0.5, FheGen.Tfhe.Commons.Torus.ToDouble(1UL << 63));
    }

    [Fact]
    public void Uniform_masks_pass_chi_square_and_bit_balance()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(3);
        const int count = 200_000;
        var words = new ulong[count];
        sampler.FillUniform(words);

        // Chi-square over 256 bins, for the top, middle and bottom bytes (255 degrees of freedom: mean 255,
        // std-dev 22.6; 400 is past 6 std-devs).
        foreach (int shift in new[] { 0, 28, 56 })
        {
            var bins = new int[256];
            foreach (ulong w in words)
            {
                bins[(int)((w >> shift) & 0xFF)]++;
            }

            double expected = count / 256.0, chi2 = 0;
            foreach (int b in bins)
            {
                chi2 += (b - expected) * (b - expected) / expected;
            }

            Assert.InRange(chi2, 150, 400);
        }

        // Every bit position is 1 about half the time: std-dev sqrt(count)/2 ≈ 224, allow 6 of them.
        for (int bit = 0; bit < 64; bit++)
        {
            int ones = 0;
            foreach (ulong w in words)
            {
                ones += (int)((w >> bit) & 1);
            }

            Assert.InRange(ones, count / 2 - 1342, count / 2 + 1342);
        }
    }

    [Fact]
    public void Binary_fill_is_balanced_and_only_zero_or_one()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(4);
        var bits = new ulong[100_003];
        sampler.FillBinary(bits);
        long ones = 0;
        foreach (ulong b in bits)
        {
            Assert.True(b <= 1);
            ones += (long)b;
        }

        // std-dev ≈ 158.
        Assert.InRange(ones, bits.Length / 2 - 950, bits.Length / 2 + 950);
    }

    [Fact]
    public void Same_seed_same_stream_different_seeds_differ()
    {
        var a = new ulong[64];
        var b = new ulong[64];
        var c = new ulong[64];
        CoreTestUtil.Seeded(5).FillUniform(a);
        CoreTestUtil.Seeded(5).FillUniform(b);
        CoreTestUtil.Seeded(6).FillUniform(c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        new NoiseSampler().FillUniform(a);
        new NoiseSampler().FillUniform(b);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Seed_must_be_32_bytes()
    {
        Assert.Throws<ArgumentException>(() => new NoiseSampler(new byte[31]));
        Assert.Throws<ArgumentException>(() => new NoiseSampler(new byte[33]));
    }

    [Fact]
    public void To_string_reveals_no_state()
    {
        Assert.DoesNotContain("0x", new NoiseSampler().ToString(), StringComparison.Ordinal);
        Assert.Equal(new NoiseSampler().ToString(), CoreTestUtil.Seeded(7).ToString());
    }
}
