using System;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Training.Pruning;
using FheGen.Training.Qat;
using FheGen.Training.Tests.Qat;
using Xunit.Abstractions;

namespace FheGen.Training.Tests.Pruning;

public class StructuredPruningTests : IClassFixture<PretrainedDigits>
{
    private readonly PretrainedDigits _digits;
    private readonly ITestOutputHelper _output;

    public StructuredPruningTests(PretrainedDigits digits, ITestOutputHelper output)
    {
        _digits = digits;
        _output = output;
    }

    /// <summary>A random 6-8-5-3 model with a different activation per hidden layer.</summary>
    private static TrainedMlp RandomModel(int seed, Activation first, Activation second)
    {
        var random = new Random(seed);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return new TrainedMlp(new[]
        {
            new TrainedLayer(6, 8, R(48), R(8), first),
            new TrainedLayer(8, 5, R(40), R(5), second),
            new TrainedLayer(5, 3, R(15), R(3), Activation.Identity),
        });
    }

    [Theory]
    [InlineData(Activation.Relu, Activation.Tanh, NeuronCriterion.WeightNorm, 0.5, false)]
    [InlineData(Activation.Relu, Activation.Tanh, NeuronCriterion.WeightNorm, 0.5, true)]
    [InlineData(Activation.Sigmoid, Activation.LeakyRelu, NeuronCriterion.ActivationSpread, 0.4, false)]
    [InlineData(Activation.Sigmoid, Activation.LeakyRelu, NeuronCriterion.ActivationSpread, 0.4, true)]
    [InlineData(Activation.Tanh, Activation.Relu, NeuronCriterion.ActivationSpread, 0.99, true)]
    public void Pruned_model_equals_the_model_with_those_neurons_zeroed_or_replaced_by_their_mean(Activation first, Activation second,
        NeuronCriterion criterion, double fraction, bool foldMeans)
    {
        var model = RandomModel(3, first, second);
        var random = new Random(9);
        var data = new Dataset(Enumerable.Range(0, 40 * 6).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray(), Enumerable.Range(0, 40).Select(i => i % 3).ToArray(), 6);
        var result = StructuredPruning.Prune(model, fraction, criterion, data, foldMeans: foldMeans);
        Assert.NotNull(result.Means);

        // Shapes: floor(fraction n) removed (never all), and each layer's inputs are the previous layer's outputs.
        Assert.Equal(8 - Math.Min(7, (int)Math.Floor(fraction * 8)), result.Kept[0].Length);
        Assert.Equal(5 - Math.Min(4, (int)Math.Floor(fraction * 5)), result.Kept[1].Length);
        Assert.Equal(6, result.Model.Inputs);
        Assert.Equal(result.Kept[0].Length, result.Model.Layers[0].Outputs);
        Assert.Equal(result.Kept[0].Length, result.Model.Layers[1].Inputs);
        Assert.Equal(result.Kept[1].Length, result.Model.Layers[1].Outputs);
        Assert.Equal(result.Kept[1].Length, result.Model.Layers[2].Inputs);
        Assert.Equal(3, result.Model.Outputs);
        // The removed neurons are the lowest-scored ones.
        for (int l = 0; l < 2; l++)
        {
            double lowestKept = result.Kept[l].Min(j => result.Scores[l][j]);
            var removed = Enumerable.Range(0, result.Scores[l].Length).Except(result.Kept[l]);
            Assert.All(removed, j => Assert.True(result.Scores[l][j] <= lowestKept));
        }

        // The function: the unpruned model whose removed neurons' outgoing weights are zero (their output replaced by
        // 0), or, folding means, whose removed neurons output their mean over the data (moved into the next bias).
        var zeroed = new TrainedMlp(model.Layers.Select((layer, l) =>
        {
            var w = (float[])layer.Weights.Clone();
            var b = layer.Bias.Select(v => (double)v).ToArray();
            if (l > 0)
            {
                for (int j = 0; j < layer.Inputs; j++)
                {
                    if (Array.IndexOf(result.Kept[l - 1], j) >= 0) continue;
                    for (int o = 0; o < layer.Outputs; o++)
                    {
                        if (foldMeans) b[o] += result.Means![l - 1][j] * w[o * layer.Inputs + j];
                        w[o * layer.Inputs + j] = 0;
                    }
                }
            }
            return new TrainedLayer(layer.Inputs, layer.Outputs, w, b.Select(v => (float)v).ToArray(), layer.Activation);
        }).ToArray());
        for (int r = 0; r < data.Count; r++)
        {
            var want = zeroed.Forward(data.Row(r));
            var got = result.Model.Forward(data.Row(r));
            for (int o = 0; o < 3; o++) Assert.Equal(want[o], got[o], 1e-5f);
        }
    }

    [Fact]
    public void Fraction_zero_keeps_everything_and_bad_arguments_are_clear_errors()
    {
        var model = RandomModel(1, Activation.Relu, Activation.Relu);
        var same = StructuredPruning.Prune(model, 0, NeuronCriterion.WeightNorm);
        Assert.Equal(Enumerable.Range(0, 8), same.Kept[0]);
        Assert.Equal(model.Layers[1].Weights, same.Model.Layers[1].Weights);

        foreach (double bad in new[] { -0.1, 1, 1.5, double.NaN })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => StructuredPruning.Prune(model, bad, NeuronCriterion.WeightNorm));
            Assert.Equal("fraction", e.ParamName);
            Assert.Contains("[0, 1)", e.Message);
        }
        Assert.Contains("needs data", Assert.Throws<ArgumentException>(() => StructuredPruning.Prune(model, 0.5, NeuronCriterion.ActivationSpread)).Message);
        Assert.Null(StructuredPruning.Prune(model, 0.5).Means);
        Assert.Contains("not a hidden layer", Assert.Throws<ArgumentException>(() => StructuredPruning.Prune(model, 0.5, NeuronCriterion.WeightNorm, layers: new[] { 2 })).Message);
        var onlySecond = StructuredPruning.Prune(model, 0.5, NeuronCriterion.WeightNorm, layers: new[] { 1 });
        Assert.Equal(8, onlySecond.Kept[0].Length);
        Assert.Equal(3, onlySecond.Kept[1].Length);
    }

    [Fact]
    public void Digits_half_the_hidden_layer_pruned_then_fine_tuned_compiles_to_half_the_PBS()
    {
        // Measured comparison of the criteria on real weights, before any fine-tuning, then QAT on the smaller model.
        double full = _digits.Model.Accuracy(_digits.Test);
        var byNorm = StructuredPruning.Prune(_digits.Model, 0.5, NeuronCriterion.WeightNorm, _digits.Train);
        var byContribution = StructuredPruning.Prune(_digits.Model, 0.5, NeuronCriterion.ActivationSpread, _digits.Train);
        double norm = byNorm.Model.Accuracy(_digits.Test), contribution = byContribution.Model.Accuracy(_digits.Test);
        _output.WriteLine($"16 -> 8 hidden neurons, means folded, no fine-tuning: float {full:P2} -> weight norm {norm:P2}, activation spread {contribution:P2}");
        Assert.True(contribution > 0.6 && norm > 0.6, $"{norm} {contribution}");

        var spec = StructuredPruning.WithArchitecture(_digits.Spec(roundBits: 5), byContribution.Model,
            ActivationCalibrator.Calibrate(byContribution.Model, _digits.Train));
        Assert.Equal(8, spec.Layers[0].Outputs);
        var tuned = QatTrainer.FineTune(spec, _digits.Train, new QatOptions { Epochs = 8, LearningRate = 3e-3 });
        var plan = CircuitCompiler.Compile(tuned.Spec).PlanOrThrow();
        double qat = CircuitAccuracy.Clear(plan, _digits.Test);
        _output.WriteLine($"after QAT (w4/a4, TLU 5): {qat:P2}, {plan.PbsCount} PBS");
        Assert.InRange(plan.PbsCount, 1, 8);
        Assert.True(qat > contribution - 0.02 && qat > 0.8, $"QAT {qat}");
    }
}
