using System;
using System.Linq;
using FheGen.Training;

namespace FheGen.Training.Tests;

public class ActivationCalibratorTests
{
    /// <summary>2 -> 3 ReLU -> 2 identity -> 1.</summary>
    private static TrainedMlp HandMadeNetwork() => new(new[]
    {
        new TrainedLayer(2, 3, new float[] { 1, 0, 0, 1, 1, -1 }, new float[] { 0, 0, -1 }, Activation.Relu),
        new TrainedLayer(3, 2, new float[] { 1, 1, 1, -1, 0, 0.5f }, new float[] { 0, 0.5f }, Activation.Identity),
        new TrainedLayer(2, 1, new float[] { 1, 1 }, new float[] { 0 }, Activation.Identity),
    });

    [Fact]
    public void Calibrate_returns_the_min_and_max_of_each_hidden_layers_outputs()
    {
        // Rows (0,0), (2,1), (-1,3):
        //   hidden 1 pre-activations [0,0,-1], [2,1,0], [-1,3,-5] -> ReLU outputs [0,0,0], [2,1,0], [0,3,0]: range [0, 3]
        //   hidden 2 outputs [0, 0.5], [3, -1.5], [3, 0.5]: range [-1.5, 3]
        var data = new Dataset(new float[] { 0, 0, 2, 1, -1, 3 }, new[] { 0, 0, 0 }, 2);

        var ranges = ActivationCalibrator.Calibrate(HandMadeNetwork(), data);

        Assert.Equal(new[] { (0.0, 3.0), (-1.5, 3.0) }, ranges);
    }

    [Fact]
    public void Calibrate_relu_minimum_is_zero_not_the_negative_pre_activation()
    {
        var data = new Dataset(new float[] { 5, 4 }, new[] { 0 }, 2); // Hidden 1: [5, 4, 0] from pre-activation [5, 4, 0].
        var onlyPositive = new Dataset(new float[] { 5, 1 }, new[] { 0 }, 2); // [5, 1, 3]: no zero at all.

        Assert.Equal((0.0, 5.0), ActivationCalibrator.Calibrate(HandMadeNetwork(), data)[0]);
        Assert.Equal((1.0, 5.0), ActivationCalibrator.Calibrate(HandMadeNetwork(), onlyPositive)[0]);
    }

    [Fact]
    public void Calibrate_percentile_clips_both_tails_with_linear_interpolation()
    {
        // One identity hidden neuron that copies its input 0..100, so the outputs are exactly 0..100.
        var model = new TrainedMlp(new[]
        {
            new TrainedLayer(1, 1, new float[] { 1 }, new float[] { 0 }, Activation.Identity),
            new TrainedLayer(1, 2, new float[] { 1, -1 }, new float[] { 0, 0 }, Activation.Identity),
        });
        var data = new Dataset(Enumerable.Range(0, 101).Select(i => (float)(100 - i)).ToArray(), new int[101], 1, classes: 2);

        Assert.Equal((0.0, 100.0), ActivationCalibrator.Calibrate(model, data)[0]);
        Assert.Equal((10.0, 90.0), ActivationCalibrator.Calibrate(model, data, 90)[0]);
        var (min, max) = ActivationCalibrator.Calibrate(model, data, 99.5)[0];
        Assert.Equal(0.5, min, 9);
        Assert.Equal(99.5, max, 9);
        Assert.Equal((50.0, 50.0), ActivationCalibrator.Calibrate(model, data, 50)[0]);
    }

    /// <summary>An identity hidden neuron that copies its single input, so the layer's outputs are the data.</summary>
    private static TrainedMlp Copy() => new(new[]
    {
        new TrainedLayer(1, 1, new float[] { 1 }, new float[] { 0 }, Activation.Identity),
        new TrainedLayer(1, 2, new float[] { 1, -1 }, new float[] { 0, 0 }, Activation.Identity),
    });

    /// <summary>Squared error of quantizing <paramref name="values"/> over [min, max] to <paramref name="bits"/>, saturating, halves up.</summary>
    private static double Error(float[] values, double min, double max, int bits)
    {
        long levels = (1L << bits) - 1;
        double step = (max - min) / levels;
        return values.Sum(v =>
        {
            double q = Math.Min(levels, Math.Max(0, Math.Floor((v - min) / step + 0.5)));
            return Math.Pow(v - (min + step * q), 2);
        });
    }

    [Fact]
    public void Calibrate_mse_clips_outliers_to_the_range_of_least_quantization_error()
    {
        // Exponentially distributed outputs (the quantiles of Exp(1), 0 to 7.6): a long tail, as after ReLU.
        var outputs = Enumerable.Range(0, 2000).Select(i => (float)-Math.Log(1 - i / 2000.0)).ToArray();
        float top = outputs.Max();
        var data = new Dataset(outputs, new int[outputs.Length], 1, classes: 2);
        var (min, max) = ActivationCalibrator.CalibrateMse(Copy(), data, new[] { 3 })[0];

        Assert.Equal(0.0, min);
        Assert.True(max < top * 0.8, $"max {max} of {top}");
        double chosen = Error(outputs, min, max, 3);
        Assert.True(chosen < Error(outputs, 0, top, 3) * 0.8, $"MSE range error {chosen}, min..max {Error(outputs, 0, top, 3)}");
        // No candidate (1 % .. 100 % of the range, recomputed here) does better.
        for (int c = 1; c <= ActivationCalibrator.MseCandidates; c++)
        {
            Assert.True(chosen <= Error(outputs, 0, (double)top * c / ActivationCalibrator.MseCandidates, 3) * (1 + 1e-12), $"candidate {c} %");
        }

        // Without a tail there is little to clip (uniform outputs keep 95 % or more), and more bits clip less.
        var uniform = new Dataset(Enumerable.Range(0, 1000).Select(i => i / 999f).ToArray(), new int[1000], 1, classes: 2);
        Assert.InRange(ActivationCalibrator.CalibrateMse(Copy(), uniform, new[] { 4 })[0].Max, 0.95, 1.0);
        Assert.True(ActivationCalibrator.CalibrateMse(Copy(), data, new[] { 8 })[0].Max > max);
    }

    [Fact]
    public void Calibrate_mse_shrinks_both_ends_of_a_signed_range_and_rejects_bad_bits()
    {
        var outputs = Enumerable.Range(0, 999).Select(i => i / 499f - 1).Append(-50f).Append(50f).ToArray();
        var data = new Dataset(outputs, new int[outputs.Length], 1, classes: 2);
        var (min, max) = ActivationCalibrator.CalibrateMse(Copy(), data, new[] { 3 })[0];
        Assert.True(min > -50 && max < 50 && min < 0 && max > 0, $"[{min}, {max}]");
        Assert.Equal(-min, max, 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationCalibrator.CalibrateMse(Copy(), data, new[] { 0 }));
        Assert.Throws<ArgumentException>(() => ActivationCalibrator.CalibrateMse(Copy(), data, new[] { 4, 4 }));
    }

    [Fact]
    public void Calibrate_single_layer_model_has_no_hidden_ranges()
    {
        var model = new TrainedMlp(new[] { new TrainedLayer(1, 2, new float[] { 1, 2 }, new float[2], Activation.Identity) });
        Assert.Empty(ActivationCalibrator.Calibrate(model, new Dataset(new float[] { 1 }, new[] { 0 }, 1)));
    }

    [Fact]
    public void Calibrate_rejects_bad_arguments()
    {
        TrainedMlp model = HandMadeNetwork();
        var data = new Dataset(new float[] { 1, 2 }, new[] { 0 }, 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationCalibrator.Calibrate(model, data, 49));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationCalibrator.Calibrate(model, data, 100.5));
        Assert.Throws<ArgumentException>(() => ActivationCalibrator.Calibrate(model, new Dataset(new float[3], new[] { 0 }, 3)));
        Assert.Throws<ArgumentException>(() => ActivationCalibrator.Calibrate(model, new Dataset(Array.Empty<float>(), Array.Empty<int>(), 2)));
    }

    [Fact]
    public void Calibrate_trained_digits_model_matches_a_brute_force_scan()
    {
        Dataset data = TrainingData.Digits.Subset(Enumerable.Range(0, 300).ToArray());
        TrainedMlp model = MlpTrainer.Train(data, new MlpTrainerOptions { Epochs = 2, HiddenSizes = new[] { 12, 6 } });

        var ranges = ActivationCalibrator.Calibrate(model, data);

        // Recompute the hidden outputs with plain loops.
        for (int l = 0; l < 2; l++)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            for (int i = 0; i < data.Count; i++)
            {
                float[] a = data.Row(i).ToArray();
                for (int k = 0; k <= l; k++)
                {
                    TrainedLayer layer = model.Layers[k];
                    var next = new float[layer.Outputs];
                    for (int o = 0; o < layer.Outputs; o++)
                    {
                        double z = layer.Bias[o];
                        for (int j = 0; j < layer.Inputs; j++)
                        {
                            z += layer.Weights[(o * layer.Inputs) + j] * a[j];
                        }

                        next[o] = (float)Math.Max(0, z);
                    }

                    a = next;
                }

                min = Math.Min(min, a.Min());
                max = Math.Max(max, a.Max());
            }

            Assert.Equal(max, ranges[l].Max, 1e-4 * Math.Max(1, max));
            Assert.Equal(min, ranges[l].Min);
        }
    }
}
