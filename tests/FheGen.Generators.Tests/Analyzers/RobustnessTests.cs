using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// No input, however malformed, crashes the analyzer (AD0001) or the generator (CS8785), and the generator never
/// emits code that does not compile. Where C# itself rejects the FheGen attributes, the compiler's error is the only
/// diagnostic; otherwise the expected FheGen IDs are listed per case.
/// </summary>
public class RobustnessTests
{
    private const string Weights = """
            static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
            static readonly float[] Output = { 1f, -1f };
        """;

    private static string Model(string attributes, string members = Weights, string declaration = "public partial class M")
        => "using System;\nusing System.Collections.Generic;\nusing FheGen;\n\n" + attributes + "\n" + declaration + "\n{\n" + members + "\n}\n";

    private const string TwoLayers = "[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]";

    /// <summary>Sources where C# rejects an FheGen attribute: the compiler's error is the only diagnostic.</summary>
    public static IEnumerable<object[]> RejectedAttributes()
    {
        object[] C(string name, string source) => new object[] { name, source };
        yield return C("argument of the wrong type", Model("[FheModel(Inputs = \"two\")]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"));
        yield return C("Dense without arguments", Model("[FheModel(Inputs = 2)]\n[Dense]\n[Dense(\"Output\", 1)]"));
        yield return C("Dense without outputs", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\")]\n[Dense(\"Output\", 1)]"));
        yield return C("Dense with too many arguments", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2, 3)]\n[Dense(\"Output\", 1)]"));
        yield return C("non-constant layer name", Model("[FheModel(Inputs = 2)]\n[Dense(Name, 2)]\n[Dense(\"Output\", 1)]", Weights + "\n    static string Name = \"Hidden\";"));
        yield return C("unknown named argument", Model("[FheModel(Inputs = 2, Layers = 3)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"));
        yield return C("read-only property as named argument", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2, Outputs = 3)]\n[Dense(\"Output\", 1)]"));
        yield return C("unknown FheGen attribute", Model(TwoLayers + "\n[FheGen.Conv2D(\"Hidden\")]"));
        yield return C("FheModel twice", Model("[FheModel(Inputs = 2)]\n[FheModel(Inputs = 3)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"));
        yield return C("ActivationRange with two arguments", Model(TwoLayers + "\n[ActivationRange(\"Hidden\", 1)]"));
        yield return C("unclosed attribute", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2]\n[Dense(\"Output\", 1)]"));
        yield return C("FheModel on a struct", Model(TwoLayers, declaration: "public partial struct M"));
        yield return C("FheModel on an interface", Model(TwoLayers, members: "", declaration: "public partial interface M"));
        yield return C("FheModel on an enum", "using FheGen;\n[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2)]\npublic enum M { A }");
        yield return C("FheModel on a method", "using FheGen;\npublic partial class M\n{\n    [FheModel(Inputs = 2)]\n    public void Run() { }\n}");
    }

    [Theory]
    [MemberData(nameof(RejectedAttributes))]
    public async Task Rejected_attribute_only_the_compiler_reports(string name, string source)
    {
        Assert.Contains(Compile(source, System.Array.Empty<string>()).GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        var diagnostics = await AnalyzeAsync(source);
        Assert.True(diagnostics.IsEmpty, name + ": " + string.Join("\n", diagnostics));
        RunGenerator(source);
    }

    /// <summary>(name, source, the FheGen error IDs expected in location order; FHE0001, FHE0006 and FHE0007 are not listed).</summary>
    public static IEnumerable<object[]> Cases()
    {
        object[] C(string name, string source, params string[] ids) => new object[] { name, source, ids };

        // C# rejects a member, not an attribute: FheGen still reports on what it can read.
        yield return C("weights with string elements", Model(TwoLayers, "    static readonly float[] Hidden = { \"a\", 1f, 1f, 1f };\n    static readonly float[] Output = { 1f, -1f };"), "FHE0005");
        yield return C("weight literal out of float range", Model(TwoLayers, "    static readonly float[] Hidden = { 1e39f, 1f, 1f, 1f };\n    static readonly float[] Output = { 1f, -1f };"), "FHE0003");
        yield return C("double literals in float[]", Model(TwoLayers, "    static readonly float[] Hidden = { 1.5, 1f, 1f, 1f };\n    static readonly float[] Output = { 1f, -1f };"), "FHE0005");
        // Half-typed weights are read as far as they go.
        yield return C("unterminated class", "using FheGen;\n[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2)]\npublic partial class M\n{\n    static readonly float[] Hidden = { 1f,", "FHE0004");
        yield return C("weights field declared twice", Model(TwoLayers, Weights + "\n    static readonly float[] Hidden = { 2f };"));

        // Targets FheGen does not expect.
        yield return C("generic model", Model(TwoLayers, declaration: "public partial class M<T> where T : struct"));
        yield return C("model nested in a generic type", "using FheGen;\npublic partial class Outer<T>\n{\n" + Model(TwoLayers, declaration: "    public partial class M").Replace("using System;\nusing System.Collections.Generic;\nusing FheGen;\n", "") + "}");
        yield return C("static model", Model(TwoLayers, declaration: "public static partial class M"));
        yield return C("record model", Model(TwoLayers, declaration: "public partial record M"));
        yield return C("sealed internal model in a namespace", "namespace A.B.FheGen.C;\nusing global::FheGen;\n" + Model(TwoLayers, declaration: "internal sealed partial class M").Replace("using FheGen;", ""));
        yield return C("keyword-named model", Model(TwoLayers, declaration: "public partial class @class"));
        yield return C("keyword-named layer", Model("[FheModel(Inputs = 2)]\n[Dense(\"event\", 2)]\n[Dense(\"Output\", 1)]",
            "    static readonly float[] @event = { 1f, 1f, 1f, 1f };\n    static readonly float[] Output = { 1f, -1f };"));
        yield return C("abstract model", Model(TwoLayers, declaration: "public abstract partial class M"));
        // A file-local type cannot be extended from the generator's file: FHE0005, and no generated code.
        yield return C("file-local model", Model(TwoLayers, declaration: "file partial class M"), "FHE0005");

        // Missing or odd members.
        yield return C("missing members", Model(TwoLayers, members: ""), "FHE0004", "FHE0004");
        yield return C("weights are methods", Model(TwoLayers, "    static float[] Hidden() => new float[4];\n    static float[] Output() => new float[2];"), "FHE0004", "FHE0004");
        yield return C("weights are instance fields", Model(TwoLayers, "    readonly float[] Hidden = { 1f, 1f, 1f, 1f };\n    readonly float[] Output = { 1f, -1f };"), "FHE0004", "FHE0004");
        yield return C("weights of wrong types", Model("[FheModel(Inputs = 2)]\n[Dense(\"A\", 2)]\n[Dense(\"B\", 2)]\n[Dense(\"C\", 2)]\n[Dense(\"D\", 2)]\n[Dense(\"E\", 1)]",
            "    static readonly double[] A = { 1, 1, 1, 1 };\n    static readonly int[] B = { 1, 1, 1, 1 };\n    static readonly float[,] C = { { 1f, 1f }, { 1f, 1f } };\n" +
            "    static readonly float[][] D = { new[] { 1f } };\n    static readonly List<float> E = new() { 1f, 1f };"),
            "FHE0004", "FHE0004", "FHE0004", "FHE0004", "FHE0004");
        yield return C("nullable float array", Model(TwoLayers, "    static readonly float?[] Hidden = { 1f, 1f, 1f, 1f };\n    static readonly float[] Output = { 1f, -1f };"), "FHE0004");
        yield return C("null and default weights", Model(TwoLayers, "    static readonly float[] Hidden = null!;\n    static readonly float[] Output = default!;"), "FHE0005", "FHE0005");
        yield return C("uninitialized weights", Model(TwoLayers, "    static readonly float[] Hidden;\n    static readonly float[] Output = new float[2];"), "FHE0005", "FHE0005");
        yield return C("collection spread", Model(TwoLayers, "    static readonly float[] Hidden = [.. Output, .. Output];\n    static readonly float[] Output = [1f, -1f];"), "FHE0005");
        yield return C("span property returning default", Model(TwoLayers, "    static ReadOnlySpan<float> Hidden => default;\n    static ReadOnlySpan<float> Output { get { var x = 1f; return new[] { x, x }; } }"), "FHE0005", "FHE0005");
        yield return C("weights in a base class", "using FheGen;\npublic class Base { protected static readonly float[] Hidden = { 1f, 1f, 1f, 1f }; }\n" +
            TwoLayers + "\npublic partial class M : Base { static readonly float[] Output = { 1f, -1f }; }", "FHE0004");
        yield return C("explicit null bias name", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2, Bias = null)]\n[Dense(\"Output\", 1)]"));
        yield return C("quotes in a layer name", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hid\\\"den\", 2)]\n[Dense(\"Output\", 1)]"), "FHE0004");
        yield return C("whitespace layer name", Model("[FheModel(Inputs = 2)]\n[Dense(\" \", 2)]\n[Dense(\"Output\", 1)]"), "FHE0004");

        // Extreme values.
        yield return C("huge weights", Model(TwoLayers, "    static readonly float[] Hidden = { 3e38f, float.MaxValue, -3.4e38f, 1e-45f };\n    static readonly float[] Output = { float.Epsilon, -1f };"));
        yield return C("tiny weights", Model(TwoLayers, "    static readonly float[] Hidden = { 1e-45f, 0f, -1e-45f, 0f };\n    static readonly float[] Output = { 0f, 0f };"));
        yield return C("huge bias", Model(TwoLayers, Weights + "\n    static readonly float[] HiddenBias = { 3e38f, -3e38f };"), "FHE0003");
        yield return C("infinite weights", Model(TwoLayers, "    static readonly float[] Hidden = { float.PositiveInfinity, 1f, 1f, float.NegativeInfinity };\n    static readonly float[] Output = { 1f, -1f };"), "FHE0003");
        yield return C("huge Inputs", Model("[FheModel(Inputs = int.MaxValue)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"), "FHE0003");
        yield return C("negative Inputs", Model("[FheModel(Inputs = int.MinValue, InputBits = int.MinValue, PbsBudgetBits = int.MaxValue)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"),
            "FHE0003", "FHE0003", "FHE0003");
        yield return C("huge outputs", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", int.MaxValue)]\n[Dense(\"Output\", -1)]"), "FHE0003", "FHE0003");
        // InputMax - InputMin overflows (or the scale underflows): reported, though as a bias that does not fit ("NaN units").
        yield return C("extreme input range", Model("[FheModel(Inputs = 2, InputMin = -1e308, InputMax = 1e308)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"), "FHE0003");
        yield return C("NaN input range and p_error", Model("[FheModel(Inputs = 2, InputMin = double.NaN, InputMax = double.PositiveInfinity, PError = double.NaN)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"),
            "FHE0003", "FHE0003");
        yield return C("tiny input range", Model("[FheModel(Inputs = 2, InputMin = 0, InputMax = double.Epsilon)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"), "FHE0003");
        yield return C("16 bits everywhere", Model("[FheModel(Inputs = 2, InputBits = 16, PbsBudgetBits = 16)]\n[Quantize(WeightBits = 16, ActivationBits = 16, PerChannel = true)]\n[Dense(\"Hidden\", 2)]\n[Dense(\"Output\", 1)]"),
            "FHE0002", "FHE0002");
        yield return C("negative activation", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2, Activation = (Activation)(-1))]\n[Dense(\"Output\", 1)]"), "FHE0003");
        yield return C("infinite output range", Model("[FheModel(Inputs = 2)]\n[Dense(\"Hidden\", 2, OutputMin = double.NegativeInfinity, OutputMax = 1)]\n[Dense(\"Output\", 1)]"), "FHE0003");
        yield return C("NaN activation range", Model(TwoLayers + "\n[ActivationRange(\"Hidden\", double.NaN, 1)]"), "FHE0003");
        yield return C("extreme prune and round", Model(TwoLayers + "\n[Prune(MaxActiveInputs = int.MaxValue)]\n[RoundAccumulator(Bits = int.MinValue)]"), "FHE0003");
        yield return C("zero weights", Model(TwoLayers, "    static readonly float[] Hidden = { 0f, 0f, 0f, 0f };\n    static readonly float[] Output = { 0f, 0f };"));
        yield return C("single output layer", Model("[FheModel(Inputs = 2)]\n[Dense(\"Output\", 1)]", "    static readonly float[] Output = { 1f, -1f };"));
        yield return C("layer names via nameof", Model("[FheModel(Inputs = 2)]\n[Dense(nameof(Hidden), 2)]\n[Dense(nameof(Output), 1)]\n[RoundAccumulator(nameof(Hidden), Bits = 4)]"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_input_never_crashes(string name, string source, string[] expectedIds)
    {
        var diagnostics = await AnalyzeAsync(source);
        var ids = diagnostics.Where(d => d.Id.StartsWith("FHE", System.StringComparison.Ordinal) && d.Id != "FHE0006" && d.Id != "FHE0001" && d.Id != "FHE0007")
            .Select(d => d.Id).ToArray();
        Assert.True(expectedIds.SequenceEqual(ids), name + ":\n" + string.Join("\n", diagnostics));
        RunGenerator(source);
    }


    [Fact]
    public Task Compiler_error_in_attribute_is_the_only_diagnostic()
    {
        var test = new FheAnalyzerTest("""
            using FheGen;

            [FheModel(Inputs = {|CS0029:"two"|})]
            [Dense("Hidden", 2)]
            [{|CS7036:Dense|}]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
            }
            """, summaries: true);
        return test.RunAsync();
    }

    [Fact]
    public Task Valid_model_in_a_file_with_unrelated_errors_still_gets_its_diagnostics()
    {
        var test = new FheAnalyzerTest(OverBudgetTests.AllOnes + "\nclass Broken { int x = {|CS0029:\"y\"|}; }\n");
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult("FHE0001", DiagnosticSeverity.Warning).WithLocation(0));
        return test.RunAsync();
    }

    [Fact]
    public async Task Harness_offline_uses_no_reference_pack()
    {
        // The harness resolves NoPackages without NuGet: no reference pack lands in the package folders.
        var references = await FheAnalyzerTest.NoPackages.ResolveAsync(LanguageNames.CSharp, default);
        Assert.Empty(references);
    }
}
