using System;
using System.IO;
using System.Linq;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using Xunit.Abstractions;

namespace FheGen.Training.Tests.Calibration;

/// <summary>A float 30-16-2 MLP on the breast-cancer features (raw scales from 0.001 to 2501), trained once.</summary>
public sealed class PretrainedBreastCancer
{
    public PretrainedBreastCancer()
    {
        (Train, Test) = Dataset.LoadCsv(TrainingData.BreastCancerPath, hasHeader: true).StratifiedSplit(0.3, seed: 7);
        // Standardized while training (the features' scales differ by 10^6), folded back onto raw features.
        Model = MlpTrainer.Train(Train, new MlpTrainerOptions
        {
            HiddenSizes = new[] { 16 },
            Epochs = 80,
            Seed = 42,
            Normalization = InputNormalization.Standardize,
        });
    }

    public Dataset Train { get; }

    public Dataset Test { get; }

    public TrainedMlp Model { get; }

    /// <summary>The model with the given input and weight bits, calibrated activations, and one model-wide input range from the data.</summary>
    public ModelSpec Spec(int inputBits, int weightBits = 6, bool perChannel = true)
    {
        var (lo, hi) = InputCalibrator.CalibrateModelWide(Train);
        var spec = DeclaredSpecs.Mlp("BreastCancer", 30, 16, 2, inputBits, lo, hi, new QuantizeSetting(null, weightBits, 6, perChannel), budget: 16);
        return TrainedModelSpec.WithWeights(spec, Model, ActivationCalibrator.Calibrate(Model, Train));
    }
}

public class FeatureRangeTests : IClassFixture<PretrainedBreastCancer>
{
    private readonly PretrainedBreastCancer _data;
    private readonly ITestOutputHelper _output;

    public FeatureRangeTests(PretrainedBreastCancer data, ITestOutputHelper output)
    {
        _data = data;
        _output = output;
    }

    [Fact]
    public void Per_feature_ranges_recover_the_accuracy_one_model_wide_range_loses()
    {
        double floatAccuracy = _data.Model.Accuracy(_data.Test);
        var (min, max) = InputCalibrator.Calibrate(_data.Train);
        foreach (int bits in new[] { 3, 4, 6 })
        {
            var modelWide = _data.Spec(bits);
            var perFeature = TrainedModelSpec.WithFeatureRanges(modelWide, min, max);
            double wide = CircuitAccuracy.Clear(modelWide, _data.Test);
            double own = CircuitAccuracy.Clear(perFeature, _data.Test);
            _output.WriteLine($"{bits}-bit inputs: float {floatAccuracy:P2}, model-wide range {wide:P2}, per-feature ranges {own:P2}");
            if (bits == 4)
            {
                Assert.True(own >= wide + 0.15, $"4-bit inputs: model-wide {wide:P2}, per-feature {own:P2}");
                Assert.True(own >= floatAccuracy - 0.05, $"4-bit per-feature {own:P2}, float {floatAccuracy:P2}");
            }
        }
    }

    [Fact]
    public void Calibrated_ranges_hold_every_training_value_and_widen_constant_features()
    {
        var data = new Dataset(new float[] { 1, 5, -2, 1, 7, 3, 1, 6, 0 }, new[] { 0, 1, 0 }, 3);
        var (min, max) = InputCalibrator.Calibrate(data);
        // Feature 0 is always 1: it takes the range of all features, [-2, 7].
        Assert.Equal(new float[] { -2, 5, -2 }, min);
        Assert.Equal(new float[] { 7, 7, 3 }, max);
        var (lo, hi) = InputCalibrator.CalibrateModelWide(data);
        Assert.Equal((-2.0, 7.0), (lo, hi));

        // Percentiles clip both tails per feature: feature 1 is 5, 7, 6; its 75th percentile is 6.5 and 25th 5.5.
        var (pmin, pmax) = InputCalibrator.Calibrate(data, 75);
        Assert.Equal(5.5f, pmin[1]);
        Assert.Equal(6.5f, pmax[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => InputCalibrator.Calibrate(data, 40));
        Assert.Throws<ArgumentException>(() => InputCalibrator.Calibrate(new Dataset(Array.Empty<float>(), Array.Empty<int>(), 3, 2)));
    }

    [Fact]
    public void The_clear_circuit_equals_the_fake_quantized_float_model_over_per_feature_ranges()
    {
        // The circuit's real meaning, independently: inputs snapped to each feature's grid, weights to their
        // quantized values over the range widths; only the integer bias and the requantization may differ.
        var (min, max) = InputCalibrator.Calibrate(_data.Train);
        var spec = TrainedModelSpec.WithFeatureRanges(_data.Spec(6), min, max);
        var plan = CircuitCompiler.Compile(spec).PlanOrThrow();
        var io = CircuitIo.FromPlan(plan);
        var interpreter = new PlanInterpreter(plan);
        var hidden = plan.Layers[0];
        var q = new long[30];
        var accumulators = plan.Layers.Select(l => new long[l.Outputs]).ToArray();
        var outputs = plan.Layers.Select(l => new long[l.Outputs]).ToArray();
        for (int row = 0; row < 40; row++)
        {
            var x = _data.Test.Row(row);
            io.QuantizeInputs(x, q);
            interpreter.RunClearTraced(q, accumulators, outputs);
            var acc = accumulators[0];
            for (int j = 0; j < hidden.Outputs; j++)
            {
                var n = hidden.Neurons[j];
                if (n.IsConstant) continue;
                double real = spec.Layers[0].Bias[j];
                for (int k = 0; k < n.InputIndices.Count; k++)
                {
                    int i = n.InputIndices[k];
                    double width = (double)max[i] - min[i];
                    double weight = n.Weights[k] * hidden.WeightScales[j] / width;
                    real += weight * plan.InputQuantizer(i).Dequantize(q[i]);
                }
                double unit = hidden.AccumulatorScale(j);
                Assert.True(Math.Abs(acc[j] * unit - real) <= unit / 2 + 1e-9 * Math.Abs(real), $"row {row}, neuron {j}: {acc[j] * unit} vs {real}");
            }
        }
    }

    [Fact]
    public void The_weights_file_declares_the_ranges_and_a_bad_range_is_refused()
    {
        var (min, max) = InputCalibrator.Calibrate(_data.Train);
        var options = new WeightsFileOptions
        {
            ClassName = "BreastCancer",
            LayerNames = new[] { "Hidden", "Output" },
            Model = _data.Model,
            FeatureRanges = (min, max),
        };
        string source = WeightsFileWriter.ToSource(options);
        Assert.Contains("internal static readonly float[] FeatureMin = new float[]", source);
        Assert.Contains("internal static readonly float[] FeatureMax = new float[]", source);
        var badMax = (float[])max.Clone();
        badMax[3] = min[3];
        var e = Assert.Throws<ArgumentException>(() => WeightsFileWriter.ToSource(options with { FeatureRanges = (min, badMax) }));
        Assert.Contains("Input feature 3", e.Message);
        Assert.Throws<ArgumentException>(() => WeightsFileWriter.ToSource(options with { FeatureRanges = (min, max.Take(29).ToArray()) }));
        Assert.Throws<ArgumentException>(() => WeightsFileWriter.ToSource(options with { LayerNames = new[] { "FeatureMin", "Output" }, FeatureRanges = (min, max) }));
    }
}
