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
        if (Avx512F.IsSupported)
        {
            for (; j + 8 <= count; j += 8)
            {
                var ar = Vector512.LoadUnsafe(ref aRe, j);
                var ai = Vector512.LoadUnsafe(ref aIm, j);
                var br = Vector512.LoadUnsafe(ref bRe, j);
                var bi = Vector512.LoadUnsafe(ref bIm, j);
                // +0 start: fma(x, y, +0) rounds like the cleared buffer did.
                var cr = overwrite ? Vector512<double>.Zero : Vector512.LoadUnsafe(ref accRe, j);
                var ci = overwrite ? Vector512<double>.Zero : Vector512.LoadUnsafe(ref accIm, j);
                cr = Avx512F.FusedMultiplyAdd(ar, br, cr);
                ci = Avx512F.FusedMultiplyAdd(ar, bi, ci);
                cr = Avx512F.FusedMultiplyAddNegated(ai, bi, cr);
                ci = Avx512F.FusedMultiplyAdd(ai, br, ci);
                cr.StoreUnsafe(ref accRe, j);
                ci.StoreUnsafe(ref accIm, j);
            }
        }
        else if (Fma.IsSupported)
        {
            for (; j + 4 <= count; j += 4)
            {
                var ar = Vector256.LoadUnsafe(ref aRe, j);
                var ai = Vector256.LoadUnsafe(ref aIm, j);
                var br = Vector256.LoadUnsafe(ref bRe, j);
                var bi = Vector256.LoadUnsafe(ref bIm, j);
                var cr = overwrite ? Vector256<double>.Zero : Vector256.LoadUnsafe(ref accRe, j);
                var ci = overwrite ? Vector256<double>.Zero : Vector256.LoadUnsafe(ref accIm, j);
                cr = Fma.MultiplyAdd(ar, br, cr);
                ci = Fma.MultiplyAdd(ar, bi, ci);
                cr = Fma.MultiplyAddNegated(ai, bi, cr);
                ci = Fma.MultiplyAdd(ai, br, ci);
                cr.StoreUnsafe(ref accRe, j);
                ci.StoreUnsafe(ref accIm, j);
            }
        }

        for (; j < count; j++)
        {
            double ar = Unsafe.Add(ref aRe, j), ai = Unsafe.Add(ref aIm, j);
            double br = Unsafe.Add(ref bRe, j), bi = Unsafe.Add(ref bIm, j);
            double cr = overwrite ? 0.0 : Unsafe.Add(ref accRe, j), ci = overwrite ? 0.0 : Unsafe.Add(ref accIm, j);
            Unsafe.Add(ref accRe, j) = cr + (ar * br - ai * bi);
            Unsafe.Add(ref accIm, j) = ci + (ar * bi + ai * br);
        }
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

    // ---- Scalar kernels (the reference for the vector ones; used without AVX2/FMA). ----

    private void FoldScalar(ref long src, ref double re, ref double im)
    {
        for (int j = 0; j < m; j++)
        {
            double a = Unsafe.Add(ref src, j);
            double b = Unsafe.Add(ref src, j + m);
            double tr = twistRe[j], ti = twistIm[j];
            Unsafe.Add(ref re, j) = a * tr - b * ti;
            Unsafe.Add(ref im, j) = a * ti + b * tr;
        }
    }

    // Decimation in frequency: (x, y) -> (x + y, (x - y) w_k) within blocks of 2h.
    private void ForwardStageScalar(ref double re, ref double im, int h)
    {
        int offset = m - 2 * h;
        for (int start = 0; start < m; start += 2 * h)
        {
            for (int k = 0; k < h; k++)
            {
                ref double xr = ref Unsafe.Add(ref re, start + k);
                ref double xi = ref Unsafe.Add(ref im, start + k);
                ref double yr = ref Unsafe.Add(ref re, start + h + k);
                ref double yi = ref Unsafe.Add(ref im, start + h + k);
                double dr = xr - yr, di = xi - yi;
                xr += yr;
                xi += yi;
                double wr = twiddleRe[offset + k], wi = twiddleIm[offset + k];
                yr = dr * wr - di * wi;
                yi = dr * wi + di * wr;
            }
        }
    }

    // Inverse of ForwardStageScalar, times 2: (x, y) -> (x + y conj(w), x - y conj(w)).
    private void InverseStageScalar(ref double re, ref double im, int h)
    {
        int offset = m - 2 * h;
        for (int start = 0; start < m; start += 2 * h)
        {
            for (int k = 0; k < h; k++)
            {
                ref double xr = ref Unsafe.Add(ref re, start + k);
                ref double xi = ref Unsafe.Add(ref im, start + k);
                ref double yr = ref Unsafe.Add(ref re, start + h + k);
                ref double yi = ref Unsafe.Add(ref im, start + h + k);
                double wr = twiddleRe[offset + k], wi = twiddleIm[offset + k];
                double tr = yr * wr + yi * wi;
                double ti = yi * wr - yr * wi;
                yr = xr - tr;
                yi = xi - ti;
                xr += tr;
                xi += ti;
            }
        }
    }

    // The stages h = 2 and h = 1 (twiddles 1 and -i only) as one radix-4 step per group of 4, writing output t of
    // group g of each 16-block at 4t + g: the layout the AVX kernel leaves after its 4x4 transposes.
    private void ForwardLastStagesScalar(ref double re, ref double im)
    {
        Span<double> xr = stackalloc double[16];
        Span<double> xi = stackalloc double[16];
        for (int b = 0; b < m; b += 16)
        {
            for (int t = 0; t < 16; t++)
            {
                xr[t] = Unsafe.Add(ref re, b + t);
                xi[t] = Unsafe.Add(ref im, b + t);
            }

            for (int g = 0; g < 4; g++)
            {
                int o = 4 * g;
                double a0r = xr[o] + xr[o + 2], a0i = xi[o] + xi[o + 2];
                double a2r = xr[o] - xr[o + 2], a2i = xi[o] - xi[o + 2];
                double a1r = xr[o + 1] + xr[o + 3], a1i = xi[o + 1] + xi[o + 3];
                double dr = xr[o + 1] - xr[o + 3], di = xi[o + 1] - xi[o + 3];
                Unsafe.Add(ref re, b + g) = a0r + a1r;
                Unsafe.Add(ref im, b + g) = a0i + a1i;
                Unsafe.Add(ref re, b + 4 + g) = a0r - a1r;
                Unsafe.Add(ref im, b + 4 + g) = a0i - a1i;
                Unsafe.Add(ref re, b + 8 + g) = a2r + di;
                Unsafe.Add(ref im, b + 8 + g) = a2i - dr;
                Unsafe.Add(ref re, b + 12 + g) = a2r - di;
                Unsafe.Add(ref im, b + 12 + g) = a2i + dr;
            }
        }
    }

    private void InverseLastStagesScalar(ref double re, ref double im)
    {
        Span<double> yr = stackalloc double[16];
        Span<double> yi = stackalloc double[16];
        for (int b = 0; b < m; b += 16)
        {
            for (int t = 0; t < 16; t++)
            {
                yr[t] = Unsafe.Add(ref re, b + t);
                yi[t] = Unsafe.Add(ref im, b + t);
            }

            for (int g = 0; g < 4; g++)
            {
                double a0r = yr[g] + yr[4 + g], a0i = yi[g] + yi[4 + g];
                double a1r = yr[g] - yr[4 + g], a1i = yi[g] - yi[4 + g];
                double a2r = yr[8 + g] + yr[12 + g], a2i = yi[8 + g] + yi[12 + g];
                double a3r = yr[8 + g] - yr[12 + g], a3i = yi[8 + g] - yi[12 + g];
                // i * a3 undoes the forward's multiplication by -i.
                double dr = -a3i, di = a3r;
                int o = b + 4 * g;
                Unsafe.Add(ref re, o) = a0r + a2r;
                Unsafe.Add(ref im, o) = a0i + a2i;
                Unsafe.Add(ref re, o + 2) = a0r - a2r;
                Unsafe.Add(ref im, o + 2) = a0i - a2i;
                Unsafe.Add(ref re, o + 1) = a1r + dr;
                Unsafe.Add(ref im, o + 1) = a1i + di;
                Unsafe.Add(ref re, o + 3) = a1r - dr;
                Unsafe.Add(ref im, o + 3) = a1i - di;
            }
        }
    }

    private void UnfoldScalar(ref double re, ref double im, ref ulong dst, bool accumulate)
    {
        for (int j = 0; j < m; j++)
        {
            double cr = Unsafe.Add(ref re, j), ci = Unsafe.Add(ref im, j);
            double tr = untwistRe[j], ti = untwistIm[j];
            ulong lo = Torus.WrapRound(cr * tr + ci * ti);
            ulong hi = Torus.WrapRound(ci * tr - cr * ti);
            if (accumulate)
            {
                Unsafe.Add(ref dst, j) += lo;
                Unsafe.Add(ref dst, j + m) += hi;
            }
            else
            {
                Unsafe.Add(ref dst, j) = lo;
                Unsafe.Add(ref dst, j + m) = hi;
            }
        }
    }

    // Unfold without rounding, in place: value j (re[j], im[j]) becomes coefficients j and j + M, which are the
    // same two slots of the buffer, so each step reads its slots before writing them.
    private void UnfoldRealScalar(ref double re, ref double im)
    {
        for (int j = 0; j < m; j++)
        {
            double cr = Unsafe.Add(ref re, j), ci = Unsafe.Add(ref im, j);
            double tr = untwistRe[j], ti = untwistIm[j];
            Unsafe.Add(ref re, j) = cr * tr + ci * ti;
            Unsafe.Add(ref im, j) = ci * tr - cr * ti;
        }
    }

    // ---- AVX2/FMA kernels: the same operations, four lanes at a time, with pairs of radix-2 stages fused into
    // radix-4 passes (half the loads and stores) and the small stages run block by block while a block fits L1. ----

    // The h of the first stage run block by block: stages above it sweep the whole buffer.
    private int BlockStageH()
    {
        int h = m / 2;
        while (2 * h > L1BlockComplex && h >= 8)
            h >>= 2;
        return h;
    }

    // skipTop: the first pass (radix-4 at h = M/2, always the first) was already done by a fused kernel.
    private void ForwardFftAvx(ref double re, ref double im, bool skipTop = false)
    {
        int blockH = BlockStageH();
        int top = skipTop ? m / 2 : 0;
        for (int h = m / 2; h > blockH; h >>= 2)
        {
            if (h != top)
                ForwardRadix4Avx(ref re, ref im, 0, m, h);
        }

        for (int start = 0; start < m; start += 2 * blockH)
        {
            int h = blockH;
            for (; h >= 8; h >>= 2)
            {
                if (h != top)
                    ForwardRadix4Avx(ref re, ref im, start, 2 * blockH, h);
            }

            if (h == 4)
                ForwardStageAvx(ref re, ref im, start, 2 * blockH, 4);
            ForwardLastStagesAvx(ref re, ref im, start, 2 * blockH);
        }
    }

    // Exactly the forward's passes, undone in reverse order. skipTop: leave out the last pass (radix-4 at h = M/2,
    // always the last), which a fused kernel runs instead.
    private void InverseFftAvx(ref double re, ref double im, bool skipTop = false)
    {
        int blockH = BlockStageH();
        int top = skipTop ? m / 2 : 0;
        int lowest = blockH;
        while (lowest >= 8)
            lowest >>= 2;
        for (int start = 0; start < m; start += 2 * blockH)
        {
            InverseLastStagesAvx(ref re, ref im, start, 2 * blockH);
            if (lowest == 4)
                InverseStageAvx(ref re, ref im, start, 2 * blockH, 4);
            for (int h = lowest * 4; h <= blockH; h <<= 2)
            {
                if (h != top)
                    InverseRadix4Avx(ref re, ref im, start, 2 * blockH, h);
            }
        }

        for (int h = blockH * 4; h <= m / 2; h <<= 2)
        {
            if (h != top)
                InverseRadix4Avx(ref re, ref im, 0, m, h);
        }
    }

    // Stages h and h/2 at once on x0..x3 = elements k, k + h/2, k + h, k + 3h/2 of each block of 2h (k < h/2):
    // stage h pairs (x0, x2) with twiddle W_h[k] and (x1, x3) with W_h[k + h/2] = -i W_h[k]; stage h/2 pairs the
    // results with W_{h/2}[k].
    private void ForwardRadix4Avx(ref double re, ref double im, int begin, int length, int h)
    {
        int q = h / 2;
        ref double w1r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - 2 * h);
        ref double w1i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - 2 * h);
        ref double w2r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - h);
        ref double w2i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - h);
        for (int start = begin; start < begin + length; start += 2 * h)
        {
            ref double r0 = ref Unsafe.Add(ref re, start);
            ref double i0 = ref Unsafe.Add(ref im, start);
            ref double r1 = ref Unsafe.Add(ref r0, q);
            ref double i1 = ref Unsafe.Add(ref i0, q);
            ref double r2 = ref Unsafe.Add(ref r0, h);
            ref double i2 = ref Unsafe.Add(ref i0, h);
            ref double r3 = ref Unsafe.Add(ref r2, q);
            ref double i3 = ref Unsafe.Add(ref i2, q);
            for (nuint k = 0; k < (nuint)q; k += 4)
            {
                var x0r = Vector256.LoadUnsafe(ref r0, k);
                var x0i = Vector256.LoadUnsafe(ref i0, k);
                var x1r = Vector256.LoadUnsafe(ref r1, k);
                var x1i = Vector256.LoadUnsafe(ref i1, k);
                var x2r = Vector256.LoadUnsafe(ref r2, k);
                var x2i = Vector256.LoadUnsafe(ref i2, k);
                var x3r = Vector256.LoadUnsafe(ref r3, k);
                var x3i = Vector256.LoadUnsafe(ref i3, k);
                var ar = Vector256.LoadUnsafe(ref w1r, k);
                var ai = Vector256.LoadUnsafe(ref w1i, k);
                var br = Vector256.LoadUnsafe(ref w2r, k);
                var bi = Vector256.LoadUnsafe(ref w2i, k);

                var a0r = x0r + x2r;
                var a0i = x0i + x2i;
                var dr = x0r - x2r;
                var di = x0i - x2i;
                var a1r = x1r + x3r;
                var a1i = x1i + x3i;
                var er = x1r - x3r;
                var ei = x1i - x3i;
                // a2 = d W_h[k]; a3 = e (-i) W_h[k] = (ei - i er) W_h[k].
                var a2r = Fma.MultiplySubtract(dr, ar, di * ai);
                var a2i = Fma.MultiplyAdd(dr, ai, di * ar);
                var a3r = Fma.MultiplyAdd(ei, ar, er * ai);
                var a3i = Fma.MultiplySubtract(ei, ai, er * ar);

                (a0r + a1r).StoreUnsafe(ref r0, k);
                (a0i + a1i).StoreUnsafe(ref i0, k);
                var fr = a0r - a1r;
                var fi = a0i - a1i;
                Fma.MultiplySubtract(fr, br, fi * bi).StoreUnsafe(ref r1, k);
                Fma.MultiplyAdd(fr, bi, fi * br).StoreUnsafe(ref i1, k);
                (a2r + a3r).StoreUnsafe(ref r2, k);
                (a2i + a3i).StoreUnsafe(ref i2, k);
                var gr = a2r - a3r;
                var gi = a2i - a3i;
                Fma.MultiplySubtract(gr, br, gi * bi).StoreUnsafe(ref r3, k);
                Fma.MultiplyAdd(gr, bi, gi * br).StoreUnsafe(ref i3, k);
            }
        }
    }

    // Inverse of ForwardRadix4Avx, times 4.
    private void InverseRadix4Avx(ref double re, ref double im, int begin, int length, int h)
    {
        int q = h / 2;
        ref double w1r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - 2 * h);
        ref double w1i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - 2 * h);
        ref double w2r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - h);
        ref double w2i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - h);
        for (int start = begin; start < begin + length; start += 2 * h)
        {
            ref double r0 = ref Unsafe.Add(ref re, start);
            ref double i0 = ref Unsafe.Add(ref im, start);
            ref double r1 = ref Unsafe.Add(ref r0, q);
            ref double i1 = ref Unsafe.Add(ref i0, q);
            ref double r2 = ref Unsafe.Add(ref r0, h);
            ref double i2 = ref Unsafe.Add(ref i0, h);
            ref double r3 = ref Unsafe.Add(ref r2, q);
            ref double i3 = ref Unsafe.Add(ref i2, q);
            for (nuint k = 0; k < (nuint)q; k += 4)
            {
                var y0r = Vector256.LoadUnsafe(ref r0, k);
                var y0i = Vector256.LoadUnsafe(ref i0, k);
                var y1r = Vector256.LoadUnsafe(ref r1, k);
                var y1i = Vector256.LoadUnsafe(ref i1, k);
                var y2r = Vector256.LoadUnsafe(ref r2, k);
                var y2i = Vector256.LoadUnsafe(ref i2, k);
                var y3r = Vector256.LoadUnsafe(ref r3, k);
                var y3i = Vector256.LoadUnsafe(ref i3, k);
                var ar = Vector256.LoadUnsafe(ref w1r, k);
                var ai = Vector256.LoadUnsafe(ref w1i, k);
                var br = Vector256.LoadUnsafe(ref w2r, k);
                var bi = Vector256.LoadUnsafe(ref w2i, k);

                // Undo stage h/2: t = y conj(W_{h/2}[k]).
                var t1r = Fma.MultiplyAdd(y1r, br, y1i * bi);
                var t1i = Fma.MultiplySubtract(y1i, br, y1r * bi);
                var t3r = Fma.MultiplyAdd(y3r, br, y3i * bi);
                var t3i = Fma.MultiplySubtract(y3i, br, y3r * bi);
                var a0r = y0r + t1r;
                var a0i = y0i + t1i;
                var a1r = y0r - t1r;
                var a1i = y0i - t1i;
                var a2r = y2r + t3r;
                var a2i = y2i + t3i;
                var a3r = y2r - t3r;
                var a3i = y2i - t3i;

                // Undo stage h: u = a2 conj(W_h[k]); v = a3 conj(W_h[k]), then i v undoes the -i.
                var ur = Fma.MultiplyAdd(a2r, ar, a2i * ai);
                var ui = Fma.MultiplySubtract(a2i, ar, a2r * ai);
                var vr = Fma.MultiplyAdd(a3r, ar, a3i * ai);
                var vi = Fma.MultiplySubtract(a3i, ar, a3r * ai);
                (a0r + ur).StoreUnsafe(ref r0, k);
                (a0i + ui).StoreUnsafe(ref i0, k);
                (a0r - ur).StoreUnsafe(ref r2, k);
                (a0i - ui).StoreUnsafe(ref i2, k);
                (a1r - vi).StoreUnsafe(ref r1, k);
                (a1i + vr).StoreUnsafe(ref i1, k);
                (a1r + vi).StoreUnsafe(ref r3, k);
                (a1i - vr).StoreUnsafe(ref i3, k);
            }
        }
    }

    private void FoldAvx(ref long src, ref double re, ref double im)
    {
        ref double twr = ref MemoryMarshal.GetArrayDataReference(twistRe);
        ref double twi = ref MemoryMarshal.GetArrayDataReference(twistIm);
        ref long srcHigh = ref Unsafe.Add(ref src, m);
        for (nuint j = 0; j < (nuint)m; j += 4)
        {
            var a = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref src, j));
            var b = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref srcHigh, j));
            var tr = Vector256.LoadUnsafe(ref twr, j);
            var ti = Vector256.LoadUnsafe(ref twi, j);
            Fma.MultiplySubtract(a, tr, b * ti).StoreUnsafe(ref re, j);
            Fma.MultiplyAdd(a, ti, b * tr).StoreUnsafe(ref im, j);
        }
    }

    private void ForwardStageAvx(ref double re, ref double im, int begin, int length, int h)
    {
        ref double twr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - 2 * h);
        ref double twi = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - 2 * h);
        for (int start = begin; start < begin + length; start += 2 * h)
        {
            ref double xr = ref Unsafe.Add(ref re, start);
            ref double xi = ref Unsafe.Add(ref im, start);
            ref double yr = ref Unsafe.Add(ref xr, h);
            ref double yi = ref Unsafe.Add(ref xi, h);
            for (nuint k = 0; k < (nuint)h; k += 4)
            {
                var ar = Vector256.LoadUnsafe(ref xr, k);
                var ai = Vector256.LoadUnsafe(ref xi, k);
                var br = Vector256.LoadUnsafe(ref yr, k);
                var bi = Vector256.LoadUnsafe(ref yi, k);
                var wr = Vector256.LoadUnsafe(ref twr, k);
                var wi = Vector256.LoadUnsafe(ref twi, k);
                (ar + br).StoreUnsafe(ref xr, k);
                (ai + bi).StoreUnsafe(ref xi, k);
                var dr = ar - br;
                var di = ai - bi;
                Fma.MultiplySubtract(dr, wr, di * wi).StoreUnsafe(ref yr, k);
                Fma.MultiplyAdd(dr, wi, di * wr).StoreUnsafe(ref yi, k);
            }
        }
    }

    private void InverseStageAvx(ref double re, ref double im, int begin, int length, int h)
    {
        ref double twr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - 2 * h);
        ref double twi = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - 2 * h);
        for (int start = begin; start < begin + length; start += 2 * h)
        {
            ref double xr = ref Unsafe.Add(ref re, start);
            ref double xi = ref Unsafe.Add(ref im, start);
            ref double yr = ref Unsafe.Add(ref xr, h);
            ref double yi = ref Unsafe.Add(ref xi, h);
            for (nuint k = 0; k < (nuint)h; k += 4)
            {
                var ar = Vector256.LoadUnsafe(ref xr, k);
                var ai = Vector256.LoadUnsafe(ref xi, k);
                var br = Vector256.LoadUnsafe(ref yr, k);
                var bi = Vector256.LoadUnsafe(ref yi, k);
                var wr = Vector256.LoadUnsafe(ref twr, k);
                var wi = Vector256.LoadUnsafe(ref twi, k);
                var tr = Fma.MultiplyAdd(br, wr, bi * wi);
                var ti = Fma.MultiplySubtract(bi, wr, br * wi);
                (ar + tr).StoreUnsafe(ref xr, k);
                (ai + ti).StoreUnsafe(ref xi, k);
                (ar - tr).StoreUnsafe(ref yr, k);
                (ai - ti).StoreUnsafe(ref yi, k);
            }
        }
    }

    private static void ForwardLastStagesAvx(ref double re, ref double im, int begin, int length)
    {
        for (nuint b = (nuint)begin; b < (nuint)(begin + length); b += 16)
        {
            var x0r = Vector256.LoadUnsafe(ref re, b);
            var x1r = Vector256.LoadUnsafe(ref re, b + 4);
            var x2r = Vector256.LoadUnsafe(ref re, b + 8);
            var x3r = Vector256.LoadUnsafe(ref re, b + 12);
            var x0i = Vector256.LoadUnsafe(ref im, b);
            var x1i = Vector256.LoadUnsafe(ref im, b + 4);
            var x2i = Vector256.LoadUnsafe(ref im, b + 8);
            var x3i = Vector256.LoadUnsafe(ref im, b + 12);
            // After the transpose, vector t holds element t of each of the four groups.
            Transpose(ref x0r, ref x1r, ref x2r, ref x3r);
            Transpose(ref x0i, ref x1i, ref x2i, ref x3i);
            var a0r = x0r + x2r;
            var a0i = x0i + x2i;
            var a2r = x0r - x2r;
            var a2i = x0i - x2i;
            var a1r = x1r + x3r;
            var a1i = x1i + x3i;
            var dr = x1r - x3r;
            var di = x1i - x3i;
            (a0r + a1r).StoreUnsafe(ref re, b);
            (a0i + a1i).StoreUnsafe(ref im, b);
            (a0r - a1r).StoreUnsafe(ref re, b + 4);
            (a0i - a1i).StoreUnsafe(ref im, b + 4);
            (a2r + di).StoreUnsafe(ref re, b + 8);
            (a2i - dr).StoreUnsafe(ref im, b + 8);
            (a2r - di).StoreUnsafe(ref re, b + 12);
            (a2i + dr).StoreUnsafe(ref im, b + 12);
        }
    }

    private static void InverseLastStagesAvx(ref double re, ref double im, int begin, int length)
    {
        for (nuint b = (nuint)begin; b < (nuint)(begin + length); b += 16)
        {
            var y0r = Vector256.LoadUnsafe(ref re, b);
            var y1r = Vector256.LoadUnsafe(ref re, b + 4);
            var y2r = Vector256.LoadUnsafe(ref re, b + 8);
            var y3r = Vector256.LoadUnsafe(ref re, b + 12);
            var y0i = Vector256.LoadUnsafe(ref im, b);
            var y1i = Vector256.LoadUnsafe(ref im, b + 4);
            var y2i = Vector256.LoadUnsafe(ref im, b + 8);
            var y3i = Vector256.LoadUnsafe(ref im, b + 12);
            var a0r = y0r + y1r;
            var a0i = y0i + y1i;
            var a1r = y0r - y1r;
            var a1i = y0i - y1i;
            var a2r = y2r + y3r;
            var a2i = y2i + y3i;
            var a3r = y2r - y3r;
            var a3i = y2i - y3i;
            // i * a3 = (-a3i, a3r).
            var x0r = a0r + a2r;
            var x0i = a0i + a2i;
            var x2r = a0r - a2r;
            var x2i = a0i - a2i;
            var x1r = a1r - a3i;
            var x1i = a1i + a3r;
            var x3r = a1r + a3i;
            var x3i = a1i - a3r;
            Transpose(ref x0r, ref x1r, ref x2r, ref x3r);
            Transpose(ref x0i, ref x1i, ref x2i, ref x3i);
            x0r.StoreUnsafe(ref re, b);
            x1r.StoreUnsafe(ref re, b + 4);
            x2r.StoreUnsafe(ref re, b + 8);
            x3r.StoreUnsafe(ref re, b + 12);
            x0i.StoreUnsafe(ref im, b);
            x1i.StoreUnsafe(ref im, b + 4);
            x2i.StoreUnsafe(ref im, b + 8);
            x3i.StoreUnsafe(ref im, b + 12);
        }
    }

    private void UnfoldAvx(ref double re, ref double im, ref ulong dst, bool accumulate)
    {
        ref double utr = ref MemoryMarshal.GetArrayDataReference(untwistRe);
        ref double uti = ref MemoryMarshal.GetArrayDataReference(untwistIm);
        ref ulong dstHigh = ref Unsafe.Add(ref dst, m);
        for (nuint j = 0; j < (nuint)m; j += 4)
        {
            var cr = Vector256.LoadUnsafe(ref re, j);
            var ci = Vector256.LoadUnsafe(ref im, j);
            var tr = Vector256.LoadUnsafe(ref utr, j);
            var ti = Vector256.LoadUnsafe(ref uti, j);
            var lo = WrapRound(Fma.MultiplyAdd(cr, tr, ci * ti));
            var hi = WrapRound(Fma.MultiplySubtract(ci, tr, cr * ti));
            if (accumulate)
            {
                lo += Vector256.LoadUnsafe(ref dst, j);
                hi += Vector256.LoadUnsafe(ref dstHigh, j);
            }

            lo.StoreUnsafe(ref dst, j);
            hi.StoreUnsafe(ref dstHigh, j);
        }
    }

    // UnfoldAvx without the rounding, in place (see UnfoldRealScalar).
    private void UnfoldRealAvx(ref double re, ref double im)
    {
        ref double utr = ref MemoryMarshal.GetArrayDataReference(untwistRe);
        ref double uti = ref MemoryMarshal.GetArrayDataReference(untwistIm);
        for (nuint j = 0; j < (nuint)m; j += 4)
        {
            var cr = Vector256.LoadUnsafe(ref re, j);
            var ci = Vector256.LoadUnsafe(ref im, j);
            var tr = Vector256.LoadUnsafe(ref utr, j);
            var ti = Vector256.LoadUnsafe(ref uti, j);
            Fma.MultiplyAdd(cr, tr, ci * ti).StoreUnsafe(ref re, j);
            Fma.MultiplySubtract(ci, tr, cr * ti).StoreUnsafe(ref im, j);
        }
    }

    // Vector form of Torus.WrapRound: round, reduce exactly into [-2^63, 2^63), convert (see the scalar's proof).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> WrapRound(Vector256<double> x)
    {
        var r = Avx.RoundToNearestInteger(x);
        var q = Avx.Floor(Fma.MultiplyAdd(r, Vector256.Create(Torus.InverseTwo64), Vector256.Create(0.5)));
        var reduced = Fma.MultiplyAddNegated(q, Vector256.Create(Torus.Two64), r);
        return Vector256.ConvertToInt64(reduced).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(
        ref Vector256<double> r0, ref Vector256<double> r1, ref Vector256<double> r2, ref Vector256<double> r3)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        r0 = Avx.Permute2x128(t0, t2, 0x20);
        r1 = Avx.Permute2x128(t1, t3, 0x20);
        r2 = Avx.Permute2x128(t0, t2, 0x31);
        r3 = Avx.Permute2x128(t1, t3, 0x31);
    }
}
