using System;
using System.Collections.Generic;

namespace FheGen.Training;

/// <summary>
/// Per-feature input ranges measured on data: what a model's <c>FeatureMin</c> and <c>FeatureMax</c> members hold, so
/// each feature is quantized over its own range. One model-wide range spends the input bits of every narrow feature
/// on the span of the widest (breast-cancer "area" reaches 2501 while "smoothness" stays below 0.17), and a
/// standardized feature with a long tail does the same to every other.
/// </summary>
public static class InputCalibrator
{
    /// <summary>
    /// Each feature's smallest and largest value over <paramref name="data"/>, or with <paramref name="percentile"/>
    /// below 100 its <c>(100 - p)</c>-th and <c>p</c>-th percentiles (linear interpolation between closest ranks, as
    /// <see cref="ActivationCalibrator"/>): the tails then saturate instead of widening every step.
    /// </summary>
    /// <remarks>
    /// A feature that is constant over the data (a border pixel that is always 0) gets the range of all features
    /// together, as a model-wide range would give it; when every feature is the same constant, that constant plus
    /// and minus one. Either way its minimum is below its maximum, as the compiler requires.
    /// </remarks>
    /// <param name="data">Representative raw inputs, usually the training set.</param>
    /// <param name="percentile">Upper percentile kept, in <c>[50, 100]</c>; 100 gives the exact min and max.</param>
    /// <returns>One minimum and one maximum per feature.</returns>
    /// <exception cref="ArgumentException">The data set is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The percentile is outside <c>[50, 100]</c>.</exception>
    public static (float[] Min, float[] Max) Calibrate(Dataset data, double percentile = 100)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException("The data set is empty.", nameof(data));
        if (!(percentile >= 50 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be in [50, 100].");
        }

        int features = data.Features;
        var min = new float[features];
        var max = new float[features];
        var column = new float[data.Count];
        double span = data.Count - 1;
        for (int f = 0; f < features; f++)
        {
            for (int i = 0; i < data.Count; i++) column[i] = data.X[(long)i * features + f];
            if (percentile == 100)
            {
                float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
                foreach (float v in column)
                {
                    lo = Math.Min(lo, v);
                    hi = Math.Max(hi, v);
                }
                (min[f], max[f]) = (lo, hi);
            }
            else
            {
                Array.Sort(column);
                // Percent times rank span first, then divide: keeps whole-number ranks exact.
                min[f] = (float)ActivationCalibrator.AtRank(column, (100 - percentile) * span / 100);
                max[f] = (float)ActivationCalibrator.AtRank(column, percentile * span / 100);
            }
        }

        WidenConstantFeatures(min, max);
        return (min, max);
    }

    /// <summary>Gives every feature with <c>min == max</c> the range of all features (see <see cref="Calibrate"/>).</summary>
    private static void WidenConstantFeatures(float[] min, float[] max)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        for (int f = 0; f < min.Length; f++)
        {
            lo = Math.Min(lo, min[f]);
            hi = Math.Max(hi, max[f]);
        }
        if (!(hi > lo))
        {
            lo -= 1;
            hi += 1;
        }
        for (int f = 0; f < min.Length; f++)
        {
            if (min[f] < max[f]) continue;
            // The constant lies in [lo, hi] by construction.
            (min[f], max[f]) = (lo, hi);
        }
    }

    /// <summary>The model-wide range of <paramref name="data"/>: its smallest and largest value over all features (InputMin, InputMax).</summary>
    /// <exception cref="ArgumentException">The data set is empty.</exception>
    public static (double Min, double Max) CalibrateModelWide(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException("The data set is empty.", nameof(data));
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in data.X)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        return hi > lo ? (lo, hi) : (lo - 1, hi + 1);
    }
}
