using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using FheGen.Circuits;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Training.Qat;
using Xunit.Abstractions;

namespace FheGen.Training.Tests.Qat;

/// <summary>A float 64-16-10 ReLU MLP on digits, trained once for all QAT tests.</summary>
public sealed class PretrainedDigits
{
    public PretrainedDigits()
    {
        (Train, Test) = TrainingData.Digits.StratifiedSplit(0.25, seed: 42);
        Model = MlpTrainer.Train(Train, new MlpTrainerOptions { HiddenSizes = new[] { 16 }, Epochs = 15, Seed = 42 });
    }

    public Dataset Train { get; }

    public Dataset Test { get; }

    public TrainedMlp Model { get; }

    /// <summary>The model as a class would declare it: 4-bit pixels over 0..16, the given bits, pruning and rounding.</summary>
    public ModelSpec Spec(int weightBits = 4, int activationBits = 4, bool perChannel = false, int? maxActive = null, int? roundBits = null)
    {
        var spec = DeclaredSpecs.Mlp("Digits", 64, 16, 10, 4, 0, 16, new QuantizeSetting(null, weightBits, activationBits, perChannel), maxActive, roundBits);
        return TrainedModelSpec.WithWeights(spec, Model, ActivationCalibrator.Calibrate(Model, Train));
    }
}

public class QatTrainerTests : IClassFixture<PretrainedDigits>
{
    private readonly PretrainedDigits _digits;
    private readonly ITestOutputHelper _output;

    public QatTrainerTests(PretrainedDigits digits, ITestOutputHelper output)
    {
        _digits = digits;
        _output = output;
    }

    [Fact]
    public void Fine_tuning_recovers_the_accuracy_that_2_bit_weights_lose()
    {
        var spec = _digits.Spec(weightBits: 2, activationBits: 3);
        double floatAccuracy = _digits.Model.Accuracy(_digits.Test);
        double ptq = CircuitAccuracy.Clear(spec, _digits.Test);
        var result = QatTrainer.FineTune(spec, _digits.Train, new QatOptions { Epochs = 6 });
        double qat = CircuitAccuracy.Clear(result.Spec, _digits.Test);
        _output.WriteLine($"w2/a3: float {floatAccuracy:P2}, PTQ {ptq:P2}, QAT {qat:P2}");
        Assert.True(qat >= ptq + 0.05, $"PTQ {ptq:P2}, QAT {qat:P2}");
    }

    [Fact]
    public void Activation_calibration_methods_compared_after_post_training_quantization()
    {
        // Min..max, the 99.9th percentile and least squared error, each at 3-bit activations where the step matters most.
        var spec = _digits.Spec(activationBits: 3);
        var minMax = CircuitAccuracy.Clear(spec, _digits.Test);
        var percentile = CircuitAccuracy.Clear(TrainedModelSpec.WithRanges(spec, ActivationCalibrator.Calibrate(_digits.Model, _digits.Train, 99.9)), _digits.Test);
        var mseRanges = ActivationCalibrator.CalibrateMse(_digits.Model, _digits.Train, new[] { 3 });
        var mse = CircuitAccuracy.Clear(TrainedModelSpec.WithRanges(spec, mseRanges), _digits.Test);
        _output.WriteLine($"w4/a3 PTQ: min..max {minMax:P2} (hidden range {spec.Ranges[0].Max:F3}), p99.9 {percentile:P2}, MSE {mse:P2} (hidden range {mseRanges[0].Max:F3})");
        Assert.True(mseRanges[0].Max < spec.Ranges[0].Max, "ReLU outputs have a long tail: the least-error range clips it");
        Assert.True(mse >= minMax - 0.01, $"min..max {minMax:P2}, MSE {mse:P2}");
    }

    [Fact]
    public void The_forward_pass_is_the_compiled_circuit()
    {
        // A learning rate far below float32 resolution leaves the weights bit-identical, and ranges frozen after the
        // first epoch leave the second epoch's circuit fixed: its reported loss and accuracy must then be those of
        // the result's spec compiled and run by the interpreter, computed here independently.
        var spec = _digits.Spec(roundBits: 5);
        var result = QatTrainer.FineTune(spec, _digits.Train, new QatOptions
        {
            Epochs = 2,
            FreezeRangesAfter = 0.5,
            LearningRate = 1e-15,
            FinalLearningRateFactor = 1,
            L2 = 0,
        });
        Assert.Equal(Bits(spec.Layers[0].Weights.ToArray()), Bits(result.Model.Layers[0].Weights));
        var plan = CircuitCompiler.Compile(result.Spec).PlanOrThrow();
        var interpreter = new PlanInterpreter(plan);
        var io = CircuitIo.FromPlan(plan);
        var quantized = new long[64];
        double loss = 0;
        int correct = 0;
        var output = plan.Layers[1];
        for (int i = 0; i < _digits.Train.Count; i++)
        {
            io.QuantizeInputs(_digits.Train.Row(i), quantized);
            var acc = interpreter.RunClear(quantized);
            var logits = acc.Select((a, j) => output.AccumulatorScale(j) * a).ToArray();
            double max = logits.Max();
            double sum = logits.Sum(z => Math.Exp(z - max));
            loss += Math.Log(sum) - (logits[_digits.Train.Y[i]] - max);
            if (Array.IndexOf(logits, max) == _digits.Train.Y[i]) correct++;
        }
        var last = result.History[^1];
        Assert.Equal((double)correct / _digits.Train.Count, last.TrainAccuracy);
        Assert.Equal(loss / _digits.Train.Count, last.Loss, 1e-5);
        Assert.Equal(CircuitAccuracy.Clear(result.Spec, _digits.Train), last.TrainAccuracy);
    }

    [Fact]
    public void Pruning_reaches_its_target_and_the_result_compiles_without_a_mismatch()
    {
        var spec = _digits.Spec(maxActive: 12, roundBits: 6, perChannel: true);
        var result = QatTrainer.FineTune(spec, _digits.Train, new QatOptions { Epochs = 4, PruningRampFraction = 0.5 });

        // The ramp tightens from the fan-in to the target, never loosening, and holds it once reached.
        var k = result.History.Select(e => e.MaxActiveInputs[0]!.Value).ToArray();
        _output.WriteLine("MaxActiveInputs per epoch: " + string.Join(", ", k));
        Assert.True(k[0] > 12 && k[0] <= 64, $"epoch 1 keeps {k[0]}");
        Assert.All(k.Zip(k.Skip(1)), p => Assert.True(p.Second <= p.First));
        Assert.Equal(new[] { 12, 12 }, k[^2..]);
        Assert.All(result.History, e => Assert.Null(e.MaxActiveInputs[1]));

        // The written float weights satisfy [Prune] by themselves: at most 12 nonzeros per hidden neuron.
        var hidden = result.Model.Layers[0];
        for (int j = 0; j < hidden.Outputs; j++)
        {
            int nonzero = hidden.Weights.AsSpan(j * 64, 64).ToArray().Count(w => w != 0);
            Assert.InRange(nonzero, 0, 12);
        }
        var compiled = CircuitCompiler.Compile(result.Spec);
        var plan = compiled.PlanOrThrow();
        Assert.All(plan.Layers[0].Neurons, n => Assert.InRange(n.Weights.Count, 0, 12));
        Assert.DoesNotContain(compiled.Diagnostics, d => d.Id == DiagnosticIds.TrainingMismatch);
        Assert.Equal(QatTrainer.SettingsOf(spec), result.Spec.Trained.ToArray());
        Assert.Equal(12, result.Settings[1].MaxActiveInputs);
        Assert.Equal(6, result.Settings[1].RoundBits);
        Assert.True(result.Settings[1].PerChannel);
        Assert.Equal((4, 0.0, 16.0), (result.Settings[0].InputBits, result.Settings[0].InputMin, result.Settings[0].InputMax));

        // Changing a trained setting afterwards is FHE0011.
        var changed = result.Spec with { Prune = EquatableArray.Of(new PruneSetting("Hidden", 20)) };
        var mismatch = Assert.Single(CircuitCompiler.Compile(changed).Diagnostics, d => d.Id == DiagnosticIds.TrainingMismatch);
        Assert.Contains("MaxActiveInputs = 12 but compiles with 20", mismatch.Message);
    }

    [Fact]
    public void With_a_validation_set_the_best_epoch_is_kept()
    {
        var (fit, validation) = _digits.Train.StratifiedSplit(0.2, seed: 1);
        var spec = _digits.Spec(weightBits: 3, activationBits: 3, roundBits: 5);
        var result = QatTrainer.FineTune(spec, fit, new QatOptions { Epochs = 4, LearningRate = 3e-3 }, validation);
        var scores = result.History.Select(e => e.ValidationAccuracy!.Value).ToArray();
        _output.WriteLine("validation per epoch: " + string.Join(", ", scores.Select(s => s.ToString("P2"))));
        int best = Array.IndexOf(scores, scores.Max()) + 1;
        Assert.Equal(best, result.SelectedEpoch);
        Assert.Equal(scores.Max(), CircuitAccuracy.Clear(result.Spec, validation));
    }

    [Fact]
    public void Fine_tuning_is_invariant_to_a_power_of_two_scale_of_the_inputs()
    {
        // Pixels x16 (0..256, raw-image scale) with first-layer weights /16 are the same circuit. Adam is not invariant
        // to a parameter's scale, so training the first layer in inputs scaled by a power of two is what makes the
        // two runs identical (before that, raw-scale inputs made first-layer steps huge and Fashion-MNIST diverged).
        var spec = _digits.Spec(roundBits: 5);
        var scaledLayers = spec.Layers.ToArray();
        scaledLayers[0] = scaledLayers[0] with { Weights = new EquatableArray<float>(scaledLayers[0].Weights.ToArray().Select(w => w / 16).ToArray()) };
        var scaled = spec with { InputMax = 256, Layers = new EquatableArray<LayerSpec>(scaledLayers) };
        var train = new Dataset(_digits.Train.X.Select(v => v * 16).ToArray(), _digits.Train.Y, 64, 10);
        var options = new QatOptions { Epochs = 2 };
        var a = QatTrainer.FineTune(spec, _digits.Train, options);
        var b = QatTrainer.FineTune(scaled, train, options);
        Assert.Equal(a.History.Select(e => e.Loss), b.History.Select(e => e.Loss));
        Assert.Equal(Bits(a.Model.Layers[0].Weights.Select(w => w / 16).ToArray()), Bits(b.Model.Layers[0].Weights));
        Assert.Equal(Bits(a.Model.Layers[1].Weights), Bits(b.Model.Layers[1].Weights));
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights()
    {
        var spec = _digits.Spec(weightBits: 3, maxActive: 20);
        var options = new QatOptions { Epochs = 1, BatchSize = 64 };
        var a = QatTrainer.FineTune(spec, _digits.Train, options);
        var b = QatTrainer.FineTune(spec, _digits.Train, options);
        var c = QatTrainer.FineTune(spec, _digits.Train, options with { Seed = 7 });
        Assert.Equal(Bits(a.Model.Layers[0].Weights), Bits(b.Model.Layers[0].Weights));
        Assert.Equal(a.Ranges, b.Ranges);
        Assert.NotEqual(Bits(a.Model.Layers[0].Weights), Bits(c.Model.Layers[0].Weights));
    }

    [Fact]
    public void Cancellation_stops_between_batches()
    {
        using var cts = new CancellationTokenSource();
        int epochs = 0;
        var options = new QatOptions { Epochs = 3, Progress = _ => { epochs++; cts.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => QatTrainer.FineTune(_digits.Spec(), _digits.Train, options, cancellationToken: cts.Token));
        Assert.Equal(1, epochs);
    }

    public static TheoryData<string, QatOptions> BadOptions => new()
    {
        { "Epochs", new QatOptions { Epochs = 0 } },
        { "BatchSize", new QatOptions { BatchSize = 0 } },
        { "LearningRate", new QatOptions { LearningRate = 0 } },
        { "LearningRate", new QatOptions { LearningRate = double.PositiveInfinity } },
        { "FinalLearningRateFactor", new QatOptions { FinalLearningRateFactor = 1.5 } },
        { "Beta1", new QatOptions { Beta1 = 1 } },
        { "Beta2", new QatOptions { Beta2 = -0.1 } },
        { "Epsilon", new QatOptions { Epsilon = 0 } },
        { "L2", new QatOptions { L2 = double.NaN } },
        { "RangePercentile", new QatOptions { RangePercentile = 50 } },
        { "RangePercentile", new QatOptions { RangePercentile = 100.5 } },
        { "RangeMomentum", new QatOptions { RangeMomentum = 1 } },
        { "FreezeRangesAfter", new QatOptions { FreezeRangesAfter = 0 } },
        { "PruningRampFraction", new QatOptions { PruningRampFraction = 1 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Options_out_of_range_are_rejected_by_name(string name, QatOptions options)
    {
        var e = Assert.Throws<ArgumentException>(() => QatTrainer.FineTune(_digits.Spec(), _digits.Train, options));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Data_that_does_not_fit_the_spec_is_rejected_before_training()
    {
        var spec = _digits.Spec();
        var narrow = new Dataset(new float[] { 1, 2, 3, 4 }, new[] { 0, 1 }, features: 2);
        var e = Assert.Throws<ArgumentException>(() => QatTrainer.FineTune(spec, narrow));
        Assert.Contains("takes 64 features but the data set has 2", e.Message);
        var manyClasses = new Dataset(new float[64 * 2], new[] { 0, 11 }, features: 64);
        e = Assert.Throws<ArgumentException>(() => QatTrainer.FineTune(spec, _digits.Train, validation: manyClasses));
        Assert.Equal("validation", e.ParamName);
        Assert.Contains("12 classes", e.Message);
    }

    [Fact]
    public void Pruning_schedule_is_cubic_from_the_fan_in_to_the_target()
    {
        Assert.Null(QatTrainer.ActiveInputsAt(0, 100, 64, null));
        Assert.Null(QatTrainer.ActiveInputsAt(0, 100, 64, 64));
        Assert.Equal(64, QatTrainer.ActiveInputsAt(0, 100, 64, 10));
        // Half way: 10 + 54 * 0.5^3 = 16.75, rounded up.
        Assert.Equal(17, QatTrainer.ActiveInputsAt(50, 100, 64, 10));
        Assert.Equal(10, QatTrainer.ActiveInputsAt(100, 100, 64, 10));
        Assert.Equal(10, QatTrainer.ActiveInputsAt(5000, 100, 64, 10));
        Assert.Equal(10, QatTrainer.ActiveInputsAt(0, 0, 64, 10));
        int previous = 64;
        for (long s = 0; s <= 100; s++)
        {
            int k = QatTrainer.ActiveInputsAt(s, 100, 64, 10)!.Value;
            Assert.InRange(k, 10, previous);
            previous = k;
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
