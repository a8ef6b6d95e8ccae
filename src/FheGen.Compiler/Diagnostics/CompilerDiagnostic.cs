using System.Collections.Generic;

namespace FheGen.Compiler.Diagnostics;

/// <summary>
/// A diagnostic produced by the compiler core. The message is final text, so analyzers, the generator and
/// command-line tools all show the same words and numbers.
/// </summary>
/// <param name="Id">One of <see cref="DiagnosticIds"/>.</param>
/// <param name="Severity">Severity.</param>
/// <param name="Target">The declaration at fault.</param>
/// <param name="Message">The complete message.</param>
/// <param name="Properties">Machine-readable facts for code fixes (e.g. <c>Layer</c>, <c>RoundBits</c>).</param>
public sealed record CompilerDiagnostic(
    string Id,
    Severity Severity,
    DiagnosticTarget Target,
    string Message,
    IReadOnlyDictionary<string, string?> Properties)
{
    /// <summary>Property key: the layer's name.</summary>
    public const string LayerProperty = "Layer";
    /// <summary>Property key: a TLU width that fits the budget (value for <c>[RoundAccumulator(Bits=...)]</c>).</summary>
    public const string RoundBitsProperty = "RoundBits";
    /// <summary>Property key: the largest <c>MaxActiveInputs</c> that fits, when one exists.</summary>
    public const string MaxActiveInputsProperty = "MaxActiveInputs";
    /// <summary>Property key: a lower <c>WeightBits</c> for the layer that fits and is offered.</summary>
    public const string WeightBitsProperty = "WeightBits";
    /// <summary>Property key: a lower <c>[FheModel(InputBits)]</c> that fits the first layer and is offered.</summary>
    public const string InputBitsProperty = "InputBits";
    /// <summary>Property key: a lower <c>ActivationBits</c> for the previous layer that fits and is offered.</summary>
    public const string ActivationBitsProperty = "ActivationBits";
    /// <summary>Property key: the previous layer, whose <c>ActivationBits</c> <see cref="ActivationBitsProperty"/> sets.</summary>
    public const string ActivationLayerProperty = "ActivationLayer";
    /// <summary>Property key: a member whose name is close to the expected bias member's (FHE0007, "did you mean").</summary>
    public const string BiasCandidateProperty = "BiasCandidate";
    /// <summary>Property key: present when declaring the layer without a bias (<c>NoBias = true</c>) is a fix (FHE0007).</summary>
    public const string NoBiasFixProperty = "NoBias";

    /// <summary>Creates a diagnostic with no properties.</summary>
    public static CompilerDiagnostic Create(string id, Severity severity, DiagnosticTarget target, string message)
        => new CompilerDiagnostic(id, severity, target, message, new Dictionary<string, string?>());

    /// <inheritdoc/>
    public override string ToString() => $"{Id} ({Severity}): {Message}";
}
