using System.Threading.Tasks;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>FHE0003 (invalid attribute value), FHE0004 (shape) and FHE0005 (not partial, not constant): each on the
/// attribute, argument or member at fault, with the exact message.</summary>
public class InvalidModelTests
{
    private const string Members = """
            static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
            static readonly float[] Output = { 1f, -1f };
        """;

    private static string Model(string attributes, string members = Members, string declaration = "public partial class M") => $$"""
        using System;
        using FheGen;

        {{attributes}}
        {{declaration}}
        {
        {{members}}
        }
        """;

    [Fact]
    public Task Model_arguments_out_of_range_are_reported_on_each_argument()
        => VerifyAsync(Model("""
            [FheModel({|#0:Inputs = 0|}, {|#1:InputBits = 17|}, {|#2:InputMin = 1|}, InputMax = 1, {|#3:PbsBudgetBits = 0|}, {|#4:PError = 1.0|})]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """, members: """
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            """),
            Error("FHE0003", 0, "Inputs must be between 1 and 1048576; it is 0"),
            Error("FHE0003", 1, "InputBits must be between 1 and 16; it is 17"),
            Error("FHE0003", 2, "InputMin must be finite and below InputMax; they are 1 and 1"),
            Error("FHE0003", 3, "PbsBudgetBits must be between 1 and 16; it is 0"),
            // Inputs = 0 makes the first layer's shape [2, 0]: no follow-on FHE0004 length mismatch is reported.
            Error("FHE0003", 4, "PError must be in [0, 1); it is 1"));

    [Fact]
    public Task Input_bits_zero_is_on_the_named_argument()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2, {|#0:InputBits = 0|})]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """), Error("FHE0003", 0, "InputBits must be between 1 and 16; it is 0"));

    [Fact]
    public Task Input_min_not_below_input_max_is_on_input_min()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2, {|#0:InputMin = 3|}, InputMax = -3)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """), Error("FHE0003", 0, "InputMin must be finite and below InputMax; they are 3 and -3"));

    [Fact]
    public Task Feature_ranges_with_input_min_is_on_input_min()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2, {|#0:InputMin = -1|})]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """, members: Members + """
                static readonly float[] FeatureMin = { 0f, -5f };
                static readonly float[] FeatureMax = { 1f, 5f };
            """), Error("FHE0003", 0, "the model declares per-feature input ranges ('FeatureMin', 'FeatureMax'); remove InputMin and InputMax from [FheModel], which they replace"));

    [Fact]
    public Task FeatureRanges_HalfMissing_WrongLength_AndEmpty_AreOnTheMember()
        => Task.WhenAll(
            VerifyAsync(Model("""
                [FheModel(Inputs = 2)]
                [Dense("Hidden", 2)]
                [Dense("Output", 1)]
                """, members: Members + """
                    static readonly float[] {|#0:FeatureMin|} = { 0f, -5f };
                """), Error("FHE0004", 0, "'FeatureMin' gives per-feature input ranges but no static member 'FeatureMax' holds the other end (expected 2 floats)")),
            VerifyAsync(Model("""
                [FheModel(Inputs = 2)]
                [Dense("Hidden", 2)]
                [Dense("Output", 1)]
                """, members: Members + """
                    static readonly float[] FeatureMin = { 0f, -5f };
                    static readonly float[] {|#0:FeatureMax|} = { 1f, 5f, 7f };
                """), Error("FHE0004", 0, "input ranges 'FeatureMax' has 3 values; the model has 2 inputs")),
            VerifyAsync(Model("""
                [FheModel(Inputs = 2)]
                [Dense("Hidden", 2)]
                [Dense("Output", 1)]
                """, members: Members + """
                    static readonly float[] FeatureMin = { 0f, 5f };
                    static readonly float[] {|#0:FeatureMax|} = { 1f, 5f };
                """), Error("FHE0003", 0, "input feature 1: its range [5, 5] must be finite with 'FeatureMin' below 'FeatureMax' (widen a constant feature's range)")),
            VerifyAsync(Model("""
                [FheModel(Inputs = 2)]
                [Dense("Hidden", 2)]
                [Dense("Output", 1)]
                """, members: Members + """
                    static float[] {|#0:FeatureMin|} = { 0f, 5f };
                    static readonly float[] FeatureMax = { 1f, 6f };
                """), Error("FHE0004", 0, "input ranges 'FeatureMin' must be a static readonly float[] field or a static ReadOnlySpan<float> property")));

    [Fact]
    public Task No_dense_layer_is_on_the_model_attribute()
        => VerifyAsync(Model("[{|#0:FheModel(Inputs = 2)|}]", members: ""), Error("FHE0003", 0, "model 'M' declares no [Dense] layer"));

    [Fact]
    public Task Layer_arguments_are_reported_on_the_argument()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2, {|#0:Activation = (Activation)7|}, {|#1:OutputMin = 0|})]
            [Dense("Output", {|#2:0|})]
            """, members: """
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
                static readonly float[] Output = { };
            """),
            Error("FHE0003", 0, "layer 'Hidden': unknown activation 7"),
            Error("FHE0003", 1, "layer 'Hidden': OutputMin and OutputMax must be given together"),
            Error("FHE0003", 2, "layer 'Output': outputs must be between 1 and 1048576; it is 0"));

    [Fact]
    public Task Duplicate_and_empty_layer_names_are_on_the_name_argument()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense({|#0:"Hidden"|}, 2)]
            [Dense({|#1:""|}, 1)]
            """),
            Error("FHE0003", 0, "layer name 'Hidden' is declared twice"),
            // The second 'Hidden' reads the same 4 weights as [2, 2]: no shape error; a nameless layer is not checked further.
            Error("FHE0003", 1, "layer 2 has no name"));

    [Fact]
    public Task Quantize_bits_out_of_range_are_on_the_arguments()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Quantize({|#0:WeightBits = 1|}, {|#1:ActivationBits = 17|})]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """),
            Error("FHE0003", 0, "WeightBits must be between 2 and 16 (symmetric weights need a sign bit); it is 1"),
            Error("FHE0003", 1, "ActivationBits must be between 1 and 16; it is 17"));

    [Fact]
    public Task Unknown_layer_name_is_on_the_layer_argument()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            [Quantize({|#0:"Hiden"|}, WeightBits = 3)]
            [Prune({|#1:"Outptu"|}, MaxActiveInputs = 1)]
            [RoundAccumulator({|#2:"hidden"|}, Bits = 6)]
            [ActivationRange({|#3:"Nope"|}, 0, 1)]
            """),
            Error("FHE0003", 0, "[Quantize] names unknown layer 'Hiden'; layers are 'Hidden', 'Output'"),
            Error("FHE0003", 1, "[Prune] names unknown layer 'Outptu'; layers are 'Hidden', 'Output'"),
            Error("FHE0003", 2, "[RoundAccumulator] names unknown layer 'hidden'; layers are 'Hidden', 'Output'"),
            Error("FHE0003", 3, "[ActivationRange] names unknown layer 'Nope'; layers are 'Hidden', 'Output'"));

    [Fact]
    public Task Prune_and_round_missing_or_invalid_values()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            [{|#0:Prune("Hidden")|}]
            [Prune({|#1:MaxActiveInputs = 0|})]
            [RoundAccumulator("Hidden", {|#2:Bits = 17|})]
            [{|#3:RoundAccumulator|}]
            """),
            Error("FHE0003", 0, "[Prune] needs MaxActiveInputs"),
            Error("FHE0003", 1, "MaxActiveInputs must be at least 1; it is 0"),
            Error("FHE0003", 2, "Bits must be between 1 and 16, or Auto; it is 17"),
            Error("FHE0003", 3, "[RoundAccumulator] needs Bits (here or on the model-wide [RoundAccumulator])"));

    [Fact]
    public Task Settings_given_twice_are_on_the_second_attribute()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            [Prune("Hidden", MaxActiveInputs = 1)]
            [{|#0:Prune("Hidden", MaxActiveInputs = 2)|}]
            [Quantize(WeightBits = 3)]
            [{|#1:Quantize(WeightBits = 5)|}]
            """),
            Error("FHE0003", 0, "[Prune] is given twice for layer 'Hidden'"),
            Error("FHE0003", 1, "[Quantize] sets the model default twice"));

    [Fact]
    public Task Rounding_or_range_on_the_last_layer_is_on_the_attribute()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            [{|#0:RoundAccumulator("Output", Bits = 6)|}]
            [{|#1:ActivationRange("Output", 0, 1)|}]
            [{|#2:ActivationRange("Hidden", 1, 1)|}]
            """),
            Error("FHE0003", 0, "layer 'Output' is the last layer: it has no TLU, so there is nothing to round"),
            Error("FHE0003", 1, "layer 'Output' is the last layer: its outputs are not requantized, so it takes no activation range"),
            Error("FHE0003", 2, "activation range of 'Hidden' must be finite with min below max; it is [1, 1]"));

    [Fact]
    public Task Non_finite_weight_is_on_the_weights_member()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """, members: """
                static readonly float[] {|#0:Hidden|} = { 1f, float.NaN, 1f, 1f };
                static readonly float[] {|#1:Output|} = { 1f, float.PositiveInfinity };
            """),
            Error("FHE0003", 0, "layer 'Hidden': weights 'Hidden'[1] is NaN; weights must be finite"),
            Error("FHE0003", 1, "layer 'Output': weights 'Output'[1] is Infinity; weights must be finite"));

    [Fact]
    public Task Weights_length_mismatch_is_on_the_weights_field()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """, members: """
                static readonly float[] {|#0:Hidden|} = { 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            """), Error("FHE0004", 0, "layer 'Hidden': weights 'Hidden' has 3 values; shape [2, 2] needs 4"));

    [Fact]
    public Task Bias_length_mismatch_is_on_the_bias_member_field_or_property()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2, Bias = "HiddenB")]
            [Dense("Output", 1)]
            """, members: """
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
                static ReadOnlySpan<float> {|#0:HiddenB|} => [1f, 2f, 3f];
                static readonly float[] Output = { 1f, -1f };
                static readonly float[] {|#1:OutputBias|} = { };
            """),
            Error("FHE0004", 0, "layer 'Hidden': bias 'HiddenB' has 3 values; shape [2] needs 2"),
            Error("FHE0004", 1, "layer 'Output': bias 'OutputBias' has 0 values; shape [1] needs 1"));

    [Fact]
    public Task Missing_members_are_on_the_dense_arguments()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense({|#0:"Hidden"|}, 2, {|#1:Bias = "Nowhere"|})]
            [Dense("Output", 1)]
            """, members: """
                static readonly float[] Output = { 1f, -1f };
            """),
            Error("FHE0004", 0, "layer 'Hidden': no static member 'Hidden' holds its weights (expected [2, 2] floats)"),
            Error("FHE0004", 1, "layer 'Hidden': no static member 'Nowhere' holds its bias (expected [2] floats)"));

    [Fact]
    public Task Wrong_member_types_are_on_the_member()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Second", 2)]
            [Dense("Output", 1)]
            """, members: """
                static float[] {|#0:Hidden|} = { 1f, 1f, 1f, 1f };
                static readonly double[] {|#1:Second|} = { 1, 1, 1, 1 };
                static float[] {|#2:Output|} { get; set; } = { 1f, -1f };
            """),
            Error("FHE0004", 0, "layer 'Hidden': weights 'Hidden' must be a static readonly float[] field or a static ReadOnlySpan<float> property"),
            Error("FHE0004", 1, "layer 'Second': weights 'Second' must be a static readonly float[] field or a static ReadOnlySpan<float> property"),
            Error("FHE0004", 2, "layer 'Output': weights 'Output' must be a static readonly float[] field or a static ReadOnlySpan<float> property"));

    [Fact]
    public Task Layer_named_like_a_generated_member_is_on_the_layer_name()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense({|#0:"Spec"|}, 2)]
            [Dense("Output", 1)]
            """, members: """
                static readonly float[] Spec = { 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            """),
            Error("FHE0003", 0, "layer name 'Spec' is also the name of a member FheGen generates; rename the layer and its weights"));

    [Fact]
    public Task Not_partial_is_on_the_class_identifier()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """, declaration: "public class {|#0:M|}"),
            Error("FHE0005", 0, "model 'M' and every type that contains it must be declared partial (and not file-local) so FheGen can add the generated members"));

    [Fact]
    public Task Not_partial_containing_type_is_on_its_identifier()
        => VerifyAsync("""
            using FheGen;

            public class {|#0:Outer|}
            {
                [FheModel(Inputs = 2)]
                [Dense("Hidden", 2)]
                [Dense("Output", 1)]
                public partial class Inner
                {
                    static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
                    static readonly float[] Output = { 1f, -1f };
                }
            }
            """,
            // The location is the containing type that lacks 'partial'; the text names the model.
            Error("FHE0005", 0, "model 'Inner' and every type that contains it must be declared partial (and not file-local) so FheGen can add the generated members"));

    [Fact]
    public Task Non_constant_weights_are_on_the_member()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """, members: """
                static float one = 1f;
                static readonly float[] {|#0:Hidden|} = { one, 1f, 1f, 1f };
                static readonly float[] {|#1:Output|} = Make();
                static readonly float[] {|#2:HiddenBias|} = new float[2];
                static float[] Make() => new float[2];
            """),
            Error("FHE0005", 0, "layer 'Hidden': weights 'Hidden' must be initialized with compile-time constant float literals"),
            Error("FHE0005", 2, "layer 'Hidden': bias 'HiddenBias' must be initialized with compile-time constant float literals"),
            Error("FHE0005", 1, "layer 'Output': weights 'Output' must be initialized with compile-time constant float literals"));

    [Fact]
    public Task Constants_and_conversions_are_accepted()
        => VerifyAsync(Model("""
            [FheModel(Inputs = 2, InputBits = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            """, members: """
                const float Half = 0.5f;
                static readonly float[] Hidden = [Half, -Half, 1, (float)2.5];
                static ReadOnlySpan<float> Output { get { return new[] { 1f, -(1f) }; } }
                static readonly float[] HiddenBias = new float[] { '\0', 1L };
            """));

    [Fact]
    public Task Partial_declarations_put_each_diagnostic_in_its_file()
    {
        var test = new FheAnalyzerTest("""
            using FheGen;

            [FheModel(Inputs = 2)]
            [Dense("Hidden", 2)]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f };
            }
            """);
        test.TestState.Sources.Add("""
            using FheGen;

            [Prune("Output", {|#1:MaxActiveInputs = 0|})]
            public partial class M
            {
                static readonly float[] {|#0:Output|} = { 1f };
            }
            """);
        test.ExpectedDiagnostics.Add(Error("FHE0004", 0, "layer 'Output': weights 'Output' has 1 values; shape [1, 2] needs 2"));
        test.ExpectedDiagnostics.Add(Error("FHE0003", 1, "MaxActiveInputs must be at least 1; it is 0"));
        return test.RunAsync();
    }
}
