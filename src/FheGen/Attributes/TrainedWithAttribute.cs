using System;

namespace FheGen;

/// <summary>
/// Records the quantization settings that quantization-aware training used, so the compiler can warn (FHE0011) when
/// the model's attributes later say otherwise: weights fine-tuned for one setting are not tuned for another. Written by
/// the trainer into the weights file; only the properties that are set are checked.
/// </summary>
/// <example>
/// <code>
/// [TrainedWith(InputBits = 4, InputMin = 0, InputMax = 16)]
/// [TrainedWith("Hidden", WeightBits = 4, ActivationBits = 4, PerChannel = true, MaxActiveInputs = 40, RoundBits = 5)]
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TrainedWithAttribute : Attribute
{
    /// <summary>Records the input quantization.</summary>
    public TrainedWithAttribute() { }

    /// <summary>Records one layer's settings.</summary>
    /// <param name="layer">The layer's name.</param>
    public TrainedWithAttribute(string layer) { Layer = layer; }

    /// <summary>The layer, or null for the inputs.</summary>
    public string? Layer { get; }

    /// <summary>Input bits the training quantized inputs to.</summary>
    public int InputBits { get; set; }

    /// <summary>Input minimum the training used.</summary>
    public double InputMin { get; set; }

    /// <summary>Input maximum the training used.</summary>
    public double InputMax { get; set; }

    /// <summary>Weight bits.</summary>
    public int WeightBits { get; set; }

    /// <summary>Activation (TLU output) bits.</summary>
    public int ActivationBits { get; set; }

    /// <summary>Whether weight scales were per output channel.</summary>
    public bool PerChannel { get; set; }

    /// <summary>Largest number of active inputs per neuron; 0 when the layer was not pruned.</summary>
    public int MaxActiveInputs { get; set; }

    /// <summary>TLU input width after rounding the training saw; 0 when it saw no rounding.</summary>
    public int RoundBits { get; set; }

    /// <summary>Rounding method the training saw.</summary>
    public Rounding RoundMethod { get; set; }
}
