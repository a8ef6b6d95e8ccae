using System;
using System.Numerics;
using CsCheck;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Tests.Arithmetic;

public class TorusTests
{
    private static readonly BigInteger Two64 = BigInteger.One << 64;

    [Fact]
    public void Encode_decode_round_trips_every_message_for_one_to_eight_bits()
    {
        for (int p = 1; p <= 8; p++)
        {
            for (ulong message = 0; message < 1UL << p; message++)
            {
                ulong encoded = Torus.Encode(message, p);
                Assert.Equal(message * Torus.Delta(p), encoded);
                Assert.Equal(0UL, encoded >> 63); // padding bit clear
                Assert.Equal(message, Torus.Decode(encoded, p));
                Assert.Equal(message, Torus.DecodeWithPadding(encoded, p));
            }
        }
    }

    [Fact]
    public void Delta_leaves_one_padding_bit()
    {
        Assert.Equal(1UL << 62, Torus.Delta(1));
        Assert.Equal(1UL << 59, Torus.Delta(4));
        Assert.Equal(1UL << 55, Torus.Delta(8));
        Assert.Throws<ArgumentOutOfRangeException>(() => Torus.Delta(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Torus.Encode(1, 64));
    }

    [Fact]
    public void Decoding_tolerates_noise_below_half_delta()
    {
        Gen.Int[1, 8].SelectMany(p => Gen.Select(Gen.Const(p), Gen.ULong[0, (1UL << p) - 1],
                Gen.Long[-(long)(Torus.Delta(p) / 2), (long)(Torus.Delta(p) / 2) - 1]))
            .Sample((p, message, noise) =>
            {
                ulong noisy = Torus.Encode(message, p) + (ulong)noise;
                Assert.Equal(message, Torus.Decode(noisy, p));
            }, iter: 20_000);
    }

    [Fact]
    public void Decoding_fails_once_noise_reaches_half_delta()
    {
        for (int p = 1; p <= 8; p++)
        {
            ulong delta = Torus.Delta(p);
            ulong message = (1UL << p) - 1;
            // Ties round up: +Delta/2 already lands on the next message (here wrapping past the padding bit).
            Assert.Equal(0UL, Torus.Decode(Torus.Encode(message, p) + delta / 2, p));
            Assert.Equal(1UL << p, Torus.DecodeWithPadding(Torus.Encode(message, p) + delta / 2, p));
            Assert.Equal(message - 1, Torus.Decode(Torus.Encode(message, p) - delta / 2 - 1, p));
        }
    }

    [Fact]
    public void Decode_with_padding_shows_padding_overflow()
    {
        ulong value = Torus.Encode(3, 2) + Torus.Delta(2) * 2; // 5 = 0b101 with the padding bit set
        Assert.Equal(5UL, Torus.DecodeWithPadding(value, 2));
        Assert.Equal(1UL, Torus.Decode(value, 2));
    }

    [Fact]
    public void To_double_covers_minus_half_to_half()
    {
        Assert.Equal(0.0, Torus.ToDouble(0));
        Assert.Equal(-0.5, Torus.ToDouble(1UL << 63));
        Assert.Equal(0.25, Torus.ToDouble(1UL << 62));
        Assert.Equal(-0.25, Torus.ToDouble(3UL << 62));
        Gen.ULong.Sample(x =>
        {
            double d = Torus.ToDouble(x);
            Assert.InRange(d, -0.5, 0.5);
            Assert.True(d < 0.5 || d == 0.5 && (long)x >= long.MaxValue - 1024);
        });
    }

    [Fact]
    public void From_double_takes_the_real_mod_one()
    {
        Assert.Equal(1UL << 62, Torus.FromDouble(0.25));
        Assert.Equal(3UL << 62, Torus.FromDouble(-0.25));
        Assert.Equal(3UL << 62, Torus.FromDouble(1.75));
        Assert.Equal(1UL << 63, Torus.FromDouble(0.5));
        Assert.Equal(1UL << 63, Torus.FromDouble(-0.5));
        Assert.Equal(0UL, Torus.FromDouble(-3.0));
        // Just below 1 (1 - 2^-53) and just below 0 (-2^-60): the fine bits survive.
        Assert.Equal(ulong.MaxValue - 2047, Torus.FromDouble(BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(1.0) - 1)));
        Assert.Equal(ulong.MaxValue - 15, Torus.FromDouble(-System.Math.ScaleB(1.0, -60)));
    }

    [Fact]
    public void To_double_and_back_loses_at_most_half_an_ulp()
    {
        Gen.ULong.Sample(x =>
        {
            long error = (long)(Torus.FromDouble(Torus.ToDouble(x)) - x);
            // |x| <= 2^63 read as signed keeps 53 bits: at most half an ulp, 2^9 in units of 2^-64.
            Assert.InRange(error, -512, 512);
        }, iter: 10_000);
    }

    [Fact]
    public void Wrap_round_matches_big_integer_reference()
    {
        var gen = Gen.Select(Gen.Long[-(1L << 52), 1L << 52], Gen.Int[-8, 120]);
        gen.Sample((mantissa, exponent) =>
        {
            double x = System.Math.ScaleB(mantissa, exponent);
            BigInteger exact = ExactRoundHalfEven(x);
            ulong expected = (ulong)(((exact % Two64) + Two64) % Two64);
            Assert.Equal(expected, Torus.WrapRound(x));
        }, iter: 20_000);
        Assert.Equal(0UL, Torus.WrapRound(0.5)); // ties to even
        Assert.Equal(2UL, Torus.WrapRound(1.5));
        Assert.Equal(ulong.MaxValue, Torus.WrapRound(-1.0));
        Assert.Equal(0UL, Torus.WrapRound(18446744073709551616.0));
        Assert.Equal(1UL << 63, Torus.WrapRound(-9223372036854775808.0));
    }

    [Fact]
    public void Modulus_switch_matches_big_integer_reference()
    {
        var edges = new[] { 0UL, 1UL, ulong.MaxValue, 1UL << 63, (1UL << 63) - 1, 0x7FF0_0000_0000_0000UL };
        Gen.Select(Gen.OneOf<ulong>(Gen.ULong, Gen.OneOf(edges), Gen.Int[0, 63].Select(s => 1UL << s)), Gen.Int[1, 63])
            .Sample((x, logW) =>
            {
                // round(x * w / 2^64) mod w, ties up.
                BigInteger w = BigInteger.One << logW;
                BigInteger rounded = (new BigInteger(x) * w + (Two64 >> 1)) / Two64;
                Assert.Equal((ulong)(rounded % w), Torus.ModulusSwitch(x, logW));
            }, iter: 20_000);
    }

    [Fact]
    public void Modulus_switch_to_2_n_rounds_to_the_nearest_rotation()
    {
        // N = 2048: one step of 2N is 2^52; half a step rounds up, just below rounds down.
        Assert.Equal(1, Torus.ModulusSwitchTo2N(1UL << 52, 2048));
        Assert.Equal(1, Torus.ModulusSwitchTo2N(1UL << 51, 2048));
        Assert.Equal(0, Torus.ModulusSwitchTo2N((1UL << 51) - 1, 2048));
        Assert.Equal(0, Torus.ModulusSwitchTo2N(ulong.MaxValue, 2048));
        Assert.Equal(4095, Torus.ModulusSwitchTo2N(ulong.MaxValue - (1UL << 51), 2048));
        Assert.Equal(2048, Torus.ModulusSwitchTo2N(1UL << 63, 2048));
        Assert.Throws<ArgumentOutOfRangeException>(() => Torus.ModulusSwitchTo2N(0, 1000));
    }

    private static BigInteger ExactRoundHalfEven(double x)
    {
        // Doubles of magnitude >= 2^52 are integers; below, Math.Round is exact.
        return System.Math.Abs(x) >= 4503599627370496.0 ? new BigInteger(x) : new BigInteger(System.Math.Round(x));
    }
}
