extern alias gen;

using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;
using GeneratorModel = gen::FheGen.Generators.Extraction.GeneratorModel;
using MemberStatus = gen::FheGen.Compiler.Model.MemberStatus;
using ModelExtractor = gen::FheGen.Generators.Extraction.ModelExtractor;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// FHE0007: a layer's bias used to be zero, silently, whenever no member had the default name (a misspelled
/// <c>HiddenBais</c> included). Now that warns, names a close member, and <c>NoBias = true</c> opts out.
/// </summary>
public class BiasTests
{
    // One weight 0.5 over one 4-bit input: [0, 105] (7 bits), within budget, so only bias diagnostics remain.
    private static string Model(string hiddenArguments = "", string members = "", bool markDense = true, string name = "M") => $$"""
        using FheGen;

        [FheModel(Inputs = 1, InputBits = 4)]
        [{{(markDense ? "{|#0:" : "")}}Dense("Hidden", 1{{hiddenArguments}}){{(markDense ? "|}" : "")}}]
        [Dense("Output", 1, NoBias = true)]
        public partial class {{name}}
        {
            static readonly float[] Hidden = { 0.5f };
            static readonly float[] Output = { 1f };
        {{members}}
        }
        """;

    private static Task Verify(string source, params DiagnosticResult[] expected)
    {
        var test = new FheAnalyzerTest(source, biasWarnings: true);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    [Theory]
    [InlineData("HiddenBais")]   // transposition
    [InlineData("Hiddenbias")]   // case
    [InlineData("HiddenBiases")] // two insertions
    [InlineData("Hidden_Bias")]
    public Task A_misspelled_bias_is_named(string member)
        => Verify(Model(members: $"    static readonly float[] {member} = {{ 0.25f }};"), Warning("FHE0007", 0,
            $"layer 'Hidden' has no member 'HiddenBias', so its bias is zero; did you mean '{member}'? " +
            $"Rename it to 'HiddenBias' or set Bias = \"{member}\" (or NoBias = true if the layer has no bias)"));

    [Fact]
    public Task No_bias_at_all_warns_and_far_names_are_not_suggested()
        => Verify(Model(members: "    static readonly float[] HiddenWeightsBackup = { 0.25f };"), Warning("FHE0007", 0,
            "layer 'Hidden' has no member 'HiddenBias', so its bias is zero; add it (one float per output) " +
            "or set NoBias = true to declare a layer without bias"));

    [Fact]
    public Task Another_layers_weights_are_not_a_candidate()
        // "Hiddenias" would be one edit away, but it is a layer's weight member.
        => Verify("""
            using FheGen;

            [FheModel(Inputs = 1, InputBits = 4)]
            [{|#0:Dense("Hidden", 1)|}]
            [Dense("Hiddenias", 1, NoBias = true)]
            [Dense("Output", 1, NoBias = true)]
            public partial class M
            {
                static readonly float[] Hidden = { 0.5f };
                static readonly float[] Hiddenias = { 0.5f };
                static readonly float[] Output = { 1f };
            }
            """, Warning("FHE0007", 0,
                "layer 'Hidden' has no member 'HiddenBias', so its bias is zero; add it (one float per output) " +
                "or set NoBias = true to declare a layer without bias"));

    [Fact]
    public Task Bias_present_or_no_bias_is_silent()
        => Verify(Model(members: "    static readonly float[] HiddenBias = { 0.25f };", markDense: false) + "\n"
            + Model(", NoBias = true", markDense: false, name: "N").Replace("using FheGen;", ""));

    [Fact]
    public Task An_explicit_bias_is_silent()
        => Verify(Model(", Bias = nameof(B)", "    static readonly float[] B = { 0.25f };", markDense: false));

    [Fact]
    public Task No_bias_with_the_default_member_present_says_it_is_ignored()
        => Verify(Model(", {|#1:NoBias = true|}", "    static readonly float[] HiddenBias = { 0.25f };", markDense: false),
            Warning("FHE0007", 1, "layer 'Hidden' has NoBias = true, so member 'HiddenBias' is ignored and its bias is zero; remove NoBias to use it"));

    [Fact]
    public Task No_bias_and_bias_contradict()
        => Verify(Model(", Bias = \"B\", {|#1:NoBias = true|}", "    static readonly float[] B = { 0.25f };", markDense: false),
            Error("FHE0003", 1, "layer 'Hidden': NoBias = true contradicts Bias = \"B\"; remove one of them"));

    [Fact]
    public void No_bias_means_zero_bias_even_with_the_default_member_present()
    {
        const string member = "    static readonly float[] HiddenBias = { 0.25f };";
        var ignored = Extract(Model(", NoBias = true", member, markDense: false));
        Assert.Equal(MemberStatus.Missing, ignored.Source.Layers[0].BiasStatus);
        Assert.False(ignored.Source.Layers[0].BiasExplicit);
        Assert.Empty(ignored.Spec.Layers[0].Bias);
        // Without NoBias the same member is the bias.
        var read = Extract(Model("", member, markDense: false));
        Assert.Equal(MemberStatus.Ok, read.Source.Layers[0].BiasStatus);
        Assert.Equal(new[] { 0.25f }, read.Spec.Layers[0].Bias.ToArray());
        // And the generator emits the model.
        Assert.Single(RunGenerator(Model(", NoBias = true", member, markDense: false)));
    }

    private static GeneratorModel Extract(string source)
    {
        var compilation = Compile(source, System.Array.Empty<string>());
        return ModelExtractor.Extract(compilation.GetTypeByMetadataName("M")!, compilation, null, default)!;
    }
}
