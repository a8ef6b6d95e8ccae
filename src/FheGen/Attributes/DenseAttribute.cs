using System;

namespace FheGen;

/// <summary>
/// Declares a fully connected layer. Layers run in declaration order; the weights live in the static
/// field (or property) named <c>field</c>, row-major <c>[outputs, inputs]</c>, and the bias in
/// <c>field + "Bias"</c> unless <see cref="Bias"/> names another member. A layer without bias says so with
/// <see cref="NoBias"/>; a missing default bias member is otherwise warned about (FHE0007).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Creates a dense layer declaration.</summary>
    /// <param name="field">Name of the layer and of its weight member.</param>
    /// <param name="outputs">Number of neurons.</param>
    public DenseAttribute(string field, int outputs)
    {
        Field = field;
        Outputs = outputs;
    }

    /// <summary>Name of the layer and of its weight member.</summary>
    public string Field { get; }

    /// <summary>Number of neurons.</summary>
    public int Outputs { get; }

    /// <summary>Activation fused into the layer's lookup table; the last layer applies it client side.</summary>
    public Activation Activation { get; set; } = Activation.Identity;

    /// <summary>Smallest activation output kept by the requantization (usually written by calibration).</summary>
    public double OutputMin { get; set; } = double.NaN;

    /// <summary>Largest activation output kept by the requantization (usually written by calibration).</summary>
    public double OutputMax { get; set; } = double.NaN;

    /// <summary>
    /// This layer's PBS budget in bits, overriding the model's (and the project's) budget; 0 (the default) means
    /// the model's.
    /// </summary>
    public int PbsBudgetBits { get; set; }

    /// <summary>
    /// Name of the bias member; default <c>Field + "Bias"</c>. A named member must exist (FHE0004); a missing default
    /// member means zero bias and is warned about (FHE0007, with "did you mean" for a close name) unless
    /// <see cref="NoBias"/> is set.
    /// </summary>
    public string? Bias { get; set; }

    /// <summary>
    /// Declares that the layer has no bias (zero), so no bias member is read and none is expected. Contradicts
    /// <see cref="Bias"/> (FHE0003); a member with the default bias name is then ignored (FHE0007).
    /// </summary>
    public bool NoBias { get; set; }
}
