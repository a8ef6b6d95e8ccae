using System;
using System.Linq;
using CsCheck;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Tests.Core;

public class TorusSpanTests
{
    // Lengths around the vector widths (4, 8, 16) exercise the scalar tails.
    private static readonly Gen<(ulong[] A, ulong[] B, ulong W)> Pairs =
        Gen.Int[0, 70].SelectMany(n => Gen.Select(Gen.ULong.Array[n], Gen.ULong.Array[n], Gen.OneOf(Gen.ULong, Gen.Long[-8, 8].Select(w => (ulong)w))));

    private static ulong NaiveDot(ulong[] a, ulong[] b)
    {
        ulong s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    [Fact]
    public void Every_dot_path_matches_the_naive_sum()
    {
        Pairs.Sample(t =>
        {
            ulong want = NaiveDot(t.A, t.B);
            Assert.Equal(want, TorusSpan.DotScalar(t.A, t.B));
            Assert.Equal(want, TorusSpan.Dot256(t.A, t.B));
            Assert.Equal(want, TorusSpan.Dot512(t.A, t.B));
            Assert.Equal(want, TorusSpan.Dot(t.A, t.B));
        }, iter: 500);
    }

    [Fact]
    public void Every_multiply_add_path_matches_the_naive_loop()
    {
        Pairs.Sample(t =>
        {
            ulong[] want = t.A.Select((a, i) => a + t.W * t.B[i]).ToArray();
            foreach (Action<ulong[]> run in new Action<ulong[]>[]
            {
                acc => TorusSpan.MultiplyAddScalar(acc, t.B, t.W),
                acc => TorusSpan.MultiplyAdd256(acc, t.B, t.W),
                acc => TorusSpan.MultiplyAdd512(acc, t.B, t.W),
                acc => TorusSpan.MultiplyAdd(acc, t.B, t.W),
            })
            {
                ulong[] acc = (ulong[])t.A.Clone();
                run(acc);
                Assert.Equal(want, acc);
            }
        }, iter: 500);
    }

    [Fact]
    public void Add_subtract_negate_and_masked_add_match_scalar()
    {
        Pairs.Sample(t =>
        {
            ulong[] acc = (ulong[])t.A.Clone();
            TorusSpan.Add(acc, t.B);
            Assert.Equal(t.A.Select((a, i) => a + t.B[i]), acc);

            acc = (ulong[])t.A.Clone();
            TorusSpan.Subtract(acc, t.B);
            Assert.Equal(t.A.Select((a, i) => a - t.B[i]), acc);

            acc = (ulong[])t.A.Clone();
            TorusSpan.Negate(acc);
            Assert.Equal(t.A.Select(a => 0UL - a), acc);

            foreach (ulong mask in new[] { 0UL, ulong.MaxValue })
            {
                foreach (bool subtract in new[] { false, true })
                {
                    acc = (ulong[])t.A.Clone();
                    TorusSpan.AddMasked(acc, t.B, mask, subtract);
                    Assert.Equal(t.A.Select((a, i) => subtract ? a - (t.B[i] & mask) : a + (t.B[i] & mask)), acc);
                }
            }
        }, iter: 150);
    }

    [Fact]
    public void Length_mismatch_throws()
    {
        Assert.Throws<ArgumentException>(() => TorusSpan.Dot(new ulong[3], new ulong[4]));
        Assert.Throws<ArgumentException>(() => TorusSpan.Add(new ulong[3], new ulong[4]));
        Assert.Throws<ArgumentException>(() => TorusSpan.MultiplyAdd(new ulong[3], new ulong[4], 2));
    }

    [Fact]
    public void Negacyclic_binary_product_matches_schoolbook()
    {
        Gen.Int[0, 7].SelectMany(log => Gen.Select(Gen.ULong.Array[1 << log], Gen.ULong[0, 1].Array[1 << log], Gen.ULong.Array[1 << log]))
            .Sample((a, s, acc0) =>
            {
                ulong[] want = CoreTestUtil.NegacyclicProduct(a, s).Select((p, i) => acc0[i] + p).ToArray();
                ulong[] acc = (ulong[])acc0.Clone();
                NegacyclicBinary.MultiplyAdd(acc, a, s);
                Assert.Equal(want, acc);
            }, iter: 100);
    }

    [Fact]
    public void Negacyclic_rotation_by_x_has_the_minus_sign()
    {
        // a · X: [a0, a1, a2, a3] → [−a3, a0, a1, a2].
        ulong[] acc = new ulong[4];
        NegacyclicBinary.MultiplyAdd(acc, new ulong[] { 1, 2, 3, 4 }, new ulong[] { 0, 1, 0, 0 });
        Assert.Equal(new[] { ulong.MaxValue - 3, 1UL, 2UL, 3UL }, acc);
    }
}
