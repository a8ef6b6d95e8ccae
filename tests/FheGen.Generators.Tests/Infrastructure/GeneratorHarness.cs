extern alias gen;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using gen::FheGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FheGen.Generators.Tests.Infrastructure;

/// <summary>
/// Drives <see cref="FheModelGenerator"/> over test sources the way the compiler does: a
/// <see cref="CSharpGeneratorDriver"/> with step tracking on and MSBuild properties passed through an
/// <see cref="AnalyzerConfigOptionsProvider"/>.
/// </summary>
public static class GeneratorHarness
{
    /// <summary>The id of "generator failed to generate source" (an exception escaped the generator).</summary>
    public const string GeneratorFailedId = "CS8785";

    /// <summary>Driver options of every run: all outputs, incremental steps tracked.</summary>
    public static GeneratorDriverOptions DriverOptions { get; } =
        new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true);

    /// <summary>A driver for the FheGen generator; <paramref name="budget"/> sets <c>FheGenPbsBudgetBits</c>.</summary>
    public static GeneratorDriver CreateDriver(string? budget = null)
        => CreateDriver(TestAnalyzerConfigOptionsProvider.WithBudget(budget));

    /// <summary>A driver for the FheGen generator with explicit analyzer config options.</summary>
    public static GeneratorDriver CreateDriver(AnalyzerConfigOptionsProvider options)
        => CSharpGeneratorDriver.Create(
            new[] { new FheModelGenerator().AsSourceGenerator() },
            additionalTexts: null,
            parseOptions: TestCompilation.ParseOptions,
            optionsProvider: options,
            driverOptions: DriverOptions);

    /// <summary>Compiles <paramref name="sources"/> and runs the generator once.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(TestCompilation.Create(sources));

    /// <summary>Compiles <paramref name="source"/> and runs the generator with a project budget.</summary>
    public static GeneratorRun RunWithBudget(string? budget, params string[] sources)
        => Run(TestCompilation.Create(sources), CreateDriver(budget));

    /// <summary>The MSBuild property that sets the unroll limit (layers and tables above it are emitted as data).</summary>
    public const string UnrollLimitKey = "build_property.FheGenUnrollLimit";

    /// <summary>Compiles <paramref name="sources"/> and runs the generator with MSBuild properties (keys without the <c>build_property.</c> prefix).</summary>
    public static GeneratorRun RunWithProperties(IReadOnlyDictionary<string, string> properties, params string[] sources)
        => Run(TestCompilation.Create(sources), CreateDriver(new TestAnalyzerConfigOptionsProvider(
            properties.Select(p => new KeyValuePair<string, string>("build_property." + p.Key, p.Value)))));

    /// <summary>Compiles <paramref name="sources"/> and runs the generator with <c>FheGenUnrollLimit</c> set (null: the default).</summary>
    public static GeneratorRun RunWithUnrollLimit(int? limit, params string[] sources)
        => limit is int l
            ? RunWithProperties(new Dictionary<string, string> { ["FheGenUnrollLimit"] = l.ToString(System.Globalization.CultureInfo.InvariantCulture) }, sources)
            : Run(sources);

    /// <summary>Runs the generator (a fresh driver unless one is given) over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CreateDriver();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(driver, compilation, output, diagnostics);
    }
}

/// <summary>One generator run: its driver (to run again incrementally), input, output and results.</summary>
public sealed class GeneratorRun
{
    internal GeneratorRun(GeneratorDriver driver, Compilation input, Compilation output, ImmutableArray<Diagnostic> driverDiagnostics)
    {
        Driver = driver;
        Input = input;
        Output = output;
        DriverDiagnostics = driverDiagnostics;
        RunResult = driver.GetRunResult();
    }

    /// <summary>The driver after the run; run it again on an edited compilation to test incrementality.</summary>
    public GeneratorDriver Driver { get; }

    /// <summary>The compilation the generator saw.</summary>
    public Compilation Input { get; }

    /// <summary>The input plus the generated trees.</summary>
    public Compilation Output { get; }

    /// <summary>Diagnostics the driver reported (CS8785 when the generator threw).</summary>
    public ImmutableArray<Diagnostic> DriverDiagnostics { get; }

    /// <summary>Everything the driver recorded, including tracked steps.</summary>
    public GeneratorDriverRunResult RunResult { get; }

    /// <summary>The FheGen generator's result.</summary>
    public GeneratorRunResult Result => RunResult.Results.Single();

    /// <summary>Generated files by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources
        => Result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);

    /// <summary>The text of the only generated file.</summary>
    public string SingleSource
    {
        get
        {
            var sources = Result.GeneratedSources;
            Assert.True(sources.Length == 1, $"Expected one generated file, got {sources.Length}: {string.Join(", ", sources.Select(s => s.HintName))}");
            return sources[0].SourceText.ToString();
        }
    }

    /// <summary>The generated syntax trees.</summary>
    public IEnumerable<SyntaxTree> GeneratedTrees => Result.GeneratedSources.Select(s => s.SyntaxTree);

    /// <summary>Outputs of a tracked step (<see cref="TrackingNames"/>), flattened over its executions.</summary>
    public IReadOnlyList<(object Value, IncrementalStepRunReason Reason)> StepOutputs(string trackingName)
        => Result.TrackedSteps.TryGetValue(trackingName, out var steps)
            ? steps.SelectMany(s => s.Outputs).ToList()
            : Array.Empty<(object, IncrementalStepRunReason)>();

    /// <summary>Fails when an exception escaped the generator (driver exception or CS8785).</summary>
    public GeneratorRun AssertNoGeneratorFailure()
    {
        foreach (var r in RunResult.Results)
        {
            Assert.True(r.Exception is null, $"Generator {r.Generator.GetGeneratorType().Name} threw: {r.Exception}");
        }
        // The driver reports CS8785 (it never reaches the compilation's own diagnostics).
        var failures = DriverDiagnostics.Concat(RunResult.Diagnostics)
            .Where(d => d.Id == GeneratorHarness.GeneratorFailedId).ToList();
        Assert.True(failures.Count == 0, "Generator failed: " + TestCompilation.Format(failures));
        return this;
    }

    /// <summary>Fails unless the generator did not throw and the input plus the generated code has no errors.</summary>
    /// <param name="noWarningsInGenerated">Also fail on warnings located in generated files.</param>
    public GeneratorRun AssertCompiles(bool noWarningsInGenerated = true)
    {
        AssertNoGeneratorFailure();
        AssertClean(Output.GetDiagnostics(), noWarningsInGenerated);
        return this;
    }

    private void AssertClean(IEnumerable<Diagnostic> diagnostics, bool noWarningsInGenerated)
    {
        var generated = new HashSet<SyntaxTree>(GeneratedTrees);
        var problems = diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (noWarningsInGenerated && d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } t && generated.Contains(t)))
            .ToList();
        Assert.True(problems.Count == 0, "The output does not compile cleanly:\n" + TestCompilation.Format(problems.Take(20)));
    }

    /// <summary>
    /// Emits the output (failing on errors, and on warnings in generated files) and loads it into a collectible
    /// context that shares FheGen with the tests. One emit: no separate <see cref="AssertCompiles"/> needed.
    /// </summary>
    public LoadedAssembly Load()
    {
        AssertNoGeneratorFailure();
        using var stream = new System.IO.MemoryStream();
        var result = Output.Emit(stream);
        AssertClean(result.Diagnostics, noWarningsInGenerated: true);
        Assert.True(result.Success, "Emit failed:\n" + TestCompilation.Format(result.Diagnostics));
        return LoadedAssembly.Load(stream.ToArray());
    }
}
