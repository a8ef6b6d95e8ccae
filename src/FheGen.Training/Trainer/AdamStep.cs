using System;
using System.Numerics.Tensors;

namespace FheGen.Training;

/// <summary>One bias-corrected Adam step, element-wise and therefore independent of the SIMD width.</summary>
internal readonly record struct AdamStep(float Beta1, float Beta2, float StepSize, float InverseRootCorrection2, float Epsilon, float InverseBatch)
{
    /// <summary>The step number <paramref name="step"/> (from 1) with its bias corrections.</summary>
    public static AdamStep At(long step, double learningRate, double beta1, double beta2, double epsilon, float inverseBatch)
    {
        double correction1 = 1 - Math.Pow(beta1, step);
        double correction2 = 1 - Math.Pow(beta2, step);
        return new AdamStep((float)beta1, (float)beta2, (float)(learningRate / correction1), (float)(1 / Math.Sqrt(correction2)),
            (float)epsilon, inverseBatch);
    }

    /// <summary>
    /// <c>g = sum / batch + l2 * w; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// w -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)</c>. Overwrites <paramref name="gradient"/>.
    /// </summary>
    public void Apply(Span<float> w, Span<float> gradient, Span<float> m, Span<float> v, float l2, float[] scratch)
    {
        Span<float> g = gradient;
        Span<float> t = scratch.AsSpan(0, w.Length);
        TensorPrimitives.Multiply(g, InverseBatch, g);
        if (l2 != 0)
        {
            TensorPrimitives.MultiplyAdd(w, l2, g, g);
        }

        TensorPrimitives.Multiply(m, Beta1, m);
        TensorPrimitives.MultiplyAdd(g, 1 - Beta1, m, m);
        TensorPrimitives.Multiply(g, g, t);
        TensorPrimitives.Multiply(v, Beta2, v);
        TensorPrimitives.MultiplyAdd(t, 1 - Beta2, v, v);
        TensorPrimitives.Sqrt(v, t);
        TensorPrimitives.Multiply(t, InverseRootCorrection2, t);
        TensorPrimitives.Add(t, Epsilon, t);
        TensorPrimitives.Divide(m, t, t);
        TensorPrimitives.MultiplyAdd(t, -StepSize, w, w);
    }
}

/// <summary>Adam moments of one parameter tensor.</summary>
internal sealed class AdamMoments
{
    public AdamMoments(int length)
    {
        M = new float[length];
        V = new float[length];
    }

    public float[] M { get; }

    public float[] V { get; }
}
