using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace FheGen.CodeFixes;

/// <summary>
/// Fixes FHE0001 (a TLU input over the PBS budget) and FHE0002 (over the 16-bit limit, output layers included) with
/// the remedies the analyzer offers: <c>[RoundAccumulator("Layer", Bits = N)]</c> (property <c>RoundBits</c>),
/// <c>[Prune("Layer", MaxActiveInputs = N)]</c> (property <c>MaxActiveInputs</c>) and
/// <c>[Quantize("Layer", WeightBits = N)]</c> (property <c>WeightBits</c>) and, on the previous layer,
/// <c>[Quantize("Previous", ActivationBits = N)]</c> (properties <c>ActivationBits</c>, <c>ActivationLayer</c>) and
/// <c>[FheModel(InputBits = N)]</c> (property <c>InputBits</c>, set on the model attribute itself); the analyzer sets a property only for a
/// remedy that keeps enough of the model. Each adds the attribute to the model class after its last FheGen attribute
/// list, or updates the one already there for that layer.
/// </summary>
/// <remarks>
/// The diagnostic ID and property keys are a string contract with the analyzer (they mirror
/// <c>FheGen.Compiler.Diagnostics.DiagnosticIds</c> and <c>CompilerDiagnostic</c>); this assembly does not
/// reference the generator, so it can ship beside it without binding to its internals.
/// </remarks>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(FheGenCodeFixProvider)), Shared]
public sealed class FheGenCodeFixProvider : CodeFixProvider
{
    /// <summary>The diagnostic this provider fixes: a TLU input exceeds the PBS budget.</summary>
    public const string OverBudgetId = "FHE0001";

    /// <summary>The other diagnostic this provider fixes: a TLU input or output accumulator wider than 16 bits.</summary>
    public const string OverHardLimitId = "FHE0002";

    /// <summary>Equivalence key of "Round 'layer' to the budget" (the same for every layer, so Fix All applies it to all).</summary>
    public const string RoundEquivalenceKey = "FheGen.FHE0001.RoundAccumulator";

    /// <summary>Equivalence key of "Prune 'layer' to N active inputs" (the same for every layer, so Fix All applies it to all).</summary>
    public const string PruneEquivalenceKey = "FheGen.FHE0001.Prune";

    /// <summary>Equivalence key of "Quantize 'layer' to N weight bits" (the same for every layer, so Fix All applies it to all).</summary>
    public const string WeightBitsEquivalenceKey = "FheGen.FHE0001.WeightBits";

    /// <summary>Equivalence key of "Quantize 'previous' to N activation bits".</summary>
    public const string ActivationBitsEquivalenceKey = "FheGen.FHE0001.ActivationBits";

    /// <summary>Equivalence key of "Quantize the model's inputs to N bits".</summary>
    public const string InputBitsEquivalenceKey = "FheGen.FHE0001.InputBits";

    /// <summary>Diagnostic property: a lower <c>InputBits</c> for the model, when it is offered (first layer only).</summary>
    public const string InputBitsProperty = "InputBits";

    /// <summary>Diagnostic property: the layer's name.</summary>
    public const string LayerProperty = "Layer";

    /// <summary>Diagnostic property: the TLU width that fits the budget.</summary>
    public const string RoundBitsProperty = "RoundBits";

    /// <summary>Diagnostic property: the largest <c>MaxActiveInputs</c> that fits, when one exists.</summary>
    public const string MaxActiveInputsProperty = "MaxActiveInputs";

    /// <summary>Diagnostic property: a lower <c>WeightBits</c> that fits, when it is offered.</summary>
    public const string WeightBitsProperty = "WeightBits";

    /// <summary>Diagnostic property: a lower <c>ActivationBits</c> for the previous layer, when it is offered.</summary>
    public const string ActivationBitsProperty = "ActivationBits";

    /// <summary>Diagnostic property: the previous layer, whose activations <see cref="ActivationBitsProperty"/> narrows.</summary>
    public const string ActivationLayerProperty = "ActivationLayer";

    private const int HardLimitBits = 16;

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(OverBudgetId, OverHardLimitId);

    /// <summary>
    /// Fix All in document, project or solution. Not the batch fixer: it merges text changes made independently, and
    /// the fixes for two layers of one model both insert at the same place (after the last FheGen attribute), which
    /// it treats as a conflict and drops. <see cref="FheGenFixAllProvider"/> applies the fixes one after another.
    /// </summary>
    public override FixAllProvider GetFixAllProvider() => FheGenFixAllProvider.Instance;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var document = context.Document;
            foreach (var (attribute, key) in Fixes)
            {
                if (TryCreateFix(root, diagnostic, attribute) is not { } fix) continue;
                context.RegisterCodeFix(CodeAction.Create(Title(fix, diagnostic.Id), ct => ApplyAsync(document, fix, ct), key), diagnostic);
            }
        }
    }

    /// <summary>The fix of one kind a diagnostic supports, or null when its properties do not allow one.</summary>
    // Offered in this order; the equivalence keys are what Fix All groups by.
    private static readonly (FheGenAttribute Attribute, string Key)[] Fixes =
    {
        (FheGenAttribute.RoundAccumulator, RoundEquivalenceKey),
        (FheGenAttribute.Prune, PruneEquivalenceKey),
        (FheGenAttribute.Quantize, WeightBitsEquivalenceKey),
        (FheGenAttribute.ModelInputBits, InputBitsEquivalenceKey),
        (FheGenAttribute.QuantizeActivation, ActivationBitsEquivalenceKey),
    };

    private static string Title(LayerFix fix, string diagnosticId)
    {
        string value = fix.Value.ToString(CultureInfo.InvariantCulture);
        var a = fix.Attribute;
        if (a == FheGenAttribute.RoundAccumulator)
            return diagnosticId == OverBudgetId ? $"Round '{fix.Layer}' to the budget" : $"Round '{fix.Layer}' to {value} bits";
        if (a == FheGenAttribute.Prune) return $"Prune '{fix.Layer}' to {value} active inputs";
        if (a == FheGenAttribute.Quantize) return $"Quantize '{fix.Layer}' to {value} weight bits";
        if (a == FheGenAttribute.ModelInputBits) return $"Quantize the model's inputs to {value} bits";
        return $"Quantize '{fix.Layer}' to {value} activation bits";
    }

    internal static LayerFix? TryCreateFix(SyntaxNode root, Diagnostic diagnostic, FheGenAttribute attribute)
    {
        if ((diagnostic.Id != OverBudgetId && diagnostic.Id != OverHardLimitId) || !diagnostic.Location.IsInSource) return null;
        // The activation fix edits the previous layer's [Quantize]: that is the layer it names.
        string layerKey = attribute == FheGenAttribute.QuantizeActivation ? ActivationLayerProperty : LayerProperty;
        if (!diagnostic.Properties.TryGetValue(layerKey, out var layer) || layer is null || layer.Length == 0) return null;
        var (key, min, max) = attribute == FheGenAttribute.RoundAccumulator ? (RoundBitsProperty, 1, HardLimitBits)
            : attribute == FheGenAttribute.Quantize ? (WeightBitsProperty, 2, HardLimitBits)
            : attribute == FheGenAttribute.QuantizeActivation ? (ActivationBitsProperty, 1, HardLimitBits)
            : attribute == FheGenAttribute.ModelInputBits ? (InputBitsProperty, 1, HardLimitBits)
            : (MaxActiveInputsProperty, 1, int.MaxValue);
        if (!TryGetInt(diagnostic, key, min, max, out int value))
        {
            return null;
        }
        var dense = AttributeEditor.FindAttribute(root, diagnostic.Location.SourceSpan);
        if (dense is null || AttributeEditor.ContainingType(dense) is null) return null;
        return new LayerFix(dense.Span, layer, attribute, value);
    }

    private static bool TryGetInt(Diagnostic diagnostic, string key, int min, int max, out int value)
    {
        value = 0;
        return diagnostic.Properties.TryGetValue(key, out var text)
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max;
    }

    /// <summary>Sets <c>InputBits</c> on the model's <c>[FheModel]</c> (possibly on another partial declaration).</summary>
    private static async Task<Solution> ApplyInputBitsAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan denseSpan, int value, CancellationToken ct)
    {
        var solution = document.Project.Solution;
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        var dense = root is null ? null : AttributeEditor.FindAttribute(root, denseSpan);
        var type = dense is null ? null : AttributeEditor.ContainingType(dense);
        if (model is null || type is null || model.GetDeclaredSymbol(type, ct) is not INamedTypeSymbol symbol) return solution;
        foreach (var data in symbol.GetAttributes())
        {
            if (data.AttributeClass?.ToDisplayString() != FheGenAttribute.FheGenNamespace + ".FheModelAttribute") continue;
            if (data.ApplicationSyntaxReference?.GetSyntax(ct) is not Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax syntax) continue;
            if (solution.GetDocument(syntax.SyntaxTree) is not { } target) continue;
            var targetRoot = await syntax.SyntaxTree.GetRootAsync(ct).ConfigureAwait(false);
            return solution.WithDocumentSyntaxRoot(target.Id, targetRoot.ReplaceNode(syntax, AttributeEditor.WithNamedArgument(syntax, "InputBits", value)));
        }
        return solution;
    }

    /// <summary>Applies one fix to the document holding its <c>[Dense]</c> (or to the one holding the attribute it updates).</summary>
    internal static async Task<Solution> ApplyAsync(Document document, LayerFix fix, CancellationToken ct)
    {
        var (denseSpan, layer, attribute, value) = (fix.DenseSpan, fix.Layer, fix.Attribute, fix.Value);
        if (attribute == FheGenAttribute.ModelInputBits) return await ApplyInputBitsAsync(document, denseSpan, value, ct).ConfigureAwait(false);
        var solution = document.Project.Solution;
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null) return solution;
        var dense = AttributeEditor.FindAttribute(root, denseSpan);
        var type = dense is null ? null : AttributeEditor.ContainingType(dense);
        if (dense is null || type is null) return solution;

        // An attribute for this layer already exists (possibly on another partial declaration): update it.
        var existing = AttributeEditor.FindExisting(model, type, attribute, layer, ct);
        if (existing is not null && solution.GetDocument(existing.SyntaxTree) is { } existingDocument)
        {
            var existingRoot = await existing.SyntaxTree.GetRootAsync(ct).ConfigureAwait(false);
            var updated = AttributeEditor.WithNamedArgument(existing, attribute.ArgumentName, value);
            return solution.WithDocumentSyntaxRoot(existingDocument.Id, existingRoot.ReplaceNode(existing, updated));
        }

        var text = await document.GetTextAsync(ct).ConfigureAwait(false);
        var newType = AttributeEditor.AddAttribute(model, text, type, dense, attribute, layer, value, ct);
        return solution.WithDocumentSyntaxRoot(document.Id, root.ReplaceNode(type, newType));
    }
}
