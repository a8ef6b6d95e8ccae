using System;

namespace FheGen.Compiler.Model;

/// <summary>Activation kinds the compiler can tabulate; values match <c>FheGen.Activation</c>.</summary>
public enum ActivationKind
{
    /// <summary><c>f(z) = z</c>.</summary>
    Identity = 0,
    /// <summary><c>max(0, z)</c>.</summary>
    Relu = 1,
    /// <summary><c>1 / (1 + e^-z)</c>.</summary>
    Sigmoid = 2,
    /// <summary><c>tanh(z)</c>.</summary>
    Tanh = 3,
    /// <summary><c>z</c> if positive, else <c>0.01 z</c>.</summary>
    LeakyRelu = 4,
}

/// <summary>Whether a weight or bias member could be read as constant data.</summary>
public enum MemberStatus
{
    /// <summary>Read: the values are present.</summary>
    Ok = 0,
    /// <summary>No member with that name exists.</summary>
    Missing = 1,
    /// <summary>The member exists but its initializer is not made of compile-time constants.</summary>
    NotConstant = 2,
    /// <summary>The member exists but is not a <c>float[]</c> field or <c>ReadOnlySpan&lt;float&gt;</c> property.</summary>
    WrongType = 3,
}

/// <summary>
/// The complete, symbol-free description of a model as declared in source: what the generator extracts
/// and what the runtime rebuilds to sweep configurations. Value-equatable.
/// </summary>
/// <param name="Name">The model type's name (for messages).</param>
/// <param name="IsPartial">Whether every declaration of the type is <c>partial</c>.</param>
/// <param name="Inputs">Number of input features.</param>
/// <param name="InputBits">Bits of each quantized input.</param>
/// <param name="InputMin">Real value mapped to integer 0.</param>
/// <param name="InputMax">Real value mapped to the largest integer.</param>
/// <param name="PbsBudgetBits">Widest TLU input allowed without a warning.</param>
/// <param name="PError">Per-TLU error probability.</param>
/// <param name="Layers">Dense layers in evaluation order.</param>
/// <param name="Quantize">Quantization settings in declaration order.</param>
/// <param name="Prune">Pruning settings in declaration order.</param>
/// <param name="Round">Rounding settings in declaration order.</param>
/// <param name="Ranges">Calibrated activation ranges in declaration order.</param>
public sealed record ModelSpec(
    string Name,
    bool IsPartial,
    int Inputs,
    int InputBits,
    double InputMin,
    double InputMax,
    int PbsBudgetBits,
    double PError,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<QuantizeSetting> Quantize,
    EquatableArray<PruneSetting> Prune,
    EquatableArray<RoundSetting> Round,
    EquatableArray<ActivationRangeSetting> Ranges)
{
    /// <summary>
    /// The whole circuit's error probability when given instead of <see cref="PError"/> (the per-TLU value is then
    /// derived from the circuit's bootstrapping count).
    /// </summary>
    public double? GlobalPError { get; init; }

    /// <summary>Whether <see cref="PError"/> was set explicitly (setting it and <see cref="GlobalPError"/> is an error).</summary>
    public bool PErrorExplicit { get; init; }

    /// <summary>
    /// Names of members and type parameters declared on the model type that FheGen also generates
    /// (<see cref="GeneratedMembers.IsReserved"/>), in declaration order; the generated file would not compile with them.
    /// </summary>
    public EquatableArray<string> ReservedNameConflicts { get; init; } = EquatableArray<string>.Empty;

    /// <summary>
    /// The quantization settings the weights were trained for (<c>[TrainedWith]</c>, written by quantization-aware
    /// training), in declaration order; the compiler warns (FHE0011) where the attributes now say otherwise.
    /// </summary>
    public EquatableArray<TrainedSetting> Trained { get; init; } = EquatableArray<TrainedSetting>.Empty;

    /// <summary>Name of the optional member with each input feature's real minimum (see <see cref="FeatureMin"/>).</summary>
    public const string FeatureMinMember = "FeatureMin";

    /// <summary>Name of the optional member with each input feature's real maximum (see <see cref="FeatureMax"/>).</summary>
    public const string FeatureMaxMember = "FeatureMax";

    /// <summary>Whether the <c>FeatureMin</c> member could be read (<see cref="MemberStatus.Missing"/> when the model has none).</summary>
    public MemberStatus FeatureMinStatus { get; init; } = MemberStatus.Missing;

    /// <summary>
    /// Per-feature input minimums, one per input, when <see cref="FeatureMinStatus"/> is Ok: feature <c>i</c> maps
    /// <c>[FeatureMin[i], FeatureMax[i]]</c> onto <c>[0, 2^InputBits - 1]</c> instead of the model-wide
    /// <see cref="InputMin"/>..<see cref="InputMax"/>, so a feature with a long tail does not coarsen every other.
    /// </summary>
    public EquatableArray<float> FeatureMin { get; init; } = EquatableArray<float>.Empty;

    /// <summary>Whether the <c>FeatureMax</c> member could be read.</summary>
    public MemberStatus FeatureMaxStatus { get; init; } = MemberStatus.Missing;

    /// <summary>Per-feature input maximums; see <see cref="FeatureMin"/>.</summary>
    public EquatableArray<float> FeatureMax { get; init; } = EquatableArray<float>.Empty;

    /// <summary>
    /// Whether <c>InputMin</c> or <c>InputMax</c> was set on <c>[FheModel]</c> although the model declares per-feature
    /// ranges (an error: one of the two would be ignored). False whenever the model has no per-feature ranges.
    /// </summary>
    public bool InputRangeExplicit { get; init; }

    /// <summary>Whether the model declares per-feature input ranges (either member present, readable or not).</summary>
    public bool DeclaresFeatureRanges => FeatureMinStatus != MemberStatus.Missing || FeatureMaxStatus != MemberStatus.Missing;

    /// <summary>Whether both per-feature range members were read (a validated spec then uses them).</summary>
    public bool HasFeatureRanges => FeatureMinStatus == MemberStatus.Ok && FeatureMaxStatus == MemberStatus.Ok;

    /// <summary>Default bits for weights when no <c>[Quantize]</c> says otherwise.</summary>
    public const int DefaultWeightBits = 4;

    /// <summary>Default bits for activations when no <c>[Quantize]</c> says otherwise.</summary>
    public const int DefaultActivationBits = 4;

    /// <summary>Default PBS budget in bits.</summary>
    public const int DefaultPbsBudgetBits = 8;

    /// <summary>Widest TLU input TFHE can bootstrap here; wider is an error.</summary>
    public const int HardLimitBits = 16;

    /// <summary>The PBS budget of layer <paramref name="index"/>: its own if set, else the model's.</summary>
    public int BudgetOf(int index) => Layers[index].PbsBudgetBits ?? PbsBudgetBits;

    /// <summary>Index of the layer named <paramref name="name"/>, or -1.</summary>
    public int IndexOfLayer(string name)
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            if (string.Equals(Layers[i].Name, name, StringComparison.Ordinal)) return i;
        }
        return -1;
    }
}

/// <summary>A dense layer as declared.</summary>
/// <param name="Name">Layer name, which is also the weight member's name.</param>
/// <param name="Outputs">Number of neurons.</param>
/// <param name="Activation">Activation after the affine map.</param>
/// <param name="OutputMin">Explicit activation output minimum, or null.</param>
/// <param name="OutputMax">Explicit activation output maximum, or null.</param>
/// <param name="BiasMember">The bias member's name.</param>
/// <param name="BiasExplicit">Whether the bias member was named explicitly (then it must exist).</param>
/// <param name="WeightsStatus">Whether the weights could be read.</param>
/// <param name="Weights">Row-major <c>[Outputs, inputs]</c> weights when <paramref name="WeightsStatus"/> is Ok.</param>
/// <param name="BiasStatus">Whether the bias could be read.</param>
/// <param name="Bias">The bias when <paramref name="BiasStatus"/> is Ok.</param>
public sealed record LayerSpec(
    string Name,
    int Outputs,
    ActivationKind Activation,
    double? OutputMin,
    double? OutputMax,
    string BiasMember,
    bool BiasExplicit,
    MemberStatus WeightsStatus,
    EquatableArray<float> Weights,
    MemberStatus BiasStatus,
    EquatableArray<float> Bias)
{
    /// <summary>This layer's PBS budget when set on its <c>[Dense]</c>; null means the model's budget.</summary>
    public int? PbsBudgetBits { get; init; }
}

/// <summary>A <c>[Quantize]</c> attribute; null values were not given.</summary>
/// <param name="Layer">Layer name, or null for the model default.</param>
/// <param name="WeightBits">Weight bits, if given.</param>
/// <param name="ActivationBits">Activation bits, if given.</param>
/// <param name="PerChannel">Per-channel weight scales, if given.</param>
public sealed record QuantizeSetting(string? Layer, int? WeightBits, int? ActivationBits, bool? PerChannel);

/// <summary>A <c>[Prune]</c> attribute.</summary>
/// <param name="Layer">Layer name, or null for the model default.</param>
/// <param name="MaxActiveInputs">Largest number of non-zero weights per neuron, if given.</param>
public sealed record PruneSetting(string? Layer, int? MaxActiveInputs);

/// <summary>How a rounded accumulator is computed; values match <c>FheGen.Rounding</c>.</summary>
public enum RoundingKind
{
    /// <summary><c>floor(x / 2^t + 1/2)</c> exactly (extra bootstrappings under TFHE).</summary>
    Exact = 0,
    /// <summary>The lookup reads the top bits directly: off by one near a tie, no extra bootstrapping.</summary>
    Approximate = 1,
}

/// <summary>A <c>[RoundAccumulator]</c> attribute.</summary>
/// <param name="Layer">Layer name, or null for the model default.</param>
/// <param name="Bits">TLU input width after rounding, <see cref="AutoBits"/> for the layer's budget, if given.</param>
public sealed record RoundSetting(string? Layer, int? Bits)
{
    /// <summary>The value of <c>Bits</c> that means "round to the layer's PBS budget".</summary>
    public const int AutoBits = -1;

    /// <summary>The rounding method, if given.</summary>
    public RoundingKind? Method { get; init; }
}

/// <summary>An <c>[ActivationRange]</c> attribute (calibration output).</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Min">Smallest activation output.</param>
/// <param name="Max">Largest activation output.</param>
public sealed record ActivationRangeSetting(string Layer, double Min, double Max);

/// <summary>
/// A <c>[TrainedWith]</c> attribute: the settings quantization-aware training used for one layer (or, with a null
/// <see cref="Layer"/>, for the inputs). Null values were not recorded and are not checked.
/// </summary>
/// <param name="Layer">Layer name, or null for the model's input quantization.</param>
public sealed record TrainedSetting(string? Layer)
{
    /// <summary>Input bits (model record only).</summary>
    public int? InputBits { get; init; }

    /// <summary>Input minimum (model record only).</summary>
    public double? InputMin { get; init; }

    /// <summary>Input maximum (model record only).</summary>
    public double? InputMax { get; init; }

    /// <summary>Weight bits.</summary>
    public int? WeightBits { get; init; }

    /// <summary>Activation (TLU output) bits; not checked on the output layer, which has no TLU.</summary>
    public int? ActivationBits { get; init; }

    /// <summary>Per-channel weight scales.</summary>
    public bool? PerChannel { get; init; }

    /// <summary>Largest active inputs per neuron; 0 means none (unpruned).</summary>
    public int? MaxActiveInputs { get; init; }

    /// <summary>TLU input width after rounding the training saw; 0 means no rounding.</summary>
    public int? RoundBits { get; init; }

    /// <summary>Rounding method the training saw.</summary>
    public RoundingKind? RoundMethod { get; init; }
}
