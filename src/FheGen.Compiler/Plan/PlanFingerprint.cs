using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Plan;

/// <summary>
/// A stable hash of a <see cref="CircuitPlan"/>: SHA-256 over a canonical little-endian serialization of every field
/// of the plan, its layers, neurons and tables (doubles by their bits, strings as length-prefixed UTF-8), as 64
/// lowercase hex digits. It is the same in every process and on every platform, so the generator can emit it as a
/// constant and the run time can check that the plan it rebuilds from the model's spec is the plan the generated code
/// was written from.
/// </summary>
public static class PlanFingerprint
{
    /// <summary>
    /// Names the canonical form; bump it when the serialization changes (fingerprints then change with it, which is
    /// what a changed form must do).
    /// </summary>
    private const string Format = "FheGen.CircuitPlan/1";

    /// <summary>The fingerprint of <paramref name="plan"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> is null.</exception>
    public static string Of(CircuitPlan plan)
    {
        if (plan is null) throw new ArgumentNullException(nameof(plan));
        using var stream = new MemoryStream();
        // BinaryWriter is little-endian on every platform and writes strings as length-prefixed UTF-8.
        using (var w = new BinaryWriter(stream, new UTF8Encoding(false, true), leaveOpen: true))
        {
            w.Write(Format);
            Write(w, plan);
        }
        using var sha = SHA256.Create();
        byte[] hash = sha.ComputeHash(stream.GetBuffer(), 0, (int)stream.Length);
        var text = new StringBuilder(hash.Length * 2);
        foreach (byte b in hash) text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    /// <summary>
    /// Checks that <paramref name="plan"/>, rebuilt at run time for generated model <paramref name="model"/>, has the
    /// fingerprint <paramref name="expected"/> the generated code was emitted with.
    /// </summary>
    /// <param name="plan">The rebuilt plan.</param>
    /// <param name="expected">The generated model's <c>PlanFingerprint</c>.</param>
    /// <param name="model">The model's name, for the message.</param>
    /// <exception cref="PlanFingerprintMismatchException">The fingerprints differ.</exception>
    public static void Verify(CircuitPlan plan, string expected, string model)
    {
        if (plan is null) throw new ArgumentNullException(nameof(plan));
        if (expected is null) throw new ArgumentNullException(nameof(expected));
        string actual = Of(plan);
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new PlanFingerprintMismatchException(model ?? plan.Name, expected, actual);
        }
    }

    private static void Write(BinaryWriter w, CircuitPlan p)
    {
        w.Write(p.Name);
        Write(w, p.Input);
        w.Write(p.Features.HasValue);
        if (p.Features is { } features)
        {
            w.Write(features.Count);
            foreach (var f in features) Write(w, f);
        }
        w.Write(p.Inputs);
        Write(w, p.PError);
        w.Write(p.GlobalPError.HasValue);
        Write(w, p.GlobalPError ?? 0);
        w.Write(p.BudgetBits);
        w.Write(p.Layers.Count);
        foreach (var l in p.Layers) Write(w, l);
        w.Write(p.Tables.Count);
        foreach (var t in p.Tables)
        {
            w.Write(t.Index);
            w.Write(t.InputMin);
            w.Write(t.OutputBits);
            w.Write(t.Entries.Count);
            foreach (long e in t.Entries) w.Write(e);
        }
    }

    private static void Write(BinaryWriter w, LayerPlan l)
    {
        w.Write(l.Name);
        w.Write(l.Index);
        w.Write(l.IsOutput);
        w.Write((int)l.Activation);
        Write(w, l.Input);
        w.Write(l.Inputs);
        w.Write(l.WeightBits);
        w.Write(l.ActivationBits);
        w.Write(l.PerChannel);
        w.Write(l.MaxActiveInputs.HasValue);
        w.Write(l.MaxActiveInputs ?? 0);
        w.Write(l.Neurons.Count);
        foreach (var n in l.Neurons)
        {
            w.Write(n.InputIndices.Count);
            foreach (int i in n.InputIndices) w.Write(i);
            w.Write(n.Weights.Count);
            foreach (long x in n.Weights) w.Write(x);
            w.Write(n.Bias);
            w.Write(n.AccumulatorMin);
            w.Write(n.AccumulatorMax);
            w.Write(n.Table);
            w.Write(n.ConstantOutput);
        }
        w.Write(l.WeightScales.Count);
        foreach (double s in l.WeightScales) Write(w, s);
        w.Write(l.AccumulatorMin);
        w.Write(l.AccumulatorMax);
        w.Write(l.AccumulatorBits);
        w.Write(l.RoundedBits);
        w.Write(l.RoundedExtraBit);
        w.Write((int)l.RoundingMethod);
        w.Write(l.TluInputMin);
        w.Write(l.TluInputMax);
        w.Write(l.TluInputBits);
        w.Write(l.Output is not null);
        if (l.Output is not null) Write(w, l.Output);
        w.Write(l.FoldedNeurons);
        w.Write(l.UnreadNeurons);
    }

    private static void Write(BinaryWriter w, UniformQuantizer q)
    {
        w.Write(q.Bits);
        Write(w, q.Offset);
        Write(w, q.Scale);
    }

    // By the bits, so -0.0 and 0.0 (and NaN payloads) are told apart exactly as the plan holds them.
    private static void Write(BinaryWriter w, double x) => w.Write(BitConverter.DoubleToInt64Bits(x));
}

/// <summary>
/// The plan rebuilt at run time from a generated model's spec is not the plan its generated code was emitted from:
/// the model's weights or attributes were changed after generation (reflection, a stale build), or the FheGen
/// run-time library compiles differently from the generator that wrote the code. Evaluating such a pair would let
/// the interpreter, the encryption parameters and the generated code disagree silently.
/// </summary>
public sealed class PlanFingerprintMismatchException : Exception
{
    /// <summary>Creates the exception for <paramref name="model"/>.</summary>
    /// <param name="model">The generated model.</param>
    /// <param name="expected">The fingerprint the generated code was emitted with.</param>
    /// <param name="actual">The fingerprint of the plan rebuilt at run time.</param>
    public PlanFingerprintMismatchException(string model, string expected, string actual)
        : base($"The plan of model '{model}' rebuilt at run time has fingerprint {actual}, but its generated code was emitted from a plan with fingerprint {expected}. " +
            "Rebuild the project so the generated code and the run-time library agree, and do not change the model's weight members after generation.")
    {
        Model = model;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The generated model's name.</summary>
    public string Model { get; }

    /// <summary>The fingerprint the generated code was emitted with (its <c>PlanFingerprint</c> constant).</summary>
    public string Expected { get; }

    /// <summary>The fingerprint of the plan rebuilt at run time.</summary>
    public string Actual { get; }
}
