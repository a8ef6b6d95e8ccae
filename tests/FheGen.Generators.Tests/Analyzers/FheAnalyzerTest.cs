extern alias gen;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using FheModelAnalyzer = gen::FheGen.Generators.Analyzers.FheModelAnalyzer;
using FheModelGenerator = gen::FheGen.Generators.FheModelGenerator;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// Microsoft.CodeAnalysis.Testing harness for <see cref="FheModelAnalyzer"/>, fully offline: the reference
/// assemblies come from Basic.Reference.Assemblies.Net100 (no reference pack is resolved or downloaded), plus the
/// FheGen runtime and compiler-core assemblies. FHE0006 summaries, FHE0007 bias warnings (most test models have
/// no bias on purpose) and FHE0008 feasibility (the small hand-made models' wide lookups no secure parameter set
/// could encrypt; FeasibilityTests) are off unless a test turns them on.
/// </summary>
internal sealed class FheAnalyzerTest : CSharpAnalyzerTest<FheModelAnalyzer, DefaultVerifier>
{
    /// <summary>A reference set with no package: resolving it touches neither NuGet nor the network.</summary>
    public static readonly ReferenceAssemblies NoPackages = new ReferenceAssemblies("net10.0");

    public static IEnumerable<MetadataReference> References { get; } = Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(FheModelAttribute).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(typeof(FheGen.Compiler.Pipeline.CircuitCompiler).Assembly.Location))
        .ToArray();

    public FheAnalyzerTest(string source, bool summaries = false, string? globalConfig = null, bool feasibility = false, bool biasWarnings = false)
    {
        ReferenceAssemblies = NoPackages;
        TestState.AdditionalReferences.AddRange(References);
        TestState.Sources.Add(source);
        if (globalConfig is not null) TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + globalConfig));
        if (!summaries) DisabledDiagnostics.Add("FHE0006");
        if (!feasibility) DisabledDiagnostics.Add("FHE0008");
        if (!biasWarnings) DisabledDiagnostics.Add("FHE0007");
    }

    protected override CompilationOptions CreateCompilationOptions()
        => ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

    public static DiagnosticResult Diagnostic(string id, DiagnosticSeverity severity, int location, string message)
        => new DiagnosticResult(id, severity).WithLocation(location).WithMessage(message);

    public static DiagnosticResult Warning(string id, int location, string message) => Diagnostic(id, DiagnosticSeverity.Warning, location, message);

    public static DiagnosticResult Error(string id, int location, string message) => Diagnostic(id, DiagnosticSeverity.Error, location, message);

    public static DiagnosticResult Info(string id, int location, string message) => Diagnostic(id, DiagnosticSeverity.Info, location, message);

    /// <summary>Runs the analyzer on <paramref name="source"/> and expects exactly <paramref name="expected"/>.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) => VerifyAsync(source, null, expected);

    /// <summary>Same, with a global analyzer config (e.g. <c>build_property.FheGenPbsBudgetBits = 6</c>).</summary>
    public static Task VerifyAsync(string source, string? globalConfig, params DiagnosticResult[] expected)
    {
        var test = new FheAnalyzerTest(source, globalConfig: globalConfig);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>
    /// Runs the analyzer directly (no harness) and returns its diagnostics, failing on any analyzer exception or
    /// AD0001. For tests that need diagnostic properties or many variants quickly.
    /// </summary>
    public static Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source, string? budgetProperty = null, params string[] moreSources)
        => AnalyzeAsync(source, budgetProperty, feasibility: false, moreSources);

    /// <summary>Same, with FHE0008 on when <paramref name="feasibility"/> is true (off as in the harness otherwise).</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source, string? budgetProperty, bool feasibility, params string[] moreSources)
    {
        var compilation = Compile(source, moreSources);
        if (!feasibility)
            compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
                compilation.Options.SpecificDiagnosticOptions.SetItem("FHE0008", ReportDiagnostic.Suppress)));
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new GlobalOptionsProvider(budgetProperty)),
            (e, _, _) => { lock (exceptions) exceptions.Add(e); },
            concurrentAnalysis: true, logAnalyzerExecutionTime: false);
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new FheModelAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics.Sort((a, b) => a.Location.SourceSpan.Start.CompareTo(b.Location.SourceSpan.Start));
    }

    /// <summary>
    /// Runs the generator on the same inputs and fails if it threw (CS8785) or, when the input compiles, emitted
    /// code that does not. Returns the names of the generated files.
    /// </summary>
    public static ImmutableArray<string> RunGenerator(string source, string? budgetProperty = null)
    {
        var compilation = Compile(source, Array.Empty<string>());
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new FheModelGenerator().AsSourceGenerator() },
            optionsProvider: new GlobalOptionsProvider(budgetProperty),
            parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var run = driver.GetRunResult();
        Assert.All(run.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(diagnostics, d => d.Id == "CS8785");
        var generated = run.GeneratedTrees.ToImmutableHashSet();
        bool inputCompiles = !compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        if (inputCompiles) Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && generated.Contains(d.Location.SourceTree!)));
        return run.GeneratedTrees.Select(t => System.IO.Path.GetFileName(t.FilePath)).ToImmutableArray();
    }

    /// <summary>The source without Microsoft.CodeAnalysis.Testing markup (<c>{|#0:...|}</c>, <c>[|...|]</c>).</summary>
    public static string Unmarked(string source)
        => System.Text.RegularExpressions.Regex.Replace(source, @"\{\|[^:|{}]*:|\|\}|\[\||\|\]", "");

    public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Latest);

    public static CSharpCompilation Compile(string source, IEnumerable<string> moreSources)
        => CSharpCompilation.Create("Analyzed",
            new[] { source }.Concat(moreSources).Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/0/Test{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private sealed class GlobalOptionsProvider : AnalyzerConfigOptionsProvider
    {
        public GlobalOptionsProvider(string? budget)
        {
            var values = ImmutableDictionary<string, string>.Empty;
            if (budget is not null) values = values.Add("build_property.FheGenPbsBudgetBits", budget);
            GlobalOptions = new Options(values);
        }

        public override AnalyzerConfigOptions GlobalOptions { get; }

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;
    }

    private sealed class Options : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new Options(ImmutableDictionary<string, string>.Empty);
        private readonly ImmutableDictionary<string, string> _values;

        public Options(ImmutableDictionary<string, string> values) => _values = values;

        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            => _values.TryGetValue(key, out value);
    }
}
