using System.Linq;
using System.Threading.Tasks;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>FHE0001 (over budget), FHE0002 (over 16 bits) and FHE0006 (summary): message text, location, numbers.</summary>
public class OverBudgetTests
{
    // Four inputs of 4 bits (0..15), weights all 1.0 -> 4-bit symmetric q = 7, no bias:
    // accumulator [0, 4 * 7 * 15] = [0, 420], unsigned 9 bits.
    internal const string AllOnes = """
        using FheGen;

        [FheModel(Inputs = 4, InputBits = 4)]
        [{|#0:Dense("Hidden", 2, Activation = Activation.Relu)|}]
        [{|#1:Dense("Output", 1)|}]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    // The shape of the example: a signed range from mixed weights, a bias and an input offset.
    // Inputs in [-1, 1] on 8 bits (offset -1, scale 2/255); per-tensor 4-bit weights, scale 1/7.
    // Row 0: q = (7, -4, 2), bias (0.1 - 5/7) * 892.5 = -548.25 -> -548: [-548 - 4*255, -548 + 9*255] = [-1568, 1747].
    // Row 1: q = (-7, 7, 4), bias (-0.25 - 4/7) * 892.5 = -733.125 -> -733: [-733 - 7*255, -733 + 11*255] = [-2518, 2072].
    // Layer [-2518, 2072]: signed 13 bits. Rounding 5 LSBs: [round(-2518/32), round(2072/32)] = [-79, 65], 8 bits.
    internal const string Signed = """
        using FheGen;

        [FheModel(Inputs = 3, InputBits = 8, InputMin = -1, InputMax = 1)]
        [{|#0:Dense("Hidden", 2, Activation = Activation.Relu)|}]
        [{|#1:Dense("Output", 1)|}]
        /*EXTRA*/
        public partial class M
        {
            static readonly float[] Hidden = { 1f, -0.5f, 0.25f, -1f, 1f, 0.5f };
            static readonly float[] HiddenBias = { 0.1f, -0.25f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    [Fact]
    public Task Over_budget_is_on_the_dense_attribute_with_range_bits_budget_and_remedies()
        => VerifyAsync(AllOnes, Warning("FHE0001", 0,
            "layer 'Hidden': accumulator range [0, 420] needs 9 bits; budget is 8 bits. Fits with: " +
            "[RoundAccumulator(\"Hidden\", Bits = 8)] (removes 1 LSB; " + CostText.RoundingNote(CostText.Lookup(9), 9, 1, 8) + "); " +
            // 3-bit weights: q = 3, 4 * 3 * 15 = 180; 3-bit inputs: 4 * 7 * 7 = 196: 8-bit lookups instead of 9.
            "[Quantize(\"Hidden\", WeightBits = 3)] (keeps 3 of 4 weight bits" + CostText.Ratio(CostText.Lookup(8), CostText.Lookup(9)) + "); " +
            "[FheModel(InputBits = 3)] (keeps 3 of 4 input bits" + CostText.Ratio(CostText.Lookup(8), CostText.Lookup(9)) + "). " +
            // 2 * 7 * 15 = 210 fits 8 bits, 3 * 105 = 315 does not; but two of four equal weights are half the mass.
            CostText.NotOffered + "[Prune(\"Hidden\", MaxActiveInputs = 2)] keeps 50 % of |w| mass"));

    [Fact]
    public Task Over_budget_signed_range_matches_hand_computation()
        => VerifyAsync(Signed, Warning("FHE0001", 0,
            "layer 'Hidden': accumulator range [-2518, 2072] needs 13 bits; budget is 8 bits. Fits with: " +
            "[RoundAccumulator(\"Hidden\", Bits = 8)] (removes 5 LSBs; " + CostText.RoundingNote(CostText.Lookup(13), 13, 5, 8) + "). " +
            // One input per neuron still leaves row 1 at [669 - 1785, 669] (12 bits): nothing fits.
            CostText.NotOffered + "no MaxActiveInputs fits (even one input per neuron needs more than 8 bits); " +
            // 3-bit inputs (scale 2/7): row 1 bias -20, [-69, 57] fits 8 bits; 4-bit inputs give [-148, ...].
            "[FheModel(InputBits = 3)] keeps 3 of 8 input bits"));

    [Fact]
    public Task Over_budget_later_layer_suggests_activation_bits_of_the_previous_layer()
        => VerifyAsync("""
            using FheGen;

            [FheModel(Inputs = 2, InputBits = 2)]
            [Quantize(ActivationBits = 8)]
            [Dense("Hidden", 4, Activation = Activation.Relu)]
            [{|#0:Dense("Second", 2, Activation = Activation.Relu)|}]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Second = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, 1f };
            }
            """,
            // Second: 4 inputs of 8 bits (0..255) times q = 7: [0, 4 * 7 * 255] = [0, 7140], 13 bits.
            Warning("FHE0001", 0,
                "layer 'Second': accumulator range [0, 7140] needs 13 bits; budget is 8 bits. Fits with: " +
                "[RoundAccumulator(\"Second\", Bits = 8)] (removes 5 LSBs; " + CostText.RoundingNote(CostText.Lookup(13), 13, 5, 8) + "). " +
                // k * 7 * 255 <= 255 has no k >= 1; the rule: floor(255 / (15 * 255)) = 0.
                CostText.NotOffered + "no MaxActiveInputs fits (even one input per neuron needs more than 8 bits); " +
                // 2-bit weights: q = 1, 4 * 255 = 1020 (10 bits): none fits. 4-bit activations: 4 * 7 * 15 = 420; 3-bit: 196.
                "[Quantize(\"Hidden\", ActivationBits = 3)] keeps 3 of 8 activation bits"));

    [Fact]
    public Task Rounded_layer_still_over_budget_says_so()
        => VerifyAsync(AllOnes
                .Replace("public partial", "[RoundAccumulator(\"Hidden\", Bits = 8)]\npublic partial")
                .Replace("InputBits = 4)]", "InputBits = 4, PbsBudgetBits = 6)]"),
            Warning("FHE0001", 0,
                "layer 'Hidden': accumulator range [0, 420] needs 9 bits; rounded by 1 LSB, the TLU input still needs 8 bits; budget is 6 bits. Fits with: " +
                // 420 / 8 = 52.5 -> 53, 6 bits. Now: the declared exact rounding of 1 LSB before an 8-bit lookup.
                "[RoundAccumulator(\"Hidden\", Bits = 6)] (removes 3 LSBs; " + CostText.RoundingNote(CostText.Exact(9, 1, 8), 9, 3, 6) + "). " +
                // 63 / 105 < 1: no k; rule floor(63 / 225) = 0.
                CostText.NotOffered + "no MaxActiveInputs fits (even one input per neuron needs more than 6 bits); " +
                // 2-bit weights: q = 1, 4 * 15 = 60 <= 63 fits unrounded; so do 1-bit inputs, 4 * 7 = 28.
                "[Quantize(\"Hidden\", WeightBits = 2)] keeps 2 of 4 weight bits; [FheModel(InputBits = 1)] keeps 1 of 4 input bits"));

    [Fact]
    public Task Over_hard_limit_is_an_error_on_the_dense_attribute()
    {
        var ones = string.Join(", ", Enumerable.Repeat("1f", 2048));
        return VerifyAsync($$"""
            using FheGen;

            [FheModel(Inputs = 1024, InputBits = 8)]
            [Quantize(WeightBits = 8, ActivationBits = 8)]
            [{|#0:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [Dense("Output", 1)]
            public partial class M
            {
                static readonly float[] Hidden = { {{ones}} };
                static readonly float[] Output = { 1f, 1f };
            }
            """,
            // 1024 * 127 * 255 = 33162240 < 2^25.
            Error("FHE0002", 0,
                "layer 'Hidden': accumulator range [0, 33162240] needs 25 bits; a TLU input wider than 16 bits cannot be bootstrapped. Fits with: " +
                "[RoundAccumulator(\"Hidden\", Bits = 16)] (removes 9 LSBs; " + CostText.RoundingNote(double.PositiveInfinity, 25, 9, 16) + "). " +
                // 2 * 127 * 255 = 64770 < 65536, but 2 of 1024 equal weights are 0.2 % of the mass.
                CostText.NotOffered + "[Prune(\"Hidden\", MaxActiveInputs = 2)] keeps 0 % of |w| mass"));
    }

    [Fact]
    public Task Over_hard_limit_output_layer_cannot_be_decrypted()
    {
        var ones = string.Join(", ", Enumerable.Repeat("1f", 2048));
        return VerifyAsync($$"""
            using FheGen;

            [FheModel(Inputs = 2, InputBits = 4)]
            [Quantize(WeightBits = 8, ActivationBits = 8)]
            [{|#1:Dense("Hidden", 1024, Activation = Activation.Relu)|}]
            [{|#0:Dense("Output", 2)|}]
            public partial class M
            {
                static readonly float[] Hidden = { {{ones}} };
                static readonly float[] Output = { {{ones}} };
            }
            """,
            // Output: 1024 inputs of 8 bits times q = 127: 33162240, 25 bits.
            Error("FHE0002", 0,
                "output layer 'Output': accumulator range [0, 33162240] needs 25 bits; a ciphertext holds at most 16 bits. " +
                // 2 * 127 * 255 = 64770 fits, with 2 of 1024 weights; 2-bit weights give 1024 * 255 (18 bits); no
                // activation width fits (1024 * 127 > 65535 already at 1 bit).
                "No remedy that fits keeps enough of the model. " + CostText.NotOffered + "[Prune(\"Output\", MaxActiveInputs = 2)] keeps 0 % of |w| mass"),
            // Hidden: 2 inputs of 4 bits, q = 127: [0, 2 * 127 * 15] = [0, 3810], 12 bits. One input alone is
            // 127 * 15 = 1905 (11 bits), so no pruning fits; the bias is zero here, though the text blames it.
            Warning("FHE0001", 1,
                "layer 'Hidden': accumulator range [0, 3810] needs 12 bits; budget is 8 bits. Fits with: " +
                "[RoundAccumulator(\"Hidden\", Bits = 8)] (removes 4 LSBs; " + CostText.RoundingNote(CostText.Lookup(12), 12, 4, 8) + "). " +
                CostText.NotOffered + "no MaxActiveInputs fits (even one input per neuron needs more than 8 bits); " +
                "[Quantize(\"Hidden\", WeightBits = 4)] keeps 4 of 8 weight bits; [FheModel(InputBits = 1)] keeps 1 of 4 input bits"));
    }

    [Fact]
    public async Task Summary_gives_range_bits_rounding_and_pbs_per_layer()
    {
        var test = new FheAnalyzerTest(Signed.Replace("/*EXTRA*/", "[RoundAccumulator(\"Hidden\", Bits = 6)]"), summaries: true);
        test.ExpectedDiagnostics.Add(Info("FHE0006", 0,
            // 2518 / 128 = 19.67 -> -20 (halves up), 2072 / 128 = 16.19 -> 16: [-20, 16] is 6 bits. Two neurons, each
            // rounded exactly (one 7-bit chunk: sign + identity lookup) then looked up: 6 lookups at 6 bits.
            "Hidden: 3 -> 2, 6 active weights, accumulator [-2518, 2072] (13 bits), rounded 7 LSBs -> 6-bit TLU, 2 PBS, " + CostText.Summary(6 * CostText.Lookup(6))));
        test.ExpectedDiagnostics.Add(Info("FHE0006", 1,
            "Output: 2 -> 1, 2 active weights, accumulator [-105, 105] (8 bits), output layer (no TLU)"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Summary_without_rounding_and_pruned_weights()
    {
        var test = new FheAnalyzerTest(AllOnes.Replace("public partial", "[Prune(\"Hidden\", MaxActiveInputs = 2)]\npublic partial"), summaries: true);
        test.ExpectedDiagnostics.Add(Info("FHE0006", 0, "Hidden: 4 -> 2, 4 active weights, accumulator [0, 210] (8 bits), 8-bit TLU, 2 PBS, " + CostText.Summary(2 * CostText.Lookup(8))));
        test.ExpectedDiagnostics.Add(Info("FHE0006", 1, "Output: 2 -> 1, 2 active weights, accumulator [-105, 105] (8 bits), output layer (no TLU)"));
        await test.RunAsync();
    }
}
