extern alias gen;

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Basic.Reference.Assemblies;
using FheGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using FheModelAnalyzer = gen::FheGen.Generators.Analyzers.FheModelAnalyzer;

namespace FheGen.CodeFixes.Tests;

/// <summary>
/// Code-fix harness, offline: Basic.Reference.Assemblies.Net100 plus the FheGen runtime and compiler core; FHE0006
/// summaries and FHE0007 bias warnings (the test models have no bias on purpose) are disabled, so a fixed model must
/// come out with no diagnostic at all. Validation is
/// <see cref="CodeActionValidationMode.Full"/>: the fixed tree must equal what the parser makes of its text.
/// </summary>
internal sealed class FixTest : CSharpCodeFixTest<FheModelAnalyzer, FheGenCodeFixProvider, DefaultVerifier>
{
    public static readonly ReferenceAssemblies NoPackages = new ReferenceAssemblies("net10.0");

    public static IReadOnlyList<MetadataReference> References { get; } = Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(FheModelAttribute).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(typeof(FheGen.Compiler.Pipeline.CircuitCompiler).Assembly.Location))
        .ToArray();

    public FixTest(string source, string fixedSource, bool summaries = false)
    {
        ReferenceAssemblies = NoPackages;
        TestState.AdditionalReferences.AddRange(References);
        TestState.Sources.Add(source);
        FixedState.Sources.Add(fixedSource);
        if (!summaries) DisabledDiagnostics.Add("FHE0006");
        DisabledDiagnostics.Add("FHE0007");
        // The small test models' wide lookups have no secure parameter set; FeasibilityTests cover FHE0008.
        DisabledDiagnostics.Add("FHE0008");
        CodeActionValidationMode = CodeActionValidationMode.Full;
    }

    /// <summary>Also checks the selected action's title.</summary>
    public string? ExpectedTitle
    {
        set => CodeActionVerifier = (action, verifier) => verifier.Equal(value, action.Title);
    }

    public static Task RunAsync(string source, string fixedSource, string equivalenceKey, string? title = null)
    {
        var test = new FixTest(source, fixedSource) { CodeActionEquivalenceKey = equivalenceKey };
        if (title is not null) test.ExpectedTitle = title;
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>The (title, equivalence key) of every action the provider offers for each FHE0001 in the source.</summary>
    public static async Task<List<(string Title, string? Key)>> OfferedActionsAsync(string source)
    {
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("Model", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .WithMetadataReferences(References);
        var document = project.AddDocument("Model.cs", SourceText.From(source));
        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new FheModelAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        var actions = new List<(string, string?)>();
        var provider = new FheGenCodeFixProvider();
        foreach (var diagnostic in diagnostics.Where(d => provider.FixableDiagnosticIds.Contains(d.Id)).OrderBy(d => d.Location.SourceSpan.Start))
        {
            var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add((action.Title, action.EquivalenceKey)), CancellationToken.None);
            await provider.RegisterCodeFixesAsync(context);
        }
        return actions;
    }
}
