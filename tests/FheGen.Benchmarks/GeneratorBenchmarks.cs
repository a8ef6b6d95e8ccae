extern alias gen;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using FheModelGenerator = gen::FheGen.Generators.FheModelGenerator;

namespace FheGen.Benchmarks;

/// <summary>
/// Build-time cost of the source generator on a 784-128-10 model with random weights (seeded): the generator alone,
/// and a compilation with it, against the same compilation without it, for both emission forms (<see cref="Form"/>:
/// every layer unrolled, or the default limit, under which the 100,352-weight hidden layer is emitted as data and the
/// 1,280-weight output layer stays unrolled). Sources are parsed once in setup; every operation creates a fresh
/// <see cref="CSharpCompilation"/> from those trees (so no binding is cached between operations) and a fresh generator
/// driver (so no incremental step is cached either).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private ImmutableArray<SyntaxTree> _trees;
    private ImmutableArray<MetadataReference> _references;
    private CSharpCompilationOptions _options = null!;
    private CSharpParseOptions _parseOptions = null!;

    /// <summary>"Unrolled": <c>FheGenUnrollLimit</c> above every layer; "Data": the default limit.</summary>
    [Params("Unrolled", "Data")]
    public string Form { get; set; } = "Data";

    /// <summary>The unroll limit a form stands for (null: the default).</summary>
    public static int? UnrollLimit(string form) => form == "Unrolled" ? int.MaxValue : null;

    [GlobalSetup]
    public void Setup()
    {
        _parseOptions = WideModel.ParseOptions;
        _trees = WideModel.Sources().Select(s => CSharpSyntaxTree.ParseText(s.Text, _parseOptions, s.Path, Encoding.UTF8)).ToImmutableArray();
        _references = WideModel.References();
        _options = WideModel.CompilationOptions;

        // Fail early (and loudly) if the generator produced nothing; the compiling benchmarks throw on compile errors.
        var stats = WideModel.Check(_trees, _references, _parseOptions, UnrollLimit(Form));
        Console.WriteLine($"// {stats}");
    }

    private CSharpCompilation NewCompilation() => CSharpCompilation.Create("WideMlpBench", _trees, _references, _options);

    private GeneratorDriver NewDriver() => WideModel.Driver(_parseOptions, UnrollLimit(Form));

    /// <summary>Binds and checks the hand-written sources (attributes and 100k weight literals), no generator.</summary>
    [Benchmark(Baseline = true)]
    public int CompileWithoutGenerator()
    {
        var diagnostics = NewCompilation().GetDiagnostics();
        ThrowOnErrors(diagnostics);
        return diagnostics.Length;
    }

    /// <summary>Runs the generator (extract, compile the plan, emit the text) and reads the generated text.</summary>
    [Benchmark]
    public int RunGenerator()
    {
        var result = NewDriver().RunGenerators(NewCompilation()).GetRunResult();
        return result.Results[0].GeneratedSources[0].SourceText.ToString().Length;
    }

    /// <summary>Generator, then binds and checks the hand-written and the generated sources.</summary>
    [Benchmark]
    public int RunGeneratorAndCompile()
    {
        NewDriver().RunGeneratorsAndUpdateCompilation(NewCompilation(), out var output, out _);
        var diagnostics = output.GetDiagnostics();
        ThrowOnErrors(diagnostics);
        return diagnostics.Length;
    }

    /// <summary>Generator, then emits the assembly (IL and metadata into memory) as a build would.</summary>
    [Benchmark]
    public long RunGeneratorAndEmit()
    {
        NewDriver().RunGeneratorsAndUpdateCompilation(NewCompilation(), out var output, out _);
        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        ThrowOnErrors(emit.Diagnostics);
        return pe.Length;
    }

    private static void ThrowOnErrors(ImmutableArray<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            if (d.Severity == DiagnosticSeverity.Error)
            {
                throw new InvalidOperationException("The compilation has errors: " +
                    string.Join("; ", diagnostics.Where(e => e.Severity == DiagnosticSeverity.Error).Take(5)));
            }
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GeneratedSourceColumn());
    }
}

/// <summary>The benchmark model: sources, references and a self-check.</summary>
internal static class WideModel
{
    public const int Inputs = 784;
    public const int Hidden = 128;
    public const int Outputs = 10;
    public const int Seed = 42;

    public static CSharpParseOptions ParseOptions { get; } = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    public static CSharpCompilationOptions CompilationOptions { get; } = new(OutputKind.DynamicallyLinkedLibrary,
        optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable);

    private static readonly Lazy<(string Path, string Text)[]> s_sources = new(Build);

    /// <summary>The model declaration and its weights file (built once per process).</summary>
    public static (string Path, string Text)[] Sources() => s_sources.Value;

    /// <summary>Reference assemblies of net10.0, plus the FheGen runtime and compiler core.</summary>
    public static ImmutableArray<MetadataReference> References() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(FheGen.FheModelAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(FheGen.Compiler.Model.ModelSpec).Assembly.Location))
            .ToImmutableArray();

    /// <summary>A generator driver with <c>FheGenUnrollLimit</c> set (null: unset, the default limit).</summary>
    public static GeneratorDriver Driver(CSharpParseOptions parseOptions, int? unrollLimit)
        => CSharpGeneratorDriver.Create(new[] { new FheModelGenerator().AsSourceGenerator() }, parseOptions: parseOptions,
            optionsProvider: new BuildProperties(unrollLimit is int l
                ? new Dictionary<string, string> { ["build_property.FheGenUnrollLimit"] = l.ToString(CultureInfo.InvariantCulture) }
                : new Dictionary<string, string>()));

    private static (string, string)[] Build()
    {
        const string model = """
            using FheGen;

            namespace Bench;

            [FheModel(Inputs = 784, InputBits = 4, InputMin = 0, InputMax = 1)]
            [Quantize(WeightBits = 3, ActivationBits = 3)]
            [Dense("Hidden", 128, Activation = Activation.Relu)]
            [Dense("Output", 10)]
            [RoundAccumulator("Hidden", Bits = 8)]
            public static partial class WideMlp;
            """;
        // PyTorch's default nn.Linear initialization: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
        var random = new Random(Seed);
        var w = new StringBuilder(Inputs * Hidden * 16);
        w.Append("// Random weights (seed ").Append(Seed).Append(").\nnamespace Bench;\n\npublic static partial class WideMlp\n{\n");
        Array(w, "Hidden", Hidden * Inputs, 1 / Math.Sqrt(Inputs), random);
        Array(w, "HiddenBias", Hidden, 1 / Math.Sqrt(Inputs), random);
        Array(w, "Output", Outputs * Hidden, 1 / Math.Sqrt(Hidden), random);
        Array(w, "OutputBias", Outputs, 1 / Math.Sqrt(Hidden), random);
        w.Append("}\n");
        return new[] { ("WideMlp.cs", model), ("WideMlp.Weights.cs", w.ToString()) };
    }

    private static void Array(StringBuilder w, string name, int count, double bound, Random random)
    {
        w.Append("    internal static readonly float[] ").Append(name).Append(" = new float[]\n    {");
        for (int i = 0; i < count; i++)
        {
            w.Append(i % 8 == 0 ? "\n        " : " ");
            float v = (float)((random.NextDouble() * 2 - 1) * bound);
            w.Append(v.ToString("R", CultureInfo.InvariantCulture)).Append("f,");
        }
        w.Append("\n    };\n\n");
    }

    /// <summary>
    /// Runs the generator once and describes its output; throws when it produced nothing (with the compiler's errors,
    /// if the model itself does not compile). Whether the output compiles is checked by the compiling benchmarks.
    /// </summary>
    public static GeneratedStats Check(IEnumerable<SyntaxTree> trees, ImmutableArray<MetadataReference> references, CSharpParseOptions parseOptions, int? unrollLimit = null)
    {
        var compilation = CSharpCompilation.Create("WideMlpCheck", trees, references, CompilationOptions);
        var run = Driver(parseOptions, unrollLimit).RunGenerators(compilation).GetRunResult().Results.Single();
        if (run.Exception is not null) throw new InvalidOperationException("The generator threw.", run.Exception);
        if (run.GeneratedSources.Length != 1)
        {
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).ToArray();
            throw new InvalidOperationException($"Expected one generated file, got {run.GeneratedSources.Length} " +
                "(a model with errors gets none; FheModelAnalyzer says why)" + (errors.Length > 0 ? ": " + string.Join("; ", errors) : "."));
        }

        var generated = run.GeneratedSources[0];
        string text = generated.SourceText.ToString();
        int lines = generated.SourceText.Lines.Count;
        int multiplyAdds = 0;
        for (int i = text.IndexOf("MultiplyAdd(", StringComparison.Ordinal); i >= 0; i = text.IndexOf("MultiplyAdd(", i + 1, StringComparison.Ordinal)) multiplyAdds++;
        int methods = 0;
        for (int i = text.IndexOf("private static void __FheGen_L", StringComparison.Ordinal); i >= 0; i = text.IndexOf("private static void __FheGen_L", i + 1, StringComparison.Ordinal)) methods++;
        int weightsChars = Sources()[1].Text.Length;
        return new GeneratedStats(generated.HintName, text.Length, lines, multiplyAdds, methods, weightsChars);
    }
}

/// <summary>MSBuild properties as the compiler passes them to generators.</summary>
internal sealed class BuildProperties : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
{
    public BuildProperties(IReadOnlyDictionary<string, string> values) => GlobalOptions = new Options(values);

    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions { get; }

    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(new Dictionary<string, string>());

    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(new Dictionary<string, string>());

    private sealed class Options : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
    {
        private readonly IReadOnlyDictionary<string, string> _values;

        public Options(IReadOnlyDictionary<string, string> values) => _values = values;

        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            => _values.TryGetValue(key, out value);
    }
}

/// <summary>What the generator produced for the benchmark model.</summary>
internal sealed record GeneratedStats(string HintName, int Chars, int Lines, int MultiplyAdds, int ChunkMethods, int WeightsFileChars)
{
    public string Short => string.Create(CultureInfo.InvariantCulture,
        $"{Chars / 1024.0 / 1024.0:F2} MiB, {Lines:N0} lines, {MultiplyAdds:N0} MACs");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Generated {HintName}: {Chars:N0} chars ({Chars / 1024.0 / 1024.0:F2} MiB), {Lines:N0} lines, {MultiplyAdds:N0} MultiplyAdd statements " +
        $"in {ChunkMethods} chunk methods; input weights file {WeightsFileChars:N0} chars.");
}

/// <summary>Summary column with the size of the generated file (computed once in the host process; seeded, so identical).</summary>
internal sealed class GeneratedSourceColumn : IColumn
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_values = new();

    private static string Value(string form) => s_values.GetOrAdd(form, f =>
    {
        try
        {
            var parse = WideModel.ParseOptions;
            var trees = WideModel.Sources().Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path, Encoding.UTF8));
            return WideModel.Check(trees, WideModel.References(), parse, GeneratorBenchmarks.UnrollLimit(f)).Short;
        }
        catch (Exception e)
        {
            return "error: " + e.Message;
        }
    });

    public string Id => nameof(GeneratedSourceColumn);
    public string ColumnName => "Generated";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Size of the generated source for the benchmark model (chars, lines, MultiplyAdd statements)";
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        => Value(benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(GeneratorBenchmarks.Form))?.Value as string ?? "Data");
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}
