using System;
using System.Collections.Generic;

namespace FheGen.Training
{
    /// <summary>
    /// Measures the output range of every hidden layer's activation over a data set: the ranges that
    /// <see cref="ActivationRangeAttribute"/> records and the requantization after each activation maps onto
    /// the layer's activation bits.
    /// </summary>
    public static class ActivationCalibrator
    {
        /// <summary>
        /// For each hidden layer (every layer but the last), the smallest and largest activation output over
        /// all neurons and all rows of <paramref name="data"/>. Outputs, not pre-activations: a ReLU layer's
        /// minimum is 0 as soon as one neuron is inactive on one row.
        /// </summary>
        /// <remarks>
        /// With <paramref name="percentile"/> below 100, outliers are clipped symmetrically: the maximum is the
        /// <c>p</c>-th percentile and the minimum the <c>(100 - p)</c>-th percentile of all the layer's outputs
        /// (linear interpolation between closest ranks, as NumPy's default), which spends the activation bits
        /// on the bulk of the distribution; outputs beyond the range then saturate. That path keeps every
        /// output of a layer in memory (rows times neurons floats); 100, the default, streams.
        /// </remarks>
        /// <param name="model">The model to measure.</param>
        /// <param name="data">Representative raw inputs, usually the training set.</param>
        /// <param name="percentile">Upper percentile kept, in <c>[50, 100]</c>; 100 gives the exact min and max.</param>
        /// <returns>One <c>(Min, Max)</c> per hidden layer, input side first; empty for a single-layer model.</returns>
        /// <exception cref="ArgumentException">The data set is empty or its feature count differs from the model's.</exception>
        public static IReadOnlyList<(double Min, double Max)> Calibrate(TrainedMlp model, Dataset data, double percentile = 100)
        {
            ArgumentNullException.ThrowIfNull(model);
            model.CheckData(data);
            if (!(percentile >= 50 && percentile <= 100))
            {
                throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be in [50, 100].");
            }

            int hidden = model.Layers.Count - 1;
            float[][] outputs = model.CreateBuffers();
            var ranges = new (double Min, double Max)[hidden];
            if (percentile == 100)
            {
                var min = new float[hidden];
                var max = new float[hidden];
                Array.Fill(min, float.PositiveInfinity);
                Array.Fill(max, float.NegativeInfinity);
                for (int i = 0; i < data.Count; i++)
                {
                    model.Evaluate(data.Row(i), outputs);
                    for (int l = 0; l < hidden; l++)
                    {
                        foreach (float v in outputs[l])
                        {
                            min[l] = Math.Min(min[l], v);
                            max[l] = Math.Max(max[l], v);
                        }
                    }
                }

                for (int l = 0; l < hidden; l++)
                {
                    ranges[l] = (min[l], max[l]);
                }

                return ranges;
            }

            var values = new float[hidden][];
            for (int l = 0; l < hidden; l++)
            {
                values[l] = new float[(long)data.Count * model.Layers[l].Outputs];
            }

            for (int i = 0; i < data.Count; i++)
            {
                model.Evaluate(data.Row(i), outputs);
                for (int l = 0; l < hidden; l++)
                {
                    outputs[l].CopyTo(values[l], (long)i * outputs[l].Length);
                }
            }

            for (int l = 0; l < hidden; l++)
            {
                Array.Sort(values[l]);
                // Percent times rank span first, then divide: keeps whole-number ranks exact (90 -> rank 90 of 100).
                double span = values[l].Length - 1;
                ranges[l] = (AtRank(values[l], (100 - percentile) * span / 100), AtRank(values[l], percentile * span / 100));
            }

            return ranges;
        }

        /// <summary>The value at fractional <paramref name="rank"/> of sorted values, interpolating linearly between neighbours.</summary>
        internal static double AtRank(float[] sorted, double rank)
        {
            int below = (int)Math.Floor(rank);
            int above = Math.Min(below + 1, sorted.Length - 1);
            double fraction = rank - below;
            return fraction == 0 ? sorted[below] : sorted[below] + ((sorted[above] - (double)sorted[below]) * fraction);
        }
    }
}
