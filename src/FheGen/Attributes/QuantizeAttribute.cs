using System;
using FheGen.Compiler.Model;

namespace FheGen;

/// <summary>
/// Quantization hyper-parameters. Without a layer name it sets the model default; with one it overrides
/// that layer. Weights are quantized symmetrically to <c>[-(2^(WeightBits-1) - 1), 2^(WeightBits-1) - 1]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class QuantizeAttribute : Attribute
{
    /// <summary>Sets the model-wide defaults.</summary>
    public QuantizeAttribute() { }

    /// <summary>Overrides the defaults for one layer.</summary>
    /// <param name="layer">The layer's name.</param>
    public QuantizeAttribute(string layer) { Layer = layer; }

    /// <summary>The layer this applies to, or null for the model default.</summary>
    public string? Layer { get; }

    /// <summary>Bits of each quantized weight, 2..16 (default 4, <see cref="ModelDefaults.WeightBits"/>).</summary>
    public int WeightBits { get; set; }

    /// <summary>Bits of each quantized activation (the TLU output), 1..16 (default 4, <see cref="ModelDefaults.ActivationBits"/>).</summary>
    public int ActivationBits { get; set; }

    /// <summary>
    /// One weight scale per neuron instead of one per layer: more precise weights, but each neuron then
    /// needs its own lookup table (per-tensor layers share one).
    /// </summary>
    public bool PerChannel { get; set; }
}
