using System;
using System.Linq;
using FheGen.Training;

namespace FheGen.Training.Tests
{
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
        public void Calibrate_ReturnsTheMinAndMaxOfEachHiddenLayersOutputs()
        {
            // Rows (0,0), (2,1), (-1,3):
            //   hidden 1 pre-activations [0,0,-1], [2,1,0], [-1,3,-5] -> ReLU outputs [0,0,0], [2,1,0], [0,3,0]: range [0, 3]
            //   hidden 2 outputs [0, 0.5], [3, -1.5], [3, 0.5]: range [-1.5, 3]
            var data = new Dataset(new float[] { 0, 0, 2, 1, -1, 3 }, new[] { 0, 0, 0 }, 2);

            var ranges = ActivationCalibrator.Calibrate(HandMadeNetwork(), data);

            Assert.Equal(new[] { (0.0, 3.0), (-1.5, 3.0) }, ranges);
        }

        [Fact]
        public void Calibrate_ReluMinimumIsZero_NotTheNegativePreActivation()
        {
            var data = new Dataset(new float[] { 5, 4 }, new[] { 0 }, 2); // Hidden 1: [5, 4, 0] from pre-activation [5, 4, 0].
            var onlyPositive = new Dataset(new float[] { 5, 1 }, new[] { 0 }, 2); // [5, 1, 3]: no zero at all.

            Assert.Equal((0.0, 5.0), ActivationCalibrator.Calibrate(HandMadeNetwork(), data)[0]);
            Assert.Equal((1.0, 5.0), ActivationCalibrator.Calibrate(HandMadeNetwork(), onlyPositive)[0]);
        }

        [Fact]
        public void Calibrate_PercentileClipsBothTailsWithLinearInterpolation()
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

        [Fact]
        public void Calibrate_SingleLayerModelHasNoHiddenRanges()
        {
            var model = new TrainedMlp(new[] { new TrainedLayer(1, 2, new float[] { 1, 2 }, new float[2], Activation.Identity) });
            Assert.Empty(ActivationCalibrator.Calibrate(model, new Dataset(new float[] { 1 }, new[] { 0 }, 1)));
        }

        [Fact]
        public void Calibrate_RejectsBadArguments()
        {
            TrainedMlp model = HandMadeNetwork();
            var data = new Dataset(new float[] { 1, 2 }, new[] { 0 }, 2);

            Assert.Throws<ArgumentOutOfRangeException>(() => ActivationCalibrator.Calibrate(model, data, 49));
            Assert.Throws<ArgumentOutOfRangeException>(() => ActivationCalibrator.Calibrate(model, data, 100.5));
            Assert.Throws<ArgumentException>(() => ActivationCalibrator.Calibrate(model, new Dataset(new float[3], new[] { 0 }, 3)));
            Assert.Throws<ArgumentException>(() => ActivationCalibrator.Calibrate(model, new Dataset(Array.Empty<float>(), Array.Empty<int>(), 2)));
        }

        [Fact]
        public void Calibrate_TrainedDigitsModel_MatchesABruteForceScan()
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
}
