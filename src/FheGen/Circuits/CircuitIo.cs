using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Circuits;

/// <summary>
/// The client side of a circuit: quantizes float features into integer inputs and dequantizes the output
/// accumulators (applying the last layer's activation in float, since it has no TLU).
/// </summary>
public sealed class CircuitIo
{
    private readonly double[] _outputScales;
    private readonly UniformQuantizer[]? _features;
    private readonly double[] _offsets = Array.Empty<double>(), _scales = Array.Empty<double>();

    /// <summary>Creates the client-side codec.</summary>
    /// <param name="input">The input quantizer.</param>
    /// <param name="outputScales">Real value of one accumulator unit, per output.</param>
    /// <param name="outputActivation">The last layer's activation.</param>
    public CircuitIo(UniformQuantizer input, double[] outputScales, ActivationKind outputActivation)
        : this(input, null, outputScales, outputActivation)
    {
    }

    /// <summary>Creates the client-side codec of a model with per-feature input ranges.</summary>
    /// <param name="input">The quantizer the first layer compiles against (<see cref="CircuitPlan.Input"/>); its bits are every feature's.</param>
    /// <param name="features">One quantizer per input feature, or null when <paramref name="input"/> quantizes every feature.</param>
    /// <param name="outputScales">Real value of one accumulator unit, per output.</param>
    /// <param name="outputActivation">The last layer's activation.</param>
    /// <exception cref="ArgumentException">A feature quantizer has other bits than <paramref name="input"/>.</exception>
    public CircuitIo(UniformQuantizer input, UniformQuantizer[]? features, double[] outputScales, ActivationKind outputActivation)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputScales);
        if (features is not null && Array.Exists(features, f => f is null || f.Bits != input.Bits))
        {
            throw new ArgumentException($"Every feature quantizer must have the input's {input.Bits} bits.", nameof(features));
        }
        Input = input;
        _features = features;
        if (features is not null)
        {
            _offsets = Array.ConvertAll(features, f => f.Offset);
            _scales = Array.ConvertAll(features, f => f.Scale);
        }
        _outputScales = outputScales;
        OutputActivation = outputActivation;
    }

    /// <summary>
    /// The codec of a model with per-feature input ranges from each feature's offset and scale (what generated code
    /// emits: two arrays instead of one constructor call per feature).
    /// </summary>
    /// <exception cref="ArgumentException">The arrays differ in length.</exception>
    public static CircuitIo PerFeature(UniformQuantizer input, double[] offsets, double[] scales, double[] outputScales, ActivationKind outputActivation)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(scales);
        if (offsets.Length != scales.Length) throw new ArgumentException($"{offsets.Length} offsets but {scales.Length} scales.", nameof(scales));
        var features = new UniformQuantizer[offsets.Length];
        for (int i = 0; i < features.Length; i++) features[i] = new UniformQuantizer(input.Bits, offsets[i], scales[i]);
        return new CircuitIo(input, features, outputScales, outputActivation);
    }

    /// <summary>The codec of a plan.</summary>
    public static CircuitIo FromPlan(CircuitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var last = plan.Layers[plan.Layers.Count - 1];
        var scales = new double[last.Outputs];
        for (int j = 0; j < scales.Length; j++) scales[j] = last.AccumulatorScale(j);
        var features = plan.Features?.ToArray();
        return new CircuitIo(plan.Input, features, scales, last.Activation);
    }

    /// <summary>The input quantizer: every feature's, or with per-feature ranges the first layer's unit domain (see <see cref="InputQuantizer"/>).</summary>
    public UniformQuantizer Input { get; }

    /// <summary>Whether each feature has its own range.</summary>
    public bool HasFeatureRanges => _features is not null;

    /// <summary>The quantizer of input feature <paramref name="feature"/>.</summary>
    public UniformQuantizer InputQuantizer(int feature) => _features is null ? Input : _features[feature];

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
        if (_features is not null && features.Length != _features.Length)
        {
            throw new ArgumentException($"Expected {_features.Length} features, got {features.Length}.", nameof(features));
        }
        if (TensorPrimitives.IsNaNAny(features))
        {
            int i = 0;
            while (!float.IsNaN(features[i])) i++;
            throw new ArgumentException($"Feature {i} is NaN.", nameof(features));
        }
        // UniformQuantizer.Quantize, vectorized step by step: each step is the same IEEE operation (a division, not a
        // multiplication by the reciprocal), so the levels are bit-identical; small inputs go through the stack.
        int n = features.Length;
        double[]? rented = n > 256 ? System.Buffers.ArrayPool<double>.Shared.Rent(n) : null;
        Span<double> level = rented is null ? stackalloc double[n] : rented.AsSpan(0, n);
        TensorPrimitives.ConvertTruncating<float, double>(features, level);
        if (_features is null)
        {
            TensorPrimitives.Subtract(level, Input.Offset, level);
            TensorPrimitives.Divide(level, Input.Scale, level);
        }
        else
        {
            TensorPrimitives.Subtract(level, _offsets, level);
            TensorPrimitives.Divide(level, _scales, level);
        }
        TensorPrimitives.Add(level, 0.5, level);
        TensorPrimitives.Floor(level, level);
        TensorPrimitives.Max(level, 0.0, level);
        TensorPrimitives.Min(level, (double)Input.MaxLevel, level);
        TensorPrimitives.ConvertTruncating<double, long>(level, inputs);
        if (rented is not null) System.Buffers.ArrayPool<double>.Shared.Return(rented);
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
