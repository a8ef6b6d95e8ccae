using System;

namespace FheGen;

/// <summary>
/// Rounds a layer's accumulator before its table lookup so the TLU reads at most <see cref="Bits"/> bits:
/// <c>t = L - Bits</c> low bits are removed with <c>round(x) = floor(x / 2^t + 1/2)</c>. When rounding up
/// at the top of the range would need one more bit, one more low bit is removed so the TLU input stays
/// within <see cref="Bits"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RoundAccumulatorAttribute : Attribute
{
    /// <summary>Sets the model-wide default (applies to every layer with a lookup table).</summary>
    public RoundAccumulatorAttribute() { }

    /// <summary>Overrides the default for one layer.</summary>
    /// <param name="layer">The layer's name.</param>
    public RoundAccumulatorAttribute(string layer) { Layer = layer; }

    /// <summary>The layer this applies to, or null for the model default.</summary>
    public string? Layer { get; }

    /// <summary>
    /// Rounds to the layer's PBS budget: the fewest LSBs are removed so the TLU input fits the budget, as
    /// Concrete's <c>AutoRounder</c> does (<c>[RoundAccumulator(Bits = RoundAccumulatorAttribute.Auto)]</c>).
    /// </summary>
    public const int Auto = -1;

    /// <summary>Width of the TLU input after rounding, 1..16, or <see cref="Auto"/> for the layer's budget.</summary>
    public int Bits { get; set; }

    /// <summary>
    /// <see cref="Rounding.Exact"/> (default) or <see cref="Rounding.Approximate"/>: approximate rounding needs no
    /// extra bootstrapping under TFHE but may be off by one near a tie.
    /// </summary>
    public Rounding Method { get; set; }
}
