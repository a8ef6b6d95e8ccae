using System.Collections.Immutable;
using FheGen.Compiler.Diagnostics;
using Microsoft.CodeAnalysis;

namespace FheGen.Generators.Analyzers;

/// <summary>
/// The FheGen diagnostics. The compiler core writes each message in full (so every front end shows the same
/// numbers); descriptors carry the stable ID, title, severity and help link.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Category = "FheGen";

    /// <summary>FHE0001: a TLU input exceeds the PBS budget.</summary>
    public static readonly DiagnosticDescriptor OverBudget = Create(DiagnosticIds.OverBudget,
        "TLU input exceeds the PBS budget", DiagnosticSeverity.Warning,
        "A programmable bootstrapping gets much slower as its input widens; round the accumulator, prune, or lower the bit-widths.");

    /// <summary>FHE0002: a TLU input wider than 16 bits.</summary>
    public static readonly DiagnosticDescriptor OverHardLimit = Create(DiagnosticIds.OverHardLimit,
        "TLU input wider than 16 bits", DiagnosticSeverity.Error,
        "TFHE cannot bootstrap inputs wider than 16 bits; no circuit is generated.");

    /// <summary>FHE0003: an invalid attribute value.</summary>
    public static readonly DiagnosticDescriptor InvalidAttribute = Create(DiagnosticIds.InvalidAttribute,
        "Invalid FheGen attribute value", DiagnosticSeverity.Error,
        "An FheGen attribute has a value outside its valid range or names an unknown layer.");

    /// <summary>FHE0004: a weight or bias member is missing or has the wrong shape.</summary>
    public static readonly DiagnosticDescriptor ShapeMismatch = Create(DiagnosticIds.ShapeMismatch,
        "Weight or bias shape mismatch", DiagnosticSeverity.Error,
        "Weights are row-major [outputs, inputs] and biases have one value per output.");

    /// <summary>FHE0005: the model is not partial, or a weight is not a compile-time constant.</summary>
    public static readonly DiagnosticDescriptor NotCompileTime = Create(DiagnosticIds.NotCompileTime,
        "Model not partial or weights not constant", DiagnosticSeverity.Error,
        "The generator adds members to the model class and reads its weights at build time.");

    /// <summary>FHE0006: per-layer summary.</summary>
    public static readonly DiagnosticDescriptor LayerSummary = Create(DiagnosticIds.LayerSummary,
        "FheGen layer summary", DiagnosticSeverity.Info,
        "Each layer's exact accumulator range, TLU width and PBS count.");

    /// <summary>FHE0007: a layer's bias is zero only because its member is missing or misspelled.</summary>
    public static readonly DiagnosticDescriptor MissingBias = Create(DiagnosticIds.MissingBias,
        "Layer bias missing or misspelled", DiagnosticSeverity.Warning,
        "A missing default bias member means zero bias; name the member as expected, point Bias at it, or declare NoBias = true.");

    /// <summary>FHE0008: no 128-bit-secure TFHE parameter set meets the circuit's reads.</summary>
    public static readonly DiagnosticDescriptor NoSecureParameters = Create(DiagnosticIds.NoSecureParameters,
        "No secure TFHE parameter set for the circuit", DiagnosticSeverity.Error,
        "The circuit's reads (lookups, rounding extractions, output decryption) need less noise than any 128-bit-secure parameter set leaves; it could not be encrypted.");

    /// <summary>FHE0009: the model type, a member or a type parameter has the name of a generated member.</summary>
    public static readonly DiagnosticDescriptor ReservedName = Create(DiagnosticIds.ReservedName,
        "Name collides with a generated member", DiagnosticSeverity.Error,
        "FheGen adds members such as Run, Predict, Circuit and Io to the model type; a type or member of the same name would not compile, so no code is generated.");

    /// <summary>FHE0010: the C# language version is too old for the generated code.</summary>
    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Create(DiagnosticIds.LanguageVersionTooLow,
        "C# language version too old for FheGen", DiagnosticSeverity.Error,
        "The generated code uses [InlineArray] buffers (C# 12); raise LangVersion or remove it to get the SDK's default.");

    /// <summary>FHE0011: the quantization settings differ from those the weights were trained for.</summary>
    public static readonly DiagnosticDescriptor TrainingMismatch = Create(DiagnosticIds.TrainingMismatch,
        "Settings differ from those the weights were trained for", DiagnosticSeverity.Warning,
        "Quantization-aware training tunes weights for one set of bit-widths, pruning and rounding, recorded as [TrainedWith]; compiled under other settings they lose accuracy. Retrain, or restore the settings.");

    /// <summary>All descriptors.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        OverBudget, OverHardLimit, InvalidAttribute, ShapeMismatch, NotCompileTime, LayerSummary, MissingBias, NoSecureParameters, ReservedName, LanguageVersionTooLow, TrainingMismatch);

    /// <summary>The descriptor of a compiler-core diagnostic ID.</summary>
    public static DiagnosticDescriptor ForId(string id) => id switch
    {
        DiagnosticIds.OverBudget => OverBudget,
        DiagnosticIds.OverHardLimit => OverHardLimit,
        DiagnosticIds.InvalidAttribute => InvalidAttribute,
        DiagnosticIds.ShapeMismatch => ShapeMismatch,
        DiagnosticIds.NotCompileTime => NotCompileTime,
        DiagnosticIds.MissingBias => MissingBias,
        DiagnosticIds.NoSecureParameters => NoSecureParameters,
        DiagnosticIds.ReservedName => ReservedName,
        DiagnosticIds.LanguageVersionTooLow => LanguageVersionTooLow,
        DiagnosticIds.TrainingMismatch => TrainingMismatch,
        _ => LayerSummary,
    };

    private static DiagnosticDescriptor Create(string id, string title, DiagnosticSeverity severity, string description)
        => new DiagnosticDescriptor(id, title, "{0}", Category, severity, isEnabledByDefault: true, description: description,
            helpLinkUri: DiagnosticIds.HelpLinkBase + id.ToLowerInvariant());
}
