using System;
using FheGen.Compiler.Model;

namespace FheGen;

/// <summary>
/// Marks a <c>partial</c> class as an FHE model. Layers are declared with <see cref="DenseAttribute"/>
/// in order; the source generator compiles them into an integer circuit at build time.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class FheModelAttribute : Attribute
{
    /// <summary>Default per-TLU error probability, 2^-40, as Concrete ML (<see cref="ModelDefaults.PError"/>).</summary>
    public const double DefaultPError = ModelDefaults.PError;

    /// <summary>Number of input features.</summary>
    public int Inputs { get; set; }

    /// <summary>
    /// Bits of each quantized input (client-side quantization to <c>[0, 2^InputBits - 1]</c>). Default 8
    /// (<see cref="ModelDefaults.InputBits"/>).
    /// </summary>
    public int InputBits { get; set; } = ModelDefaults.InputBits;

    /// <summary>Smallest input value; maps to integer 0.</summary>
    public double InputMin { get; set; } = ModelDefaults.InputMin;

    /// <summary>Largest input value; maps to integer <c>2^InputBits - 1</c>.</summary>
    public double InputMax { get; set; } = ModelDefaults.InputMax;

    /// <summary>
    /// Widest TLU input allowed without a warning (FHE0001). Default 8 (<see cref="ModelDefaults.PbsBudgetBits"/>); overridable per project with the
    /// MSBuild property <c>FheGenPbsBudgetBits</c> (an explicit value here wins).
    /// </summary>
    public int PbsBudgetBits { get; set; } = ModelDefaults.PbsBudgetBits;

    /// <summary>Probability that one table lookup reads a neighbouring entry. Default 2^-40.</summary>
    public double PError { get; set; } = DefaultPError;

    /// <summary>
    /// Probability that at least one table lookup of the whole circuit errs, instead of <see cref="PError"/>:
    /// the per-TLU value is derived as <c>1 - (1 - GlobalPError)^(1/N)</c> for the circuit's N bootstrappings.
    /// Setting both is an error (FHE0003).
    /// </summary>
    public double GlobalPError { get; set; } = double.NaN;
}
