using System;
using System.Globalization;

namespace FheGen.Compiler.Parameters;


/// <summary>
/// TFHE-rs' 128-bit security curve for binary secret keys and Gaussian noise over q = 2^64: an LWE instance of
/// dimension d with torus noise σ is considered 128-bit secure iff
/// σ² ≥ 2^(4 − 2·log2 q) + 2^(5.31469187675068 − 0.0497829131652661·d).
/// </summary>
/// <remarks>
/// The second term is a linear fit of lattice-estimator results; the first is the floor σ ≥ 2^-62 (four integer units at
/// q = 2^64), below which noise would sit in the last bits of the torus. A parameter set has two LWE problems: the
/// small key (dimension n, σ_lwe, used by the keyswitching key) and the GLWE key seen as LWE of dimension k·N (σ_glwe,
/// used by the bootstrapping key). The fit is only meaningful for dimensions of a few hundred and up.
/// </remarks>
public static class Security
{
    /// <summary>Intercept of the curve's exponent.</summary>
    public const double CurveIntercept = 5.31469187675068;

    /// <summary>Slope of the curve's exponent per dimension.</summary>
    public const double CurveSlope = 0.0497829131652661;

    /// <summary>
    /// Relative slack when comparing σ with the curve: the published TFHE-rs σ are the curve minimum to ~15 digits and
    /// sit a few ulps on either side of it once the curve is evaluated in double precision.
    /// </summary>
    public const double RelativeTolerance = 1e-12;

    /// <summary>log2 of the minimum secure variance for an LWE dimension, without underflow.</summary>
    public static double Log2MinimumVariance(int dimension)
    {
        if (dimension < 1)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension must be positive.");
        double a = 4.0 - 2.0 * TfheParameters.NativeCiphertextModulusLog;
        double b = CurveIntercept - CurveSlope * dimension;
        // log2(2^a + 2^b) = max + log2(1 + 2^-(|a-b|))
        double hi = Math.Max(a, b), lo = Math.Min(a, b);
        return hi + Numerics.Log2(1 + Math.Pow(2, lo - hi));
    }

    /// <summary>Minimum secure variance σ² for an LWE dimension.</summary>
    public static double MinimumVariance(int dimension) => Math.Pow(2, Log2MinimumVariance(dimension));

    /// <summary>Minimum secure torus standard deviation σ for an LWE dimension (n, or k·N for the GLWE side).</summary>
    public static double MinimumStdDev(int dimension) => Math.Pow(2, Log2MinimumVariance(dimension) / 2);

    /// <summary>Whether σ is on or above the curve for this dimension (within <see cref="RelativeTolerance"/>).</summary>
    public static bool IsSecure(int dimension, double stdDev)
        => Numerics.IsFinite(stdDev) && stdDev >= MinimumStdDev(dimension) * (1 - RelativeTolerance);

    /// <summary>Whether both the LWE side (n, σ_lwe) and the GLWE side (k·N, σ_glwe) are 128-bit secure.</summary>
    public static bool IsSecure(TfheParameters parameters)
    {
        Numerics.ThrowIfNull(parameters, nameof(parameters));
        return IsSecure(parameters.LweDimension, parameters.LweNoiseStdDev)
            && IsSecure(parameters.BigLweDimension, parameters.GlweNoiseStdDev);
    }

    /// <summary>Throws when a side of the set is below the 128-bit curve; the message gives the numbers.</summary>
    /// <exception cref="ArgumentException">The set is not 128-bit secure.</exception>
    public static void EnsureSecure(TfheParameters parameters)
    {
        Numerics.ThrowIfNull(parameters, nameof(parameters));
        string? lwe = Describe("LWE", "n", parameters.LweDimension, parameters.LweNoiseStdDev);
        string? glwe = Describe("GLWE", "k·N", parameters.BigLweDimension, parameters.GlweNoiseStdDev);
        if (lwe is null && glwe is null)
            return;
        string both = lwe is not null && glwe is not null ? lwe + " " + glwe : lwe ?? glwe!;
        throw new ArgumentException($"Parameter set {parameters.Id} is not 128-bit secure: {both}", nameof(parameters));
    }

    private static string? Describe(string side, string symbol, int dimension, double stdDev)
    {
        if (IsSecure(dimension, stdDev))
            return null;
        double minimum = MinimumStdDev(dimension);
        return Numerics.Invariant($"{side} side: {symbol} = {dimension} with sigma 2^{Numerics.Log2(stdDev):F2} ({stdDev:R}) is below the 128-bit curve, ") +
            Numerics.Invariant($"which requires sigma >= 2^{Numerics.Log2(minimum):F2} ({minimum:R}) for that dimension; raise sigma or the dimension.");
    }
}
