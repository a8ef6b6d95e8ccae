namespace FheGen.Compiler.Diagnostics;

/// <summary>Stable diagnostic IDs; these are a public contract.</summary>
public static class DiagnosticIds
{
    /// <summary>A TLU input exceeds the PBS budget (warning).</summary>
    public const string OverBudget = "FHE0001";
    /// <summary>A TLU input (or an output accumulator) is wider than the 16-bit hard limit (error).</summary>
    public const string OverHardLimit = "FHE0002";
    /// <summary>An attribute value is invalid (error).</summary>
    public const string InvalidAttribute = "FHE0003";
    /// <summary>A weight or bias member is missing or has the wrong length (error).</summary>
    public const string ShapeMismatch = "FHE0004";
    /// <summary>The model is not partial, or a weight is not a compile-time constant (error).</summary>
    public const string NotCompileTime = "FHE0005";
    /// <summary>Per-layer summary (info).</summary>
    public const string LayerSummary = "FHE0006";
    /// <summary>A layer's bias is zero by omission: no bias member, or one whose name is misspelled (warning).</summary>
    public const string MissingBias = "FHE0007";
    /// <summary>No 128-bit-secure TFHE parameter set meets the circuit's reads, so it cannot be encrypted (error).</summary>
    public const string NoSecureParameters = "FHE0008";
    /// <summary>The model type, or a member or type parameter of it, has the name of a member FheGen generates (error).</summary>
    public const string ReservedName = "FHE0009";
    /// <summary>The project's C# language version is below what the generated code needs (error).</summary>
    public const string LanguageVersionTooLow = "FHE0010";
    /// <summary>The quantization settings differ from those the weights were trained for (<c>[TrainedWith]</c>; warning).</summary>
    public const string TrainingMismatch = "FHE0011";

    /// <summary>Base of the help links; each ID has a section (anchor) in docs/diagnostics.md.</summary>
    public const string HelpLinkBase = "https://github.com/fhegen/fhegen/blob/main/docs/diagnostics.md#";
}

/// <summary>Severity of a compiler diagnostic.</summary>
public enum Severity
{
    /// <summary>Informational.</summary>
    Info,
    /// <summary>A problem that still yields a circuit.</summary>
    Warning,
    /// <summary>No circuit can be produced.</summary>
    Error,
}

/// <summary>What a diagnostic is about, so a front end can find the syntax to underline.</summary>
public enum TargetKind
{
    /// <summary>The model type declaration itself.</summary>
    ModelType,
    /// <summary>The <c>[FheModel]</c> attribute.</summary>
    ModelAttribute,
    /// <summary>A <c>[Dense]</c> attribute; index into the layers.</summary>
    Dense,
    /// <summary>A <c>[Quantize]</c> attribute; index into the quantize settings.</summary>
    Quantize,
    /// <summary>A <c>[Prune]</c> attribute; index into the prune settings.</summary>
    Prune,
    /// <summary>A <c>[RoundAccumulator]</c> attribute; index into the round settings.</summary>
    Round,
    /// <summary>An <c>[ActivationRange]</c> attribute; index into the ranges.</summary>
    Range,
    /// <summary>A layer's weight member; index into the layers.</summary>
    Weights,
    /// <summary>A layer's bias member; index into the layers.</summary>
    Bias,
    /// <summary>A member or type parameter of the model whose name is reserved; index into <c>ModelSpec.ReservedNameConflicts</c>.</summary>
    Member,
    /// <summary>A <c>[TrainedWith]</c> attribute; index into <c>ModelSpec.Trained</c>.</summary>
    Trained,
    /// <summary>A per-feature input range member: 0 for <c>FeatureMin</c>, 1 for <c>FeatureMax</c>.</summary>
    FeatureRange,
}

/// <summary>Where a diagnostic belongs.</summary>
/// <param name="Kind">The kind of declaration.</param>
/// <param name="Index">Index within that kind's list (0 for the model).</param>
/// <param name="Argument">The attribute argument at fault (e.g. <c>InputBits</c>), if one is.</param>
public sealed record DiagnosticTarget(TargetKind Kind, int Index, string? Argument = null);
