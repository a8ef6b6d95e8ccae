using System;

namespace FheGen.Compiler.Parameters;


/// <summary>
/// A proxy for the work of one keyswitch + PBS, in abstract operations; used to rank parameter sets, not to predict
/// milliseconds.
/// </summary>
/// <remarks>
/// <para>
/// Blind rotation: n external products. Each decomposes the k+1 GLWE polynomials into l levels and takes (k+1)·l forward
/// FFTs, multiply-accumulates them against the (k+1)·l × (k+1) Fourier GGSW ((k+1)²·l pointwise products of N values),
/// and takes k+1 inverse FFTs; an FFT counts N·log2 N. Keyswitch: k·N input coefficients × l_ks levels, each adding a
/// key row of n+1 words. So
/// cost = n·[((k+1)·l + (k+1))·N·log2 N + (k+1)²·l·N] + k·N·l_ks·(n+1).
/// </para>
/// <para>
/// On the published TFHE-rs sets it gives 51M, 90M, 736M and 5.2G operations for 2, 4, 6, 8 bits, against measured
/// latencies of 8.9, 11.8, 102 and 649 ms: the right order and ratios within about 1.5x, enough for ranking.
/// </para>
/// </remarks>
public static class CostModel
{
    /// <summary>The blind-rotation part of the cost.</summary>
    public static double BlindRotationCost(int lweDimension, int glweDimension, int polynomialSize, int pbsLevel)
    {
        double k1 = glweDimension + 1.0;
        double n = polynomialSize;
        double fft = n * Numerics.Log2(n);
        return lweDimension * ((k1 * pbsLevel + k1) * fft + k1 * k1 * pbsLevel * n);
    }

    /// <summary>The keyswitch part of the cost.</summary>
    public static double KeySwitchCost(int lweDimension, int glweDimension, int polynomialSize, int ksLevel)
        => (double)glweDimension * polynomialSize * ksLevel * (lweDimension + 1.0);

    /// <summary>Cost of one keyswitch + PBS with these sizes.</summary>
    public static double Cost(int lweDimension, int glweDimension, int polynomialSize, int pbsLevel, int ksLevel)
        => BlindRotationCost(lweDimension, glweDimension, polynomialSize, pbsLevel)
         + KeySwitchCost(lweDimension, glweDimension, polynomialSize, ksLevel);

    /// <summary>Cost of one keyswitch + PBS for a parameter set.</summary>
    public static double Cost(TfheParameters parameters)
    {
        Numerics.ThrowIfNull(parameters, nameof(parameters));
        return Cost(parameters.LweDimension, parameters.GlweDimension, parameters.PolynomialSize, parameters.PbsLevel, parameters.KsLevel);
    }
}
