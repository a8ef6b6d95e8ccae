using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace FheGen.CodeFixes;

/// <summary>One FHE0001/FHE0002 fix: set <see cref="FheGenAttribute.ArgumentName"/> to <see cref="Value"/> for a layer.</summary>
/// <param name="DenseSpan">The span of the layer's <c>[Dense]</c> attribute in its document.</param>
/// <param name="Layer">The layer's name.</param>
/// <param name="Attribute">The attribute to add or update.</param>
/// <param name="Value">The value of its named argument.</param>
internal sealed record LayerFix(TextSpan DenseSpan, string Layer, FheGenAttribute Attribute, int Value);

/// <summary>
/// Fix All for FHE0001 in a document, project or solution: every fix of the chosen kind, applied one after another
/// to the evolving solution (each new attribute goes after the last FheGen attribute, so two layers of one model get
/// two attributes in layer order, exactly as fixing them one by one would).
/// </summary>
internal sealed class FheGenFixAllProvider : FixAllProvider
{
    public static readonly FheGenFixAllProvider Instance = new FheGenFixAllProvider();

    private FheGenFixAllProvider() { }

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes()
        => new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        FheGenAttribute? attribute = fixAllContext.CodeActionEquivalenceKey switch
        {
            FheGenCodeFixProvider.RoundEquivalenceKey => FheGenAttribute.RoundAccumulator,
            FheGenCodeFixProvider.PruneEquivalenceKey => FheGenAttribute.Prune,
            FheGenCodeFixProvider.WeightBitsEquivalenceKey => FheGenAttribute.Quantize,
            FheGenCodeFixProvider.ActivationBitsEquivalenceKey => FheGenAttribute.QuantizeActivation,
            FheGenCodeFixProvider.InputBitsEquivalenceKey => FheGenAttribute.ModelInputBits,
            _ => null,
        };
        if (attribute is null) return null;

        IEnumerable<Document> documents = fixAllContext.Scope switch
        {
            FixAllScope.Document => fixAllContext.Document is { } d ? new[] { d } : Enumerable.Empty<Document>(),
            FixAllScope.Project => fixAllContext.Project.Documents,
            FixAllScope.Solution => fixAllContext.Solution.Projects.SelectMany(p => p.Documents),
            _ => Enumerable.Empty<Document>(),
        };
        var fixes = new List<(DocumentId Document, LayerFix Fix)>();
        foreach (var document in documents)
        {
            var diagnostics = await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);
            if (diagnostics.IsEmpty) continue;
            var root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            if (root is null) continue;
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (FheGenCodeFixProvider.TryCreateFix(root, diagnostic, attribute) is { } fix) fixes.Add((document.Id, fix));
            }
        }
        if (fixes.Count == 0) return null;

        string title = attribute == FheGenAttribute.RoundAccumulator
            ? "Round every layer over budget to the budget"
            : attribute == FheGenAttribute.Prune ? "Prune every layer over budget to fit"
            : attribute == FheGenAttribute.Quantize ? "Lower the weight bits of every layer over budget to fit"
            : attribute == FheGenAttribute.ModelInputBits ? "Lower the input bits of every model whose first layer is over budget"
            : "Lower the activation bits feeding every layer over budget to fit";
        var solution = fixAllContext.Solution;
        return CodeAction.Create(title, ct => ApplyAllAsync(solution, fixes, ct), fixAllContext.CodeActionEquivalenceKey);
    }

    private static async Task<Solution> ApplyAllAsync(Solution solution, List<(DocumentId Document, LayerFix Fix)> fixes, CancellationToken ct)
    {
        // Mark each layer's [Dense] so it can be found again after earlier fixes have moved the text.
        var marks = new SyntaxAnnotation[fixes.Count];
        foreach (var group in fixes.Select((f, i) => (f.Document, f.Fix, Index: i)).GroupBy(f => f.Document))
        {
            var document = solution.GetDocument(group.Key);
            var root = document is null ? null : await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            if (root is null) continue;
            var targets = new Dictionary<SyntaxNode, SyntaxAnnotation>();
            foreach (var f in group)
            {
                var dense = AttributeEditor.FindAttribute(root, f.Fix.DenseSpan);
                if (dense is null || targets.ContainsKey(dense)) continue;
                marks[f.Index] = new SyntaxAnnotation("FheGen.FixAll");
                targets.Add(dense, marks[f.Index]);
            }
            root = root.ReplaceNodes(targets.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(targets[original]));
            solution = solution.WithDocumentSyntaxRoot(group.Key, root);
        }

        for (int i = 0; i < fixes.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            if (marks[i] is null) continue;
            var document = solution.GetDocument(fixes[i].Document);
            var root = document is null ? null : await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            var dense = root?.GetAnnotatedNodes(marks[i]).OfType<AttributeSyntax>().FirstOrDefault();
            if (document is null || dense is null) continue;
            solution = await FheGenCodeFixProvider.ApplyAsync(document, fixes[i].Fix with { DenseSpan = dense.Span }, ct).ConfigureAwait(false);
        }
        return solution;
    }
}
