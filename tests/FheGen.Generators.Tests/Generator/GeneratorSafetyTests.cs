extern alias gen;

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using FheGen.Circuits;
using FheGen.Compiler.Pipeline;
using FheGen.Generators.Tests.Analyzers;
using FheGen.Generators.Tests.Infrastructure;
using gen::FheGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// The generator never crashes and never emits code that does not compile: colliding hint names, names of generated
/// members, old language versions, an invalid MSBuild budget; and what the generated code checks at run time.
/// </summary>
public sealed class GeneratorSafetyTests
{
    private static string Model(string name, string ns = "N", string body = "static readonly float[] W = { 1f, -2f };", string attributes = "[Dense(\"W\", 1)]")
        => $"using System;\nusing FheGen;\nnamespace {ns}\n{{\n[FheModel(Inputs = 2)]\n{attributes}\npublic static partial class {name}\n{{\n    {body}\n}}\n}}\n";

    [Fact]
    public void Models_whose_hint_names_differ_only_in_case_get_distinct_files_and_compile()
    {
        // Before: AddSource threw "hint name must be unique" and every model of the project lost its code.
        var run = GeneratorHarness.Run(Model("M"), Model("m"), Model("Other"));
        run.AssertNoGeneratorFailure();
        Assert.Equal(3, run.Sources.Count);
        Assert.Equal(3, run.Sources.Keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        // A model that collides with nothing keeps its plain name.
        Assert.Contains("N.Other.FheGen.g.cs", run.Sources.Keys);
        using var assembly = run.Load();
        Assert.Equal(2, assembly.Model("N.M").InputCount);
        Assert.Equal(2, assembly.Model("N.m").InputCount);
    }

    [Fact]
    public void Colliding_hint_names_do_not_depend_on_the_order_models_are_seen_in()
    {
        var forward = GeneratorHarness.Run(Model("M"), Model("m", ns: "n"), Model("m")).AssertNoGeneratorFailure();
        var backward = GeneratorHarness.Run(Model("m"), Model("m", ns: "n"), Model("M")).AssertNoGeneratorFailure();
        Assert.Equal(forward.Sources.Keys.OrderBy(k => k, StringComparer.Ordinal), backward.Sources.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(3, forward.Sources.Count);
    }

    [Fact]
    public void Names_that_sanitize_alike_get_distinct_files()
    {
        // U+203F (a connector) and U+0301 (a combining mark) are valid in identifiers and sanitize to '_'.
        var run = GeneratorHarness.Run(Model("A\u203FB"), Model("A_B"), Model("e\u0301"), Model("e_"));
        run.AssertNoGeneratorFailure();
        Assert.Equal(4, run.Sources.Count);
        using var assembly = run.Load();
        Assert.Equal(2, assembly.Model("N.A_B").InputCount);
    }

    [Fact]
    public void An_edit_to_one_of_two_colliding_models_leaves_the_other_cached()
    {
        var a = TestCompilation.Parse(Model("M"), "A.cs");
        var b = TestCompilation.Parse(Model("m"), "B.cs");
        var first = GeneratorHarness.Run(TestCompilation.Create(new[] { a, b }));
        first.AssertNoGeneratorFailure();
        var edited = TestCompilation.Parse(Model("m", body: "static readonly float[] W = { 1f, -1f };"), "B.cs");
        var second = GeneratorHarness.Run(first.Input.ReplaceSyntaxTree(b, edited), first.Driver);
        second.AssertNoGeneratorFailure();
        var reasons = second.StepOutputs(TrackingNames.Source).Select(o => o.Reason).ToList();
        Assert.Single(reasons, IncrementalStepRunReason.Modified);
        Assert.Single(reasons, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Equal(first.Sources.Keys.OrderBy(k => k), second.Sources.Keys.OrderBy(k => k));
    }

    public static TheoryData<string, string, string> ReservedNames => new()
    {
        // (case, source, the name the diagnostic is about)
        { "model named InputCount", Model("InputCount"), "InputCount" },
        { "model named Circuit", Model("Circuit"), "Circuit" },
        { "method Run", Model("M", body: "static readonly float[] W = { 1f, -2f }; public static void Run() { }"), "Run" },
        { "field Io", Model("M", body: "static readonly float[] W = { 1f, -2f }; static int Io;"), "Io" },
        { "nested class Circuit", Model("M", body: "static readonly float[] W = { 1f, -2f }; class Circuit { }"), "Circuit" },
        { "property Predict", Model("M", body: "static readonly float[] W = { 1f, -2f }; static int Predict => 1;"), "Predict" },
        { "private prefix", Model("M", body: "static readonly float[] W = { 1f, -2f }; static int __FheGen_spec;"), "__FheGen_spec" },
        { "type parameter Spec", Model("M<Spec>"), "Spec" },
    };

    [Theory]
    [MemberData(nameof(ReservedNames))]
    public async Task A_name_of_a_generated_member_is_an_error_and_generates_nothing(string name, string source, string reserved)
    {
        // Before: the generated file failed with CS0542, CS0102 or CS0111.
        var run = GeneratorHarness.Run(source).AssertNoGeneratorFailure();
        Assert.True(run.Result.GeneratedSources.IsEmpty, name);
        var diagnostics = await FheAnalyzerTest.AnalyzeAsync(source);
        var error = Assert.Single(diagnostics, d => d.Id == "FHE0009");
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("'" + reserved + "'", error.GetMessage(), StringComparison.Ordinal);
        Assert.Contains(reserved, error.Location.SourceTree!.GetText().ToString(error.Location.SourceSpan), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_analyzer_does_not_mistake_the_generated_members_for_user_members()
    {
        // In a real build the analyzer sees the generator's output in its compilation.
        var run = GeneratorHarness.Run(TestModels.Tiny).AssertCompiles();
        var diagnostics = await AnalyzeCompilation(run.Output);
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    private static async Task<System.Collections.Immutable.ImmutableArray<Diagnostic>> AnalyzeCompilation(Compilation compilation)
    {
        var exceptions = new List<Exception>();
        var options = new Microsoft.CodeAnalysis.Diagnostics.CompilationWithAnalyzersOptions(
            new Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions(System.Collections.Immutable.ImmutableArray<AdditionalText>.Empty),
            (e, _, _) => { lock (exceptions) exceptions.Add(e); }, concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(
            System.Collections.Immutable.ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new gen::FheGen.Generators.Analyzers.FheModelAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(exceptions);
        return diagnostics;
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp7_3)]
    [InlineData(LanguageVersion.CSharp8)]
    [InlineData(LanguageVersion.CSharp11)]
    public async Task A_language_version_below_12_is_an_error_naming_the_minimum_and_generates_nothing(LanguageVersion version)
    {
        // Before: the generated [InlineArray] buffers (and, below 8, #nullable) failed to compile.
        var options = new CSharpParseOptions(version);
        var compilation = TestCompilation.Create(new[] { CSharpSyntaxTree.ParseText(TestModels.Tiny.Replace("static ReadOnlySpan<float> Output => new float[]", "static readonly float[] Output =", StringComparison.Ordinal), options, "Tiny.cs") });
        // Nullable contexts need C# 8: a C# 7.3 project has them off.
        compilation = compilation.WithOptions(compilation.Options.WithNullableContextOptions(NullableContextOptions.Disable));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new[] { new FheModelGenerator().AsSourceGenerator() }, parseOptions: options,
            driverOptions: GeneratorHarness.DriverOptions);
        var run = GeneratorHarness.Run(compilation, driver).AssertNoGeneratorFailure();
        Assert.Empty(run.GeneratedTrees);
        var diagnostics = await AnalyzeCompilation(compilation);
        var error = Assert.Single(diagnostics, d => d.Id == "FHE0010");
        Assert.Contains("C# 12 or later", error.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("C# " + version.ToDisplayString(), error.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Language_version_12_generates_code_that_compiles()
    {
        var options = new CSharpParseOptions(LanguageVersion.CSharp12);
        var compilation = TestCompilation.Create(new[] { CSharpSyntaxTree.ParseText(TestModels.Tiny, options, "Tiny.cs") });
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new[] { new FheModelGenerator().AsSourceGenerator() }, parseOptions: options,
            driverOptions: GeneratorHarness.DriverOptions);
        var run = GeneratorHarness.Run(compilation, driver).AssertCompiles();
        Assert.Single(run.GeneratedTrees);
    }

    [Fact]
    public void The_generated_code_holds_no_latency_estimate_and_the_circuit_computes_it_at_run_time()
    {
        var run = GeneratorHarness.Run(TestModels.Tiny);
        // Before: each LayerInfo ended with a latency literal, so re-measuring latencies changed every generated file.
        var info = run.SingleSource.Split('\n').Where(l => l.Contains("new global::FheGen.Circuits.LayerInfo(", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, info.Count);
        Assert.All(info, l => Assert.EndsWith("global::FheGen.Rounding.Exact),", l.TrimEnd(), StringComparison.Ordinal));
        using var assembly = run.Load();
        var model = assembly.Model(TestModels.TinyType);
        var plan = CircuitCompiler.Compile(model.Spec).PlanOrThrow();
        double expected = FheGen.Compiler.Cost.CostModel.Estimate(plan, plan.PError).TotalLatencyMs;
        Assert.True(expected > 0);
        Assert.Equal(expected, model.Circuit.EstimatedLatencyMs(plan.PError), 9);
        Assert.Equal(expected, model.Circuit.EstimatedLatency.TotalMilliseconds, 3); // TimeSpan keeps 100 ns ticks
        Assert.Contains(FheGen.Compiler.Cost.CostModel.FormatLatency(expected), model.Circuit.ToTable(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void Generated_Run_rejects_clear_inputs_outside_the_quantized_range(int? unrollLimit)
    {
        using var assembly = GeneratorHarness.RunWithUnrollLimit(unrollLimit, TestModels.Tiny).Load();
        var model = assembly.Model(TestModels.TinyType);
        // Before: -1 computed silently (InputBits = 4: inputs lie in [0, 15]).
        var low = Assert.Throws<ArgumentOutOfRangeException>(() => model.RunClear(new long[] { 0, -1, 3 }));
        Assert.Contains("input 1 is -1", low.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.RunClear(new long[] { 16, 0, 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Interpreter.RunClear(new long[] { 0, -1, 3 }));
        // The edges are valid.
        Assert.Equal(model.Interpreter.RunClear(new long[] { 0, 15, 15 }), model.RunClear(new long[] { 0, 15, 15 }));
    }

    [Fact]
    public void Generated_PredictFloat_rejects_NaN_as_Predict_does()
    {
        using var assembly = GeneratorHarness.Run(TestModels.Tiny).Load();
        var model = assembly.Model(TestModels.TinyType);
        Assert.Throws<ArgumentException>(() => model.Predict(new[] { 0.5f, float.NaN, 1f }));
        // Before: [0, 0].
        Assert.Throws<ArgumentException>(() => model.PredictFloat(new[] { 0.5f, float.NaN, 1f }));
    }

    [Theory]
    [InlineData("InputMax = 1e308", "InputMax")]
    [InlineData("InputMin = -1e308, InputMax = 0", "InputMin")]
    [InlineData("InputMin = 0, InputMax = 1e-310", "InputMax")]
    public async Task Input_ranges_whose_scales_are_not_finite_and_normal_are_rejected(string range, string argument)
    {
        var source = Model("M").Replace("[FheModel(Inputs = 2)]", $"[FheModel(Inputs = 2, {range})]", StringComparison.Ordinal);
        var run = GeneratorHarness.Run(source).AssertNoGeneratorFailure();
        Assert.Empty(run.GeneratedTrees);
        var diagnostics = await FheAnalyzerTest.AnalyzeAsync(source);
        var error = Assert.Single(diagnostics, d => d.Id == "FHE0003");
        Assert.StartsWith(argument, error.Location.SourceTree!.GetText().ToString(error.Location.SourceSpan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Dense(\"W\", 2, Activation = Activation.Relu, OutputMin = 0, OutputMax = 1e308)] [Dense(\"O\", 1)]", "OutputMax")]
    [InlineData("[Dense(\"W\", 2, Activation = Activation.Relu)] [Dense(\"O\", 1)] [ActivationRange(\"W\", 0, 1e-309)]", "ActivationRange")]
    public async Task Output_ranges_whose_scales_are_not_finite_and_normal_are_rejected(string attributes, string where)
    {
        var source = Model("M", body: "static readonly float[] W = { 1f, -2f, 0.5f, 1f }; static readonly float[] O = { 1f, -1f };", attributes: attributes);
        var run = GeneratorHarness.Run(source).AssertNoGeneratorFailure();
        Assert.Empty(run.GeneratedTrees);
        var diagnostics = await FheAnalyzerTest.AnalyzeAsync(source);
        var error = Assert.Single(diagnostics, d => d.Id == "FHE0003");
        Assert.Contains(where, error.Location.SourceTree!.GetText().ToString(error.Location.SourceSpan), StringComparison.Ordinal);
    }
}
