using System;
using System.Linq;
using CsCheck;
using FheGen.Tfhe.Entities;

namespace FheGen.Tfhe.Tests.Arithmetic;

public class PolynomialTests
{
    [Fact]
    public void Naive_product_knows_x_to_the_n_is_minus_one()
    {
        const int n = 8;
        ulong[] x = new ulong[n];
        x[1] = 1;
        ulong[] xPow7 = new ulong[n];
        xPow7[7] = 3;
        ulong[] product = new ulong[n];
        Polynomial.MultiplyNaive(x, xPow7, product);
        Assert.Equal(new ulong[] { unchecked(0UL - 3), 0, 0, 0, 0, 0, 0, 0 }, product);
    }

    [Fact]
    public void Naive_product_hand_worked()
    {
        // (1 + 2X + 3X^2 + 4X^3)(5 + X^3) mod X^4 + 1 = 5 + 10X + 15X^2 + 20X^3 + X^3 + 2X^4 + 3X^5 + 4X^6
        //   = (5 - 2) + (10 - 3)X + (15 - 4)X^2 + 21X^3
        ulong[] a = { 1, 2, 3, 4 };
        ulong[] b = { 5, 0, 0, 1 };
        ulong[] product = new ulong[4];
        Polynomial.MultiplyNaive(a, b, product);
        Assert.Equal(new ulong[] { 3, 7, 11, 21 }, product);
    }

    [Fact]
    public void Monomial_multiplication_matches_naive_product()
    {
        Gen.Select(Gen.ULong.Array[16], Gen.Int[-40, 40]).Sample((poly, power) =>
        {
            const int n = 16;
            int p = ((power % (2 * n)) + 2 * n) % (2 * n);
            ulong[] monomial = new ulong[n];
            monomial[p % n] = p >= n ? ulong.MaxValue : 1UL;
            ulong[] expected = new ulong[n];
            Polynomial.MultiplyNaive(monomial, poly, expected);
            ulong[] actual = new ulong[n];
            Polynomial.MultiplyByMonomial(poly, power, actual);
            Assert.Equal(expected, actual);
        });
    }

    [Fact]
    public void Fused_rotation_minus_source_equals_rotation_then_subtraction()
    {
        // Sizes below, at and above the vector width, with powers on both sides of N and negative ones.
        Gen.Select(Gen.Int[0, 9].Select(i => new[] { 1, 2, 3, 4, 5, 8, 16, 37, 256, 2048 }[i]), Gen.Int[-5000, 5000], Gen.ULong).Sample((n, power, seed) =>
        {
            var rng = new Random((int)(seed % int.MaxValue));
            var poly = Enumerable.Range(0, n).Select(_ => (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63)).ToArray();
            ulong[] expected = new ulong[n], actual = new ulong[n];
            Polynomial.MultiplyByMonomial(poly, power, expected);
            Polynomial.SubtractAssign(expected, poly);
            Polynomial.MultiplyByMonomialMinusSource(poly, power, actual);
            Assert.Equal(expected, actual);
        });
    }

    [Fact]
    public void Monomial_powers_compose()
    {
        Gen.Select(Gen.ULong.Array[32], Gen.Int[0, 63], Gen.Int[0, 63]).Sample((poly, a, b) =>
        {
            ulong[] step = new ulong[32], twice = new ulong[32], once = new ulong[32];
            Polynomial.MultiplyByMonomial(poly, a, step);
            Polynomial.MultiplyByMonomial(step, b, twice);
            Polynomial.MultiplyByMonomial(poly, a + b, once);
            Assert.Equal(once, twice);
        });
        ulong[] p = { 1, 2, 3, 4 };
        ulong[] r = new ulong[4];
        Polynomial.MultiplyByMonomial(p, 4, r);
        Assert.Equal(p.Select(c => 0UL - c).ToArray(), r);
    }

    [Fact]
    public void Add_and_subtract_wrap()
    {
        ulong[] a = { ulong.MaxValue, 1 };
        Polynomial.AddAssign(a, new ulong[] { 2, 2 });
        Assert.Equal(new ulong[] { 1, 3 }, a);
        Polynomial.SubtractAssign(a, new ulong[] { 2, 2 });
        Assert.Equal(new ulong[] { ulong.MaxValue, 1 }, a);
        Assert.Throws<ArgumentException>(() => Polynomial.AddAssign(a, new ulong[3]));
    }
}
