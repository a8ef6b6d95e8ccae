using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FheGen.Tfhe.Fft;

/// <summary>
/// Fused kernels for the blind rotation: each one does in a single sweep what the reference kernels do in two
/// (fold + first pass, last inverse pass + unfold + add, the multiply-accumulate of every GGSW row). They run the
/// same floating-point operations in the same order, only without the intermediate stores and loads, so their
/// results are bit-identical to <see cref="ForwardInteger"/>, <see cref="BackwardAddTorus"/> and a chain of
/// <see cref="MultiplyAccumulateFirst"/> / <see cref="MultiplyAccumulate"/>.
/// </summary>
internal sealed partial class NegacyclicFft
{
    /// <summary>
    /// <see cref="ForwardInteger"/> with the fold (conversion to double and twist) fused into the first radix-4 pass:
    /// one sweep less over the buffer. Same result bit for bit.
    /// </summary>
    /// <param name="coefficients">N signed coefficients.</param>
    /// <param name="fourier">N doubles, overwritten.</param>
    public void ForwardIntegerFused(ReadOnlySpan<long> coefficients, Span<double> fourier)
    {
        if (!simd)
        {
            ForwardInteger(coefficients, fourier);
            return;
        }

        if (coefficients.Length != n)
            throw new ArgumentException($"Expected {n} coefficients.", nameof(coefficients));
        CheckFourier(fourier, nameof(fourier));
        ref long src = ref MemoryMarshal.GetReference(coefficients);
        ref double re = ref MemoryMarshal.GetReference(fourier);
        ref double im = ref Unsafe.Add(ref re, m);
        FoldRadix4Avx(ref src, ref re, ref im);
        ForwardFftAvx(ref re, ref im, skipTop: true);
    }

    /// <summary>
    /// <see cref="BackwardAddTorus"/> with the untwist, rounding and wrapping add fused into the last inverse pass.
    /// Same result bit for bit. <paramref name="fourier"/> is destroyed.
    /// </summary>
    /// <param name="fourier">N doubles, destroyed.</param>
    /// <param name="accumulator">N torus coefficients, accumulated into.</param>
    public void BackwardAddTorusFused(Span<double> fourier, Span<ulong> accumulator)
    {
        if (!simd)
        {
            BackwardAddTorus(fourier, accumulator);
            return;
        }

        CheckFourier(fourier, nameof(fourier));
        if (accumulator.Length != n)
            throw new ArgumentException($"Expected {n} coefficients.", nameof(accumulator));
        ref double re = ref MemoryMarshal.GetReference(fourier);
        ref double im = ref Unsafe.Add(ref re, m);
        InverseFftAvx(ref re, ref im, skipTop: true);
        InverseRadix4UnfoldAddAvx(ref re, ref im, ref MemoryMarshal.GetReference(accumulator));
    }

    /// <summary>
    /// One output column of an external product in one sweep: <c>accumulator = Σ_r rows[r] · ggsw(r, column)</c>
    /// over the <paramref name="rowCount"/> rows, with the rounding of <see cref="MultiplyAccumulateFirst"/> for row 0
    /// then <see cref="MultiplyAccumulate"/> for each further row (the sum lives in registers instead of memory).
    /// While it streams the GGSW it prefetches the same lines of <paramref name="next"/> (the next GGSW of the
    /// bootstrapping key) into L2, so the next external product finds its key there.
    /// </summary>
    /// <param name="accumulator">N doubles, overwritten.</param>
    /// <param name="rows">rowCount Fourier buffers of N doubles, one after the other (the decomposed input).</param>
    /// <param name="ggsw">A Fourier GGSW's data: (row · columns + column) · N is polynomial (row, column).</param>
    /// <param name="column">The output column.</param>
    /// <param name="columns">Columns per row, k + 1.</param>
    /// <param name="rowCount">Rows, (k + 1) · l.</param>
    /// <param name="next">The next GGSW's data (same shape) to prefetch, or empty.</param>
    public static unsafe void MultiplyAccumulateRows(
        Span<double> accumulator, ReadOnlySpan<double> rows, ReadOnlySpan<double> ggsw, int column, int columns, int rowCount,
        ReadOnlySpan<double> next)
    {
        int size = accumulator.Length;
        int half = size / 2;
        if ((size & 1) != 0 || rows.Length < rowCount * size || ggsw.Length < rowCount * columns * size ||
            (uint)column >= (uint)columns || rowCount < 1)
            throw new ArgumentException("Buffer shapes do not match.");
        bool prefetch = next.Length >= ggsw.Length && Sse.IsSupported;
        ref double acc = ref MemoryMarshal.GetReference(accumulator);
        ref double row0 = ref MemoryMarshal.GetReference(rows);
        ref double key0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(ggsw), column * size);
        int keyStride = columns * size;
        fixed (double* nextBase = next)
        {
            double* nextColumn = nextBase + column * size;
            nuint j = 0;
            if (Avx512F.IsSupported)
            {
                // 8 doubles = one 64-byte line per load.
                for (; j + 8 <= (nuint)half; j += 8)
                {
                    var cr = Vector512<double>.Zero;
                    var ci = Vector512<double>.Zero;
                    for (int r = 0; r < rowCount; r++)
                    {
                        ref double aRe = ref Unsafe.Add(ref row0, r * size);
                        ref double bRe = ref Unsafe.Add(ref key0, r * keyStride);
                        var ar = Vector512.LoadUnsafe(ref aRe, j);
                        var ai = Vector512.LoadUnsafe(ref aRe, j + (nuint)half);
                        var br = Vector512.LoadUnsafe(ref bRe, j);
                        var bi = Vector512.LoadUnsafe(ref bRe, j + (nuint)half);
                        if (prefetch)
                        {
                            double* p = nextColumn + r * keyStride + j;
                            Sse.Prefetch1(p);
                            Sse.Prefetch1(p + half);
                        }

                        cr = Avx512F.FusedMultiplyAdd(ar, br, cr);
                        ci = Avx512F.FusedMultiplyAdd(ar, bi, ci);
                        cr = Avx512F.FusedMultiplyAddNegated(ai, bi, cr);
                        ci = Avx512F.FusedMultiplyAdd(ai, br, ci);
                    }

                    cr.StoreUnsafe(ref acc, j);
                    ci.StoreUnsafe(ref acc, j + (nuint)half);
                }
            }
            else if (Fma.IsSupported)
            {
                for (; j + 4 <= (nuint)half; j += 4)
                {
                    var cr = Vector256<double>.Zero;
                    var ci = Vector256<double>.Zero;
                    for (int r = 0; r < rowCount; r++)
                    {
                        ref double aRe = ref Unsafe.Add(ref row0, r * size);
                        ref double bRe = ref Unsafe.Add(ref key0, r * keyStride);
                        var ar = Vector256.LoadUnsafe(ref aRe, j);
                        var ai = Vector256.LoadUnsafe(ref aRe, j + (nuint)half);
                        var br = Vector256.LoadUnsafe(ref bRe, j);
                        var bi = Vector256.LoadUnsafe(ref bRe, j + (nuint)half);
                        if (prefetch && (j & 7) == 0)
                        {
                            double* p = nextColumn + r * keyStride + j;
                            Sse.Prefetch1(p);
                            Sse.Prefetch1(p + half);
                        }

                        cr = Fma.MultiplyAdd(ar, br, cr);
                        ci = Fma.MultiplyAdd(ar, bi, ci);
                        cr = Fma.MultiplyAddNegated(ai, bi, cr);
                        ci = Fma.MultiplyAdd(ai, br, ci);
                    }

                    cr.StoreUnsafe(ref acc, j);
                    ci.StoreUnsafe(ref acc, j + (nuint)half);
                }
            }

            for (; j < (nuint)half; j++)
            {
                double cr = 0.0, ci = 0.0;
                for (int r = 0; r < rowCount; r++)
                {
                    ref double aRe = ref Unsafe.Add(ref row0, r * size);
                    ref double bRe = ref Unsafe.Add(ref key0, r * keyStride);
                    double ar = Unsafe.Add(ref aRe, j), ai = Unsafe.Add(ref aRe, j + (nuint)half);
                    double br = Unsafe.Add(ref bRe, j), bi = Unsafe.Add(ref bRe, j + (nuint)half);
                    cr += ar * br - ai * bi;
                    ci += ar * bi + ai * br;
                }

                Unsafe.Add(ref acc, j) = cr;
                Unsafe.Add(ref acc, j + (nuint)half) = ci;
            }
        }
    }

    // FoldAvx and the forward's first pass (ForwardRadix4Avx at h = M/2 over the whole buffer) in one sweep: the
    // folded values go straight into the butterflies instead of through memory.
    private void FoldRadix4Avx(ref long src, ref double re, ref double im)
    {
        int h = m / 2;
        int q = h / 2;
        ref double twr = ref MemoryMarshal.GetArrayDataReference(twistRe);
        ref double twi = ref MemoryMarshal.GetArrayDataReference(twistIm);
        ref double w1r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - 2 * h);
        ref double w1i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - 2 * h);
        ref double w2r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - h);
        ref double w2i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - h);
        ref long srcHigh = ref Unsafe.Add(ref src, m);
        ref double r1 = ref Unsafe.Add(ref re, q);
        ref double i1 = ref Unsafe.Add(ref im, q);
        ref double r2 = ref Unsafe.Add(ref re, h);
        ref double i2 = ref Unsafe.Add(ref im, h);
        ref double r3 = ref Unsafe.Add(ref r2, q);
        ref double i3 = ref Unsafe.Add(ref i2, q);
        nuint uq = (nuint)q, uh = (nuint)h;
        for (nuint k = 0; k < uq; k += 4)
        {
            Fold(ref src, ref srcHigh, ref twr, ref twi, k, out var x0r, out var x0i);
            Fold(ref src, ref srcHigh, ref twr, ref twi, k + uq, out var x1r, out var x1i);
            Fold(ref src, ref srcHigh, ref twr, ref twi, k + uh, out var x2r, out var x2i);
            Fold(ref src, ref srcHigh, ref twr, ref twi, k + uh + uq, out var x3r, out var x3i);
            var ar = Vector256.LoadUnsafe(ref w1r, k);
            var ai = Vector256.LoadUnsafe(ref w1i, k);
            var br = Vector256.LoadUnsafe(ref w2r, k);
            var bi = Vector256.LoadUnsafe(ref w2i, k);

            // The butterflies of ForwardRadix4Avx, operation for operation.
            var a0r = x0r + x2r;
            var a0i = x0i + x2i;
            var dr = x0r - x2r;
            var di = x0i - x2i;
            var a1r = x1r + x3r;
            var a1i = x1i + x3i;
            var er = x1r - x3r;
            var ei = x1i - x3i;
            var a2r = Fma.MultiplySubtract(dr, ar, di * ai);
            var a2i = Fma.MultiplyAdd(dr, ai, di * ar);
            var a3r = Fma.MultiplyAdd(ei, ar, er * ai);
            var a3i = Fma.MultiplySubtract(ei, ai, er * ar);

            (a0r + a1r).StoreUnsafe(ref re, k);
            (a0i + a1i).StoreUnsafe(ref im, k);
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

    // FoldAvx's four lanes at j.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(
        ref long src, ref long srcHigh, ref double twr, ref double twi, nuint j, out Vector256<double> re, out Vector256<double> im)
    {
        var a = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref src, j));
        var b = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref srcHigh, j));
        var tr = Vector256.LoadUnsafe(ref twr, j);
        var ti = Vector256.LoadUnsafe(ref twi, j);
        re = Fma.MultiplySubtract(a, tr, b * ti);
        im = Fma.MultiplyAdd(a, ti, b * tr);
    }

    // The inverse's last pass (InverseRadix4Avx at h = M/2 over the whole buffer) and UnfoldAvx with accumulate in
    // one sweep: each output value is untwisted, rounded and added to its two coefficients without being stored.
    private void InverseRadix4UnfoldAddAvx(ref double re, ref double im, ref ulong dst)
    {
        int h = m / 2;
        int q = h / 2;
        ref double utr = ref MemoryMarshal.GetArrayDataReference(untwistRe);
        ref double uti = ref MemoryMarshal.GetArrayDataReference(untwistIm);
        ref double w1r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - 2 * h);
        ref double w1i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - 2 * h);
        ref double w2r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleRe), m - h);
        ref double w2i = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(twiddleIm), m - h);
        ref ulong dstHigh = ref Unsafe.Add(ref dst, m);
        ref double r1 = ref Unsafe.Add(ref re, q);
        ref double i1 = ref Unsafe.Add(ref im, q);
        ref double r2 = ref Unsafe.Add(ref re, h);
        ref double i2 = ref Unsafe.Add(ref im, h);
        ref double r3 = ref Unsafe.Add(ref r2, q);
        ref double i3 = ref Unsafe.Add(ref i2, q);
        nuint uq = (nuint)q, uh = (nuint)h;
        for (nuint k = 0; k < uq; k += 4)
        {
            var y0r = Vector256.LoadUnsafe(ref re, k);
            var y0i = Vector256.LoadUnsafe(ref im, k);
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

            // The butterflies of InverseRadix4Avx, operation for operation.
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
            var ur = Fma.MultiplyAdd(a2r, ar, a2i * ai);
            var ui = Fma.MultiplySubtract(a2i, ar, a2r * ai);
            var vr = Fma.MultiplyAdd(a3r, ar, a3i * ai);
            var vi = Fma.MultiplySubtract(a3i, ar, a3r * ai);
            UnfoldAdd(ref dst, ref dstHigh, ref utr, ref uti, k, a0r + ur, a0i + ui);
            UnfoldAdd(ref dst, ref dstHigh, ref utr, ref uti, k + uh, a0r - ur, a0i - ui);
            UnfoldAdd(ref dst, ref dstHigh, ref utr, ref uti, k + uq, a1r - vi, a1i + vr);
            UnfoldAdd(ref dst, ref dstHigh, ref utr, ref uti, k + uh + uq, a1r + vi, a1i - vr);
        }
    }

    // UnfoldAvx's four lanes at j, accumulating.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnfoldAdd(
        ref ulong dst, ref ulong dstHigh, ref double utr, ref double uti, nuint j, Vector256<double> cr, Vector256<double> ci)
    {
        var tr = Vector256.LoadUnsafe(ref utr, j);
        var ti = Vector256.LoadUnsafe(ref uti, j);
        var lo = WrapRound(Fma.MultiplyAdd(cr, tr, ci * ti));
        var hi = WrapRound(Fma.MultiplySubtract(ci, tr, cr * ti));
        (lo + Vector256.LoadUnsafe(ref dst, j)).StoreUnsafe(ref dst, j);
        (hi + Vector256.LoadUnsafe(ref dstHigh, j)).StoreUnsafe(ref dstHigh, j);
    }
}
