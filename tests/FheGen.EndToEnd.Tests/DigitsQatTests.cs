using System.Linq;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Pipeline;
using FheGen.Samples.Digits;
using FheGen.Training.Qat;

namespace FheGen.EndToEnd.Tests;

/// <summary>The sample's quantization-aware training: committed weights tuned for the declared attributes, and the comparison.</summary>
public sealed class DigitsQatTests
{
    [Fact]
    public void Committed_weights_reach_the_target_at_a_five_bit_tlu_and_match_their_training_record()
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        var report = DigitsExperiment.Evaluate(test);
        Assert.True(report.ClearAccuracy >= 0.96, $"clear accuracy {report.ClearAccuracy}");
        Assert.True(report.MaxTluBits <= 5, $"widest TLU {report.MaxTluBits} bits");
        var result = CircuitCompiler.Compile(DigitsMlp.Spec);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == DiagnosticIds.TrainingMismatch);
        // Three records: the inputs, Hidden, Output; each pruned neuron keeps at most 40 weights in the float file itself.
        Assert.Equal(3, DigitsMlp.Spec.Trained.Count);
        Assert.Equal(40, DigitsMlp.Spec.Trained[1].MaxActiveInputs);
        var hidden = DigitsMlp.Spec.Layers[0].Weights.ToArray();
        for (int j = 0; j < 32; j++) Assert.InRange(hidden.Skip(j * 64).Take(64).Count(w => w != 0), 0, 40);
    }

    [Fact]
    public void Fine_tuning_recovers_what_a_narrow_tlu_loses_after_post_training_quantization()
    {
        // Reduced form of --compare-qat: one narrow setting, one seed, 10 epochs.
        var (train, test) = DigitsExperiment.LoadSplit();
        var setting = new DigitsQat.Setting(3, 3, false, 40, 4);
        var rows = DigitsQat.Compare(train, test, new[] { setting }, DigitsExperiment.QatOptions() with { Epochs = 10 });
        var row = Assert.Single(rows);
        Assert.Equal("w3/a3 k40 TLU 4", row.Setting);
        Assert.True(row.QatAccuracy >= row.PtqAccuracy + 0.03, $"PTQ {row.PtqAccuracy}, QAT {row.QatAccuracy}");
        Assert.True(row.QatTluBits <= 4 && row.PtqTluBits <= 4, $"TLU {row.PtqTluBits} / {row.QatTluBits} bits");
        Assert.Equal(row.QatAccuracy, row.QatMean);
        Assert.Contains("w3/a3 k40 TLU 4", DigitsQat.FormatTable(rows));
    }

    [Fact]
    public void Structured_pruning_halves_the_hidden_layer_and_fine_tuning_recovers_most_of_the_accuracy()
    {
        // Reduced form of --compare-pruning: half the hidden layer, 10 epochs of QAT.
        var (train, test) = DigitsExperiment.LoadSplit();
        var rows = DigitsQat.ComparePruning(train, test, new[] { 0.5 }, DigitsExperiment.QatOptions() with { Epochs = 10 });
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal(16, r.Hidden);
            Assert.InRange(r.QatPbs, 1, 16);
            Assert.True(r.QatAccuracy > r.PrunedAccuracy && r.QatAccuracy >= 0.9, $"{r.Criterion}: pruned {r.PrunedAccuracy}, QAT {r.QatAccuracy}");
        });
        Assert.Contains("WeightNorm", DigitsQat.FormatTable(rows));
    }
}
