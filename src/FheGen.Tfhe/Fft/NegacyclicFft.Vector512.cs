using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FheGen.Tfhe.Fft;

/// <summary>
/// The AVX-512 kernels (<see cref="Vector512{T}"/>): the pointwise multiply-accumulate, which streams the
/// bootstrapping key one 64-byte line per load, and the radix-4 FFT passes with h &gt;= 16
/// (<see cref="Vector512Passes"/>); the other FFT passes stay on Vector256. Every lane runs the same operations as in the <see cref="Vector256{T}"/> kernels, so
/// the results are the same bit for bit and the layout is shared.
/// </summary>
internal sealed partial class NegacyclicFft
{
    /// <summary>
    /// Whether the radix-4 passes with h &gt;= 16 run on Vector512 when AVX-512 is there (default). On the 2-core AMD
    /// EPYC of the benchmarks, blind rotations with them took 0.96 (5 bits, N 4096), 0.98 (4 and 6 bits) and 1.00 (2 bits)
    /// of the time with Vector256 passes (<c>--measure-blind-rotation</c>, interleaved). A switch for that comparison;
    /// same results either way.
    /// </summary>
    internal static bool Vector512Passes { get; set; } = true;

    private static bool UseVector512Passes => Vector512Passes && Avx512F.IsSupported;

    // Lanes [0, returned) of the pointwise multiply-accumulate, eight at a time; the scalar loop finishes.
    private static nuint MultiplyAccumulateVector512(
        ref double accRe, ref double accIm, ref double aRe, ref double aIm, ref double bRe, ref double bIm, nuint count, bool overwrite)
    {
        nuint j = 0;
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

        return j;
    }

    // ForwardRadix4Avx eight lanes at a time (h >= 16), the same operations per lane.
    private void ForwardRadix4V512(ref double re, ref double im, int begin, int length, int h)
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
            for (nuint k = 0; k < (nuint)q; k += 8)
            {
                var x0r = Vector512.LoadUnsafe(ref r0, k);
                var x0i = Vector512.LoadUnsafe(ref i0, k);
                var x1r = Vector512.LoadUnsafe(ref r1, k);
                var x1i = Vector512.LoadUnsafe(ref i1, k);
                var x2r = Vector512.LoadUnsafe(ref r2, k);
                var x2i = Vector512.LoadUnsafe(ref i2, k);
                var x3r = Vector512.LoadUnsafe(ref r3, k);
                var x3i = Vector512.LoadUnsafe(ref i3, k);
                var ar = Vector512.LoadUnsafe(ref w1r, k);
                var ai = Vector512.LoadUnsafe(ref w1i, k);
                var br = Vector512.LoadUnsafe(ref w2r, k);
                var bi = Vector512.LoadUnsafe(ref w2i, k);

                var a0r = x0r + x2r;
                var a0i = x0i + x2i;
                var dr = x0r - x2r;
                var di = x0i - x2i;
                var a1r = x1r + x3r;
                var a1i = x1i + x3i;
                var er = x1r - x3r;
                var ei = x1i - x3i;
                // a2 = d W_h[k]; a3 = e (-i) W_h[k] = (ei - i er) W_h[k].
                var a2r = Avx512F.FusedMultiplySubtract(dr, ar, di * ai);
                var a2i = Avx512F.FusedMultiplyAdd(dr, ai, di * ar);
                var a3r = Avx512F.FusedMultiplyAdd(ei, ar, er * ai);
                var a3i = Avx512F.FusedMultiplySubtract(ei, ai, er * ar);

                (a0r + a1r).StoreUnsafe(ref r0, k);
                (a0i + a1i).StoreUnsafe(ref i0, k);
                var fr = a0r - a1r;
                var fi = a0i - a1i;
                Avx512F.FusedMultiplySubtract(fr, br, fi * bi).StoreUnsafe(ref r1, k);
                Avx512F.FusedMultiplyAdd(fr, bi, fi * br).StoreUnsafe(ref i1, k);
                (a2r + a3r).StoreUnsafe(ref r2, k);
                (a2i + a3i).StoreUnsafe(ref i2, k);
                var gr = a2r - a3r;
                var gi = a2i - a3i;
                Avx512F.FusedMultiplySubtract(gr, br, gi * bi).StoreUnsafe(ref r3, k);
                Avx512F.FusedMultiplyAdd(gr, bi, gi * br).StoreUnsafe(ref i3, k);
            }
        }
    }

    // InverseRadix4Avx eight lanes at a time (h >= 16), the same operations per lane.
    private void InverseRadix4V512(ref double re, ref double im, int begin, int length, int h)
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
            for (nuint k = 0; k < (nuint)q; k += 8)
            {
                var y0r = Vector512.LoadUnsafe(ref r0, k);
                var y0i = Vector512.LoadUnsafe(ref i0, k);
                var y1r = Vector512.LoadUnsafe(ref r1, k);
                var y1i = Vector512.LoadUnsafe(ref i1, k);
                var y2r = Vector512.LoadUnsafe(ref r2, k);
                var y2i = Vector512.LoadUnsafe(ref i2, k);
                var y3r = Vector512.LoadUnsafe(ref r3, k);
                var y3i = Vector512.LoadUnsafe(ref i3, k);
                var ar = Vector512.LoadUnsafe(ref w1r, k);
                var ai = Vector512.LoadUnsafe(ref w1i, k);
                var br = Vector512.LoadUnsafe(ref w2r, k);
                var bi = Vector512.LoadUnsafe(ref w2i, k);

                // Undo stage h/2: t = y conj(W_{h/2}[k]).
                var t1r = Avx512F.FusedMultiplyAdd(y1r, br, y1i * bi);
                var t1i = Avx512F.FusedMultiplySubtract(y1i, br, y1r * bi);
                var t3r = Avx512F.FusedMultiplyAdd(y3r, br, y3i * bi);
                var t3i = Avx512F.FusedMultiplySubtract(y3i, br, y3r * bi);
                var a0r = y0r + t1r;
                var a0i = y0i + t1i;
                var a1r = y0r - t1r;
                var a1i = y0i - t1i;
                var a2r = y2r + t3r;
                var a2i = y2i + t3i;
                var a3r = y2r - t3r;
                var a3i = y2i - t3i;

                // Undo stage h: u = a2 conj(W_h[k]); v = a3 conj(W_h[k]), then i v undoes the -i.
                var ur = Avx512F.FusedMultiplyAdd(a2r, ar, a2i * ai);
                var ui = Avx512F.FusedMultiplySubtract(a2i, ar, a2r * ai);
                var vr = Avx512F.FusedMultiplyAdd(a3r, ar, a3i * ai);
                var vi = Avx512F.FusedMultiplySubtract(a3i, ar, a3r * ai);
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
}
