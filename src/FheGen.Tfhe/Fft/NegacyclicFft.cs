using System;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Fft;

/// <summary>
/// Negacyclic multiplication in <c>Z_q[X] / (X^N + 1)</c>, <c>q = 2^64</c>, through an <c>N/2</c>-point complex FFT
/// in double precision ("folding": coefficients <c>j</c> and <c>j + N/2</c> become the real and imaginary parts of
/// one complex value, twisted by <c>omega^j</c>, <c>omega = exp(i pi / N)</c>; the FFT then evaluates the polynomial at
/// the roots <c>omega * exp(-2 pi i m / (N/2))</c> of <c>X^N + 1</c>, whose conjugates are the other half).
/// </summary>
/// <remarks>
/// <para>
/// Fourier buffers hold <c>N</c> doubles: <c>N/2</c> real parts then <c>N/2</c> imaginary parts, in the transform's
/// own order (decimation in frequency without the bit-reversal pass, and the last two radix-2 stages transposed in
/// blocks of 16). Pointwise products do not care about the order, and the inverse undoes it. The scalar and the
/// AVX2 kernels produce the same layout.
/// </para>
/// <para>
/// Precision. A product of two integer polynomials is exact when the FFT error stays below 1/2 per coefficient:
/// with <c>|a_i| &lt;= A</c>, <c>|b_i| &lt;= B</c> the coefficients are at most <c>N A B</c> and the error is
/// about <c>2^-53 * A * B * sqrt(N) * O(log N)</c>, far below 1/2 while <c>N A B &lt;&lt; 2^50</c>.
/// The TFHE case multiplies a torus polynomial (coefficients read as signed 64-bit, <c>|a| &lt; 2^63</c>) by a
/// decomposed polynomial with digits <c>|d| &lt;= B/2</c>. The exact product has coefficients up to
/// <c>N 2^63 B/2</c>, beyond 64 bits, but only its value mod 2^64 matters: doubles keep the top 53 bits, so the
/// result carries an absolute error (in units of <c>2^-64</c>) of roughly <c>2^-53 * 2^63 * (B/2) * sqrt(N)</c>
/// times a small factor (input rounding plus O(log N) FFT roundings), i.e. a torus error near
/// <c>2^-54 * (B/2) * sqrt(N)</c>: noise added to the external product, as in TFHE-rs, whose noise model's term
/// <c>2.065e-33 B^2 l N^2 (k+1)</c> bounds it. Measured (FftPrecisionTests), torus units, max / rms per coefficient:
/// N = 2048, |d| &lt;= 2^22: 2^-24.3 / 2^-26.2; N = 8192, |d| &lt;= 2^22: 2^-23.2 / 2^-25.1; N = 8192,
/// |d| &lt;= 2^14: 2^-31.1 / 2^-33.1 (the model's one-product standard deviations: 2^-20.3, 2^-18.3, 2^-26.3).
/// The rounding back to integers is exact mod 2^64 whatever the magnitude (<see cref="Torus.WrapRound"/>).
/// </para>
/// <para>
/// The class is split by kernel family: this file holds the plan (twiddles), the checks and the dispatch; the others
/// hold the scalar kernels (<c>NegacyclicFft.Scalar.cs</c>), the AVX2/FMA ones (<c>.Vector256.cs</c>), the AVX-512 ones
/// (<c>.Vector512.cs</c>) and the blind rotation's fused kernels (<c>.Fused.cs</c>).
/// </para>
/// <para>
/// Instances are immutable and thread-safe; <see cref="ForSize"/> caches one per size. Methods do not allocate,
/// except <see cref="MultiplyAddTorus"/>'s per-thread scratch buffer on a thread's first use.
/// </para>
/// </remarks>
internal sealed partial class NegacyclicFft
{
    /// <summary>Smallest supported polynomial size.</summary>
    public const int MinPolynomialSize = 32;

    /// <summary>Largest supported polynomial size.</summary>
    public const int MaxPolynomialSize = 1 << 17;

    private static readonly ConcurrentDictionary<int, NegacyclicFft> Cache = new();

    [ThreadStatic]
    private static double[]? scratch;

    // Complex values per block for the block-by-block stages: 16 KiB of data, half a typical L1.
    private const int L1BlockComplex = 1024;

    private readonly int n;
    private readonly int m;
    private readonly bool simd;

    // omega^j and omega^-j / M (the inverse's 1/M scaling folded in; exact, as M is a power of two).
    private readonly double[] twistRe;
    private readonly double[] twistIm;
    private readonly double[] untwistRe;
    private readonly double[] untwistIm;

    // Stage twiddles exp(-i pi k / h), k < h, for h = M/2, M/4, ..., 4, each stage contiguous at offset M - 2h so
    // the vector loops load them without gathers.
    private readonly double[] twiddleRe;
    private readonly double[] twiddleIm;

    internal NegacyclicFft(int polynomialSize, bool useSimd)
    {
        CheckPolynomialSize(polynomialSize);
        n = polynomialSize;
        m = polynomialSize / 2;
        simd = useSimd && Avx2.IsSupported && Fma.IsSupported;

        twistRe = new double[m];
        twistIm = new double[m];
        untwistRe = new double[m];
        untwistIm = new double[m];
        double inverseM = 1.0 / m;
        for (int j = 0; j < m; j++)
        {
            // CosPi/SinPi of the exact binary fraction j/N: correctly reduced, no 2*pi rounding error.
            double c = double.CosPi((double)j / n);
            double s = double.SinPi((double)j / n);
            twistRe[j] = c;
            twistIm[j] = s;
            untwistRe[j] = c * inverseM;
            untwistIm[j] = s * inverseM;
        }

        twiddleRe = new double[m];
        twiddleIm = new double[m];
        for (int h = m / 2; h >= 4; h >>= 1)
        {
            int offset = m - 2 * h;
            for (int k = 0; k < h; k++)
            {
                twiddleRe[offset + k] = double.CosPi((double)k / h);
                twiddleIm[offset + k] = -double.SinPi((double)k / h);
            }
        }
    }

    /// <summary>The coefficient-domain size <c>N</c>.</summary>
    public int PolynomialSize => n;

    /// <summary>The number of complex Fourier values, <c>N / 2</c>.</summary>
    public int FourierSize => m;

    /// <summary>Whether the AVX2/FMA kernels are in use (otherwise portable scalar code).</summary>
    public bool IsVectorized => simd;

    /// <summary>The shared transform for polynomial size <paramref name="polynomialSize"/> (computed once per size).</summary>
    /// <param name="polynomialSize">A power of two in <c>[32, 131072]</c>.</param>
    public static NegacyclicFft ForSize(int polynomialSize)
    {
        CheckPolynomialSize(polynomialSize);
        return Cache.GetOrAdd(polynomialSize, static size => new NegacyclicFft(size, useSimd: true));
    }

    /// <summary>
    /// Forward transform of a torus polynomial (coefficients read as signed 64-bit integers, i.e. centered torus
    /// values); the conversion to double keeps 53 bits, part of the external product's noise.
    /// </summary>
    /// <param name="coefficients">N coefficients.</param>
    /// <param name="fourier">N doubles, overwritten.</param>
    public void ForwardTorus(ReadOnlySpan<ulong> coefficients, Span<double> fourier) =>
        ForwardInteger(MemoryMarshal.Cast<ulong, long>(coefficients), fourier);

    /// <summary>Forward transform of a signed integer polynomial (e.g. one level of a gadget decomposition).</summary>
    /// <param name="coefficients">N coefficients.</param>
    /// <param name="fourier">N doubles, overwritten.</param>
    public void ForwardInteger(ReadOnlySpan<long> coefficients, Span<double> fourier)
    {
        if (coefficients.Length != n)
            throw new ArgumentException($"Expected {n} coefficients.", nameof(coefficients));
        CheckFourier(fourier, nameof(fourier));
        ref long src = ref MemoryMarshal.GetReference(coefficients);
        ref double re = ref MemoryMarshal.GetReference(fourier);
        ref double im = ref Unsafe.Add(ref re, m);
        if (simd)
        {
            FoldAvx(ref src, ref re, ref im);
            ForwardFftAvx(ref re, ref im);
        }
        else
        {
            FoldScalar(ref src, ref re, ref im);
            for (int h = m / 2; h >= 4; h >>= 1)
                ForwardStageScalar(ref re, ref im, h);
            ForwardLastStagesScalar(ref re, ref im);
        }
    }

    /// <summary>
    /// Inverse transform, rounded to integers mod 2^64 and written to <paramref name="result"/>.
    /// <paramref name="fourier"/> is used as work space and left unspecified.
    /// </summary>
    /// <param name="fourier">N doubles, destroyed.</param>
    /// <param name="result">N torus coefficients, overwritten.</param>
    public void BackwardTorus(Span<double> fourier, Span<ulong> result) => Backward(fourier, result, accumulate: false);

    /// <summary>
    /// Inverse transform, rounded to integers mod 2^64 and added (wrapping) to <paramref name="accumulator"/>.
    /// <paramref name="fourier"/> is used as work space and left unspecified.
    /// </summary>
    /// <param name="fourier">N doubles, destroyed.</param>
    /// <param name="accumulator">N torus coefficients, accumulated into.</param>
    public void BackwardAddTorus(Span<double> fourier, Span<ulong> accumulator) =>
        Backward(fourier, accumulator, accumulate: true);

    /// <summary>
    /// Inverse transform in place, without rounding: on return <paramref name="fourier"/> holds the <c>N</c> real
    /// coefficients (coefficient <c>j</c> at index <c>j</c>). For exact integer products whose caller rounds and
    /// checks the distance to the nearest integer itself (<see cref="Algorithms.NegacyclicBinary"/>).
    /// </summary>
    /// <param name="fourier">N doubles: a Fourier buffer on entry, the coefficients on return.</param>
    internal void BackwardInPlace(Span<double> fourier)
    {
        CheckFourier(fourier, nameof(fourier));
        ref double re = ref MemoryMarshal.GetReference(fourier);
        ref double im = ref Unsafe.Add(ref re, m);
        if (simd)
        {
            InverseFftAvx(ref re, ref im);
            UnfoldRealAvx(ref re, ref im);
        }
        else
        {
            InverseLastStagesScalar(ref re, ref im);
            for (int h = 4; h <= m / 2; h <<= 1)
                InverseStageScalar(ref re, ref im, h);
            UnfoldRealScalar(ref re, ref im);
        }
    }

    /// <summary>
    /// <c>accumulator += smallPoly * torusPoly mod (X^N + 1)</c>, where <paramref name="torusFourier"/> is the
    /// forward transform of the torus polynomial (<see cref="ForwardTorus"/>). Uses a per-thread scratch buffer.
    /// The external product should rather accumulate all its products with <see cref="MultiplyAccumulate"/> and
    /// run one <see cref="BackwardAddTorus"/> per output polynomial.
    /// </summary>
    /// <param name="accumulator">N torus coefficients, accumulated into.</param>
    /// <param name="smallPoly">N small signed coefficients.</param>
    /// <param name="torusFourier">N doubles: the Fourier form of the torus factor.</param>
    public void MultiplyAddTorus(Span<ulong> accumulator, ReadOnlySpan<long> smallPoly, ReadOnlySpan<double> torusFourier)
    {
        CheckFourier(torusFourier, nameof(torusFourier));
        double[] buffer = scratch is { } s && s.Length >= n ? s : (scratch = new double[System.Math.Max(n, 2048)]);
        Span<double> work = buffer.AsSpan(0, n);
        ForwardInteger(smallPoly, work);
        Multiply(work, work, torusFourier);
        BackwardAddTorus(work, accumulator);
    }

    /// <summary>
    /// <c>accumulator += a * b</c> pointwise on Fourier buffers (the external product's inner loop). Vectorized,
    /// allocation-free.
    /// </summary>
    /// <param name="accumulator">Fourier buffer (real parts then imaginary parts), accumulated into.</param>
    /// <param name="a">Fourier buffer of the same length.</param>
    /// <param name="b">Fourier buffer of the same length.</param>
    public static void MultiplyAccumulate(Span<double> accumulator, ReadOnlySpan<double> a, ReadOnlySpan<double> b)
        => MultiplyAccumulateCore(accumulator, a, b, overwrite: false);

    /// <summary>
    /// <c>accumulator = a * b</c> with exactly the rounding of clearing <paramref name="accumulator"/> to +0 and then
    /// calling <see cref="MultiplyAccumulate(Span{double}, ReadOnlySpan{double}, ReadOnlySpan{double})"/>: the first
    /// product of an external product starts the sum without a separate clear pass (bit-identical results).
    /// </summary>
    public static void MultiplyAccumulateFirst(Span<double> accumulator, ReadOnlySpan<double> a, ReadOnlySpan<double> b)
        => MultiplyAccumulateCore(accumulator, a, b, overwrite: true);

    private static void MultiplyAccumulateCore(Span<double> accumulator, ReadOnlySpan<double> a, ReadOnlySpan<double> b, bool overwrite)
    {
        int half = CheckPointwise(accumulator.Length, a.Length, b.Length);
        ref double accRe = ref MemoryMarshal.GetReference(accumulator);
        ref double accIm = ref Unsafe.Add(ref accRe, half);
        ref double aRe = ref MemoryMarshal.GetReference(a);
        ref double aIm = ref Unsafe.Add(ref aRe, half);
        ref double bRe = ref MemoryMarshal.GetReference(b);
        ref double bIm = ref Unsafe.Add(ref bRe, half);
        nuint j = 0;
        nuint count = (nuint)half;
        // Both vector loops run the same operations per lane: the width does not change the result.
        if (Avx512F.IsSupported)
            j = MultiplyAccumulateVector512(ref accRe, ref accIm, ref aRe, ref aIm, ref bRe, ref bIm, count, overwrite);
        else if (Fma.IsSupported)
            j = MultiplyAccumulateVector256(ref accRe, ref accIm, ref aRe, ref aIm, ref bRe, ref bIm, count, overwrite);
        MultiplyAccumulateScalar(ref accRe, ref accIm, ref aRe, ref aIm, ref bRe, ref bIm, j, count, overwrite);
    }

    /// <summary>
    /// <c>result = a * b</c> pointwise on Fourier buffers. <paramref name="result"/> may be the same buffer as
    /// <paramref name="a"/> or <paramref name="b"/> (not a shifted overlap).
    /// </summary>
    /// <param name="result">Fourier buffer, overwritten.</param>
    /// <param name="a">Fourier buffer of the same length.</param>
    /// <param name="b">Fourier buffer of the same length.</param>
    public static void Multiply(Span<double> result, ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int half = CheckPointwise(result.Length, a.Length, b.Length);
        ref double rRe = ref MemoryMarshal.GetReference(result);
        ref double rIm = ref Unsafe.Add(ref rRe, half);
        ref double aRe = ref MemoryMarshal.GetReference(a);
        ref double aIm = ref Unsafe.Add(ref aRe, half);
        ref double bRe = ref MemoryMarshal.GetReference(b);
        ref double bIm = ref Unsafe.Add(ref bRe, half);
        nuint j = 0;
        nuint count = (nuint)half;
        if (Fma.IsSupported)
        {
            for (; j + 4 <= count; j += 4)
            {
                var ar = Vector256.LoadUnsafe(ref aRe, j);
                var ai = Vector256.LoadUnsafe(ref aIm, j);
                var br = Vector256.LoadUnsafe(ref bRe, j);
                var bi = Vector256.LoadUnsafe(ref bIm, j);
                Fma.MultiplySubtract(ar, br, ai * bi).StoreUnsafe(ref rRe, j);
                Fma.MultiplyAdd(ar, bi, ai * br).StoreUnsafe(ref rIm, j);
            }
        }

        for (; j < count; j++)
        {
            double ar = Unsafe.Add(ref aRe, j), ai = Unsafe.Add(ref aIm, j);
            double br = Unsafe.Add(ref bRe, j), bi = Unsafe.Add(ref bIm, j);
            Unsafe.Add(ref rRe, j) = ar * br - ai * bi;
            Unsafe.Add(ref rIm, j) = ar * bi + ai * br;
        }
    }

    internal static void CheckPolynomialSize(int polynomialSize)
    {
        if (polynomialSize < MinPolynomialSize || polynomialSize > MaxPolynomialSize ||
            !BitOperations.IsPow2(polynomialSize))
        {
            throw new ArgumentOutOfRangeException(nameof(polynomialSize), polynomialSize,
                $"Expected a power of two in [{MinPolynomialSize}, {MaxPolynomialSize}].");
        }
    }

    private static int CheckPointwise(int result, int a, int b)
    {
        if (result != a || result != b || (result & 1) != 0)
            throw new ArgumentException("Fourier buffers must have the same even length.");
        return result / 2;
    }

    private void CheckFourier(ReadOnlySpan<double> fourier, string name)
    {
        if (fourier.Length != n)
            throw new ArgumentException($"Expected a Fourier buffer of {n} doubles.", name);
    }

    private void Backward(Span<double> fourier, Span<ulong> result, bool accumulate)
    {
        CheckFourier(fourier, nameof(fourier));
        if (result.Length != n)
            throw new ArgumentException($"Expected {n} coefficients.", nameof(result));
        ref double re = ref MemoryMarshal.GetReference(fourier);
        ref double im = ref Unsafe.Add(ref re, m);
        ref ulong dst = ref MemoryMarshal.GetReference(result);
        if (simd)
        {
            InverseFftAvx(ref re, ref im);
            UnfoldAvx(ref re, ref im, ref dst, accumulate);
        }
        else
        {
            InverseLastStagesScalar(ref re, ref im);
            for (int h = 4; h <= m / 2; h <<= 1)
                InverseStageScalar(ref re, ref im, h);
            UnfoldScalar(ref re, ref im, ref dst, accumulate);
        }
    }
}
