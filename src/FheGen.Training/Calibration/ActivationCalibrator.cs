using System;
using System.Collections.Generic;

namespace FheGen.Training;

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

    /// <summary>Candidate clipping ranges <see cref="CalibrateMse"/> tries per layer: 1 %, 2 %, ... 100 % of the observed range.</summary>
    public const int MseCandidates = 100;

    /// <summary>Most outputs per layer <see cref="CalibrateMse"/> scores (an even stride through larger sets), to bound time and memory.</summary>
    public const int MseSampleLimit = 1 << 20;

    /// <summary>
    /// For each hidden layer, the activation range that minimizes the mean squared error of quantizing its outputs
    /// to <paramref name="activationBits"/> (saturating beyond the range, as the circuit's requantization does): a
    /// narrower range than min..max when a few large outputs would otherwise coarsen the step for all the rest. The
    /// candidates shrink the observed range towards 0 (its lower end stays put when it is 0 or more, as after ReLU)
    /// in steps of 1 %; the full range is one of them, so the result is never worse than min..max on this data.
    /// </summary>
    /// <param name="model">The model to measure.</param>
    /// <param name="data">Representative raw inputs, usually the training set.</param>
    /// <param name="activationBits">The bits of each hidden layer's activations, one per hidden layer (or one for all).</param>
    /// <returns>One <c>(Min, Max)</c> per hidden layer, input side first.</returns>
    /// <exception cref="ArgumentException">The data set is empty or does not fit the model, or the bit count is not one or one per hidden layer.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bit count is outside 1..16.</exception>
    public static IReadOnlyList<(double Min, double Max)> CalibrateMse(TrainedMlp model, Dataset data, IReadOnlyList<int> activationBits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(activationBits);
        model.CheckData(data);
        int hidden = model.Layers.Count - 1;
        if (activationBits.Count != 1 && activationBits.Count != hidden)
        {
            throw new ArgumentException($"Give one activation bit count, or one per hidden layer ({hidden}); got {activationBits.Count}.", nameof(activationBits));
        }
        foreach (int b in activationBits)
        {
            if (b < 1 || b > 16) throw new ArgumentOutOfRangeException(nameof(activationBits), b, "Activation bits must be in 1..16.");
        }

        // An even stride through the rows keeps the sample representative and the result deterministic.
        int stride = 1;
        long largest = 0;
        for (int l = 0; l < hidden; l++) largest = Math.Max(largest, model.Layers[l].Outputs);
        while ((long)data.Count / stride * largest > MseSampleLimit) stride++;
        int rows = (data.Count + stride - 1) / stride;
        var values = new float[hidden][];
        for (int l = 0; l < hidden; l++) values[l] = new float[(long)rows * model.Layers[l].Outputs];
        float[][] outputs = model.CreateBuffers();
        for (int r = 0; r < rows; r++)
        {
            model.Evaluate(data.Row(r * stride), outputs);
            for (int l = 0; l < hidden; l++) outputs[l].CopyTo(values[l], (long)r * outputs[l].Length);
        }

        var ranges = new (double Min, double Max)[hidden];
        for (int l = 0; l < hidden; l++)
        {
            int bits = activationBits.Count == 1 ? activationBits[0] : activationBits[l];
            ranges[l] = MseRange(values[l], bits);
        }
        return ranges;
    }

    /// <summary>The candidate range with the least squared quantization error over <paramref name="values"/> (see <see cref="CalibrateMse"/>).</summary>
    internal static (double Min, double Max) MseRange(float[] values, int bits)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (float v in values)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        if (!(hi > lo)) return (lo, hi);
        long levels = (1L << bits) - 1;
        (double Min, double Max) best = (lo, hi);
        double bestError = double.PositiveInfinity;
        for (int c = MseCandidates; c >= 1; c--)
        {
            double f = (double)c / MseCandidates;
            double min = lo >= 0 ? lo : lo * f;
            double max = hi <= 0 ? hi : hi * f;
            if (!(max > min)) continue;
            double scale = (max - min) / levels, error = 0;
            foreach (float v in values)
            {
                // The circuit's requantization: nearest level, halves up, saturating at both ends.
                double level = Math.Clamp(Math.Floor((v - min) / scale + 0.5), 0, levels);
                double d = v - (min + scale * level);
                error += d * d;
            }
            // Strictly better only: among equal errors the widest range wins (outputs beyond it saturate).
            if (error < bestError)
            {
                bestError = error;
                best = (min, max);
            }
        }
        return best;
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
