using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Training;
using FheGen.Training.Qat;

namespace FheGen.Samples.Digits;

/// <summary>
/// Post-training quantization against quantization-aware training, setting by setting: the float model the sample
/// trains, calibrated and compiled under each setting (PTQ), then fine-tuned for it (QAT), both evaluated as the integer
/// circuit in the clear on the test set.
/// </summary>
public static class DigitsQat
{
    /// <summary>One setting of the comparison.</summary>
    /// <param name="WeightBits">Weight bits of both layers.</param>
    /// <param name="ActivationBits">Activation bits of the hidden layer.</param>
    /// <param name="PerChannel">Per-neuron weight scales.</param>
    /// <param name="MaxActiveInputs">Pruning of the hidden layer.</param>
    /// <param name="TluBits">The hidden layer's rounded TLU width.</param>
    public sealed record Setting(int WeightBits, int ActivationBits, bool PerChannel, int MaxActiveInputs, int TluBits)
    {
        /// <summary>"w4/a4 k40 TLU 5", "per-channel" appended when set.</summary>
        public override string ToString() => $"w{WeightBits}/a{ActivationBits} k{MaxActiveInputs} TLU {TluBits}{(PerChannel ? " per-channel" : "")}";
    }

    /// <summary>The settings the README's table shows: the sample's own first, then narrower ones.</summary>
    public static IReadOnlyList<Setting> DefaultSettings { get; } = new[]
    {
        new Setting(4, 4, false, 40, 5),
        new Setting(4, 4, true, 40, 5),
        new Setting(4, 4, false, 40, 4),
        new Setting(4, 4, false, 24, 5),
        new Setting(3, 3, false, 40, 5),
        new Setting(3, 3, false, 40, 4),
    };

    /// <summary>
    /// Trains the float model as <c>--train</c> does, then for each setting compiles it after calibration (PTQ) and after
    /// fine-tuning with <paramref name="options"/> (default: <see cref="DigitsExperiment.QatOptions"/>).
    /// </summary>
    /// <param name="train">Training rows.</param>
    /// <param name="test">Test rows.</param>
    /// <param name="settings">The settings; <see cref="DefaultSettings"/> when null.</param>
    /// <param name="options">Fine-tuning options; the seed is replaced per run.</param>
    /// <param name="seeds">QAT runs per setting, seeds <c>options.Seed</c>, +1, ...: the row gives their mean, minimum and maximum.</param>
    /// <param name="progress">Called after each setting.</param>
    public static IReadOnlyList<QatComparisonRow> Compare(Dataset train, Dataset test, IReadOnlyList<Setting>? settings = null,
        QatOptions? options = null, int seeds = 1, Action<QatComparisonRow>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        options ??= DigitsExperiment.QatOptions();
        var model = MlpTrainer.Train(train, DigitsExperiment.TrainerOptions());
        var calibration = ActivationCalibrator.Calibrate(model, train);
        double floatAccuracy = model.Accuracy(test);
        var rows = new List<QatComparisonRow>();
        foreach (var setting in settings ?? DefaultSettings)
        {
            var spec = TrainedModelSpec.WithWeights(SpecFor(setting), model, calibration);
            var ptq = CircuitCompiler.Compile(spec).PlanOrThrow();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var accuracies = new double[seeds];
            FheGen.Compiler.Plan.CircuitPlan? first = null;
            for (int k = 0; k < seeds; k++)
            {
                var qat = QatTrainer.FineTune(spec, train, options with { Seed = options.Seed + k });
                var tuned = CircuitCompiler.Compile(qat.Spec).PlanOrThrow();
                first ??= tuned;
                accuracies[k] = CircuitAccuracy.Clear(tuned, test);
            }
            double seconds = watch.Elapsed.TotalSeconds / seeds;
            var row = new QatComparisonRow(setting.ToString(), floatAccuracy, CircuitAccuracy.Clear(ptq, test), accuracies[0],
                accuracies.Average(), accuracies.Min(), accuracies.Max(), seeds,
                ptq.MaxTluInputBits, first!.MaxTluInputBits, ptq.PbsCount, first.PbsCount,
                CostModel.Estimate(first, first.PError).TotalLatencyMs, seconds);
            rows.Add(row);
            progress?.Invoke(row);
        }
        return rows;
    }

    /// <summary>The sample's declaration with the setting's bits, pruning and rounding in place of its own.</summary>
    public static ModelSpec SpecFor(Setting setting) => DigitsMlp.Spec with
    {
        Quantize = EquatableArray.Of(new QuantizeSetting(null, setting.WeightBits, setting.ActivationBits, setting.PerChannel)),
        Prune = EquatableArray.Of(new PruneSetting("Hidden", setting.MaxActiveInputs)),
        Round = EquatableArray.Of(new RoundSetting("Hidden", setting.TluBits)),
        Ranges = EquatableArray<ActivationRangeSetting>.Empty,
        Trained = EquatableArray<TrainedSetting>.Empty,
    };

    /// <summary>
    /// Structured pruning of the hidden layer at each fraction and criterion (removed neurons' means folded into the
    /// output bias), then QAT for the sample's own attributes with the smaller hidden layer.
    /// </summary>
    public static IReadOnlyList<PruningComparisonRow> ComparePruning(Dataset train, Dataset test, IReadOnlyList<double>? fractions = null,
        QatOptions? options = null, Action<PruningComparisonRow>? progress = null)
    {
        var model = MlpTrainer.Train(train, DigitsExperiment.TrainerOptions());
        var declared = DigitsMlp.Spec with { Trained = EquatableArray<TrainedSetting>.Empty, Ranges = EquatableArray<ActivationRangeSetting>.Empty };
        var rows = new List<PruningComparisonRow>();
        foreach (double fraction in fractions ?? new[] { 0.25, 0.5, 0.75 })
        {
            foreach (var criterion in new[] { FheGen.Training.Pruning.NeuronCriterion.WeightNorm, FheGen.Training.Pruning.NeuronCriterion.ActivationSpread })
            {
                var pruned = FheGen.Training.Pruning.StructuredPruning.Prune(model, fraction, criterion, train);
                var spec = FheGen.Training.Pruning.StructuredPruning.WithArchitecture(declared, pruned.Model, ActivationCalibrator.Calibrate(pruned.Model, train));
                var qat = QatTrainer.FineTune(spec, train, options ?? DigitsExperiment.QatOptions());
                var plan = CircuitCompiler.Compile(qat.Spec).PlanOrThrow();
                var row = new PruningComparisonRow(fraction, criterion.ToString(), pruned.Model.Layers[0].Outputs, model.Accuracy(test), pruned.Model.Accuracy(test),
                    CircuitAccuracy.Clear(plan, test), plan.PbsCount, CostModel.Estimate(plan, plan.PError).TotalLatencyMs);
                rows.Add(row);
                progress?.Invoke(row);
            }
        }
        return rows;
    }

    /// <summary>The pruning comparison as a text table.</summary>
    public static string FormatTable(IReadOnlyList<PruningComparisonRow> rows)
    {
        static string P(double v) => v.ToString("P2", System.Globalization.CultureInfo.InvariantCulture);
        var lines = new List<string> { $"{"removed",7} {"criterion",-17} {"hidden",6} {"float",8} {"pruned",8} {"QAT",8} {"PBS",4} {"est. latency",13}" };
        foreach (var r in rows)
        {
            lines.Add($"{r.Fraction.ToString("P0", System.Globalization.CultureInfo.InvariantCulture),7} {r.Criterion,-17} {r.Hidden,6} {P(r.FloatAccuracy),8} {P(r.PrunedAccuracy),8} " +
                $"{P(r.QatAccuracy),8} {r.QatPbs,4} {CostModel.FormatLatency(r.QatEstimatedLatencyMs),13}");
        }
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The comparison as a text table.</summary>
    public static string FormatTable(IReadOnlyList<QatComparisonRow> rows)
    {
        static string P(double v) => v.ToString("P2", System.Globalization.CultureInfo.InvariantCulture);
        var lines = new List<string> { $"{"setting",-28} {"float",8} {"PTQ",8} {"QAT",8} {"QAT mean",9} {"QAT min..max",18} {"gain",6} {"TLU",4} {"PBS",4} {"est. latency",13} {"QAT time",9}" };
        foreach (var r in rows)
        {
            lines.Add($"{r.Setting,-28} {P(r.FloatAccuracy),8} {P(r.PtqAccuracy),8} {P(r.QatAccuracy),8} {P(r.QatMean),9} {P(r.QatMin) + ".." + P(r.QatMax),18} " +
                $"{((r.QatMean - r.PtqAccuracy) * 100).ToString("+0.0;-0.0", System.Globalization.CultureInfo.InvariantCulture),6} " +
                $"{r.QatTluBits,4} {r.QatPbs,4} {CostModel.FormatLatency(r.QatEstimatedLatencyMs),13} {r.QatSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " s",9}");
        }
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>One setting of the PTQ/QAT comparison; accuracies on the test set, QAT with the first seed and over all seeds; TLU, PBS and latency of the first seed's circuit.</summary>
public sealed record QatComparisonRow(
    [property: JsonPropertyName("setting")] string Setting,
    [property: JsonPropertyName("float_accuracy")] double FloatAccuracy,
    [property: JsonPropertyName("ptq_accuracy")] double PtqAccuracy,
    [property: JsonPropertyName("qat_accuracy")] double QatAccuracy,
    [property: JsonPropertyName("qat_mean")] double QatMean,
    [property: JsonPropertyName("qat_min")] double QatMin,
    [property: JsonPropertyName("qat_max")] double QatMax,
    [property: JsonPropertyName("qat_seeds")] int QatSeeds,
    [property: JsonPropertyName("ptq_tlu_bits")] int PtqTluBits,
    [property: JsonPropertyName("qat_tlu_bits")] int QatTluBits,
    [property: JsonPropertyName("ptq_pbs")] int PtqPbs,
    [property: JsonPropertyName("qat_pbs")] int QatPbs,
    [property: JsonPropertyName("qat_estimated_latency_ms")] double QatEstimatedLatencyMs,
    [property: JsonPropertyName("qat_seconds")] double QatSeconds);

/// <summary>One point of the structured-pruning comparison; accuracies on the test set (pruned: float, means folded, before fine-tuning).</summary>
public sealed record PruningComparisonRow(
    [property: JsonPropertyName("fraction")] double Fraction,
    [property: JsonPropertyName("criterion")] string Criterion,
    [property: JsonPropertyName("hidden")] int Hidden,
    [property: JsonPropertyName("float_accuracy")] double FloatAccuracy,
    [property: JsonPropertyName("pruned_accuracy")] double PrunedAccuracy,
    [property: JsonPropertyName("qat_accuracy")] double QatAccuracy,
    [property: JsonPropertyName("qat_pbs")] int QatPbs,
    [property: JsonPropertyName("qat_estimated_latency_ms")] double QatEstimatedLatencyMs);
