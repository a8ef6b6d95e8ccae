using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Algorithms;

/// <summary>
/// Exact products in Z_{2^64}[X]/(X^N + 1) by a binary polynomial (a secret key), the mask·key products of GLWE
/// encryption and decryption. Exactness matters: a mask is uniform over all 64 bits, and rounding its product
/// would add noise to every key ciphertext. Two bit-identical routines, neither branching on key bits:
/// <list type="bullet">
/// <item><see cref="MultiplyAddReference"/>: sums of negacyclically rotated copies masked by each key bit, O(N^2)
/// vectorized additions. Used below <see cref="FourierThreshold"/>, and as the reference in tests.</item>
/// <item><see cref="MultiplyAddFourier"/>: the mask is split into four 16-bit limbs a = Σ a_j·2^(16 j), each limb
/// polynomial is multiplied by the key with the f64 <see cref="NegacyclicFft"/>, each product is rounded to the
/// nearest integer, and the products are recombined as Σ c_j·2^(16 j) mod 2^64. O(N log N).</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>
/// Why the rounding is exact: a limb product c_j = a_j·s has integer coefficients with |c_j| &lt; N·2^16 ≤ 2^33,
/// exactly representable. The f64 FFT product of integer vectors x, y carries an absolute error per coefficient of
/// at most ‖x‖₂‖y‖₂·ε·O(log N) (Percival, "Rapid multiplication modulo the sum and difference of highly composite
/// numbers", 2003: about (3 log₂N·(2 + √5) + small)·ε with directly computed twiddles, ε = 2^-53, i.e. below
/// 2^-45 for N ≤ 2^17). Here ‖a_j‖₂ &lt; 2^16·√N and ‖s‖₂ ≤ √N, so the error is below 2^16·N·2^-45 ≤ 2^-12 for
/// N ≤ 2^17 (<see cref="NegacyclicFft.MaxPolynomialSize"/>): more than 2^10 below the 1/2 that exact rounding needs.
/// Measured maxima (NegacyclicBinaryTests prints them) are about the spacing of doubles near the largest product,
/// 2^-21.4 at N = 32768 and 2^-26 at N = 2048.
/// </para>
/// <para>
/// As a guard against a broken transform, every rounded coefficient's distance to its nearest integer is checked
/// against <see cref="MaxRoundingDistance"/> (a cheap max in the recombination pass); exceeding it throws rather than
/// let a wrong ciphertext into a key.
/// </para>
/// </remarks>
internal static class NegacyclicBinary
{
    /// <summary>
    /// Smallest N that takes the FFT path. Measured (AVX-512 machine): at N = 64 both routines take about 1.5 µs,
    /// at N = 128 the FFT is 3 times faster (1.8 against 5.6 µs), at N = 8192 85 times (0.2 against 17 ms).
    /// </summary>
    internal const int FourierThreshold = 128;

    /// <summary>
    /// Largest distance to the nearest integer tolerated before rounding (2^-4): 2^8 times the worst-case FFT error
    /// bound (2^-12) and about 2^17 times what is observed, yet well short of the 1/2 where rounding would pick a
    /// wrong integer.
    /// </summary>
    internal const double MaxRoundingDistance = 1.0 / 16;

    private const int LimbBits = 16;
    private const int LimbCount = 64 / LimbBits;
    private const ulong LimbMask = (1UL << LimbBits) - 1;

    // 1.5·2^52: x + Magic, for |x| < 2^51, lands where the spacing of doubles is 1, so the addition rounds x to the
    // nearest integer (ties to even) and the low mantissa bits hold it in two's complement: no float-to-int
    // conversion instruction needed (AVX2 has none for 64-bit lanes).
    private const double Magic = 6755399441055744.0;
    private const long MagicBits = 0x4338000000000000;

    [ThreadStatic]
    private static double[]? fourierScratch;

    [ThreadStatic]
    private static long[]? limbScratch;

    /// <summary>Whether products of size <paramref name="polynomialSize"/> take the FFT path.</summary>
    internal static bool UsesFourier(int polynomialSize) => polynomialSize >= FourierThreshold;

    /// <summary>
    /// acc += a · s mod (X^N + 1), where every coefficient of <paramref name="s"/> is 0 or 1 (only bit 0 is read).
    /// Picks the FFT path for large N, transforming <paramref name="s"/> on every call; keys reused for many
    /// products should cache <see cref="KeyToFourier"/> and call <see cref="MultiplyAddFourier"/>.
    /// </summary>
    internal static void MultiplyAdd(Span<ulong> acc, ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> s)
    {
        int n = CheckLengths(acc, a, s.Length);
        if (!UsesFourier(n))
        {
            MultiplyAddReference(acc, a, s);
            return;
        }

        var keyFourier = new double[n];
        KeyToFourier(s, keyFourier);
        MultiplyAddFourier(acc, a, keyFourier);
    }

    /// <summary>
    /// acc += a · s mod (X^N + 1) by O(N^2) masked additions, exactly: the reference for
    /// <see cref="MultiplyAddFourier"/>, and the fast path for small N. Only bit 0 of each s coefficient is read.
    /// </summary>
    internal static void MultiplyAddReference(Span<ulong> acc, ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> s)
    {
        int n = CheckLengths(acc, a, s.Length);
        for (int j = 0; j < n; j++)
        {
            // Masked rather than skipped when s[j] = 0: no branch or timing that depends on the key.
            ulong mask = 0UL - (s[j] & 1);

            // a · X^j: coefficient i gets a[i − j] for i ≥ j, and −a[N + i − j] for i < j (X^N = −1).
            TorusSpan.AddMasked(acc.Slice(j), a.Slice(0, n - j), mask, subtract: false);
            TorusSpan.AddMasked(acc.Slice(0, j), a.Slice(n - j), mask, subtract: true);
        }
    }

    /// <summary>
    /// The Fourier form of the binary polynomial <paramref name="s"/> (bit 0 of each coefficient), N doubles, for
    /// <see cref="MultiplyAddFourier"/>. Computed once per key polynomial.
    /// </summary>
    /// <param name="s">The key polynomial.</param>
    /// <param name="keyFourier">N doubles, overwritten.</param>
    /// <param name="fft">The transform (the shared one for N when null; tests pass the scalar one).</param>
    internal static void KeyToFourier(ReadOnlySpan<ulong> s, Span<double> keyFourier, NegacyclicFft? fft = null)
    {
        int n = s.Length;
        var bits = new long[n];
        for (int i = 0; i < n; i++)
        {
            bits[i] = (long)(s[i] & 1);
        }

        (fft ?? NegacyclicFft.ForSize(n)).ForwardInteger(bits, keyFourier);
        Array.Clear(bits);
    }

    /// <summary>
    /// acc += a · s mod (X^N + 1), exactly, from the key's Fourier form (<see cref="KeyToFourier"/>): four limb
    /// products through the FFT, rounded and recombined (see the class remarks). Bit-identical to
    /// <see cref="MultiplyAddReference"/>. Allocation-free after a thread's first call (per-thread scratch).
    /// </summary>
    /// <param name="acc">N coefficients, accumulated into; must not overlap <paramref name="a"/>.</param>
    /// <param name="a">The torus polynomial (an encryption mask).</param>
    /// <param name="keyFourier">The key polynomial's Fourier form.</param>
    /// <param name="fft">The transform (the shared one for N when null); the key's must have used the same.</param>
    /// <returns>The largest distance of a limb product coefficient to its nearest integer (the exactness margin).</returns>
    /// <exception cref="InvalidOperationException">A coefficient was further than <see cref="MaxRoundingDistance"/>
    /// from an integer: the transform is not precise enough, and the product would not be exact.</exception>
    internal static double MultiplyAddFourier(Span<ulong> acc, ReadOnlySpan<ulong> a, ReadOnlySpan<double> keyFourier, NegacyclicFft? fft = null)
    {
        int n = CheckLengths(acc, a, keyFourier.Length);
        fft ??= NegacyclicFft.ForSize(n);
        if (fft.PolynomialSize != n)
        {
            throw new ArgumentException("The transform's size differs from the polynomials'.", nameof(fft));
        }

        if (acc.Overlaps(a))
        {
            // Later limbs are read from a after acc has been updated.
            throw new ArgumentException("The accumulator cannot overlap the mask polynomial.", nameof(acc));
        }

        Span<double> work = Scratch(ref fourierScratch, n);
        Span<long> limb = Scratch(ref limbScratch, n);
        double maxDistance = 0;
        for (int j = 0; j < LimbCount; j++)
        {
            int shift = j * LimbBits;
            ExtractLimb(a, limb, shift);
            fft.ForwardInteger(limb, work);
            NegacyclicFft.Multiply(work, work, keyFourier);
            fft.BackwardInPlace(work);
            maxDistance = System.Math.Max(maxDistance, RoundShiftAdd(acc, work, shift));
        }

        // The last limb product, with a, determines key bits: do not leave it in the per-thread buffer.
        work.Clear();
        if (!(maxDistance <= MaxRoundingDistance))
        {
            throw new InvalidOperationException(
                $"FFT product not exact: a coefficient was {maxDistance} from the nearest integer (N = {n}).");
        }

        return maxDistance;
    }

    /// <summary>limb[i] = (a[i] &gt;&gt; shift) mod 2^16, as a non-negative integer.</summary>
    private static void ExtractLimb(ReadOnlySpan<ulong> a, Span<long> limb, int shift)
    {
        ref ulong src = ref MemoryMarshal.GetReference(a);
        ref ulong dst = ref Unsafe.As<long, ulong>(ref MemoryMarshal.GetReference(limb));
        nuint count = (nuint)a.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var mask = Vector512.Create(LimbMask);
            for (; i + 8 <= count; i += 8)
                (Vector512.ShiftRightLogical(Vector512.LoadUnsafe(ref src, i), shift) & mask).StoreUnsafe(ref dst, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var mask = Vector256.Create(LimbMask);
            for (; i + 4 <= count; i += 4)
                (Vector256.ShiftRightLogical(Vector256.LoadUnsafe(ref src, i), shift) & mask).StoreUnsafe(ref dst, i);
        }

        for (; i < count; i++)
            Unsafe.Add(ref dst, i) = (Unsafe.Add(ref src, i) >> shift) & LimbMask;
    }

    /// <summary>
    /// acc[i] += round(c[i]) · 2^shift mod 2^64 for the limb product c; returns the largest |c[i] − round(c[i])|.
    /// </summary>
    private static double RoundShiftAdd(Span<ulong> acc, ReadOnlySpan<double> c, int shift)
    {
        ref ulong dst = ref MemoryMarshal.GetReference(acc);
        ref double src = ref MemoryMarshal.GetReference(c);
        nuint count = (nuint)acc.Length;
        nuint i = 0;
        double maxDistance = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var magic = Vector512.Create(Magic);
            var magicBits = Vector512.Create((ulong)MagicBits);
            var worst = Vector512<double>.Zero;
            for (; i + 8 <= count; i += 8)
            {
                var x = Vector512.LoadUnsafe(ref src, i);
                var t = x + magic;
                worst = Vector512.Max(worst, Vector512.Abs(x - (t - magic)));
                var rounded = t.AsUInt64() - magicBits;
                (Vector512.LoadUnsafe(ref dst, i) + Vector512.ShiftLeft(rounded, shift)).StoreUnsafe(ref dst, i);
            }

            maxDistance = MaxLane(Vector256.Max(worst.GetLower(), worst.GetUpper()));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var magic = Vector256.Create(Magic);
            var magicBits = Vector256.Create((ulong)MagicBits);
            var worst = Vector256<double>.Zero;
            for (; i + 4 <= count; i += 4)
            {
                var x = Vector256.LoadUnsafe(ref src, i);
                var t = x + magic;
                worst = Vector256.Max(worst, Vector256.Abs(x - (t - magic)));
                var rounded = t.AsUInt64() - magicBits;
                (Vector256.LoadUnsafe(ref dst, i) + Vector256.ShiftLeft(rounded, shift)).StoreUnsafe(ref dst, i);
            }

            maxDistance = MaxLane(worst);
        }

        for (; i < count; i++)
        {
            double x = Unsafe.Add(ref src, i);
            double t = x + Magic;
            maxDistance = System.Math.Max(maxDistance, System.Math.Abs(x - (t - Magic)));
            ulong rounded = BitConverter.DoubleToUInt64Bits(t) - (ulong)MagicBits;
            Unsafe.Add(ref dst, i) += rounded << shift;
        }

        return maxDistance;
    }

    private static double MaxLane(Vector256<double> v)
        => System.Math.Max(System.Math.Max(v.GetElement(0), v.GetElement(1)), System.Math.Max(v.GetElement(2), v.GetElement(3)));

    private static Span<T> Scratch<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new T[length];
        }

        return buffer.AsSpan(0, length);
    }

    private static int CheckLengths(ReadOnlySpan<ulong> acc, ReadOnlySpan<ulong> a, int other)
    {
        int n = acc.Length;
        if (a.Length != n || other != n)
        {
            throw new ArgumentException("Polynomial sizes differ.");
        }

        return n;
    }
}
