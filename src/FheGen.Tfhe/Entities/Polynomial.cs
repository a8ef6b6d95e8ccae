using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// Plain coefficient-domain operations on polynomials of <c>Z_q[X] / (X^N + 1)</c>, <c>q = 2^64</c>, with wrapping
/// arithmetic. The O(N^2) product is exact and serves as the reference for <see cref="NegacyclicFft"/>.
/// </summary>
internal static class Polynomial
{
    /// <summary>
    /// <c>result = a * b mod (X^N + 1)</c>, exactly mod <c>2^64</c>, by schoolbook multiplication (O(N^2); tests and
    /// references only). Small signed coefficients can be passed as their two's-complement <see cref="ulong"/>.
    /// </summary>
    /// <param name="a">First factor, N coefficients.</param>
    /// <param name="b">Second factor, N coefficients.</param>
    /// <param name="result">N coefficients, overwritten; must not overlap the inputs.</param>
    public static void MultiplyNaive(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        CheckSameLength(a.Length, b.Length, result.Length);
        result.Clear();
        MultiplyAddNaive(a, b, result);
    }

    /// <summary><c>result += a * b mod (X^N + 1)</c>, exactly mod <c>2^64</c> (O(N^2)).</summary>
    /// <param name="a">First factor, N coefficients.</param>
    /// <param name="b">Second factor, N coefficients.</param>
    /// <param name="result">N coefficients, accumulated into; must not overlap the inputs.</param>
    public static void MultiplyAddNaive(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        int n = CheckSameLength(a.Length, b.Length, result.Length);
        for (int i = 0; i < n; i++)
        {
            ulong ai = a[i];
            if (ai == 0)
                continue;
            // X^(i+j) with i + j >= N wraps to -X^(i+j-N).
            int split = n - i;
            for (int j = 0; j < split; j++)
                result[i + j] += ai * b[j];
            for (int j = split; j < n; j++)
                result[i + j - n] -= ai * b[j];
        }
    }

    /// <summary>
    /// <c>result = X^power * source mod (X^N + 1)</c>: a negacyclic rotation. Any <paramref name="power"/> is taken
    /// mod <c>2N</c> (so <c>X^N = -1</c>).
    /// </summary>
    /// <param name="source">N coefficients.</param>
    /// <param name="power">The exponent; negative values rotate the other way.</param>
    /// <param name="result">N coefficients, overwritten; must not overlap <paramref name="source"/>.</param>
    public static void MultiplyByMonomial(ReadOnlySpan<ulong> source, int power, Span<ulong> result)
    {
        int n = source.Length;
        if (result.Length != n)
            throw new ArgumentException("Source and result lengths differ.", nameof(result));
        if (n == 0)
            return;
        int p = ReducePower(power, n, out bool negateAll);
        // Coefficient j moves to j + p; the ones pushed past X^(N-1) come back negated.
        for (int j = 0; j < n - p; j++)
            result[j + p] = negateAll ? 0UL - source[j] : source[j];
        for (int j = n - p; j < n; j++)
            result[j + p - n] = negateAll ? source[j] : 0UL - source[j];
    }

    /// <summary>
    /// <c>result = X^power * source − source mod (X^N + 1)</c>, the CMux operand of a blind-rotation step, in one
    /// vectorized pass (rather than a rotation and a subtraction over two buffers). <paramref name="power"/> is taken
    /// mod 2N.
    /// </summary>
    /// <param name="source">N coefficients.</param>
    /// <param name="power">The exponent; negative values rotate the other way.</param>
    /// <param name="result">N coefficients, overwritten; must not overlap <paramref name="source"/>.</param>
    public static void MultiplyByMonomialMinusSource(ReadOnlySpan<ulong> source, int power, Span<ulong> result)
    {
        int n = source.Length;
        if (result.Length != n)
            throw new ArgumentException("Source and result lengths differ.", nameof(result));
        if (n == 0)
            return;
        int p = ReducePower(power, n, out bool negateAll);
        // result[j] = s·source[j − p] − source[j] for j ≥ p, and −s·source[j − p + N] − source[j] for j < p (s = ±1).
        ref ulong src = ref MemoryMarshal.GetReference(source);
        ref ulong dst = ref MemoryMarshal.GetReference(result);
        RotatedMinus(ref Unsafe.Add(ref src, n - p), ref src, ref dst, p, !negateAll);
        RotatedMinus(ref src, ref Unsafe.Add(ref src, p), ref Unsafe.Add(ref dst, p), n - p, negateAll);
    }

    /// <summary>X^power = ±X^p with p in [0, N): p, and whether the sign is minus (power mod 2N ≥ N, as X^N = −1).</summary>
    private static int ReducePower(int power, int n, out bool negate)
    {
        int twoN = 2 * n;
        int p = ((power % twoN) + twoN) % twoN;
        negate = p >= n;
        return negate ? p - n : p;
    }

    /// <summary><c>dst[j] = (negate ? −moved[j] : moved[j]) − own[j]</c> for j &lt; count.</summary>
    private static void RotatedMinus(ref ulong moved, ref ulong own, ref ulong dst, int count, bool negate)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            if (negate)
            {
                for (; j + 4 <= count; j += 4)
                    (Vector256<ulong>.Zero - Vector256.LoadUnsafe(ref moved, (nuint)j) - Vector256.LoadUnsafe(ref own, (nuint)j)).StoreUnsafe(ref dst, (nuint)j);
            }
            else
            {
                for (; j + 4 <= count; j += 4)
                    (Vector256.LoadUnsafe(ref moved, (nuint)j) - Vector256.LoadUnsafe(ref own, (nuint)j)).StoreUnsafe(ref dst, (nuint)j);
            }
        }

        for (; j < count; j++)
        {
            ulong m = Unsafe.Add(ref moved, j);
            Unsafe.Add(ref dst, j) = (negate ? 0UL - m : m) - Unsafe.Add(ref own, j);
        }
    }

    /// <summary><c>result += source</c>, coefficient-wise, wrapping.</summary>
    /// <param name="result">Accumulator.</param>
    /// <param name="source">Same length as <paramref name="result"/>.</param>
    public static void AddAssign(Span<ulong> result, ReadOnlySpan<ulong> source)
    {
        if (result.Length != source.Length)
            throw new ArgumentException("Lengths differ.", nameof(source));
        for (int j = 0; j < result.Length; j++)
            result[j] += source[j];
    }

    /// <summary><c>result -= source</c>, coefficient-wise, wrapping.</summary>
    /// <param name="result">Accumulator.</param>
    /// <param name="source">Same length as <paramref name="result"/>.</param>
    public static void SubtractAssign(Span<ulong> result, ReadOnlySpan<ulong> source)
    {
        if (result.Length != source.Length)
            throw new ArgumentException("Lengths differ.", nameof(source));
        for (int j = 0; j < result.Length; j++)
            result[j] -= source[j];
    }

    private static int CheckSameLength(int a, int b, int result)
    {
        if (a != b || a != result)
            throw new ArgumentException("Polynomial lengths differ.");
        return a;
    }
}
