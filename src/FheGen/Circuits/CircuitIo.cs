using System;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Circuits
{
    /// <summary>
    /// The client side of a circuit: quantizes float features into integer inputs and dequantizes the output
    /// accumulators (applying the last layer's activation in float, since it has no TLU).
    /// </summary>
    public sealed class CircuitIo
    {
        private readonly double[] _outputScales;

        /// <summary>Creates the client-side codec.</summary>
        /// <param name="input">The input quantizer.</param>
        /// <param name="outputScales">Real value of one accumulator unit, per output.</param>
        /// <param name="outputActivation">The last layer's activation.</param>
        public CircuitIo(UniformQuantizer input, double[] outputScales, ActivationKind outputActivation)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(outputScales);
            Input = input;
            _outputScales = outputScales;
            OutputActivation = outputActivation;
        }

        /// <summary>The codec of a plan.</summary>
        public static CircuitIo FromPlan(CircuitPlan plan)
        {
            ArgumentNullException.ThrowIfNull(plan);
            var last = plan.Layers[plan.Layers.Count - 1];
            var scales = new double[last.Outputs];
            for (int j = 0; j < scales.Length; j++) scales[j] = last.AccumulatorScale(j);
            return new CircuitIo(plan.Input, scales, last.Activation);
        }

        /// <summary>The input quantizer.</summary>
        public UniformQuantizer Input { get; }

        /// <summary>The last layer's activation, applied after dequantization.</summary>
        public ActivationKind OutputActivation { get; }

        /// <summary>Number of outputs.</summary>
        public int Outputs => _outputScales.Length;

        /// <summary>Quantizes <paramref name="features"/> into <paramref name="inputs"/>; NaN is rejected.</summary>
        public void QuantizeInputs(ReadOnlySpan<float> features, Span<long> inputs)
        {
            if (features.Length != inputs.Length)
            {
                throw new ArgumentException($"Expected {inputs.Length} features, got {features.Length}.", nameof(features));
            }
            for (int i = 0; i < features.Length; i++)
            {
                if (float.IsNaN(features[i])) throw new ArgumentException($"Feature {i} is NaN.", nameof(features));
                inputs[i] = Input.Quantize(features[i]);
            }
        }

        /// <summary>Dequantizes output accumulators into real outputs.</summary>
        public void DequantizeOutputs(ReadOnlySpan<long> accumulators, Span<float> outputs)
        {
            if (accumulators.Length != _outputScales.Length || outputs.Length != _outputScales.Length)
            {
                throw new ArgumentException($"Expected {_outputScales.Length} outputs.", nameof(outputs));
            }
            for (int j = 0; j < accumulators.Length; j++)
            {
                outputs[j] = (float)Activations.Apply(OutputActivation, _outputScales[j] * accumulators[j]);
            }
        }
    }
}
