extern alias gen;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using DiagnosticDescriptors = gen::FheGen.Generators.Analyzers.DiagnosticDescriptors;
using FheModelAnalyzer = gen::FheGen.Generators.Analyzers.FheModelAnalyzer;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// docs/diagnostics.md is checked, not just written: every diagnostic has an anchor, an example that raises it with the
/// message shown (… matches any text: latency figures depend on the machine's measured table), and (except the
/// informational FHE0006) a fix that builds with no FHE warning or error; each help link points at its section.
/// </summary>
public sealed class DiagnosticReferenceTests
{
    private readonly ITestOutputHelper _output;

    public DiagnosticReferenceTests(ITestOutputHelper output) => _output = output;

    private sealed record Block(string Kind, string Id, string? LangVersion, string Text);

    private static string DocPath([CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "docs", "diagnostics.md"));

    private static readonly Lazy<string> Doc = new(() => File.ReadAllText(DocPath()).Replace("\r\n", "\n", StringComparison.Ordinal));

    private static IReadOnlyList<Block> Blocks()
    {
        var blocks = new List<Block>();
        foreach (Match m in Regex.Matches(Doc.Value, @"<!-- (example|message|fixed) (FHE\d{4})(?: langversion=(\d+))? -->\n```(?:csharp|text)\n(.*?)\n```", RegexOptions.Singleline))
            blocks.Add(new Block(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Success ? m.Groups[3].Value : null, m.Groups[4].Value));
        return blocks;
    }

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var d in DiagnosticDescriptors.All) data.Add(d.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_diagnostic_has_a_section_and_a_help_link_to_it(string id)
    {
        Assert.Contains($"<a id=\"{id.ToLowerInvariant()}\"></a>\n## {id}: ", Doc.Value, StringComparison.Ordinal);
        var descriptor = DiagnosticDescriptors.All.Single(d => d.Id == id);
        Assert.EndsWith("docs/diagnostics.md#" + id.ToLowerInvariant(), descriptor.HelpLinkUri, StringComparison.Ordinal);
        Assert.Contains($"## {id}: {descriptor.Title}\n", Doc.Value, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task The_example_raises_the_diagnostic_with_the_message_shown(string id)
    {
        var blocks = Blocks();
        var example = Assert.Single(blocks, b => b.Kind == "example" && b.Id == id);
        var shown = Assert.Single(blocks, b => b.Kind == "message" && b.Id == id);
        var diagnostics = await AnalyzeAsync(example.Text, example.LangVersion);
        var raised = diagnostics.Where(d => d.Id == id).ToArray();
        foreach (var d in diagnostics) _output.WriteLine($"{d.Id} {d.Severity}: {d.GetMessage()}");
        Assert.NotEmpty(raised);
        var pattern = "^" + string.Join(".*", Normalize(shown.Text).Split('…').Select(Regex.Escape)) + "$";
        Assert.True(raised.Any(d => Regex.IsMatch(Normalize(d.GetMessage()), pattern, RegexOptions.Singleline)),
            $"No {id} message matches the documented one.\nDocumented: {Normalize(shown.Text)}\nRaised: {string.Join("\n", raised.Select(d => d.GetMessage()))}");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task The_fix_builds_without_an_fhe_warning_or_error(string id)
    {
        var fixes = Blocks().Where(b => b.Kind == "fixed" && b.Id == id).ToArray();
        if (id == "FHE0006")
        {
            Assert.Empty(fixes); // information only: nothing to fix
            return;
        }
        var fix = Assert.Single(fixes);
        var diagnostics = await AnalyzeAsync(fix.Text, fix.LangVersion);
        Assert.DoesNotContain(diagnostics, d => d.Id.StartsWith("FHE", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning);
        var compilation = Compile(fix.Text, fix.LangVersion);
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void The_readme_table_links_every_diagnostic_to_its_section()
    {
        var readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(DocPath())!, "..", "README.md"));
        foreach (var d in DiagnosticDescriptors.All)
            Assert.Contains($"(docs/diagnostics.md#{d.Id.ToLowerInvariant()})", readme, StringComparison.Ordinal);
    }

    private static string Normalize(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    private static CSharpCompilation Compile(string source, string? langVersion)
    {
        var version = langVersion is null ? LanguageVersion.Latest : LanguageVersionFacts.TryParse(langVersion, out var v) ? v : throw new ArgumentException(langVersion);
        return CSharpCompilation.Create("Documented",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(version), path: "/0/Doc.cs") },
            FheAnalyzerTest.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>The analyzer as a build runs it: every diagnostic on, FHE0006 included.</summary>
    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source, string? langVersion)
    {
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (e, _, _) => { lock (exceptions) exceptions.Add(e); },
            concurrentAnalysis: true, logAnalyzerExecutionTime: false);
        var diagnostics = await Compile(source, langVersion)
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new FheModelAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics;
    }
}
