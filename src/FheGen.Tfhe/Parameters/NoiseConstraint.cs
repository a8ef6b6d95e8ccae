using System;
using System.Globalization;

namespace FheGen.Tfhe.Parameters;

/// <summary>
/// One read a circuit makes of a ciphertext, as a condition on the parameter set: the noise it sees must stay within
/// half a box of a <see cref="PrecisionBits"/>-bit plaintext (one padding bit) with probability 1 − p_error.
/// </summary>
/// <remarks>
/// The variance seen is <c>BlindRotationWeight·V_br + FreshWeight·σ_glwe² (+ V_ks + V_ms when
/// <see cref="ThroughBootstrap"/>)</c>: the weights say how many PBS outputs (V_br = n·V_ep each) and fresh encryptions
/// (σ_glwe² each, the client's encryption noise under the big key) the read's ciphertext is made of, squared weights
/// and any scaling by a power of two included. A bootstrapped read adds the keyswitch and the modulus switch, which
/// are not scaled; a decryption (<see cref="ThroughBootstrap"/> false) adds nothing.
/// </remarks>
/// <param name="PrecisionBits">
/// Tolerance as a precision: the read fails beyond 2^-(p+2) of the torus. 0 is a quarter torus (a sign read).
/// </param>
/// <param name="TableBits">Entries of the test polynomial, log2 (0 for a constant one); the set needs N ≥ 2^TableBits.</param>
/// <param name="BlindRotationWeight">Multiplier of the PBS output variance.</param>
/// <param name="FreshWeight">Multiplier of the fresh-encryption variance σ_glwe².</param>
/// <param name="ThroughBootstrap">True for a table lookup (keyswitch + modulus switch + PBS), false for a decryption.</param>
/// <param name="Label">What the read is, for reports and errors.</param>
public sealed record NoiseConstraint(int PrecisionBits, int TableBits, double BlindRotationWeight, double FreshWeight, bool ThroughBootstrap, string Label)
{
    internal void Check()
    {
        if (PrecisionBits < 0 || PrecisionBits > 62)
            throw new ArgumentOutOfRangeException(nameof(PrecisionBits), PrecisionBits, $"{Label}: the read precision must be in [0, 62].");
        if (TableBits < 0 || TableBits > TfheParameters.MaxPrecisionBits)
            throw new ArgumentOutOfRangeException(nameof(TableBits), TableBits, $"{Label}: a table has between 2^0 and 2^{TfheParameters.MaxPrecisionBits} entries.");
        if (!double.IsFinite(BlindRotationWeight) || BlindRotationWeight < 0 || !double.IsFinite(FreshWeight) || FreshWeight < 0)
            throw new ArgumentOutOfRangeException(nameof(BlindRotationWeight), $"{Label}: noise weights must be finite and non-negative.");
    }

    /// <summary>The variance this read sees under <paramref name="parameters"/>.</summary>
    public double Variance(TfheParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var e = NoiseModel.Estimate(parameters);
        double v = BlindRotationWeight * e.BlindRotation + FreshWeight * parameters.GlweNoiseStdDev * parameters.GlweNoiseStdDev;
        return ThroughBootstrap ? v + e.KeySwitch + e.ModulusSwitch : v;
    }

    /// <summary>log2 of this read's failure probability under <paramref name="parameters"/>.</summary>
    public double Log2PFail(TfheParameters parameters)
    {
        double v = Variance(parameters);
        return v > 0 ? NoiseModel.Log2PFailFromVarianceUnchecked(PrecisionBits, v) : double.NegativeInfinity;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Label}: {PrecisionBits}-bit tolerance, table 2^{TableBits}, {BlindRotationWeight:G4}·V_br + {FreshWeight:G4}·σ²{(ThroughBootstrap ? " + V_ks + V_ms" : "")}");
}
