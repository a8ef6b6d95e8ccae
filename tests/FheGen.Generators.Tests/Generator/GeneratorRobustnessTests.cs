using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using FheGen.Generators.Tests.Infrastructure;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// Malformed declarations never make the generator throw, and an invalid model gets no generated code (the
/// analyzer or the C# compiler reports the problem). Unusual but valid declarations generate code that compiles.
/// </summary>
public sealed class GeneratorRobustnessTests
{
    /// <summary>A model whose body and attribute tail are substituted; valid as written.</summary>
    private static string Model(string body, string attributes = "[Dense(\"W\", 1)]", string model = "Inputs = 2",
        string declaration = "public static partial class M", string ns = "namespace Robust;")
        => $$"""
            using System;
            using FheGen;
            {{ns}}

            [FheModel({{model}})]
            {{attributes}}
            {{declaration}}
            {
                {{body}}
            }
            """;

    private const string Weights = "static readonly float[] W = { 1f, -2f };";

    public static TheoryData<string, string> Invalid => new()
    {
        { "non-partial class", Model(Weights, declaration: "public static class M") },
        { "nested in a non-partial class", "using FheGen;\nnamespace Robust;\npublic class Outer\n{\n    [FheModel(Inputs = 2)]\n    [Dense(\"W\", 1)]\n    public static partial class M { static readonly float[] W = { 1f, -2f }; }\n}\n" },
        { "missing weights member", Model("") },
        { "weights method, not a field", Model("static float[] W() => new[] { 1f, 2f };") },
        { "wrong weight count", Model("static readonly float[] W = { 1f, -2f, 3f };") },
        { "non-constant weights", Model("static readonly float[] W = Make(); static float[] Make() => new[] { 1f, 2f };") },
        { "non-constant element", Model("static readonly float[] W = { 1f, Two() }; static float Two() => 2f;") },
        { "weights as instance field", Model("readonly float[] W = { 1f, -2f };", declaration: "public partial class M") },
        { "mutable weights field", Model("static float[] W = { 1f, -2f };") },
        { "weights property with setter", Model("static float[] W { get; set; } = { 1f, -2f };") },
        { "weights of type double[]", Model("static readonly double[] W = { 1, -2 };") },
        { "NaN weight", Model("static readonly float[] W = { float.NaN, 1f };") },
        { "explicit bias member missing", Model(Weights, "[Dense(\"W\", 1, Bias = \"Nope\")]") },
        { "bias of wrong length", Model(Weights + " static readonly float[] WBias = { 1f, 2f };") },
        { "attribute with an error argument", Model(Weights, "[Dense(123, \"x\")]") },
        { "attribute with an undefined constant", Model(Weights, "[Dense(\"W\", Missing.Count)]") },
        { "unknown layer in Quantize", Model(Weights, "[Dense(\"W\", 1)] [Quantize(\"Nope\", WeightBits = 4)]") },
        { "duplicate layer names", Model(Weights, "[Dense(\"W\", 2)] [Dense(\"W\", 1)]") },
        { "rounding the last layer", Model(Weights, "[Dense(\"W\", 1)] [RoundAccumulator(\"W\", Bits = 4)]") },
        { "Prune without MaxActiveInputs", Model(Weights, "[Dense(\"W\", 1)] [Prune]") },
        { "undefined activation", Model(Weights, "[Dense(\"W\", 1, Activation = (Activation)99)]") },
        { "InputBits = 0", Model(Weights, model: "Inputs = 2, InputBits = 0") },
        { "InputBits = 17", Model(Weights, model: "Inputs = 2, InputBits = 17") },
        { "negative inputs", Model(Weights, model: "Inputs = -2") },
        { "InputMin above InputMax", Model(Weights, model: "Inputs = 2, InputMin = 1, InputMax = 0") },
        { "infinite InputMax", Model(Weights, model: "Inputs = 2, InputMax = double.PositiveInfinity") },
        { "PError = 1", Model(Weights, model: "Inputs = 2, PError = 1") },
        { "zero layers", Model("", attributes: "") },
        {
            "TLU over 16 bits",
            Model("static readonly float[] H = { " + string.Join(", ", Enumerable.Repeat("1f", 64)) + " }; static readonly float[] O = { 1f };",
                "[Dense(\"H\", 1)] [Dense(\"O\", 1)] [Quantize(WeightBits = 16)]", "Inputs = 64, InputBits = 16")
        },
        {
            "output accumulator over 16 bits",
            Model("static readonly float[] W = { " + string.Join(", ", Enumerable.Repeat("1f", 64)) + " };",
                "[Dense(\"W\", 1)] [Quantize(WeightBits = 16)]", "Inputs = 64, InputBits = 16")
        },
        { "syntax errors in the attribute", "using FheGen;\n[FheModel(Inputs = ]\n[Dense(\"W\", 1]\npublic static partial class M { static readonly float[] W = { 1f, 2f }; }\n" },
        {
            "model attribute twice (on two partial declarations)",
            Model(Weights) + "\n[FheModel(Inputs = 2)]\npublic static partial class M { }\n"
        },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_models_generate_nothing_and_never_throw(string name, string source)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertNoGeneratorFailure();
        Assert.True(run.Result.GeneratedSources.IsEmpty, $"{name}: generated {string.Join(", ", run.Result.GeneratedSources.Select(s => s.HintName))}");
    }

    /// <summary>Code being typed: the generator may or may not produce output, but never throws.</summary>
    public static TheoryData<string, string> Broken => new()
    {
        { "unterminated class", "using FheGen;\n[FheModel(Inputs = 2)]\n[Dense(\"W\", 1)]\npublic static partial class M { static readonly float[] W = { 1f, 2f };\n" },
        { "unterminated initializer", Model("static readonly float[] W = { 1f, 2f") },
        { "missing element", Model("static readonly float[] W = { 1f, , 2f };") },
        { "attribute on a struct", Model(Weights, declaration: "public partial struct M") },
        { "attribute on a method", "using FheGen;\npublic static partial class M\n{\n    [FheModel(Inputs = 2)]\n    static void F() { }\n}\n" },
        { "unresolved attribute namespace", "[FheModel(Inputs = 2)]\n[Dense(\"W\", 1)]\npublic static partial class M { static readonly float[] W = { 1f, 2f }; }\n" },
        { "weights member of another type", Model("static readonly float[] W = { 1f, 2f };", declaration: "public static partial class M") + "\npublic static partial class M { static readonly int W = 3; }\n" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Broken_code_never_makes_the_generator_throw(string name, string source)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertNoGeneratorFailure();
        Assert.True(run.Input.GetDiagnostics().Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error), $"{name}: expected a C# error");
    }

    public static TheoryData<string, string, string> Valid => new()
    {
        { "global namespace", Model(Weights, ns: ""), "M" },
        { "file-scoped namespace", Model(Weights), "Robust.M" },
        { "block namespace", Model(Weights, ns: "namespace Robust.Block {").Replace("}\n", "}\n}\n", StringComparison.Ordinal) + "}", "Robust.Block.M" },
        { "non-static partial class", Model(Weights, declaration: "public partial class M"), "Robust.M" },
        { "internal sealed class", Model(Weights, declaration: "internal sealed partial class M"), "Robust.M" },
        {
            "nested in a partial class",
            "using FheGen;\nnamespace Robust;\npublic static partial class Outer\n{\n    internal static partial class Middle\n    {\n        [FheModel(Inputs = 2)]\n        [Dense(\"W\", 1)]\n        public static partial class M { static readonly float[] W = { 1f, -2f }; }\n    }\n}\n",
            "Robust.Outer+Middle+M"
        },
        { "collection expression", Model("static readonly float[] W = [1f, -2f];"), "Robust.M" },
        { "new float[] initializer", Model("static readonly float[] W = new float[] { 1f, -2f };"), "Robust.M" },
        { "implicit array", Model("static readonly float[] W = new[] { 1f, -2f };"), "Robust.M" },
        { "ReadOnlySpan property", Model("static ReadOnlySpan<float> W => new float[] { 1f, -2f };"), "Robust.M" },
        { "ReadOnlySpan property, collection", Model("static ReadOnlySpan<float> W => [1f, -2f];"), "Robust.M" },
        { "ReadOnlySpan property, getter block", Model("static ReadOnlySpan<float> W { get { return new float[] { 1f, -2f }; } }"), "Robust.M" },
        { "get-only array property", Model("static float[] W { get; } = { 1f, -2f };"), "Robust.M" },
        { "int literals in float[]", Model("static readonly float[] W = { 1, -2 };"), "Robust.M" },
        { "const float references", Model("const float A = 0.5f; static readonly float[] W = { A, -A };"), "Robust.M" },
        { "const in another class, casts and arithmetic", Model("static readonly float[] W = { Other.A * 2, (float)-0.25 };") + "\nstatic class Other { public const float A = 0.75f; }\n", "Robust.M" },
        { "hex, exponent, separators", Model("static readonly float[] W = { 0x10, 1_000.5e-3f };"), "Robust.M" },
        { "bias as span property", Model(Weights + " static ReadOnlySpan<float> WBias => new float[] { 0.5f };"), "Robust.M" },
        { "explicitly named bias", Model(Weights + " static readonly float[] B = { -0.5f };", "[Dense(\"W\", 1, Bias = \"B\")]"), "Robust.M" },
        { "keyword layer name", Model("static readonly float[] @class = { 1f, -2f }; static readonly float[] @classBias = { 0.5f };", "[Dense(\"class\", 1)]"), "Robust.M" },
        { "contextual keyword layer name", Model("static readonly float[] var = { 1f, -2f };", "[Dense(\"var\", 1)]"), "Robust.M" },
        { "model named with a keyword", Model(Weights, declaration: "public static partial class @event"), "Robust.event" },
        { "namespace with a keyword", Model(Weights, ns: "namespace Robust.@class;"), "Robust.class.M" },
        { "attributes split across lists", Model(Weights, "[Dense(\"W\", 1), Quantize(WeightBits = 3)]\n[Prune(MaxActiveInputs = 1)]"), "Robust.M" },
        { "fully qualified attributes", "namespace Robust;\n[global::FheGen.FheModelAttribute(Inputs = 2)]\n[global::FheGen.Dense(\"W\", 1)]\npublic static partial class M { static readonly float[] W = { 1f, -2f }; }\n", "Robust.M" },
        { "budget exceeded is only a warning", Model(Weights, model: "Inputs = 2, InputBits = 8, PbsBudgetBits = 1"), "Robust.M" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Unusual_valid_models_generate_code_that_compiles_and_runs(string name, string source, string type)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertNoGeneratorFailure();
        Assert.True(run.Result.GeneratedSources.Length == 1, $"{name}: {run.Result.GeneratedSources.Length} generated files");
        using var assembly = run.Load();
        var model = assembly.Model(type);
        Equivalence.AssertMatchesInterpreter(model, model.Spec.InputBits, randomVectors: 3);
    }

    [Theory]
    [InlineData("T")]
    [InlineData("TValue")]
    [InlineData("TBackend")]
    public void Generic_model_class_never_throws_and_any_output_compiles_cleanly(string typeParameter)
    {
        // Two layers, so the emitter also writes its stack buffer types (generic themselves) and tables.
        var run = GeneratorHarness.Run(Model(
            "static readonly float[] H = { 1f, -2f, 0.5f, 0.25f, -1f, 0f }; static readonly float[] O = { 1f, -1f, 0.5f };",
            "[Dense(\"H\", 3, Activation = Activation.Relu)] [Dense(\"O\", 1)]",
            declaration: $"public static partial class M<{typeParameter}>"));
        run.AssertNoGeneratorFailure();
        if (!run.Result.GeneratedSources.IsEmpty)
        {
            using var assembly = run.Load(); // no errors, and no warnings (CS0693...) in the generated file
            var model = new GeneratedModel(assembly.GetType("Robust.M`1").MakeGenericType(typeof(int)));
            Equivalence.AssertMatchesInterpreter(model, 8, randomVectors: 3);
        }
    }

    [Fact]
    public void Models_whose_sanitized_names_would_collide_get_distinct_files()
    {
        // Foo<T> and Foo_T_ are distinct types; a hint name made of sanitized display names would be the same
        // for both, and AddSource would throw on the duplicate.
        string Declaration(string name) => $"[FheModel(Inputs = 2)]\n[Dense(\"W\", 1)]\npublic static partial class {name} {{ static readonly float[] W = {{ 1f, -2f }}; }}\n";
        var run = GeneratorHarness.Run("using FheGen;\nnamespace N;\n" + Declaration("Foo<T>") + Declaration("Foo_T_") + Declaration("Foo<T, U>") + Declaration("Foo_T__U_"));
        run.AssertNoGeneratorFailure();
        Assert.Equal(4, run.Sources.Count);
        Assert.Equal(4, run.Sources.Keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        using var assembly = run.Load();
        Assert.Equal(2, new GeneratedModel(assembly.GetType("N.Foo_T_")).InputCount);
    }

    [Fact]
    public void Weight_values_are_read_as_the_compiler_reads_them()
    {
        // Literal forms and constant folding: the spec rebuilt at run time from the members (what the C#
        // compiler produced) equals what the generator compiled, so Circuit is that of the runtime spec.
        var source = Model("const float A = 0.1f; static readonly float[] W = { A * 3, 0x7 }; static readonly float[] WBias = { -A };");
        using var assembly = GeneratorHarness.Run(source).Load();
        var model = assembly.Model("Robust.M");
        Assert.Equal(new[] { 0.1f * 3, 7f }, model.Spec.Layers[0].Weights.ToArray());
        Assert.Equal(new[] { -0.1f }, model.Spec.Layers[0].Bias.ToArray());
        Equivalence.AssertMatchesInterpreter(model, 8, randomVectors: 3);
    }

    [Fact]
    public void TrainedWith_records_reach_the_runtime_spec_unchanged()
    {
        // The runtime spec is what the trainer and the tools recompile: it must carry the records so FHE0011 fires there too.
        var source = Model("static readonly float[] W = { 1f, -2f };",
            "[Dense(\"W\", 1)]\n[TrainedWith(InputBits = 4, InputMin = -0.5, InputMax = 1.25)]\n" +
            "[TrainedWith(\"W\", WeightBits = 3, PerChannel = true, MaxActiveInputs = 1, RoundBits = 2, RoundMethod = Rounding.Approximate)]");
        using var assembly = GeneratorHarness.Run(source).Load();
        var trained = assembly.Model("Robust.M").Spec.Trained;
        Assert.Equal(2, trained.Count);
        Assert.Null(trained[0].Layer);
        Assert.Equal((4, -0.5, 1.25), (trained[0].InputBits, trained[0].InputMin, trained[0].InputMax));
        Assert.Null(trained[0].WeightBits);
        Assert.Equal("W", trained[1].Layer);
        Assert.Equal((3, true, 1, 2), (trained[1].WeightBits, trained[1].PerChannel, trained[1].MaxActiveInputs, trained[1].RoundBits));
        Assert.Equal(FheGen.Compiler.Model.RoundingKind.Approximate, trained[1].RoundMethod);
        Assert.Null(trained[1].ActivationBits);
    }

    /// <summary>A model whose every number comes from the generator, often out of range.</summary>
    private sealed record Garbage(int Inputs, int InputBits, int Outputs, int Outputs2, int WeightCount, int WeightCount2,
        int WeightBits, int ActivationBits, int RoundBits, int MaxActive, int Budget, int Activation, bool TwoLayers, bool Span)
    {
        public string Source(string name)
        {
            string W(int n) => string.Join(", ", Enumerable.Range(0, Math.Max(0, n)).Select(i => ((i * 37 % 11) - 5) * 0.25f + "f"));
            var attrs = new List<string>
            {
                $"[FheModel(Inputs = {Inputs}, InputBits = {InputBits}, PbsBudgetBits = {Budget})]",
                $"[Quantize(WeightBits = {WeightBits}, ActivationBits = {ActivationBits})]",
                $"[Dense(\"A\", {Outputs}, Activation = (Activation)({Activation}))]",
            };
            if (TwoLayers)
            {
                attrs.Add($"[Dense(\"B\", {Outputs2})]");
                attrs.Add($"[RoundAccumulator(\"A\", Bits = {RoundBits})]");
            }
            attrs.Add($"[Prune(MaxActiveInputs = {MaxActive})]");
            string member(string n, int count) => Span
                ? $"static ReadOnlySpan<float> {n} => new float[] {{ {W(count)} }};"
                : $"static readonly float[] {n} = {{ {W(count)} }};";
            return $"{string.Join("\n", attrs)}\npublic static partial class {name}\n{{\n    {member("A", WeightCount)}\n    {member("B", WeightCount2)}\n}}\n";
        }
    }

    [Fact]
    public void Random_garbage_attribute_values_never_crash_the_generator()
    {
        // Each number is in its valid range most of the time and anywhere in -5..40 otherwise.
        static Gen<int> Mostly(int lo, int hi) => Gen.Frequency((5, (IGen<int>)Gen.Int[lo, hi]), (1, Gen.Int[-5, 40]));
        var garbage = Gen.Select(Mostly(1, 12), Mostly(1, 8), Mostly(1, 10), Mostly(1, 10), Gen.Int[-3, 90], Gen.Int[-3, 90], Mostly(2, 8), Mostly(1, 8))
            .SelectMany(t => Gen.Select(Mostly(1, 12), Mostly(1, 12), Mostly(4, 16), Gen.Int[-1, 6], Gen.Bool, Gen.Bool)
                .Select(u => new Garbage(t.Item1, t.Item2, t.Item3, t.Item4,
                    // Often the right weight counts, so the numbers themselves get tested.
                    t.Item5 % 4 != 0 ? t.Item1 * t.Item3 : t.Item5, t.Item6 % 4 != 0 ? t.Item3 * t.Item4 : t.Item6,
                    t.Item7, t.Item8, u.Item1, u.Item2, u.Item3, u.Item4, u.Item5, u.Item6)));
        int generatedTotal = 0;
        garbage.Array[8].Sample(batch =>
        {
            var sources = batch.Select((g, i) => "using System;\nusing FheGen;\nnamespace G;\n" + g.Source("M" + i)).ToArray();
            var run = GeneratorHarness.Run(sources);
            run.AssertNoGeneratorFailure();
            if (!run.Result.GeneratedSources.IsEmpty)
            {
                System.Threading.Interlocked.Add(ref generatedTotal, run.Result.GeneratedSources.Length);
                run.AssertCompiles();
            }
        }, iter: 12, threads: 2, print: b => string.Join("\n", b.Select((g, i) => g.Source("M" + i))));
        // Some garbage is valid: the emitter ran too, not only the validator.
        Assert.True(generatedTotal > 0, "no random model was valid");
    }
}
