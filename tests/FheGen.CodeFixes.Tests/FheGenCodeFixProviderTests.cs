using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using static FheGen.CodeFixes.FheGenCodeFixProvider;

namespace FheGen.CodeFixes.Tests;

public class FheGenCodeFixProviderTests
{
    // Four 4-bit inputs, rows (1, 1, 0.43, 0.15) quantized to (7, 7, 3, 1): [0, 270] is 9 bits over the default 8-bit
    // budget. Round: Bits = 8; prune: 3 inputs (17 * 15 = 255), keeping 94 % of |w|; 3-bit weights: (3, 3, 1, 0), 105.
    // 3-bit inputs also fit (126) but have no code fix.
    private const string Model = """
        using FheGen;

        [FheModel(Inputs = 4, InputBits = 4)]
        [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
        [Dense("Output", 1)]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    private const string Rounded = """
        using FheGen;

        [FheModel(Inputs = 4, InputBits = 4)]
        [Dense("Hidden", 2, Activation = Activation.Relu)]
        [Dense("Output", 1)]
        [RoundAccumulator("Hidden", Bits = 8)]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    private const string Pruned = """
        using FheGen;

        [FheModel(Inputs = 4, InputBits = 4)]
        [Dense("Hidden", 2, Activation = Activation.Relu)]
        [Dense("Output", 1)]
        [Prune("Hidden", MaxActiveInputs = 3)]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    // Weights all 1.0: [0, 420]. Two of four inputs fit (210) but keep half the |w|: pruning is not offered.
    private const string AllOnes = """
        using FheGen;

        [FheModel(Inputs = 4, InputBits = 4)]
        [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
        [Dense("Output", 1)]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    private const string Quantized = """
        using FheGen;

        [FheModel(Inputs = 4, InputBits = 4)]
        [Dense("Hidden", 2, Activation = Activation.Relu)]
        [Dense("Output", 1)]
        [Quantize("Hidden", WeightBits = 3)]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    [Fact]
    public async Task Offers_round_then_prune_with_stable_keys()
    {
        var actions = await FixTest.OfferedActionsAsync(FixTestMarkup.Unmarked(Model));
        Assert.Equal(new[]
        {
            ("Round 'Hidden' to the budget", (string?)RoundEquivalenceKey),
            ("Prune 'Hidden' to 3 active inputs", PruneEquivalenceKey),
            ("Quantize 'Hidden' to 3 weight bits", WeightBitsEquivalenceKey),
            ("Quantize the model's inputs to 3 bits", InputBitsEquivalenceKey),
        }, actions);
        Assert.Equal("FheGen.FHE0001.RoundAccumulator", RoundEquivalenceKey);
        Assert.Equal("FheGen.FHE0001.Prune", PruneEquivalenceKey);
    }

    [Fact]
    public async Task Offers_only_round_when_no_pruning_fits()
    {
        // 6-bit budget: one input alone is 7 * 15 = 105 > 63, so no MaxActiveInputs fits; 2-bit weights fit (30) but
        // keep half the weight bits, so they are not offered either.
        var actions = await FixTest.OfferedActionsAsync(FixTestMarkup.Unmarked(Model).Replace("InputBits = 4)", "InputBits = 4, PbsBudgetBits = 6)"));
        Assert.Equal(new[] { ("Round 'Hidden' to the budget", (string?)RoundEquivalenceKey) }, actions);
    }

    [Fact]
    public Task Round_adds_an_attribute_after_the_last_fhe_gen_attribute()
        => FixTest.RunAsync(Model, Rounded, RoundEquivalenceKey, "Round 'Hidden' to the budget");

    [Fact]
    public Task Prune_adds_an_attribute_after_the_last_fhe_gen_attribute()
        => FixTest.RunAsync(Model, Pruned, PruneEquivalenceKey, "Prune 'Hidden' to 3 active inputs");

    [Fact]
    public async Task Remedies_that_keep_too_little_get_no_code_fix()
    {
        // Pruning AllOnes to 2 inputs fits the budget but keeps 50 % of |w|: the analyzer names it as not offered and
        // sets no MaxActiveInputs property, so only rounding and 3-bit weights are fixes.
        var actions = await FixTest.OfferedActionsAsync(FixTestMarkup.Unmarked(AllOnes));
        Assert.Equal(new[]
        {
            ("Round 'Hidden' to the budget", (string?)RoundEquivalenceKey),
            ("Quantize 'Hidden' to 3 weight bits", WeightBitsEquivalenceKey),
            ("Quantize the model's inputs to 3 bits", InputBitsEquivalenceKey),
        }, actions);
    }

    [Fact]
    public Task Input_bits_sets_the_model_attribute()
        => FixTest.RunAsync(Model, Model.Replace("[{|FHE0001:Dense(\"Hidden\", 2, Activation = Activation.Relu)|}]", "[Dense(\"Hidden\", 2, Activation = Activation.Relu)]")
                .Replace("[FheModel(Inputs = 4, InputBits = 4)]", "[FheModel(Inputs = 4, InputBits = 3)]"),
            InputBitsEquivalenceKey, "Quantize the model's inputs to 3 bits");

    [Fact]
    public Task Weight_bits_adds_a_quantize_attribute_for_the_layer()
        => FixTest.RunAsync(Model, Quantized, WeightBitsEquivalenceKey, "Quantize 'Hidden' to 3 weight bits");

    [Fact]
    public Task Weight_bits_updates_the_layers_quantize_attribute()
        => FixTest.RunAsync(
            Model.Replace("public partial", "[Quantize(\"Hidden\", ActivationBits = 4)]\npublic partial"),
            Model.Replace("[{|FHE0001:Dense(\"Hidden\", 2, Activation = Activation.Relu)|}]", "[Dense(\"Hidden\", 2, Activation = Activation.Relu)]")
                .Replace("public partial", "[Quantize(\"Hidden\", ActivationBits = 4, WeightBits = 3)]\npublic partial"),
            WeightBitsEquivalenceKey);

    // Output: 4 inputs of 8-bit activations (0..255), 8-bit weights q = 127: 4 * 127 * 255 = 129540, 17 bits. 7-bit
    // weights: 4 * 63 * 255 = 64260; 7-bit activations: 4 * 127 * 127 = 64516; both fit 16 bits and keep 7 of 8 bits.
    // Two inputs (64770) fit too but keep half the |w|: no prune fix.
    private const string WideOutput = """
        using FheGen;

        [FheModel(Inputs = 1, InputBits = 2, PbsBudgetBits = 9)]
        [Quantize(WeightBits = 8, ActivationBits = 8)]
        [Dense("Hidden", 4)]
        [{|FHE0002:Dense("Output", 1)|}]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
            static readonly float[] Output = { 1f, 1f, 1f, 1f };
        }
        """;

    [Fact]
    public async Task Output_layer_over_the_hard_limit_offers_weight_and_activation_bits()
    {
        var actions = await FixTest.OfferedActionsAsync(FixTestMarkup.Unmarked(WideOutput));
        Assert.Equal(new[]
        {
            ("Quantize 'Output' to 7 weight bits", (string?)WeightBitsEquivalenceKey),
            ("Quantize 'Hidden' to 7 activation bits", ActivationBitsEquivalenceKey),
        }, actions);
    }

    [Fact]
    public Task Activation_bits_adds_a_quantize_attribute_for_the_previous_layer()
        => FixTest.RunAsync(WideOutput, WideOutput.Replace("[{|FHE0002:Dense(\"Output\", 1)|}]", "[Dense(\"Output\", 1)]")
                .Replace("public partial", "[Quantize(\"Hidden\", ActivationBits = 7)]\npublic partial"),
            ActivationBitsEquivalenceKey, "Quantize 'Hidden' to 7 activation bits");

    [Fact]
    public Task Output_layer_over_the_hard_limit_gets_the_weight_bits_fix()
        // 2 inputs of 10 bits, 8-bit weights q = 127: 2 * 127 * 1023 = 259842, 18 bits. 6-bit weights: 63426, 16 bits.
        => FixTest.RunAsync("""
            using FheGen;

            [FheModel(Inputs = 2, InputBits = 10)]
            [Quantize(WeightBits = 8)]
            [{|FHE0002:Dense("Output", 1)|}]
            public partial class M
            {
                static readonly float[] Output = { 1f, 1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 2, InputBits = 10)]
            [Quantize(WeightBits = 8)]
            [Dense("Output", 1)]
            [Quantize("Output", WeightBits = 6)]
            public partial class M
            {
                static readonly float[] Output = { 1f, 1f };
            }
            """, WeightBitsEquivalenceKey, "Quantize 'Output' to 6 weight bits");

    [Fact]
    public async Task Code_action_index_selects_the_same_fixes()
    {
        await new FixTest(Model, Rounded) { CodeActionIndex = 0 }.RunAsync();
        await new FixTest(Model, Pruned) { CodeActionIndex = 1 }.RunAsync();
        await new FixTest(Model, Pruned) { CodeActionIndex = 1, CodeActionEquivalenceKey = PruneEquivalenceKey }.RunAsync();
    }

    [Fact]
    public Task Round_updates_the_bits_of_an_existing_attribute_keeping_trivia()
        => FixTest.RunAsync("""
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [Dense("Output", 1)]
            [RoundAccumulator("Hidden", Bits = /* was */ 9)] // too wide
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            [RoundAccumulator("Hidden", Bits = /* was */ 8)] // too wide
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, RoundEquivalenceKey);

    [Fact]
    public Task Prune_updates_an_existing_attribute_even_before_the_layers()
        // MaxActiveInputs = 4 keeps all 4 inputs, [0, 270]: the advisor searches below the current level and finds 3.
        => FixTest.RunAsync("""
            using FheGen;

            [Prune("Hidden", MaxActiveInputs = 4)]
            [FheModel(Inputs = 4, InputBits = 4)]
            [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, """
            using FheGen;

            [Prune("Hidden", MaxActiveInputs = 3)]
            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, PruneEquivalenceKey, "Prune 'Hidden' to 3 active inputs");

    [Theory]
    [InlineData("Prune", "using FheGen;")]
    [InlineData("PruneAttribute", "using FheGen;")]
    [InlineData("FheGen.Prune", "using FheGen;")]
    [InlineData("global::FheGen.PruneAttribute", "using FheGen;")]
    [InlineData("P", "using FheGen;\nusing P = FheGen.PruneAttribute;")]
    public Task Prune_updates_existing_attribute_whatever_its_name_form(string name, string usings)
        => FixTest.RunAsync(usings + "\n" + $$"""

            [FheModel(Inputs = 4, InputBits = 4)]
            [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [Dense("Output", 1)]
            [{{name}}("Hidden", MaxActiveInputs = 4)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, usings + "\n" + $$"""

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            [{{name}}("Hidden", MaxActiveInputs = 3)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, PruneEquivalenceKey);

    [Theory]
    [InlineData("using FheGen;", "Dense", "FheModel", "RoundAccumulator")]
    [InlineData("using FheGen;", "DenseAttribute", "FheModelAttribute", "RoundAccumulatorAttribute")]
    [InlineData("", "FheGen.Dense", "FheGen.FheModel", "FheGen.RoundAccumulator")]
    [InlineData("", "global::FheGen.DenseAttribute", "global::FheGen.FheModelAttribute", "global::FheGen.RoundAccumulatorAttribute")]
    [InlineData("using D = FheGen.DenseAttribute;", "D", "FheGen.FheModel", "FheGen.RoundAccumulator")]
    public Task Round_new_attribute_follows_the_name_form_of_the_dense_attribute(string usings, string dense, string model, string expected)
        => FixTest.RunAsync(usings + "\n" + $$"""

            [{{model}}(Inputs = 4, InputBits = 4)]
            [{|FHE0001:{{dense}}("Hidden", 2, Activation = FheGen.Activation.Relu)|}]
            [{{dense}}("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, usings + "\n" + $$"""

            [{{model}}(Inputs = 4, InputBits = 4)]
            [{{dense}}("Hidden", 2, Activation = FheGen.Activation.Relu)]
            [{{dense}}("Output", 1)]
            [{{expected}}("Hidden", Bits = 8)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, RoundEquivalenceKey);

    [Fact]
    public Task Round_keeps_indentation_doc_comments_and_other_attributes()
        => FixTest.RunAsync("""
            using System;
            using FheGen;

            namespace Models
            {
                /// <summary>A model.</summary>
                [Serializable]
                [FheModel(Inputs = 4, InputBits = 4)] // the model
                [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
                [Dense("Output", 1)]    // last layer
                [Obsolete("old")]
                internal sealed partial class M
                {
                    static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                    static readonly float[] Output = { 1f, -1f };
                }
            }
            """, """
            using System;
            using FheGen;

            namespace Models
            {
                /// <summary>A model.</summary>
                [Serializable]
                [FheModel(Inputs = 4, InputBits = 4)] // the model
                [Dense("Hidden", 2, Activation = Activation.Relu)]
                [Dense("Output", 1)]    // last layer
                [RoundAccumulator("Hidden", Bits = 8)]
                [Obsolete("old")]
                internal sealed partial class M
                {
                    static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                    static readonly float[] Output = { 1f, -1f };
                }
            }
            """, RoundEquivalenceKey);

    [Fact]
    public Task Round_keeps_cr_lf_line_endings()
        => FixTest.RunAsync(Model.Replace("\n", "\r\n"), Rounded.Replace("\n", "\r\n"), RoundEquivalenceKey);

    [Fact]
    public Task Round_attributes_on_one_line_stay_on_one_line()
        => FixTest.RunAsync("""
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4), {|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}, Dense("Output", 1)] public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4), Dense("Hidden", 2, Activation = Activation.Relu), Dense("Output", 1)] [RoundAccumulator("Hidden", Bits = 8)] public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, RoundEquivalenceKey);

    [Fact]
    public Task Round_model_default_is_kept_a_layer_attribute_is_added()
        => FixTest.RunAsync("""
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [RoundAccumulator(Bits = 9)]
            [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [RoundAccumulator(Bits = 9)]
            [Dense("Hidden", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            [RoundAccumulator("Hidden", Bits = 8)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, RoundEquivalenceKey);

    [Fact]
    public Task Round_updates_an_attribute_named_with_nameof()
        => FixTest.RunAsync("""
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [{|FHE0001:Dense(nameof(Hidden), 2, Activation = Activation.Relu)|}]
            [Dense(nameof(Output), 1)]
            [RoundAccumulator(nameof(Hidden), Bits = 9)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense(nameof(Hidden), 2, Activation = Activation.Relu)]
            [Dense(nameof(Output), 1)]
            [RoundAccumulator(nameof(Hidden), Bits = 8)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, RoundEquivalenceKey);

    [Fact]
    public Task Round_updates_the_attribute_on_another_partial_declaration()
    {
        var test = new FixTest("""
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [{|FHE0001:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """) { CodeActionEquivalenceKey = RoundEquivalenceKey };
        test.TestState.Sources.Add("""
            using FheGen;

            [RoundAccumulator("Hidden", Bits = 9)]
            public partial class M { }
            """);
        test.FixedState.Sources.Add("""
            using FheGen;

            [RoundAccumulator("Hidden", Bits = 8)]
            public partial class M { }
            """);
        return test.RunAsync();
    }

    [Fact]
    public Task Project_budget_sets_the_round_bits()
    {
        var test = new FixTest(Model, Rounded.Replace("Bits = 8", "Bits = 6")) { CodeActionEquivalenceKey = RoundEquivalenceKey };
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\nbuild_property.FheGenPbsBudgetBits = 6\n"));
        return test.RunAsync();
    }
}
