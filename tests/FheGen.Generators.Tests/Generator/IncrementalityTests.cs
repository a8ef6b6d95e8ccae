extern alias gen;
using System;
using System.Linq;
using FheGen.Generators.Tests.Infrastructure;
using gen::FheGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// The pipeline caches on the symbol-free model: edits elsewhere leave the emitted source cached, edits to
/// the model (weights, attributes, the MSBuild budget) regenerate it.
/// </summary>
public sealed class IncrementalityTests
{
    private const string OtherV1 = "namespace Elsewhere { class Other { int X; } }";
    private const string OtherV2 = "namespace Elsewhere { class Other { int Y; } }";

    private static readonly SyntaxTree TinyTree = TestCompilation.Parse(TestModels.Tiny, "Tiny.cs");
    private static readonly SyntaxTree OtherTree = TestCompilation.Parse(OtherV1, "Other.cs");

    private static GeneratorRun First(string? budget = null)
    {
        var run = GeneratorHarness.Run(TestCompilation.Create(new[] { TinyTree, OtherTree }), GeneratorHarness.CreateDriver(budget));
        run.AssertNoGeneratorFailure();
        Assert.All(run.StepOutputs(TrackingNames.Source), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));
        return run;
    }

    private static void AssertReasons(GeneratorRun run, string step, params IncrementalStepRunReason[] allowed)
    {
        var outputs = run.StepOutputs(step);
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Contains(o.Reason, allowed));
    }

    private static void AssertCached(GeneratorRun run)
    {
        AssertReasons(run, TrackingNames.Model, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertReasons(run, TrackingNames.Compile, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertReasons(run, TrackingNames.Source, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    /// <summary>The generated CircuitInfo's constructor argument <paramref name="index"/> (name, inputs, budget, p_error...).</summary>
    private static string CircuitArgument(string source, int index)
    {
        var creation = TestCompilation.Parse(source).GetRoot().DescendantNodes().OfType<ObjectCreationExpressionSyntax>()
            .First(o => o.Type.ToString().EndsWith("Circuits.CircuitInfo", StringComparison.Ordinal));
        return creation.ArgumentList!.Arguments[index].ToString();
    }

    [Fact]
    public void Editing_an_unrelated_file_leaves_the_output_cached()
    {
        var first = First();
        var edited = first.Input.ReplaceSyntaxTree(OtherTree, TestCompilation.Parse(OtherV2, "Other.cs"));
        var second = GeneratorHarness.Run(edited, first.Driver);
        second.AssertNoGeneratorFailure();
        AssertCached(second);
        Assert.Equal(first.SingleSource, second.SingleSource);
    }

    [Fact]
    public void Adding_an_unrelated_file_leaves_the_output_cached()
    {
        var first = First();
        var added = first.Input.AddSyntaxTrees(TestCompilation.Parse("namespace Elsewhere { static class Third { public const int Z = 1; } }", "Third.cs"));
        var second = GeneratorHarness.Run(added, first.Driver);
        second.AssertNoGeneratorFailure();
        AssertCached(second);
        Assert.Equal(first.SingleSource, second.SingleSource);
    }

    [Fact]
    public void Editing_a_weight_literal_regenerates()
    {
        var first = First();
        var tiny = TestModels.Tiny.Replace("0.5f, -0.25f, 1f, 0.1f", "0.5f, -0.75f, 1f, 0.1f", StringComparison.Ordinal);
        Assert.NotEqual(TestModels.Tiny, tiny);
        var second = GeneratorHarness.Run(first.Input.ReplaceSyntaxTree(TinyTree, TestCompilation.Parse(tiny, "Tiny.cs")), first.Driver);
        second.AssertNoGeneratorFailure();
        AssertReasons(second, TrackingNames.Model, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Compile, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Source, IncrementalStepRunReason.Modified);
        Assert.NotEqual(first.SingleSource, second.SingleSource);
        // The new weight (-0.75 / (1/7) = -5.25 -> -5) is in the unrolled code.
        Assert.Contains("backend.MultiplyAdd(ref a, in x[1], -5L);", second.SingleSource, StringComparison.Ordinal);
        Assert.DoesNotContain("backend.MultiplyAdd(ref a, in x[1], -5L);", first.SingleSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Recompiling_an_equal_model_leaves_the_compile_step_unchanged_and_the_source_cached()
    {
        // The compile step's output is a value: a new driver run over an equal model compiles to an equal
        // CompiledModel (plan, fingerprint), which the emitter does not see again.
        var first = First();
        var compiled = first.StepOutputs(TrackingNames.Compile);
        Assert.Single(compiled);
        Assert.Equal(IncrementalStepRunReason.New, compiled[0].Reason);
        var model = Assert.IsType<gen::FheGen.Generators.Emission.CompiledModel>(compiled[0].Value);
        Assert.Equal(gen::FheGen.Compiler.Plan.PlanFingerprint.Of(model.Plan), model.Fingerprint);
        Assert.Contains($"public const string PlanFingerprint = \"{model.Fingerprint}\";", first.SingleSource, StringComparison.Ordinal);

        // Trivia inside the model's file changes the syntax tree but not the extracted model.
        var spaced = GeneratorHarness.Run(first.Input.ReplaceSyntaxTree(TinyTree, TestCompilation.Parse(TestModels.Tiny + "\n// trailing comment\n", "Tiny.cs")), first.Driver);
        spaced.AssertNoGeneratorFailure();
        AssertCached(spaced);
        Assert.Equal(first.SingleSource, spaced.SingleSource);
    }

    [Fact]
    public void Editing_only_an_attribute_regenerates()
    {
        var first = First();
        var tiny = TestModels.Tiny.Replace("[RoundAccumulator(\"Hidden\", Bits = 5)]", "[RoundAccumulator(\"Hidden\", Bits = 6)]", StringComparison.Ordinal);
        Assert.NotEqual(TestModels.Tiny, tiny);
        var second = GeneratorHarness.Run(first.Input.ReplaceSyntaxTree(TinyTree, TestCompilation.Parse(tiny, "Tiny.cs")), first.Driver);
        second.AssertNoGeneratorFailure();
        AssertReasons(second, TrackingNames.Source, IncrementalStepRunReason.Modified);
        // Hidden's accumulator [-186, 176] is 9 bits: rounding to 5 bits removes 4 LSBs, to 6 bits 3.
        Assert.Contains("new global::FheGen.Backends.RoundingStep(4,", first.SingleSource, StringComparison.Ordinal);
        Assert.Contains("new global::FheGen.Backends.RoundingStep(3,", second.SingleSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Editing_a_constant_the_weights_use_in_another_file_regenerates()
    {
        // The semantic fallback reads constants through the compilation: a stale cache would keep the old value.
        const string model = """
            using FheGen;
            namespace Consts
            {
                [FheModel(Inputs = 2)]
                [Dense("W", 1)]
                public static partial class M
                {
                    static readonly float[] W = { Values.A, -1f };
                }
            }
            """;
        var values = TestCompilation.Parse("namespace Consts { static class Values { public const float A = 0.5f; } }", "Values.cs");
        var first = GeneratorHarness.Run(TestCompilation.Create(new[] { TestCompilation.Parse(model, "M.cs"), values }));
        first.AssertNoGeneratorFailure();
        var edited = first.Input.ReplaceSyntaxTree(values, TestCompilation.Parse("namespace Consts { static class Values { public const float A = 0.25f; } }", "Values.cs"));
        var second = GeneratorHarness.Run(edited, first.Driver);
        second.AssertNoGeneratorFailure();
        AssertReasons(second, TrackingNames.Source, IncrementalStepRunReason.Modified);
        // Weights [0.5, -1] quantize to [4, -7] and [0.25, -1] to [2, -7] (4 bits, scale 1/7).
        Assert.Contains("backend.MultiplyAdd(ref a, in x[0], 4L);", first.SingleSource, StringComparison.Ordinal);
        Assert.Contains("backend.MultiplyAdd(ref a, in x[0], 2L);", second.SingleSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_MSBuild_budget_regenerates_with_the_new_budget()
    {
        var first = First(budget: null);
        Assert.Equal("8", CircuitArgument(first.SingleSource, 2));

        var second = GeneratorHarness.Run(first.Input, first.Driver.WithUpdatedAnalyzerConfigOptions(TestAnalyzerConfigOptionsProvider.WithBudget("6")));
        second.AssertNoGeneratorFailure();
        AssertReasons(second, TrackingNames.Budget, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Model, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertReasons(second, TrackingNames.Source, IncrementalStepRunReason.Modified);
        Assert.Equal("6", CircuitArgument(second.SingleSource, 2));

        // The same value again: nothing to do.
        var third = GeneratorHarness.Run(first.Input, second.Driver.WithUpdatedAnalyzerConfigOptions(TestAnalyzerConfigOptionsProvider.WithBudget(" 6 ")));
        AssertCached(third);

        // The loaded circuit reports it too.
        using var assembly = second.Load();
        Assert.Equal(6, assembly.Model(TestModels.TinyType).Circuit.BudgetBits);
        Assert.Equal(6, assembly.Model(TestModels.TinyType).Spec.PbsBudgetBits);
    }

    [Theory]
    [InlineData("not a number")]
    [InlineData("40")]
    [InlineData("0")]
    public void Invalid_MSBuild_budget_generates_nothing_unless_the_attribute_sets_the_budget(string property)
    {
        // The analyzer reports FHE0003 for the property; code generated with a silently substituted budget would
        // disagree with what the build says.
        var withoutAttribute = GeneratorHarness.RunWithBudget(property, TestModels.Tiny).AssertNoGeneratorFailure();
        Assert.Empty(withoutAttribute.GeneratedTrees);
        var explicitBudget = TestModels.Tiny.Replace("InputMax = 1)]", "InputMax = 1, PbsBudgetBits = 7)]", StringComparison.Ordinal);
        Assert.Equal("7", CircuitArgument(GeneratorHarness.RunWithBudget(property, explicitBudget).SingleSource, 2));
    }

    [Theory]
    [InlineData(null, "8")]
    [InlineData("12", "12")]
    [InlineData(" 6 ", "6")]
    public void Explicit_attribute_budget_beats_the_MSBuild_property(string? property, string expectedWithoutAttribute)
    {
        var withoutAttribute = GeneratorHarness.RunWithBudget(property, TestModels.Tiny);
        Assert.Equal(expectedWithoutAttribute, CircuitArgument(withoutAttribute.SingleSource, 2));
        var explicitBudget = TestModels.Tiny.Replace("InputMax = 1)]", "InputMax = 1, PbsBudgetBits = 7)]", StringComparison.Ordinal);
        Assert.NotEqual(TestModels.Tiny, explicitBudget);
        var withAttribute = GeneratorHarness.RunWithBudget(property, explicitBudget);
        Assert.Equal("7", CircuitArgument(withAttribute.SingleSource, 2));
    }

    [Fact]
    public void Two_models_are_cached_independently()
    {
        var a = TestCompilation.Parse(TestModels.Tiny, "Tiny.cs");
        var b = TestCompilation.Parse(TestModels.Tiny.Replace("namespace Smoke", "namespace Smoke2", StringComparison.Ordinal), "Tiny2.cs");
        var first = GeneratorHarness.Run(TestCompilation.Create(new[] { a, b }));
        first.AssertNoGeneratorFailure();
        Assert.Equal(2, first.Result.GeneratedSources.Length);
        var bEdited = TestModels.Tiny.Replace("namespace Smoke", "namespace Smoke2", StringComparison.Ordinal)
            .Replace("Bits = 5", "Bits = 6", StringComparison.Ordinal);
        var second = GeneratorHarness.Run(first.Input.ReplaceSyntaxTree(b, TestCompilation.Parse(bEdited, "Tiny2.cs")), first.Driver);
        second.AssertNoGeneratorFailure();
        var reasons = second.StepOutputs(TrackingNames.Source).Select(o => o.Reason).OrderBy(r => r).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Single(reasons, IncrementalStepRunReason.Modified);
        Assert.Single(reasons, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Equal(first.Sources["Smoke.Tiny.FheGen.g.cs"], second.Sources["Smoke.Tiny.FheGen.g.cs"]);
    }
}
