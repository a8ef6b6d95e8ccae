using System;

namespace FheGen.Compiler.Parameters;


/// <summary>The noise variances of one keyswitch-then-PBS step and the resulting failure probability.</summary>
/// <param name="ExternalProduct">Variance added by one external product (CMux) of the blind rotation.</param>
/// <param name="BlindRotation">Output variance of a PBS: n external products.</param>
/// <param name="KeySwitch">Variance added by the keyswitch from k·N to n.</param>
/// <param name="ModulusSwitch">Variance added by the modulus switch to 2N before the blind rotation.</param>
/// <param name="Nu">2-norm of the linear combination applied to PBS outputs before the next keyswitch.</param>
/// <param name="Total">Variance at the input of the next PBS: ν²·BlindRotation + KeySwitch + ModulusSwitch.</param>
/// <param name="Log2PFail">log2 of the probability that the next table lookup reads a neighbouring entry.</param>
public readonly record struct NoiseEstimate(
    double ExternalProduct,
    double BlindRotation,
    double KeySwitch,
    double ModulusSwitch,
    double Nu,
    double Total,
    double Log2PFail)
{
    /// <summary>The failure probability itself (0 only when it is below the smallest double, about 2^-1074).</summary>
    public double PFail => Math.Pow(2, Log2PFail);
}

/// <summary>
/// Noise formulas of TFHE keyswitch-then-PBS with binary keys over q = 2^64, all as torus variances (integer
/// variance divided by q²), following concrete's noise model and TFHE-rs' <c>noise_formulas</c>.
/// </summary>
/// <remarks>
/// <para>
/// Notation: q = 2^64, B = 2^base_log, l = level, σ a torus standard deviation. Binary keys have E[s] = 1/2,
/// E[s²] = 1/2, which is where the halves and the 1/16, 1/32, 1/64 mean-correction terms come from.
/// </para>
/// <para>
/// The noise after a PBS is that of the blind rotation (the test polynomial is noiseless and sample extraction adds
/// nothing). A linear layer with weights w multiplies it by ν² = Σ w². The keyswitch and the modulus switch then add
/// their own, independent of the input. So the variance reaching the next PBS is ν²·V_br + V_ks + V_ms, and the
/// lookup fails when that noise crosses half a box: p_fail = P(|e| &gt; 2^-(p+2)) = erfc(2^-(p+2) / sqrt(2V)), with
/// p = message + carry bits and boxes of width 2^-(p+1) (one padding bit).
/// </para>
/// <para>
/// Calibration: with ν = TFHE-rs' max_noise_level of the set (carry modulus + 1: 3, 5, 9, 17) these formulas give the
/// published log2 p_fail of the four V0_11 sets to 0.01 (-64.01, -64.07, -64.17, -64.03). With ν = 1 they give -64.02,
/// -64.94, -64.19, -64.15: the blind-rotation term is small, and only the 4-bit set is visibly sensitive to ν.
/// </para>
/// </remarks>
public static class NoiseModel
{
    /// <summary>
    /// Coefficient of the floating-point FFT error of an f64 external product, 2.06537277069845e-33 · B²·l·N²·(k+1)
    /// (concrete's empirical fit for 53-bit mantissas on a 64-bit torus; it dominates when B is large).
    /// </summary>
    public const double FftErrorCoefficient = 2.06537277069845e-33;

    // 1/q² with q = 2^64, exact in double.
    private static readonly double InvQ2 = Numerics.ScaleB(1.0, -2 * TfheParameters.NativeCiphertextModulusLog);

    /// <summary>
    /// Variance added by one external product GGSW ⊡ GLWE (one CMux of the blind rotation), a sum of five terms:
    /// <list type="number">
    /// <item>key noise: l(k+1)N·(B²+2)/12·σ_glwe², each of the l(k+1) balanced digits (variance (B²+2)/12 per
    /// coefficient, N coefficients) multiplying a GGSW row of noise σ_glwe²;</item>
    /// <item>decomposition rounding: (1/(24 B^(2l)) − 1/(24 q²))·(1 + kN/2), the dropped low part (uniform, variance
    /// 1/(12 B^(2l)) − 1/(12 q²)) of the body and of the kN mask coefficients (those times binary key coefficients,
    /// E[s²] = 1/2), all times the key bit the GGSW encrypts (E[m²] = 1/2, hence 1/24);</item>
    /// <item>kN/(32 q²) and (1 − kN)²/(64 q²): the mean of the rounding error against binary keys (negligible at q = 2^64,
    /// kept for fidelity);</item>
    /// <item>FFT error: <see cref="FftErrorCoefficient"/>·B²·l·N²·(k+1).</item>
    /// </list>
    /// </summary>
    public static double ExternalProductVariance(int glweDimension, int polynomialSize, int pbsBaseLog, int pbsLevel, double glweStdDev)
    {
        double k = glweDimension, n = polynomialSize, l = pbsLevel;
        double b2 = Numerics.ScaleB(1.0, 2 * pbsBaseLog);
        double b2l = Numerics.ScaleB(1.0, 2 * pbsBaseLog * pbsLevel);
        double kn = k * n;

        double keyNoise = l * (k + 1) * n * (b2 + 2) / 12 * glweStdDev * glweStdDev;
        double rounding = (1 / (24 * b2l) - InvQ2 / 24) * (1 + kn / 2);
        double meanTerms = kn * InvQ2 / 32 + (1 - kn) * (1 - kn) * InvQ2 / 64;
        double fft = FftErrorCoefficient * b2 * l * n * n * (k + 1);
        return keyNoise + rounding + meanTerms + fft;
    }

    /// <summary>Output variance of a blind rotation: n independent external products, n·V_ep.</summary>
    public static double BlindRotationVariance(int lweDimension, int glweDimension, int polynomialSize, int pbsBaseLog, int pbsLevel, double glweStdDev)
        => lweDimension * ExternalProductVariance(glweDimension, polynomialSize, pbsBaseLog, pbsLevel, glweStdDev);

    /// <summary>
    /// Variance added by keyswitching a dimension-<paramref name="inputDimension"/> (k·N) ciphertext to the small key:
    /// kN·[(1/(12 B^(2l)) − 1/(12 q²))/2 + 1/(16 q²) + l·σ_lwe²·(B²+2)/12], i.e. per input key coefficient the
    /// dropped low part times a binary key bit (variance halved, plus the 1/(16 q²) mean term) and l balanced digits
    /// (variance (B²+2)/12) times keyswitching-key noise σ_lwe²; plus, for a key held in 32-bit words
    /// (<see cref="TfheParameters.KeySwitchIn32Bits"/>), the rows' rounding (see <see cref="KeySwitchVariancePerInputCoefficient"/>).
    /// </summary>
    /// <param name="inputDimension">Input dimension k·N.</param>
    /// <param name="ksBaseLog">log2 of the gadget base.</param>
    /// <param name="ksLevel">Gadget levels.</param>
    /// <param name="lweStdDev">Keyswitching-key noise σ_lwe.</param>
    /// <param name="lweDimension">Output dimension n (the rows' mask length, which their 32-bit rounding scales with).</param>
    public static double KeySwitchVariance(int inputDimension, int ksBaseLog, int ksLevel, double lweStdDev, int lweDimension)
        => inputDimension * KeySwitchVariancePerInputCoefficient(ksBaseLog, ksLevel, lweStdDev, lweDimension);

    /// <summary>
    /// Keyswitch variance per input key coefficient (the bracket of <see cref="KeySwitchVariance"/>); the input dimension
    /// is a pure factor, so the best base for a level does not depend on it.
    /// </summary>
    /// <remarks>
    /// A 32-bit key (KS32) rounds every row to 2^-32: each word's error is uniform of variance 2^-64/12, so a row's
    /// phase error has variance (1 + n/2)·2^-64/12 (body, and n mask words times binary key bits), and the l digits of
    /// an input coefficient (variance (B²+2)/12 each) multiply it: l·(B²+2)/12·(1 + n/2)·2^-64/12. The input body's
    /// rounding to 2^-32 (2^-64/12, once per keyswitch) is charged per input coefficient, which over-counts it on the
    /// safe side and keeps k·N a pure factor. The digits come from the unrounded 64-bit input, so the decomposition
    /// term is that of the 64-bit keyswitch.
    /// </remarks>
    /// <param name="ksBaseLog">log2 of the gadget base.</param>
    /// <param name="ksLevel">Gadget levels.</param>
    /// <param name="lweStdDev">Keyswitching-key noise σ_lwe.</param>
    /// <param name="lweDimension">Output dimension n.</param>
    public static double KeySwitchVariancePerInputCoefficient(int ksBaseLog, int ksLevel, double lweStdDev, int lweDimension)
    {
        double b2 = Numerics.ScaleB(1.0, 2 * ksBaseLog);
        double b2l = Numerics.ScaleB(1.0, 2 * ksBaseLog * ksLevel);
        double v = (1 / (12 * b2l) - InvQ2 / 12) / 2 + InvQ2 / 16 + ksLevel * lweStdDev * lweStdDev * (b2 + 2) / 12;
        if (TfheParameters.KeySwitchIn32Bits(ksBaseLog, ksLevel, lweStdDev))
        {
            double word = Numerics.ScaleB(1.0, -64) / 12;
            v += ksLevel * (b2 + 2) / 12 * (1 + lweDimension / 2.0) * word + word;
        }

        return v;
    }

    /// <summary>
    /// Variance added by the modulus switch from q to w = 2N: n·(1/(48 q²) + 1/(24 w²)) + 1/(6 q²) + 1/(12 w²).
    /// Each of the n mask coefficients is rounded to a multiple of 1/w (error variance 1/(12 w²), halved by the binary
    /// key bit it multiplies) and so is the body (1/(12 w²)); the q-terms are the mean-square corrections of
    /// round-to-nearest on a discrete grid (negligible at q = 2^64, kept for fidelity).
    /// </summary>
    public static double ModulusSwitchVariance(int lweDimension, int polynomialSize)
    {
        double w = 2.0 * polynomialSize;
        double invW2 = 1 / (w * w);
        return lweDimension * (InvQ2 / 48 + invW2 / 24) + InvQ2 / 6 + invW2 / 12;
    }

    /// <summary>Variance reaching the next PBS's input: ν²·V_br + V_ks + V_ms.</summary>
    public static double TotalVariance(double blindRotation, double keySwitch, double modulusSwitch, double nu = 1)
        => nu * nu * blindRotation + keySwitch + modulusSwitch;

    /// <summary>All noise terms of a parameter set and its log2 p_fail.</summary>
    /// <param name="parameters">The set.</param>
    /// <param name="nu">2-norm of the linear combination feeding the PBS (1 for a PBS output used as is).</param>
    public static NoiseEstimate Estimate(TfheParameters parameters, double nu = 1)
    {
        Numerics.ThrowIfNull(parameters, nameof(parameters));
        CheckNu(nu);
        TfheParameters p = parameters;
        double ep = ExternalProductVariance(p.GlweDimension, p.PolynomialSize, p.PbsBaseLog, p.PbsLevel, p.GlweNoiseStdDev);
        double br = p.LweDimension * ep;
        double ks = KeySwitchVariance(p.BigLweDimension, p.KsBaseLog, p.KsLevel, p.LweNoiseStdDev, p.LweDimension);
        double ms = ModulusSwitchVariance(p.LweDimension, p.PolynomialSize);
        double total = TotalVariance(br, ks, ms, nu);
        return new NoiseEstimate(ep, br, ks, ms, nu, total, Log2PFailFromVariance(p.PrecisionBits, total));
    }

    /// <summary>Variance at the next PBS's input, ν²·V_br + V_ks + V_ms.</summary>
    public static double TotalVariance(TfheParameters parameters, double nu = 1) => Estimate(parameters, nu).Total;

    /// <summary>log2 of the per-PBS failure probability, computed in the log domain (never −∞ for a finite variance).</summary>
    public static double Log2PFail(TfheParameters parameters, double nu = 1) => Estimate(parameters, nu).Log2PFail;

    /// <summary>The per-PBS failure probability (underflows to 0 only below about 2^-1074; prefer <see cref="Log2PFail(TfheParameters, double)"/>).</summary>
    public static double PFail(TfheParameters parameters, double nu = 1) => Math.Pow(2, Log2PFail(parameters, nu));

    /// <summary>log2 erfc(2^-(p+2) / sqrt(2V)): the probability that Gaussian noise of variance V leaves half a box of a
    /// p-bit (plus padding) plaintext.</summary>
    public static double Log2PFailFromVariance(int precisionBits, double variance)
    {
        CheckPrecision(precisionBits);
        return Log2PFailFromVarianceUnchecked(precisionBits, variance);
    }

    /// <summary><see cref="Log2PFailFromVariance"/> for any precision from 0 (see <see cref="MaxVarianceUnchecked"/>).</summary>
    internal static double Log2PFailFromVarianceUnchecked(int precisionBits, double variance)
    {
        CheckReadPrecision(precisionBits);
        if (!(variance > 0) || double.IsInfinity(variance))
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "The variance must be positive and finite.");
        double halfBox = Numerics.ScaleB(1.0, -(precisionBits + 2));
        return ErrorFunction.Log2Erfc(halfBox / Math.Sqrt(2 * variance));
    }

    /// <summary>A read's precision may go down to 0 (a sign read) and up to 62 bits (the padding and a box above it fit in 64).</summary>
    private static void CheckReadPrecision(int precisionBits)
    {
        if (precisionBits < 0 || precisionBits > 62)
            throw new ArgumentOutOfRangeException(nameof(precisionBits), precisionBits, "The read precision must be between 0 and 62 bits.");
    }

    /// <summary>
    /// The largest variance whose p_fail is at most 2^<paramref name="log2PFail"/> for p-bit lookups (the inverse of
    /// <see cref="Log2PFailFromVariance"/>, rounded to the safe side).
    /// </summary>
    public static double MaxVariance(int precisionBits, double log2PFail)
    {
        CheckPrecision(precisionBits);
        return MaxVarianceUnchecked(precisionBits, log2PFail);
    }

    /// <summary>
    /// <see cref="MaxVariance"/> for any precision from 0 up: precision 0 is a read whose tolerance is a quarter of the
    /// torus (a sign read of a single bit placed in the padding position, as exact rounding's extraction does).
    /// </summary>
    internal static double MaxVarianceUnchecked(int precisionBits, double log2PFail)
    {
        CheckReadPrecision(precisionBits);
        if (double.IsNaN(log2PFail) || log2PFail >= 0)
            throw new ArgumentOutOfRangeException(nameof(log2PFail), log2PFail, "log2 p_fail must be negative.");
        double x = ErrorFunction.InverseLog2Erfc(log2PFail);
        double halfBox = Numerics.ScaleB(1.0, -(precisionBits + 2));
        double v = halfBox * halfBox / (2 * x * x);
        return v * (1 - 1e-12); // absorbs the rounding of x ↦ V ↦ x so that V <= MaxVariance really meets the target
    }

    private static void CheckPrecision(int precisionBits)
    {
        if (precisionBits < 1 || precisionBits > TfheParameters.MaxPrecisionBits)
            throw new ArgumentOutOfRangeException(nameof(precisionBits), precisionBits,
                $"The lookup precision must be between 1 and {TfheParameters.MaxPrecisionBits} bits.");
    }

    internal static void CheckNu(double nu)
    {
        if (!Numerics.IsFinite(nu) || nu < 0)
            throw new ArgumentOutOfRangeException(nameof(nu), nu, "ν (the 2-norm of the linear combination) must be finite and non-negative.");
    }
}
