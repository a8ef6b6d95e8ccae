using System;
using System.Collections.Generic;
using FheGen.Compiler.Model;

namespace FheGen.Training
{
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
                    WeightsStatus = MemberStatus.Ok,
                    Weights = new EquatableArray<float>((float[])trained.Weights.Clone()),
                    BiasStatus = MemberStatus.Ok,
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

        /// <summary>The float model a spec declares (weights as read; a missing bias is zero).</summary>
        /// <exception cref="ArgumentException">A layer's weights could not be read or have the wrong length.</exception>
        public static TrainedMlp ToTrainedMlp(ModelSpec spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            var layers = new TrainedLayer[spec.Layers.Count];
            int inputs = spec.Inputs;
            for (int l = 0; l < layers.Length; l++)
            {
                var layer = spec.Layers[l];
                if (layer.WeightsStatus != MemberStatus.Ok)
                {
                    throw new ArgumentException($"Layer '{layer.Name}' has no readable weights ({layer.WeightsStatus}).", nameof(spec));
                }
                var bias = layer.BiasStatus == MemberStatus.Ok ? layer.Bias.ToArray() : new float[layer.Outputs];
                layers[l] = new TrainedLayer(inputs, layer.Outputs, layer.Weights.ToArray(), bias, (Activation)(int)layer.Activation);
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
                if ((int)trained.Activation != (int)declared.Activation)
                {
                    throw new ArgumentException(
                        $"Layer {l} ('{declared.Name}') uses {trained.Activation} in the model but {(Activation)(int)declared.Activation} in '{spec.Name}'.", nameof(model));
                }
                inputs = declared.Outputs;
            }
        }
    }
}
