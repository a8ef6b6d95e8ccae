using System;
using System.Globalization;

namespace FheGen.Compiler.Parameters;

/// <summary>
/// One read a circuit makes of a ciphertext, as a condition on the parameter sets: the noise it sees must stay within
/// half a box of a <see cref="PrecisionBits"/>-bit plaintext (one padding bit) with probability 1 − p_error.
/// </summary>
/// <remarks>
/// <para>
/// A circuit may run its lookups at several parameter sets (key sets, by index). The read's ciphertext lives under the
/// big key of set <see cref="InputKey"/>; a bootstrapped read keyswitches it to the small key of <see cref="ReadKey"/>
/// (that set's keyswitch gadget and LWE noise), modulus-switches to 2N of <see cref="OutputKey"/> and blind-rotates
/// into <see cref="OutputKey"/>'s GLWE key. With one set every index is 0.
/// </para>
/// <para>
/// The variance seen is <c>BlindRotationWeight·n_in·V_ep(in) + ExtractionWeight·n_read·V_ep(in) + FreshWeight·σ_glwe(in)²
/// (+ k_in·N_in·V_ks,coef(read) + V_ms(n_read, N_out) when <see cref="ThroughBootstrap"/>)</c>: the weights say how many
/// outputs of the input set's own lookups, of exact-rounding extractions bootstrapped from the read set into the input
/// set, and fresh encryptions (the client's noise under the big key) the ciphertext is made of, squared weights and any
/// scaling by a power of two included. A decryption (<see cref="ThroughBootstrap"/> false) adds nothing.
/// </para>
/// </remarks>
/// <param name="PrecisionBits">
/// Tolerance as a precision: the read fails beyond 2^-(p+2) of the torus. 0 is a quarter torus (a sign read).
/// </param>
/// <param name="TableBits">Entries of the test polynomial, log2 (0 for a constant one); the output set needs N ≥ 2^(TableBits+1).</param>
/// <param name="BlindRotationWeight">Multiplier of the input set's own PBS output variance n_in·V_ep(in).</param>
/// <param name="FreshWeight">Multiplier of the fresh-encryption variance σ_glwe(in)².</param>
/// <param name="ThroughBootstrap">True for a table lookup (keyswitch + modulus switch + PBS), false for a decryption.</param>
/// <param name="Label">What the read is, for reports and errors.</param>
/// <param name="ExtractionWeight">Multiplier of the variance n_read·V_ep(in) of extraction outputs bootstrapped from the read set into the input set.</param>
/// <param name="InputKey">Key set whose big key the read's ciphertext is under.</param>
/// <param name="ReadKey">Key set whose small key the read keyswitches to.</param>
/// <param name="OutputKey">Key set the read bootstraps into.</param>
/// <param name="Count">Reads of this kind per inference (weights the cost, not the noise).</param>
public sealed record NoiseConstraint(int PrecisionBits, int TableBits, double BlindRotationWeight, double FreshWeight, bool ThroughBootstrap, string Label,
    double ExtractionWeight = 0, int InputKey = 0, int ReadKey = 0, int OutputKey = 0, double Count = 1)
{
    /// <summary>Index of the layer whose read this is (in the plan), or -1 when the read belongs to no layer.</summary>
    public int Layer { get; init; } = -1;

    internal void Check()
    {
        if (PrecisionBits < 0 || PrecisionBits > 62)
            throw new ArgumentOutOfRangeException(nameof(PrecisionBits), PrecisionBits, $"{Label}: the read precision must be in [0, 62].");
        if (TableBits < 0 || TableBits > TfheParameters.MaxPrecisionBits)
            throw new ArgumentOutOfRangeException(nameof(TableBits), TableBits, $"{Label}: a table has between 2^0 and 2^{TfheParameters.MaxPrecisionBits} entries.");
        if (!Numerics.IsFinite(BlindRotationWeight) || BlindRotationWeight < 0 || !Numerics.IsFinite(FreshWeight) || FreshWeight < 0 ||
            !Numerics.IsFinite(ExtractionWeight) || ExtractionWeight < 0)
            throw new ArgumentOutOfRangeException(nameof(BlindRotationWeight), $"{Label}: noise weights must be finite and non-negative.");
        if (!Numerics.IsFinite(Count) || Count < 0)
            throw new ArgumentOutOfRangeException(nameof(Count), Count, $"{Label}: the read count must be finite and non-negative.");
        if (InputKey < 0 || ReadKey < 0 || OutputKey < 0)
            throw new ArgumentOutOfRangeException(nameof(InputKey), $"{Label}: key set indices must be non-negative.");
    }

    /// <summary>The variance this read sees when every key set is <paramref name="parameters"/>.</summary>
    public double Variance(TfheParameters parameters)
    {
        Numerics.ThrowIfNull(parameters, nameof(parameters));
        var e = NoiseModel.Estimate(parameters);
        double v = (BlindRotationWeight + ExtractionWeight) * e.BlindRotation + FreshWeight * parameters.GlweNoiseStdDev * parameters.GlweNoiseStdDev;
        return ThroughBootstrap ? v + e.KeySwitch + e.ModulusSwitch : v;
    }

    /// <summary>The variance this read sees with key set i at <paramref name="keySets"/>[i].</summary>
    /// <exception cref="ArgumentException">A key index of the read is outside the list.</exception>
    public double Variance(System.Collections.Generic.IReadOnlyList<TfheParameters> keySets)
    {
        Numerics.ThrowIfNull(keySets, nameof(keySets));
        int max = Math.Max(InputKey, Math.Max(ReadKey, OutputKey));
        if (max >= keySets.Count)
            throw new ArgumentException($"{Label}: key set {max} is not among the {keySets.Count} given.", nameof(keySets));
        return KeyFigures.Variance(this, KeyFigures.Of(keySets[InputKey]), KeyFigures.Of(keySets[ReadKey]), KeyFigures.Of(keySets[OutputKey]));
    }

    /// <summary>log2 of this read's failure probability when every key set is <paramref name="parameters"/>.</summary>
    public double Log2PFail(TfheParameters parameters) => Log2PFailFromVariance(Variance(parameters));

    /// <summary>log2 of this read's failure probability with key set i at <paramref name="keySets"/>[i].</summary>
    public double Log2PFail(System.Collections.Generic.IReadOnlyList<TfheParameters> keySets) => Log2PFailFromVariance(Variance(keySets));

    private double Log2PFailFromVariance(double v) => v > 0 ? NoiseModel.Log2PFailFromVarianceUnchecked(PrecisionBits, v) : double.NegativeInfinity;

    /// <inheritdoc/>
    public override string ToString()
    {
        string extraction = ExtractionWeight > 0 ? Numerics.Invariant($" + {ExtractionWeight:G4}·V_br,x") : "";
        string sets = InputKey != 0 || ReadKey != 0 || OutputKey != 0 ? $" (sets {InputKey}->{ReadKey}->{OutputKey})" : "";
        return Numerics.Invariant($"{Label}: {PrecisionBits}-bit tolerance, table 2^{TableBits}, {BlindRotationWeight:G4}·V_br{extraction} + {FreshWeight:G4}·σ²{(ThroughBootstrap ? " + V_ks + V_ms" : "")}{sets}");
    }
}
