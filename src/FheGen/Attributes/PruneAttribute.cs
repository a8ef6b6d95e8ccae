using System;

namespace FheGen;

/// <summary>
/// Unstructured pruning: each neuron keeps only its <see cref="MaxActiveInputs"/> weights of largest
/// magnitude (ties go to the lower input index); the others are exactly zero and vanish from the circuit.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PruneAttribute : Attribute
{
    /// <summary>Sets the model-wide default.</summary>
    public PruneAttribute() { }

    /// <summary>Overrides the default for one layer.</summary>
    /// <param name="layer">The layer's name.</param>
    public PruneAttribute(string layer) { Layer = layer; }

    /// <summary>The layer this applies to, or null for the model default.</summary>
    public string? Layer { get; }

    /// <summary>Largest number of non-zero weights per neuron (at least 1).</summary>
    public int MaxActiveInputs { get; set; }
}
