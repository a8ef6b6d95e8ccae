using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using FheGen.Training;
using Xunit.Abstractions;

namespace FheGen.Training.Tests;

public class MlpTrainerTests
{
    private readonly ITestOutputHelper _output;

    public MlpTrainerTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Train_digits_reaches_the_target_accuracy_quickly()
    {
        var (train, test) = TrainingData.Digits.StratifiedSplit(0.25, seed: 42);
        var options = new MlpTrainerOptions { HiddenSizes = new[] { 32 }, Epochs = 20, Seed = 42 };

        var watch = Stopwatch.StartNew();
        TrainedMlp model = MlpTrainer.Train(train, options);
        watch.Stop();
        double accuracy = model.Accuracy(test);
        _output.WriteLine($"64-32-10 ReLU, 20 epochs: test accuracy {accuracy:F4}, train {model.Accuracy(train):F4}, {watch.Elapsed.TotalSeconds:F2} s");

        Assert.True(accuracy >= 0.93, $"test accuracy {accuracy}");
        Assert.Equal(2, model.Layers.Count);
        Assert.Equal((64, 32, Activation.Relu), (model.Layers[0].Inputs, model.Layers[0].Outputs, model.Layers[0].Activation));
        Assert.Equal((32, 10, Activation.Identity), (model.Layers[1].Inputs, model.Layers[1].Outputs, model.Layers[1].Activation));
    }

    [Fact]
    public void Train_same_seed_gives_bit_identical_weights_other_seed_does_not()
    {
        Dataset train = TrainingData.Digits.StratifiedSplit(0.25, seed: 42).Train;
        var options = new MlpTrainerOptions { HiddenSizes = new[] { 16, 8 }, Epochs = 3, BatchSize = 17, Seed = 5 };

        TrainedMlp a = MlpTrainer.Train(train, options);
        TrainedMlp b = MlpTrainer.Train(train, options);
        TrainedMlp c = MlpTrainer.Train(train, new MlpTrainerOptions { HiddenSizes = new[] { 16, 8 }, Epochs = 3, BatchSize = 17, Seed = 6 });

        Assert.Equal(Bits(a), Bits(b));
        Assert.NotEqual(Bits(a), Bits(c));
    }

    [Fact]
    public void Train_power_of_two_scale_is_folded_exactly_into_the_first_layer()
    {
        // Training on x / 16 without normalization follows the very same float trajectory as training on raw
        // x with the power-of-two scale, so the returned first layers must differ by exactly 16.
        Dataset raw = TrainingData.Digits.Subset(Enumerable.Range(0, 400).ToArray());
        var scaled = new Dataset(raw.X.Select(v => v / 16).ToArray(), raw.Y, raw.Features, raw.Classes);
        var options = new MlpTrainerOptions { Epochs = 2, Normalization = InputNormalization.PowerOfTwo };

        TrainedMlp folded = MlpTrainer.Train(raw, options);
        TrainedMlp reference = MlpTrainer.Train(scaled, new MlpTrainerOptions { Epochs = 2, Normalization = InputNormalization.None });

        Assert.Equal(reference.Layers[0].Weights.Select(w => w / 16), folded.Layers[0].Weights);
        Assert.Equal(reference.Layers[0].Bias, folded.Layers[0].Bias);
        Assert.Equal(reference.Layers[1].Weights, folded.Layers[1].Weights);
        Assert.Equal(reference.Layers[1].Bias, folded.Layers[1].Bias);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(reference.Forward(scaled.Row(i)), folded.Forward(raw.Row(i)));
        }
    }

    [Fact]
    public void Train_constant_features_get_zero_weights()
    {
        Dataset train = TrainingData.Digits.StratifiedSplit(0.25, seed: 42).Train;
        int[] constant = Enumerable.Range(0, train.Features)
            .Where(j => Enumerable.Range(0, train.Count).All(i => train.X[(i * train.Features) + j] == train.X[j]))
            .ToArray();
        Assert.NotEmpty(constant); // Some border pixels of the digits are always blank.

        foreach (InputNormalization mode in Enum.GetValues<InputNormalization>())
        {
            TrainedMlp model = MlpTrainer.Train(train, new MlpTrainerOptions { Epochs = 1, Normalization = mode });
            TrainedLayer first = model.Layers[0];
            for (int o = 0; o < first.Outputs; o++)
            {
                Assert.All(constant, j => Assert.Equal(0f, first.Weights[(o * first.Inputs) + j]));
            }
        }
    }

    [Fact]
    public void Train_standardize_handles_wildly_different_feature_scales()
    {
        // Feature 0 is large noise; the class depends only on the tiny feature 1.
        var random = new Random(1);
        int n = 400;
        var x = new float[n * 2];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            double signal = (random.NextDouble() * 2) - 1;
            x[2 * i] = (float)(1000 + (100 * random.NextDouble()));
            x[(2 * i) + 1] = (float)(0.001 * signal);
            y[i] = signal > 0 ? 1 : 0;
        }

        var data = new Dataset(x, y, 2);
        TrainedMlp model = MlpTrainer.Train(data, new MlpTrainerOptions { Epochs = 40, Normalization = InputNormalization.Standardize });

        Assert.True(model.Accuracy(data) >= 0.95, $"accuracy {model.Accuracy(data)}");
    }

    [Theory]
    [InlineData(Activation.Identity)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.LeakyRelu)]
    public void Train_every_hidden_activation_learns(Activation activation)
    {
        var (train, test) = TrainingData.Digits.StratifiedSplit(0.25, seed: 1);
        TrainedMlp model = MlpTrainer.Train(train, new MlpTrainerOptions { Epochs = 8, HiddenActivation = activation });

        Assert.Equal(activation, model.Layers[0].Activation);
        Assert.True(model.Accuracy(test) >= 0.85, $"{activation}: test accuracy {model.Accuracy(test)}");
    }

    [Fact]
    public void Train_without_hidden_layers_is_softmax_regression()
    {
        Dataset train = TrainingData.Digits.StratifiedSplit(0.25, seed: 42).Train;
        TrainedMlp model = MlpTrainer.Train(train, new MlpTrainerOptions { HiddenSizes = Array.Empty<int>(), Epochs = 5, LearningRate = 0.01 });

        TrainedLayer only = Assert.Single(model.Layers);
        Assert.Equal((64, 10, Activation.Identity), (only.Inputs, only.Outputs, only.Activation));
        Assert.True(model.Accuracy(train) > 0.9, $"train accuracy {model.Accuracy(train)}");
    }

    [Fact]
    public void Train_reports_progress_once_per_epoch_with_falling_loss()
    {
        Dataset train = TrainingData.Digits.StratifiedSplit(0.25, seed: 42).Train;
        var reports = new List<(int Epoch, double Loss, double Accuracy)>();

        MlpTrainer.Train(train, new MlpTrainerOptions { Epochs = 6, Progress = (e, l, a) => reports.Add((e, l, a)) });

        Assert.Equal(Enumerable.Range(1, 6), reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.True(double.IsFinite(r.Loss) && r.Loss > 0 && r.Accuracy is >= 0 and <= 1));
        Assert.True(reports[^1].Loss < reports[0].Loss / 2, $"loss {reports[0].Loss} -> {reports[^1].Loss}");
        Assert.True(reports[^1].Accuracy > reports[0].Accuracy);
    }

    [Fact]
    public void Train_honours_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            MlpTrainer.Train(TrainingData.Digits, new MlpTrainerOptions(), cancelled.Token));
    }

    [Fact]
    public void Train_divergence_is_reported()
    {
        var data = new Dataset(new float[] { 0, 1, 2, 3 }, new[] { 0, 1, 0, 1 }, 1);
        var options = new MlpTrainerOptions { LearningRate = 1e30, Epochs = 50, Normalization = InputNormalization.None };

        var ex = Assert.Throws<InvalidOperationException>(() => MlpTrainer.Train(data, options));
        Assert.Contains("diverged", ex.Message);
    }

    public static TheoryData<string, MlpTrainerOptions> InvalidOptions => new()
    {
        { "HiddenSizes", new MlpTrainerOptions { HiddenSizes = null! } },
        { "HiddenSizes", new MlpTrainerOptions { HiddenSizes = new[] { 8, 0 } } },
        { "HiddenActivation", new MlpTrainerOptions { HiddenActivation = (Activation)42 } },
        { "Normalization", new MlpTrainerOptions { Normalization = (InputNormalization)9 } },
        { "Epochs", new MlpTrainerOptions { Epochs = 0 } },
        { "BatchSize", new MlpTrainerOptions { BatchSize = 0 } },
        { "LearningRate", new MlpTrainerOptions { LearningRate = 0 } },
        { "LearningRate", new MlpTrainerOptions { LearningRate = double.NaN } },
        { "Beta1", new MlpTrainerOptions { Beta1 = 1 } },
        { "Beta2", new MlpTrainerOptions { Beta2 = -0.1 } },
        { "Epsilon", new MlpTrainerOptions { Epsilon = 0 } },
        { "L2", new MlpTrainerOptions { L2 = -1e-4 } },
        { "L2", new MlpTrainerOptions { L2 = double.PositiveInfinity } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Train_rejects_invalid_options(string parameter, MlpTrainerOptions options)
    {
        var data = new Dataset(new float[] { 0, 1 }, new[] { 0, 1 }, 1);
        var ex = Assert.Throws<ArgumentException>(() => MlpTrainer.Train(data, options));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains(parameter, ex.Message);
    }

    [Fact]
    public void Train_rejects_empty_or_single_class_data()
    {
        Assert.Throws<ArgumentException>(() =>
            MlpTrainer.Train(new Dataset(Array.Empty<float>(), Array.Empty<int>(), 2, classes: 2), new MlpTrainerOptions()));
        Assert.Throws<ArgumentException>(() =>
            MlpTrainer.Train(new Dataset(new float[] { 1, 2 }, new[] { 0, 0 }, 1), new MlpTrainerOptions()));
    }

    [Fact]
    public void Model_forward_predict_and_accuracy_agree_with_hand_computation()
    {
        // Logits: z0 = x0 - x1, z1 = x1 - x0 + 0.5.
        var layer = new TrainedLayer(2, 2, new float[] { 1, -1, -1, 1 }, new[] { 0f, 0.5f }, Activation.Identity);
        var model = new TrainedMlp(new[] { layer });
        var data = new Dataset(new float[] { 3, 1, 1, 3, 1, 1 }, new[] { 0, 1, 0 }, 2);

        Assert.Equal(new[] { 2f, -1.5f }, model.Forward(new float[] { 3, 1 }));
        Assert.Equal(0, model.Predict(new float[] { 3, 1 }));
        Assert.Equal(1, model.Predict(new float[] { 1, 1 }));
        Assert.Equal(2.0 / 3, model.Accuracy(data), 12);
        Assert.Throws<ArgumentException>(() => model.Forward(new float[3]));
        Assert.Throws<ArgumentException>(() => model.Accuracy(new Dataset(new float[3], new[] { 0 }, 3)));
    }

    [Fact]
    public void Model_rejects_layers_that_do_not_chain()
    {
        var a = new TrainedLayer(2, 3, new float[6], new float[3], Activation.Relu);
        var b = new TrainedLayer(4, 1, new float[4], new float[1], Activation.Identity);

        Assert.Throws<ArgumentException>(() => new TrainedMlp(new[] { a, b }));
        Assert.Throws<ArgumentException>(() => new TrainedMlp(Array.Empty<TrainedLayer>()));
        Assert.Throws<ArgumentException>(() => new TrainedLayer(2, 3, new float[5], new float[3], Activation.Relu));
        Assert.Throws<ArgumentException>(() => new TrainedLayer(2, 3, new float[6], new float[2], Activation.Relu));
    }

    private static int[] Bits(TrainedMlp model) =>
        model.Layers.SelectMany(l => l.Weights.Concat(l.Bias)).Select(BitConverter.SingleToInt32Bits).ToArray();
}
