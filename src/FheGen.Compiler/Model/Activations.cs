using System;

namespace FheGen.Compiler.Model;

/// <summary>The activation functions, in double precision; tables and float references share them.</summary>
public static class Activations
{
    /// <summary>Slope of <see cref="ActivationKind.LeakyRelu"/> for negative inputs.</summary>
    public const double LeakySlope = 0.01;

    /// <summary>Applies <paramref name="kind"/> to <paramref name="z"/>.</summary>
    public static double Apply(ActivationKind kind, double z)
    {
        switch (kind)
        {
            case ActivationKind.Identity: return z;
            case ActivationKind.Relu: return z > 0 ? z : 0;
            case ActivationKind.Sigmoid: return 1.0 / (1.0 + Math.Exp(-z));
            case ActivationKind.Tanh: return Math.Tanh(z);
            case ActivationKind.LeakyRelu: return z > 0 ? z : LeakySlope * z;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation.");
        }
    }

    /// <summary>Whether <paramref name="kind"/> is a defined activation.</summary>
    public static bool IsDefined(ActivationKind kind) => kind >= ActivationKind.Identity && kind <= ActivationKind.LeakyRelu;
}
