using System;

namespace FheGen;

/// <summary>
/// The calibrated output range of a layer's activation, written by the trainer next to the weights.
/// The requantization after the activation maps <c>[Min, Max]</c> onto the layer's activation bits.
/// <see cref="DenseAttribute.OutputMin"/>/<see cref="DenseAttribute.OutputMax"/> take precedence when set.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ActivationRangeAttribute : Attribute
{
    /// <summary>Records a calibrated range.</summary>
    /// <param name="layer">The layer's name.</param>
    /// <param name="min">Smallest activation output observed.</param>
    /// <param name="max">Largest activation output observed.</param>
    public ActivationRangeAttribute(string layer, double min, double max)
    {
        Layer = layer;
        Min = min;
        Max = max;
    }

    /// <summary>The layer's name.</summary>
    public string Layer { get; }

    /// <summary>Smallest activation output.</summary>
    public double Min { get; }

    /// <summary>Largest activation output.</summary>
    public double Max { get; }
}
