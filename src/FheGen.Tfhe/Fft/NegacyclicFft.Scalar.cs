using System;
using System.Runtime.CompilerServices;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Fft;

/// <summary>
/// The portable scalar kernels: the reference for the vector ones, and what runs without AVX2/FMA.
/// </summary>
internal sealed partial class NegacyclicFft
{
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

    // Lanes [start, count) of the pointwise multiply-accumulate (all of them without AVX2/FMA, else the vector tail).
    private static void MultiplyAccumulateScalar(
        ref double accRe, ref double accIm, ref double aRe, ref double aIm, ref double bRe, ref double bIm, nuint start, nuint count, bool overwrite)
    {
        nuint j = start;
        for (; j < count; j++)
        {
            double ar = Unsafe.Add(ref aRe, j), ai = Unsafe.Add(ref aIm, j);
            double br = Unsafe.Add(ref bRe, j), bi = Unsafe.Add(ref bIm, j);
            double cr = overwrite ? 0.0 : Unsafe.Add(ref accRe, j), ci = overwrite ? 0.0 : Unsafe.Add(ref accIm, j);
            Unsafe.Add(ref accRe, j) = cr + (ar * br - ai * bi);
            Unsafe.Add(ref accIm, j) = ci + (ar * bi + ai * br);
        }
    }
}
