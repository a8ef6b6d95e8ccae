using System;
using System.Collections.Generic;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Tests.Core;

/// <summary>Shared helpers: fixed seeds make the statistical tests deterministic (no flaky failures).</summary>
internal static class CoreTestUtil
{
    // The 4-bit parameter set of docs/tfhe-reference.md (TFHE-rs V0_11).
    internal const int LweDimension = 834;
    internal const double LweStdDev = 3.5539902359442825e-06;
    internal const int GlweDimension = 1;
    internal const int PolynomialSize = 2048;
    internal const double GlweStdDev = 2.845267479601915e-15;

    internal static NoiseSampler Seeded(byte seed)
    {
        var bytes = new byte[32];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i);
        }

        return new NoiseSampler(bytes);
    }

    /// <summary>The signed torus difference phase − expected, as a real.</summary>
    internal static double Error(ulong phase, ulong expected) => FheGen.Tfhe.Commons.Torus.ToDouble(phase - expected);

    internal static (double Mean, double StdDev) MeanStd(IReadOnlyList<double> values)
    {
        double mean = 0;
        foreach (double v in values)
        {
            mean += v;
        }

        mean /= values.Count;
        double sq = 0;
        foreach (double v in values)
        {
            sq += (v - mean) * (v - mean);
        }

        return (mean, System.Math.Sqrt(sq / (values.Count - 1)));
    }

    /// <summary>Schoolbook product in Z_{2^64}[X]/(X^N + 1), the reference for the fast paths.</summary>
    internal static ulong[] NegacyclicProduct(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        int n = a.Length;
        var result = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                ulong p = a[i] * b[j];
                if (i + j < n)
                {
                    result[i + j] += p;
                }
                else
                {
                    result[i + j - n] -= p;
                }
            }
        }

        return result;
    }
}
