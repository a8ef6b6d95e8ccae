using System;
using System.Numerics.Tensors;
using FheGen.Compiler.Model;

namespace FheGen.Circuits;

/// <summary>The unquantized float model a spec describes: the accuracy reference for every circuit.</summary>
public sealed class FloatReference
{
    private readonly Layer[] _layers;
    private readonly int _inputs;
    private readonly int _widest;

    private sealed record Layer(int Inputs, int Outputs, float[] Weights, float[] Bias, ActivationKind Activation);

    /// <summary>Builds the reference from a spec whose weights are present.</summary>
    public FloatReference(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _inputs = spec.Inputs;
        _layers = new Layer[spec.Layers.Count];
        int inputs = spec.Inputs;
        _widest = inputs;
        for (int i = 0; i < _layers.Length; i++)
        {
            var l = spec.Layers[i];
            if (l.Weights.Count != inputs * l.Outputs)
            {
                throw new ArgumentException($"Layer '{l.Name}' has no usable weights.", nameof(spec));
            }
            var bias = l.Bias.Count > 0 ? l.Bias.ToArray() : new float[l.Outputs];
            _layers[i] = new Layer(inputs, l.Outputs, l.Weights.ToArray(), bias, l.Activation);
            inputs = l.Outputs;
            _widest = Math.Max(_widest, inputs);
        }
    }

    /// <summary>Number of outputs.</summary>
    public int Outputs => _layers[^1].Outputs;

    private static int IndexOfNaN(ReadOnlySpan<float> features)
    {
        for (int i = 0; i < features.Length; i++)
        {
            if (float.IsNaN(features[i])) return i;
        }
        return -1;
    }

    /// <summary>Evaluates the float model.</summary>
    /// <exception cref="ArgumentException">The features have the wrong length or contain NaN.</exception>
    public float[] Predict(ReadOnlySpan<float> features)
    {
        var y = new float[Outputs];
        Predict(features, y);
        return y;
    }

    /// <summary>Evaluates the float model into <paramref name="outputs"/>.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length, or a feature is NaN (as the quantized <c>Predict</c> rejects it).</exception>
    public void Predict(ReadOnlySpan<float> features, Span<float> outputs)
    {
        if (features.Length != _inputs) throw new ArgumentException($"Expected {_inputs} features, got {features.Length}.", nameof(features));
        if (outputs.Length != Outputs) throw new ArgumentException($"Expected room for {Outputs} outputs, got {outputs.Length}.", nameof(outputs));
        int nan = IndexOfNaN(features);
        if (nan >= 0) throw new ArgumentException($"Feature {nan} is NaN.", nameof(features));
        Span<float> a = _widest <= 1024 ? stackalloc float[_widest] : new float[_widest];
        Span<float> b = _widest <= 1024 ? stackalloc float[_widest] : new float[_widest];
        features.CopyTo(a);
        for (int i = 0; i < _layers.Length; i++)
        {
            var l = _layers[i];
            var x = a.Slice(0, l.Inputs);
            var y = i == _layers.Length - 1 ? outputs : b.Slice(0, l.Outputs);
            for (int j = 0; j < l.Outputs; j++)
            {
                float z = TensorPrimitives.Dot(new ReadOnlySpan<float>(l.Weights, j * l.Inputs, l.Inputs), x) + l.Bias[j];
                y[j] = (float)Activations.Apply(l.Activation, z);
            }
            if (i < _layers.Length - 1)
            {
                y.CopyTo(a);
            }
        }
    }
}
