using System;
using FheGen.Compiler.Model;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Pipeline;

/// <summary>
/// How a model's real inputs become the first layer's integers. With one model-wide range, integer <c>q</c> of
/// feature <c>i</c> is <c>x = InputMin + s q</c> for every feature, and the first layer compiles against that quantizer.
/// With per-feature ranges (<c>FeatureMin</c>, <c>FeatureMax</c>), <c>x_i = min_i + r_i u_i</c> with
/// <c>r_i = max_i - min_i</c> and <c>u_i = q_i / (2^bits - 1)</c> in [0, 1]: the first layer compiles against the unit
/// quantizer of <c>u</c> with weights <c>w_i r_i</c> (what one input step is worth, which is also what pruning and the
/// weight scale should weigh), and each feature's offset <c>min_i / r_i</c> folds into the integer bias through the
/// quantized weights, as the model-wide offset does.
/// </summary>
public static class InputDomain
{
    /// <summary>The integer domain the first layer compiles against.</summary>
    public static UniformQuantizer FirstLayer(ModelSpec spec)
    {
        return spec.HasFeatureRanges
            ? UniformQuantizer.ForRange(spec.InputBits, 0, 1)
            : UniformQuantizer.ForRange(spec.InputBits, spec.InputMin, spec.InputMax);
    }

    /// <summary>The client-side quantizer of each feature when the model has per-feature ranges; else null (one quantizer for all).</summary>
    public static UniformQuantizer[]? Features(ModelSpec spec)
    {
        if (!spec.HasFeatureRanges) return null;
        var features = new UniformQuantizer[spec.Inputs];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = UniformQuantizer.ForRange(spec.InputBits, spec.FeatureMin[i], spec.FeatureMax[i]);
        }
        return features;
    }

    /// <summary>
    /// Layer <paramref name="index"/>'s weights as the compiler quantizes them, and for a first layer with per-feature
    /// ranges each input's offset in units of its range (<c>min_i / r_i</c>; null otherwise).
    /// </summary>
    public static (float[] Weights, double[]? Offsets) LayerWeights(ModelSpec spec, int index)
    {
        float[] weights = spec.Layers[index].Weights.Items;
        if (index != 0 || !spec.HasFeatureRanges) return (weights, null);
        int inputs = spec.Inputs;
        var scaled = new float[weights.Length];
        var offsets = new double[inputs];
        for (int i = 0; i < inputs; i++)
        {
            double range = (double)spec.FeatureMax[i] - spec.FeatureMin[i];
            offsets[i] = spec.FeatureMin[i] / range;
            for (int j = i; j < weights.Length; j += inputs) scaled[j] = (float)(weights[j] * range);
        }
        return (scaled, offsets);
    }
}
