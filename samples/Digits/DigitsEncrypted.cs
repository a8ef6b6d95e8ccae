using System;
using System.IO;
using System.Linq;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Training;

namespace FheGen.Samples.Digits;

/// <summary>
/// Encrypted inference on the digits test set through <see cref="EncryptedInference"/>: the generated
/// <c>DigitsMlp.Run</c> on <see cref="EncryptedBackend"/>, or the plan interpreter for a variant.
/// </summary>
public static class DigitsEncrypted
{
    /// <summary>Options of <see cref="Run"/>.</summary>
    /// <param name="Samples">Test samples to run (the first ones of the test split).</param>
    /// <param name="TluBits">When set, round the hidden layer to this TLU width instead of the declared one.</param>
    /// <param name="Rounding">With <paramref name="TluBits"/>: exact or approximate.</param>
    /// <param name="Threads">Worker threads per lookup batch (all cores when null).</param>
    /// <param name="PError">Per-PBS error probability the parameters are chosen for (the plan's, 2^-40, when null).</param>
    public sealed record Options(int Samples, int? TluBits = null, RoundingKind Rounding = RoundingKind.Exact, int? Threads = null, double? PError = null);

    /// <summary>Runs encrypted inference and reports, printing progress to <paramref name="log"/>.</summary>
    public static EncryptedReport Run(Dataset test, Options options, TextWriter log)
    {
        if (options.Samples < 1 || options.Samples > test.Count)
            throw new ArgumentOutOfRangeException(nameof(options), options.Samples, $"--encrypted takes 1 to {test.Count} samples.");

        // The declared model runs as generated code; a variant runs through the interpreter of its own plan.
        CircuitPlan plan;
        EncryptedCircuitRunner runner;
        if (options.TluBits is int bits)
        {
            var spec = DigitsMlp.Spec with { Round = EquatableArray.Of(new RoundSetting("Hidden", bits) { Method = options.Rounding }) };
            plan = CircuitCompiler.Compile(spec).PlanOrThrow();
            runner = new PlanInterpreter(plan).Run<EncryptedBackend, LweCiphertext>;
            log.WriteLine($"encrypted inference: variant, hidden rounded to {plan.Layers[0].TluInputBits} bits ({options.Rounding}, interpreter)");
        }
        else
        {
            plan = DigitsMlp.Interpreter.Plan;
            runner = DigitsMlp.Run<EncryptedBackend, LweCiphertext>;
            log.WriteLine("encrypted inference: DigitsMlp as declared (generated code)");
        }
        var rows = Enumerable.Range(0, options.Samples).Select(i => test.Row(i).ToArray()).ToArray();
        return EncryptedInference.Run(plan, runner, rows, test.Y.Take(options.Samples).ToArray(),
            new EncryptedInferenceOptions { Threads = options.Threads, PError = options.PError, Log = log });
    }
}
