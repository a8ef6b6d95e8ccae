using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Numerics.Tensors;

namespace FheGen.Training;

/// <summary>A float multi-layer perceptron that acts on raw features; the last layer's outputs are the logits.</summary>
public sealed class TrainedMlp
{
    private readonly TrainedLayer[] _layers;

    /// <summary>Creates a model from its layers, input side first.</summary>
    /// <param name="layers">At least one layer; each layer's <see cref="TrainedLayer.Inputs"/> must equal the previous layer's outputs.</param>
    /// <exception cref="ArgumentException">The list is empty, holds a null or the layers do not chain.</exception>
    public TrainedMlp(IReadOnlyList<TrainedLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        }

        _layers = new TrainedLayer[layers.Count];
        for (int l = 0; l < layers.Count; l++)
        {
            TrainedLayer layer = layers[l] ?? throw new ArgumentException($"Layer {l} is null.", nameof(layers));
            if (l > 0 && layer.Inputs != _layers[l - 1].Outputs)
            {
                throw new ArgumentException(
                    $"Layer {l} takes {layer.Inputs} inputs but layer {l - 1} has {_layers[l - 1].Outputs} outputs.", nameof(layers));
            }

            _layers[l] = layer;
        }

        Layers = new ReadOnlyCollection<TrainedLayer>(_layers);
    }

    /// <summary>The layers, input side first; the last one is the output layer.</summary>
    public IReadOnlyList<TrainedLayer> Layers { get; }

    /// <summary>Number of input features.</summary>
    public int Inputs => _layers[0].Inputs;

    /// <summary>Number of outputs (classes).</summary>
    public int Outputs => _layers[^1].Outputs;

    /// <summary>Runs the model on one row of raw features.</summary>
    /// <param name="x">The features, <see cref="Inputs"/> of them.</param>
    /// <returns>The last layer's outputs (logits when its activation is <see cref="Activation.Identity"/>).</returns>
    public float[] Forward(ReadOnlySpan<float> x)
    {
        float[][] buffers = CreateBuffers();
        Evaluate(x, buffers);
        return buffers[^1];
    }

    /// <summary>The predicted class: the index of the largest output (the first one on ties).</summary>
    /// <param name="x">The features, <see cref="Inputs"/> of them.</param>
    /// <returns>The class index.</returns>
    public int Predict(ReadOnlySpan<float> x) => TensorPrimitives.IndexOfMax<float>(Forward(x));

    /// <summary>Fraction of rows of <paramref name="data"/> whose prediction equals the label.</summary>
    /// <param name="data">A non-empty data set with <see cref="Inputs"/> features.</param>
    /// <returns>The accuracy in <c>[0, 1]</c>.</returns>
    public double Accuracy(Dataset data)
    {
        CheckData(data);
        float[][] buffers = CreateBuffers();
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            Evaluate(data.Row(i), buffers);
            if (TensorPrimitives.IndexOfMax<float>(buffers[^1]) == data.Y[i])
            {
                correct++;
            }
        }

        return (double)correct / data.Count;
    }

    /// <summary>One output buffer per layer, for <see cref="Evaluate"/>.</summary>
    internal float[][] CreateBuffers()
    {
        var buffers = new float[_layers.Length][];
        for (int l = 0; l < _layers.Length; l++)
        {
            buffers[l] = new float[_layers[l].Outputs];
        }

        return buffers;
    }

    /// <summary>Runs the model, leaving each layer's activation output in <paramref name="outputs"/>[layer].</summary>
    internal void Evaluate(ReadOnlySpan<float> x, float[][] outputs)
    {
        if (x.Length != Inputs)
        {
            throw new ArgumentException($"The model takes {Inputs} features, got {x.Length}.", nameof(x));
        }

        ReadOnlySpan<float> input = x;
        for (int l = 0; l < _layers.Length; l++)
        {
            TrainedLayer layer = _layers[l];
            float[] output = outputs[l];
            ReadOnlySpan<float> weights = layer.Weights;
            for (int o = 0; o < layer.Outputs; o++)
            {
                output[o] = TensorPrimitives.Dot(weights.Slice(o * layer.Inputs, layer.Inputs), input) + layer.Bias[o];
            }

            ActivationMath.Apply(layer.Activation, output);
            input = output;
        }
    }

    /// <summary>Throws unless <paramref name="data"/> is non-empty and has this model's feature count.</summary>
    internal void CheckData(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != Inputs)
        {
            throw new ArgumentException($"The model takes {Inputs} features but the data set has {data.Features}.", nameof(data));
        }

        if (data.Count == 0)
        {
            throw new ArgumentException("The data set is empty.", nameof(data));
        }
    }
}
