using System;

namespace FheGen.Compiler.Model;

/// <summary>
/// Activation kinds the compiler can tabulate: <c>FheGen.Activation</c> (what users write) in the core, which the
/// generator compiles in and so cannot reference the runtime; names and values equal (EnumParityTests).
/// </summary>
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

/// <summary>
/// The complete, symbol-free description of a model: its inputs, layers with their weights, and quantization
/// settings. What the generator extracts from the attributes (source facts such as member readability are in
/// <see cref="ModelSource"/>) and what the runtime rebuilds to sweep configurations. Value-equatable: the
/// incremental generator caches on it.
/// </summary>
public sealed record ModelSpec
{
    /// <summary>The model type's name (for messages).</summary>
    public required string Name { get; init; }

    /// <summary>Number of input features.</summary>
    public required int Inputs { get; init; }

    /// <summary>Bits of each quantized input.</summary>
    public int InputBits { get; init; } = ModelDefaults.InputBits;

    /// <summary>Real value mapped to integer 0.</summary>
    public double InputMin { get; init; } = ModelDefaults.InputMin;

    /// <summary>Real value mapped to the largest integer.</summary>
    public double InputMax { get; init; } = ModelDefaults.InputMax;

    /// <summary>Widest TLU input allowed without a warning.</summary>
    public int PbsBudgetBits { get; init; } = ModelDefaults.PbsBudgetBits;

    /// <summary>Per-TLU error probability.</summary>
    public double PError { get; init; } = ModelDefaults.PError;

    /// <summary>
    /// The whole circuit's error probability when given instead of <see cref="PError"/> (the per-TLU value is then
    /// derived from the circuit's bootstrapping count).
    /// </summary>
    public double? GlobalPError { get; init; }

    /// <summary>Dense layers in evaluation order.</summary>
    public required EquatableArray<LayerSpec> Layers { get; init; }

    /// <summary>Quantization settings in declaration order.</summary>
    public EquatableArray<QuantizeSetting> Quantize { get; init; } = EquatableArray<QuantizeSetting>.Empty;

    /// <summary>Pruning settings in declaration order.</summary>
    public EquatableArray<PruneSetting> Prune { get; init; } = EquatableArray<PruneSetting>.Empty;

    /// <summary>Rounding settings in declaration order.</summary>
    public EquatableArray<RoundSetting> Round { get; init; } = EquatableArray<RoundSetting>.Empty;

    /// <summary>Calibrated activation ranges in declaration order.</summary>
    public EquatableArray<ActivationRangeSetting> Ranges { get; init; } = EquatableArray<ActivationRangeSetting>.Empty;

    /// <summary>
    /// The quantization settings the weights were trained for (<c>[TrainedWith]</c>, written by quantization-aware
    /// training), in declaration order; the compiler warns (FHE0011) where the attributes now say otherwise.
    /// </summary>
    public EquatableArray<TrainedSetting> Trained { get; init; } = EquatableArray<TrainedSetting>.Empty;

    /// <summary>Name of the optional member with each input feature's real minimum (see <see cref="FeatureMin"/>).</summary>
    public const string FeatureMinMember = "FeatureMin";

    /// <summary>Name of the optional member with each input feature's real maximum (see <see cref="FeatureMax"/>).</summary>
    public const string FeatureMaxMember = "FeatureMax";

    /// <summary>
    /// Per-feature input minimums, one per input, or empty for none: feature <c>i</c> maps
    /// <c>[FeatureMin[i], FeatureMax[i]]</c> onto <c>[0, 2^InputBits - 1]</c> instead of the model-wide
    /// <see cref="InputMin"/>..<see cref="InputMax"/>, so a feature with a long tail does not coarsen every other.
    /// </summary>
    public EquatableArray<float> FeatureMin { get; init; } = EquatableArray<float>.Empty;

    /// <summary>Per-feature input maximums, or empty for none; see <see cref="FeatureMin"/>.</summary>
    public EquatableArray<float> FeatureMax { get; init; } = EquatableArray<float>.Empty;

    /// <summary>Whether the model has per-feature input ranges (both ends given; a validated spec then uses them).</summary>
    public bool HasFeatureRanges => FeatureMin.Count > 0 && FeatureMax.Count > 0;

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

/// <summary>A dense layer: its shape, activation and parameters.</summary>
public sealed record LayerSpec
{
    /// <summary>Layer name, which is also the weight member's name.</summary>
    public required string Name { get; init; }

    /// <summary>Number of neurons.</summary>
    public required int Outputs { get; init; }

    /// <summary>Activation after the affine map.</summary>
    public required ActivationKind Activation { get; init; }

    /// <summary>Explicit activation output minimum, or null.</summary>
    public double? OutputMin { get; init; }

    /// <summary>Explicit activation output maximum, or null.</summary>
    public double? OutputMax { get; init; }

    /// <summary>Row-major <c>[Outputs, inputs]</c> weights.</summary>
    public required EquatableArray<float> Weights { get; init; }

    /// <summary>One bias per neuron, or empty for none (the affine map then adds zero).</summary>
    public EquatableArray<float> Bias { get; init; } = EquatableArray<float>.Empty;

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

/// <summary>
/// How a rounded accumulator is computed: <c>FheGen.Rounding</c> in the core, as <see cref="ActivationKind"/> is
/// <c>FheGen.Activation</c>; names and values equal (EnumParityTests).
/// </summary>
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
