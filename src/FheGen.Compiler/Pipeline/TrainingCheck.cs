using System;
using System.Collections.Generic;
using System.Globalization;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;

namespace FheGen.Compiler.Pipeline;

/// <summary>
/// FHE0011: weights trained with quantization-aware training are only good for the settings they were trained under
/// (a network fine-tuned for 4-bit weights loses accuracy at 3 bits, and a network that learned under a 5-bit rounded
/// accumulator is not tuned for 6). The trainer records its settings as <c>[TrainedWith]</c>; this compares them
/// with what the attributes resolve to now.
/// </summary>
public static class TrainingCheck
{
    /// <summary>Adds one warning per recorded setting that differs from the resolved one; assumes a validated spec.</summary>
    public static void Check(ModelSpec spec, List<CompilerDiagnostic> diagnostics)
    {
        for (int t = 0; t < spec.Trained.Count; t++)
        {
            var trained = spec.Trained[t];
            var target = new DiagnosticTarget(TargetKind.Trained, t);
            var differences = new List<string>();
            string subject;
            if (trained.Layer is null)
            {
                subject = "the inputs";
                Compare(differences, "InputBits", trained.InputBits, spec.InputBits);
                Compare(differences, "InputMin", trained.InputMin, spec.InputMin);
                Compare(differences, "InputMax", trained.InputMax, spec.InputMax);
            }
            else
            {
                int index = spec.IndexOfLayer(trained.Layer);
                if (index < 0)
                {
                    diagnostics.Add(CompilerDiagnostic.Create(DiagnosticIds.TrainingMismatch, Severity.Warning, target,
                        $"the weights were trained (quantization-aware) for a layer '{trained.Layer}' that the model no longer declares; retrain, or remove the stale [TrainedWith]"));
                    continue;
                }
                subject = $"layer '{trained.Layer}'";
                bool isOutput = index == spec.Layers.Count - 1;
                var now = LayerSettings.Resolve(spec, index);
                Compare(differences, "WeightBits", trained.WeightBits, now.WeightBits);
                if (!isOutput) Compare(differences, "ActivationBits", trained.ActivationBits, now.ActivationBits);
                Compare(differences, "PerChannel", trained.PerChannel, now.PerChannel);
                Compare(differences, "MaxActiveInputs", trained.MaxActiveInputs, ActiveInputs(spec, index, now.MaxActiveInputs));
                if (!isOutput)
                {
                    Compare(differences, "RoundAccumulator.Bits", trained.RoundBits, now.RoundBits ?? 0);
                    if (trained.RoundBits is int b && b > 0 && now.RoundBits is not null)
                    {
                        Compare(differences, "RoundAccumulator.Method", trained.RoundMethod, now.RoundMethod);
                    }
                }
            }
            if (differences.Count == 0) continue;
            diagnostics.Add(CompilerDiagnostic.Create(DiagnosticIds.TrainingMismatch, Severity.Warning, target,
                $"{subject} {(trained.Layer is null ? "were" : "was")} trained (quantization-aware) with {string.Join(", ", differences)}; " +
                "the weights are tuned for the trained settings: retrain, or restore them"));
        }
    }

    /// <summary>The recorded form of a pruning setting: 0 when nothing is pruned (no setting, or one at least the fan-in).</summary>
    public static int ActiveInputs(ModelSpec spec, int index, int? maxActiveInputs)
    {
        int fanIn = index == 0 ? spec.Inputs : spec.Layers[index - 1].Outputs;
        return maxActiveInputs is int k && k < fanIn ? k : 0;
    }

    private static void Compare<T>(List<string> differences, string name, T? trained, T now) where T : struct
    {
        if (trained is T value && !EqualityComparer<T>.Default.Equals(value, now))
        {
            differences.Add($"{name} = {Format(value)} but compiles with {Format(now)}");
        }
    }

    private static string Format<T>(T value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };
}
