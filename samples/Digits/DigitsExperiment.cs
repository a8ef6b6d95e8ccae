using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Tfhe.Circuits;
using FheGen.Training;
using FheGen.Training.Qat;

namespace FheGen.Samples.Digits;

/// <summary>The data, split and training recipe of the sample, shared by the program and the end-to-end tests.</summary>
public static class DigitsExperiment
{
    /// <summary>Seed of the stratified 75/25 split (and of training).</summary>
    public const int Seed = 42;

    /// <summary>Fraction of each class held out for testing.</summary>
    public const double TestFraction = 0.25;

    /// <summary>The trainer options the committed weights were produced with.</summary>
    public static MlpTrainerOptions TrainerOptions(Action<int, double, double>? progress = null) => new()
    {
        HiddenSizes = new[] { 32 },
        HiddenActivation = Activation.Relu,
        Epochs = 60,
        BatchSize = 32,
        LearningRate = 1e-3,
        L2 = 1e-4,
        Seed = Seed,
        Progress = progress,
    };

    /// <summary>The quantization-aware fine-tuning the committed weights were produced with, after float training.</summary>
    public static QatOptions QatOptions(Action<QatEpoch>? progress = null) => new()
    {
        Epochs = 30,
        LearningRate = 3e-3,
        Seed = Seed,
        Progress = progress,
    };

    /// <summary>Path of the committed data file next to the executable.</summary>
    public static string DataPath => Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz");

    /// <summary>Loads the data and splits it (stratified, seeded).</summary>
    public static (Dataset Train, Dataset Test) LoadSplit(string? path = null)
    {
        var data = Dataset.LoadCsv(path ?? DataPath, hasHeader: false, classes: 10);
        return data.StratifiedSplit(TestFraction, Seed);
    }

    /// <summary>Evaluates the float reference and the clear quantized circuit on <paramref name="test"/>.</summary>
    public static DigitsReport Evaluate(Dataset test)
    {
        int floatCorrect = 0;
        for (int i = 0; i < test.Count; i++)
        {
            if (ArgMax(DigitsMlp.PredictFloat(test.Row(i))) == test.Y[i]) floatCorrect++;
        }
        var common = ModelReport.Create(DigitsMlp.Circuit, (double)floatCorrect / test.Count,
            Accuracy(test, DigitsMlp.Io, (q, acc) => DigitsMlp.Run<ClearBackend, long>(default, q, acc)), test.Count);
        return new DigitsReport(common.FloatAccuracy, common.ClearAccuracy, common.TestSamples, common.PbsCount, common.MaxTluBits,
            common.EstimatedLatencyMs, common.Layers);
    }

    /// <summary>
    /// Accuracy of a circuit on <paramref name="test"/>: quantize each row with <paramref name="io"/>, run the integer
    /// circuit with <paramref name="run"/> (any backend, generated code or interpreter), dequantize, take the argmax.
    /// </summary>
    public static double Accuracy(Dataset test, CircuitIo io, Action<long[], long[]> run)
    {
        var q = new long[test.Features];
        var acc = new long[io.Outputs];
        var y = new float[io.Outputs];
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            io.QuantizeInputs(test.Row(i), q);
            run(q, acc);
            io.DequantizeOutputs(acc, y);
            if (ArgMax(y) == test.Y[i]) correct++;
        }
        return (double)correct / test.Count;
    }

    /// <summary>Index of the largest value (first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> v) => CircuitAccuracy.ArgMax(v);
}

/// <summary>What the sample reports; serialized as the <c>--json</c> output.</summary>
public sealed record DigitsReport(
    [property: JsonPropertyName("float_accuracy")] double FloatAccuracy,
    [property: JsonPropertyName("clear_accuracy")] double ClearAccuracy,
    [property: JsonPropertyName("test_samples")] int TestSamples,
    [property: JsonPropertyName("pbs_count")] int PbsCount,
    [property: JsonPropertyName("max_tlu_bits")] int MaxTluBits,
    [property: JsonPropertyName("estimated_latency_ms")] double EstimatedLatencyMs,
    [property: JsonPropertyName("layers")] IReadOnlyList<ModelLayerReport> Layers)
{
    /// <summary>The rounding sweep, when <c>--sweep-rounding</c> ran.</summary>
    [JsonPropertyName("rounding_sweep")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RoundingSweepRow>? RoundingSweep { get; init; }

    /// <summary>The p_error search, when <c>--search-perror</c> ran.</summary>
    [JsonPropertyName("perror_search")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PErrorSearchReport? PErrorSearch { get; init; }

    /// <summary>The PTQ/QAT comparison, when <c>--compare-qat</c> ran.</summary>
    [JsonPropertyName("qat_comparison")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<QatComparisonRow>? QatComparison { get; init; }

    /// <summary>The structured-pruning comparison, when <c>--compare-pruning</c> ran.</summary>
    [JsonPropertyName("pruning_comparison")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PruningComparisonRow>? PruningComparison { get; init; }

    /// <summary>The encrypted run, when <c>--encrypted N</c> ran.</summary>
    [JsonPropertyName("encrypted")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EncryptedReport? Encrypted { get; init; }
}
