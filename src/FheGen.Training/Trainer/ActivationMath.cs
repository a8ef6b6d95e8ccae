using System;
using System.Numerics.Tensors;

namespace FheGen.Training;

/// <summary>
/// Float activations, vectorized over a layer, and their derivatives, for training; the circuit's tables use the
/// compiler's double-precision <see cref="FheGen.Compiler.Model.Activations"/> (same functions, same LeakyRelu slope).
/// </summary>
internal static class ActivationMath
{
    /// <summary>Slope of <see cref="Activation.LeakyRelu"/> for negative inputs: the compiler's, in float.</summary>
    internal const float LeakySlope = (float)FheGen.Compiler.Model.Activations.LeakySlope;

    /// <summary>Applies <paramref name="activation"/> to <paramref name="values"/> in place.</summary>
    internal static void Apply(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Identity:
                return;
            case Activation.Relu:
                TensorPrimitives.Max(values, 0f, values);
                return;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(values, values);
                return;
            case Activation.Tanh:
                TensorPrimitives.Tanh(values, values);
                return;
            case Activation.LeakyRelu:
                for (int i = 0; i < values.Length; i++)
                {
                    float v = values[i];
                    values[i] = v > 0 ? v : v * LeakySlope;
                }

                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
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
