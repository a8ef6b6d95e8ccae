using System;
using FheGen.Compiler.Model;

namespace FheGen.Training;

/// <summary>
/// Activations over a layer's floats for training: the forward function is the compiler's
/// <see cref="Activations.Apply"/>, the one the circuit's tables use; only the derivatives are training's own.
/// </summary>
internal static class ActivationMath
{
    /// <summary>Slope of <see cref="Activation.LeakyRelu"/> for negative inputs: the compiler's, in float.</summary>
    internal const float LeakySlope = (float)Activations.LeakySlope;

    /// <summary>Applies <paramref name="activation"/> to <paramref name="values"/> in place.</summary>
    internal static void Apply(Activation activation, Span<float> values)
    {
        var kind = activation.ToKind();
        if (!Activations.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        if (kind == ActivationKind.Identity) return;
        for (int i = 0; i < values.Length; i++) values[i] = (float)Activations.Apply(kind, values[i]);
    }

    /// <summary>
    /// Multiplies <paramref name="delta"/> in place by the derivative of the activation, given the
    /// pre-activation <paramref name="z"/> and the output <paramref name="a"/>.
    /// </summary>
    internal static void MultiplyByDerivative(Activation activation, ReadOnlySpan<float> z, ReadOnlySpan<float> a, Span<float> delta)
    {
        switch (activation)
        {
            case Activation.Identity:
                return;
            case Activation.Relu:
                for (int i = 0; i < delta.Length; i++)
                {
                    if (!(z[i] > 0))
                    {
                        delta[i] = 0;
                    }
                }

                return;
            case Activation.Sigmoid:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] *= a[i] * (1 - a[i]);
                }

                return;
            case Activation.Tanh:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] *= 1 - (a[i] * a[i]);
                }

                return;
            case Activation.LeakyRelu:
                for (int i = 0; i < delta.Length; i++)
                {
                    if (!(z[i] > 0))
                    {
                        delta[i] *= LeakySlope;
                    }
                }

                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}
