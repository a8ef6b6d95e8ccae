namespace FheGen.Compiler.Model;

/// <summary>
/// The defaults of a model's settings, defined once: the attributes' initializers, the extractor, the ONNX importer
/// and training all read them, so an undeclared setting means the same everywhere.
/// </summary>
public static class ModelDefaults
{
    /// <summary>Bits of each quantized input.</summary>
    public const int InputBits = 8;

    /// <summary>Real value mapped to input integer 0.</summary>
    public const double InputMin = 0;

    /// <summary>Real value mapped to the largest input integer.</summary>
    public const double InputMax = 1;

    /// <summary>PBS budget in bits: the widest TLU input allowed without a warning.</summary>
    public const int PbsBudgetBits = 8;

    /// <summary>log2 of <see cref="PError"/>.</summary>
    public const int Log2PError = -40;

    /// <summary>Per-TLU error probability, 2^-40 (as Concrete ML); a literal because <c>Math.Pow</c> is not constant.</summary>
    public const double PError = 9.094947017729282E-13;

    /// <summary>Bits for weights when no <c>[Quantize]</c> says otherwise.</summary>
    public const int WeightBits = 4;

    /// <summary>Bits for activations when no <c>[Quantize]</c> says otherwise.</summary>
    public const int ActivationBits = 4;
}
