using System;

namespace FheGen.Training;

/// <summary>One dense layer of a <see cref="TrainedMlp"/>: <c>a = f(W x + b)</c>.</summary>
public sealed class TrainedLayer
{
    /// <summary>Creates a layer over the given arrays, which it takes ownership of (no copy).</summary>
    /// <param name="inputs">Fan-in (at least 1).</param>
    /// <param name="outputs">Neurons (at least 1).</param>
    /// <param name="weights">Row-major <c>[outputs, inputs]</c>.</param>
    /// <param name="bias">One per output.</param>
    /// <param name="activation">The layer's activation.</param>
    /// <exception cref="ArgumentException">The shapes disagree or the activation is undefined.</exception>
    public TrainedLayer(int inputs, int outputs, float[] weights, float[] bias, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if ((long)inputs * outputs != weights.Length)
        {
            throw new ArgumentException($"Expected {(long)inputs * outputs} weights ([{outputs}, {inputs}]), got {weights.Length}.", nameof(weights));
        }

        if (bias.Length != outputs)
        {
            throw new ArgumentException($"Expected {outputs} biases, got {bias.Length}.", nameof(bias));
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentException($"Activation {(int)activation} is not defined.", nameof(activation));
        }

        Inputs = inputs;
        Outputs = outputs;
        Weights = weights;
        Bias = bias;
        Activation = activation;
    }

    /// <summary>Fan-in.</summary>
    public int Inputs { get; }

    /// <summary>Number of neurons.</summary>
    public int Outputs { get; }

    /// <summary>Weights, row-major <c>[Outputs, Inputs]</c> (the layout <see cref="DenseAttribute"/> reads).</summary>
    public float[] Weights { get; }

    /// <summary>Bias, one per neuron.</summary>
    public float[] Bias { get; }

    /// <summary>The layer's activation.</summary>
    public Activation Activation { get; }
}
