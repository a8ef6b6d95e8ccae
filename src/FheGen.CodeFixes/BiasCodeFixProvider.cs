using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FheGen.CodeFixes;

/// <summary>
/// Fixes FHE0007 (a layer's bias is zero only because its member is missing or misspelled) on the layer's
/// <c>[Dense]</c>: "Use 'HiddenBais' as the bias of 'Hidden'" sets <c>Bias = "HiddenBais"</c> (property
/// <c>BiasCandidate</c>, the close member the analyzer found), and "Declare 'Hidden' without a bias" sets
/// <c>NoBias = true</c> (property <c>NoBias</c>). Each edits only its own attribute, so the batch fixer serves Fix All.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(BiasCodeFixProvider)), Shared]
public sealed class BiasCodeFixProvider : CodeFixProvider
{
    /// <summary>The diagnostic this provider fixes.</summary>
    public const string MissingBiasId = "FHE0007";

    /// <summary>Equivalence key of "Use 'member' as the bias of 'layer'".</summary>
    public const string UseCandidateEquivalenceKey = "FheGen.FHE0007.Bias";

    /// <summary>Equivalence key of "Declare 'layer' without a bias".</summary>
    public const string NoBiasEquivalenceKey = "FheGen.FHE0007.NoBias";

    /// <summary>Diagnostic property: the close member name.</summary>
    public const string BiasCandidateProperty = "BiasCandidate";

    /// <summary>Diagnostic property: present when <c>NoBias = true</c> is a fix.</summary>
    public const string NoBiasProperty = "NoBias";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(MissingBiasId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.Id != MissingBiasId || !diagnostic.Location.IsInSource) continue;
            var dense = AttributeEditor.FindAttribute(root, diagnostic.Location.SourceSpan);
            if (dense is null || AttributeEditor.ContainingType(dense) is null) continue;
            diagnostic.Properties.TryGetValue(FheGenCodeFixProvider.LayerProperty, out var layer);
            var document = context.Document;
            if (diagnostic.Properties.TryGetValue(BiasCandidateProperty, out var candidate) && !string.IsNullOrEmpty(candidate))
            {
                context.RegisterCodeFix(CodeAction.Create(
                    $"Use '{candidate}' as the bias of '{layer}'",
                    ct => ReplaceAsync(document, dense, AttributeEditor.WithNamedArgument(dense, "Bias", candidate!), ct),
                    UseCandidateEquivalenceKey), diagnostic);
            }
            if (diagnostic.Properties.ContainsKey(NoBiasProperty))
            {
                context.RegisterCodeFix(CodeAction.Create(
                    $"Declare '{layer}' without a bias",
                    ct => ReplaceAsync(document, dense, AttributeEditor.WithNamedArgument(dense, "NoBias", true), ct),
                    NoBiasEquivalenceKey), diagnostic);
            }
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, AttributeSyntax dense, AttributeSyntax updated, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(dense, updated));
    }
}
