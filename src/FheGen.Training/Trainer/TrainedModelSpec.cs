using System;
using System.Collections.Generic;
using FheGen.Compiler.Model;

namespace FheGen.Training;

/// <summary>
/// Moves weights between a trainer's <see cref="TrainedMlp"/> and a compiler <see cref="ModelSpec"/> (what a model
/// class declares; generated code exposes it as <c>Model.Spec</c>), so a trained model can be compiled, evaluated and
/// fine-tuned under exactly the settings its attributes give.
/// </summary>
public static class TrainedModelSpec
{
    /// <summary>
    /// <paramref name="spec"/> with the weights and biases of <paramref name="model"/> and, when given, calibrated
    /// activation ranges (one per hidden layer, replacing any <c>[ActivationRange]</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The architectures differ (layer count, sizes or activations), or the range count is not the hidden-layer count.</exception>
    public static ModelSpec WithWeights(ModelSpec spec, TrainedMlp model, IReadOnlyList<(double Min, double Max)>? ranges = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(model);
        CheckArchitecture(spec, model);
        var layers = new LayerSpec[spec.Layers.Count];
        for (int l = 0; l < layers.Length; l++)
        {
            var trained = model.Layers[l];
            layers[l] = spec.Layers[l] with
            {
                Weights = new EquatableArray<float>((float[])trained.Weights.Clone()),
                Bias = new EquatableArray<float>((float[])trained.Bias.Clone()),
            };
        }
        var result = spec with { Layers = new EquatableArray<LayerSpec>(layers) };
        return ranges is null ? result : WithRanges(result, ranges);
    }

    /// <summary><paramref name="spec"/> with its activation ranges replaced: one per hidden layer, in order.</summary>
    /// <exception cref="ArgumentException">The count is not the hidden-layer count, or a range is empty or not finite.</exception>
    public static ModelSpec WithRanges(ModelSpec spec, IReadOnlyList<(double Min, double Max)> ranges)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(ranges);
        if (ranges.Count != spec.Layers.Count - 1)
        {
            throw new ArgumentException($"Expected {spec.Layers.Count - 1} activation ranges (one per hidden layer), got {ranges.Count}.", nameof(ranges));
        }
        var settings = new ActivationRangeSetting[ranges.Count];
        for (int l = 0; l < ranges.Count; l++)
        {
            var (min, max) = ranges[l];
            if (!double.IsFinite(min) || !double.IsFinite(max) || !(max > min))
            {
                throw new ArgumentException($"Activation range {l} ('{spec.Layers[l].Name}') is [{min}, {max}]; it must be finite with max > min.", nameof(ranges));
            }
            settings[l] = new ActivationRangeSetting(spec.Layers[l].Name, min, max);
        }
        return spec with { Ranges = new EquatableArray<ActivationRangeSetting>(settings) };
    }

    /// <summary>
    /// <paramref name="spec"/> quantizing each input over its own range (<see cref="InputCalibrator.Calibrate"/>), as
    /// members <c>FeatureMin</c> and <c>FeatureMax</c> declare it; the model-wide InputMin and InputMax then no longer apply.
    /// </summary>
    /// <exception cref="ArgumentException">A length differs from the input count, or a range is not finite with min below max.</exception>
    public static ModelSpec WithFeatureRanges(ModelSpec spec, IReadOnlyList<float> min, IReadOnlyList<float> max)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(min);
        ArgumentNullException.ThrowIfNull(max);
        if (min.Count != spec.Inputs || max.Count != spec.Inputs)
        {
            throw new ArgumentException($"Expected {spec.Inputs} minimums and maximums (one per input), got {min.Count} and {max.Count}.", nameof(min));
        }
        for (int i = 0; i < spec.Inputs; i++)
        {
            if (!float.IsFinite(min[i]) || !float.IsFinite(max[i]) || !(min[i] < max[i]))
            {
                throw new ArgumentException($"Input feature {i} has the range [{min[i]}, {max[i]}]; it must be finite with min < max.", nameof(min));
            }
        }
        return spec with
        {
            FeatureMin = new EquatableArray<float>(new List<float>(min).ToArray()),
            FeatureMax = new EquatableArray<float>(new List<float>(max).ToArray()),
        };
    }

    /// <summary><paramref name="spec"/> with one model-wide input range and no per-feature ranges.</summary>
    /// <exception cref="ArgumentException">The range is not finite with min below max.</exception>
    public static ModelSpec WithInputRange(ModelSpec spec, double min, double max)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!double.IsFinite(min) || !double.IsFinite(max) || !(min < max))
        {
            throw new ArgumentException($"The input range [{min}, {max}] must be finite with min < max.", nameof(min));
        }
        return spec with
        {
            InputMin = min,
            InputMax = max,
            FeatureMin = EquatableArray<float>.Empty,
            FeatureMax = EquatableArray<float>.Empty,
        };
    }

    /// <summary>The float model a spec declares (a layer without bias has zero bias).</summary>
    /// <exception cref="ArgumentException">A layer's weights could not be read or have the wrong length.</exception>
    public static TrainedMlp ToTrainedMlp(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var layers = new TrainedLayer[spec.Layers.Count];
        int inputs = spec.Inputs;
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = spec.Layers[l];
            if (layer.Weights.Count == 0)
            {
                throw new ArgumentException($"Layer '{layer.Name}' has no weights.", nameof(spec));
            }
            var bias = layer.Bias.Count > 0 ? layer.Bias.ToArray() : new float[layer.Outputs];
            layers[l] = new TrainedLayer(inputs, layer.Outputs, layer.Weights.ToArray(), bias, layer.Activation.ToActivation());
            inputs = layer.Outputs;
        }
        return new TrainedMlp(layers);
    }

    /// <summary>Throws unless <paramref name="model"/> has the layers, sizes and activations <paramref name="spec"/> declares.</summary>
    public static void CheckArchitecture(ModelSpec spec, TrainedMlp model)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(model);
        if (model.Layers.Count != spec.Layers.Count)
        {
            throw new ArgumentException($"The model has {model.Layers.Count} layers but '{spec.Name}' declares {spec.Layers.Count}.", nameof(model));
        }
        int inputs = spec.Inputs;
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var declared = spec.Layers[l];
            var trained = model.Layers[l];
            if (trained.Inputs != inputs || trained.Outputs != declared.Outputs)
            {
                throw new ArgumentException(
                    $"Layer {l} ('{declared.Name}') is [{trained.Outputs}, {trained.Inputs}] in the model but [{declared.Outputs}, {inputs}] in '{spec.Name}'.", nameof(model));
            }
            if (trained.Activation.ToKind() != declared.Activation)
            {
                throw new ArgumentException(
                    $"Layer {l} ('{declared.Name}') uses {trained.Activation} in the model but {declared.Activation} in '{spec.Name}'.", nameof(model));
            }
            inputs = declared.Outputs;
        }
    }
}
