using System.Threading.Tasks;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// The project-wide budget, <c>build_property.FheGenPbsBudgetBits</c> (MSBuild property <c>FheGenPbsBudgetBits</c>
/// through <c>CompilerVisibleProperty</c>), read from a global analyzer config; an explicit
/// <c>[FheModel(PbsBudgetBits = ...)]</c> beats it.
/// </summary>
public class BudgetPropertyTests
{
    private static readonly string Budget8Message =
        "layer 'Hidden': accumulator range [0, 420] needs 9 bits; budget is 8 bits. Fits with: " +
        "[RoundAccumulator(\"Hidden\", Bits = 8)] (removes 1 LSB; " + CostText.RoundingNote(CostText.Lookup(9), 9, 1, 8) + "); " +
        "[Quantize(\"Hidden\", WeightBits = 3)] (keeps 3 of 4 weight bits" + CostText.Ratio(CostText.Lookup(8), CostText.Lookup(9)) + "); " +
        "[FheModel(InputBits = 3)] (keeps 3 of 4 input bits" + CostText.Ratio(CostText.Lookup(8), CostText.Lookup(9)) + "). " +
        CostText.NotOffered + "[Prune(\"Hidden\", MaxActiveInputs = 2)] keeps 50 % of |w| mass";

    private static string WithModelArguments(string arguments)
        => OverBudgetTests.AllOnes.Replace("[FheModel(Inputs = 4, InputBits = 4)]", "[{|#2:FheModel(Inputs = 4, InputBits = 4" + arguments + ")|}]");

    [Fact]
    public Task Project_budget_lowers_the_budget()
        => VerifyAsync(OverBudgetTests.AllOnes, "build_property.FheGenPbsBudgetBits = 6",
            Warning("FHE0001", 0,
                "layer 'Hidden': accumulator range [0, 420] needs 9 bits; budget is 6 bits. Fits with: " +
                // round(420 / 8) = 53 < 64.
                "[RoundAccumulator(\"Hidden\", Bits = 6)] (removes 3 LSBs; " + CostText.RoundingNote(CostText.Lookup(9), 9, 3, 6) + "). " +
                // one input is 7 * 15 = 105 > 63; rule floor(63 / 225) = 0.
                CostText.NotOffered + "no MaxActiveInputs fits (even one input per neuron needs more than 6 bits); " +
                // 2-bit weights: 4 * 1 * 15 = 60; 1-bit inputs: 4 * 7 * 1 = 28 (2 bits: 84). Both fit, neither keeps enough.
                "[Quantize(\"Hidden\", WeightBits = 2)] keeps 2 of 4 weight bits; [FheModel(InputBits = 1)] keeps 1 of 4 input bits"));

    [Fact]
    public Task Project_budget_raises_the_budget()
        => VerifyAsync(OverBudgetTests.AllOnes, "build_property.FheGenPbsBudgetBits = 9");

    [Fact]
    public Task Project_budget_is_trimmed()
        => VerifyAsync(OverBudgetTests.AllOnes, "build_property.FheGenPbsBudgetBits =  9 ");

    [Theory]
    [InlineData("build_property.FheGenPbsBudgetBits = ")]
    [InlineData("build_property.SomethingElse = 9")]
    public Task Project_budget_absent_keeps_the_default(string config)
        => VerifyAsync(OverBudgetTests.AllOnes, config, Warning("FHE0001", 0, Budget8Message));

    [Theory]
    [InlineData("six")]
    [InlineData("6.5")]
    [InlineData("0")]
    public Task Project_budget_not_a_bit_count_is_reported_on_the_model_attribute(string value)
        => VerifyAsync(WithModelArguments(""), "build_property.FheGenPbsBudgetBits = " + value,
            Error("FHE0003", 2, $"MSBuild property FheGenPbsBudgetBits is '{value}'; it must be a whole number of bits from 1 to 16"));

    [Fact]
    public Task Explicit_budget_beats_a_higher_project_budget()
        => VerifyAsync(WithModelArguments(", PbsBudgetBits = 8"), "build_property.FheGenPbsBudgetBits = 12",
            Warning("FHE0001", 0, Budget8Message));

    [Fact]
    public Task Explicit_budget_beats_a_lower_project_budget()
        => VerifyAsync(WithModelArguments(", PbsBudgetBits = 9"), "build_property.FheGenPbsBudgetBits = 4");

    [Fact]
    public Task Project_budget_out_of_range_is_reported_on_the_model_attribute()
        // The value comes from MSBuild, not from an argument, so the whole [FheModel] carries it.
        => VerifyAsync(WithModelArguments(""), "build_property.FheGenPbsBudgetBits = 40",
            Error("FHE0003", 2, "MSBuild property FheGenPbsBudgetBits is '40'; it must be a whole number of bits from 1 to 16"));

    [Fact]
    public Task Layer_budget_beats_the_model_and_project_budgets()
        => VerifyAsync(OverBudgetTests.AllOnes.Replace("Activation = Activation.Relu)", "Activation = Activation.Relu, PbsBudgetBits = 9)"),
            "build_property.FheGenPbsBudgetBits = 4");

    [Fact]
    public Task Layer_budget_out_of_range_is_on_the_named_argument()
        => VerifyAsync(OverBudgetTests.AllOnes.Replace("[{|#0:Dense(\"Hidden\", 2, Activation = Activation.Relu)|}]",
                "[Dense(\"Hidden\", 2, Activation = Activation.Relu, {|#0:PbsBudgetBits = 17|})]"),
            Error("FHE0003", 0, "layer 'Hidden': PbsBudgetBits must be between 1 and 16; it is 17"));

    [Fact]
    public async Task Project_budget_changes_the_code_fix_properties()
    {
        var diagnostics = await AnalyzeAsync(Unmarked(OverBudgetTests.AllOnes), "5");
        var d = Assert.Single(diagnostics, x => x.Id == "FHE0001");
        Assert.Equal("5", d.Properties["RoundBits"]);
        Assert.Equal("Hidden", d.Properties["Layer"]);
        Assert.False(d.Properties.ContainsKey("MaxActiveInputs"));
    }
}
