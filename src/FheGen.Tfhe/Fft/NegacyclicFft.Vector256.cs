using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Fft;

/// <summary>
/// The AVX2/FMA kernels (<see cref="Vector256{T}"/>): the scalar kernels' operations four lanes at a time, in the
/// same layout.
/// </summary>
internal sealed partial class NegacyclicFft
{
    // ---- AVX2/FMA kernels: the same operations, four lanes at a time, with pairs of radix-2 stages fused into
    // radix-4 passes (half the loads and stores) and the small stages run block by block while a block fits L1. ----

    // Lanes [0, returned) of the pointwise multiply-accumulate, four at a time; the scalar loop finishes.
    private static nuint MultiplyAccumulateVector256(
        ref double accRe, ref double accIm, ref double aRe, ref double aIm, ref double bRe, ref double bIm, nuint count, bool overwrite)
    {
        nuint j = 0;
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

        return j;
    }

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
                ForwardRadix4(ref re, ref im, 0, m, h);
        }

        for (int start = 0; start < m; start += 2 * blockH)
        {
            int h = blockH;
            for (; h >= 8; h >>= 2)
            {
                if (h != top)
                    ForwardRadix4(ref re, ref im, start, 2 * blockH, h);
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
                    InverseRadix4(ref re, ref im, start, 2 * blockH, h);
            }
        }

        for (int h = blockH * 4; h <= m / 2; h <<= 2)
        {
            if (h != top)
                InverseRadix4(ref re, ref im, 0, m, h);
        }
    }

    // Radix-4 pass on the widest vectors the pass fills (h/2 lanes per group).
    private void ForwardRadix4(ref double re, ref double im, int begin, int length, int h)
    {
        if (h >= 16 && UseVector512Passes)
            ForwardRadix4V512(ref re, ref im, begin, length, h);
        else
            ForwardRadix4Avx(ref re, ref im, begin, length, h);
    }

    private void InverseRadix4(ref double re, ref double im, int begin, int length, int h)
    {
        if (h >= 16 && UseVector512Passes)
            InverseRadix4V512(ref re, ref im, begin, length, h);
        else
            InverseRadix4Avx(ref re, ref im, begin, length, h);
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
