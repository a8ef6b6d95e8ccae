using System.Linq;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;

namespace FheGen.Compiler.Tests;

/// <summary>FHE0011: settings recorded by quantization-aware training are compared with those the spec resolves to.</summary>
public class TrainingCheckTests
{
    // hidden: 2 inputs, 4-bit weights and activations (defaults), no pruning or rounding; out: identity.
    private static ModelSpec Spec(params TrainedSetting[] trained) => SpecBuilder.TwoLayers().Build() with
    {
        Trained = new EquatableArray<TrainedSetting>(trained),
    };

    private static CompilerDiagnostic[] Mismatches(ModelSpec spec)
    {
        var result = CircuitCompiler.Compile(spec);
        Assert.NotNull(result.Plan);
        return result.Diagnostics.Where(d => d.Id == DiagnosticIds.TrainingMismatch).ToArray();
    }

    [Fact]
    public void Matching_records_are_silent()
    {
        var spec = Spec(
            new TrainedSetting(null) { InputBits = 4, InputMin = 0, InputMax = 1 },
            new TrainedSetting("hidden") { WeightBits = 4, ActivationBits = 4, PerChannel = false, MaxActiveInputs = 0, RoundBits = 0 },
            new TrainedSetting("out") { WeightBits = 4, PerChannel = false, MaxActiveInputs = 0 });
        Assert.Empty(Mismatches(spec));
    }

    [Fact]
    public void Settings_that_were_not_recorded_are_not_checked()
    {
        Assert.Empty(Mismatches(Spec(new TrainedSetting("hidden"), new TrainedSetting(null))));
    }

    [Fact]
    public void Each_differing_setting_is_named_with_both_values_and_points_at_its_record()
    {
        var spec = Spec(
            new TrainedSetting(null) { InputBits = 3 },
            new TrainedSetting("hidden") { WeightBits = 3, ActivationBits = 4, RoundBits = 5, RoundMethod = RoundingKind.Exact });
        var found = Mismatches(spec);
        Assert.Equal(2, found.Length);
        Assert.All(found, d => Assert.Equal(Severity.Warning, d.Severity));
        Assert.Equal(new DiagnosticTarget(TargetKind.Trained, 0), found[0].Target);
        Assert.Equal("the inputs were trained (quantization-aware) with InputBits = 3 but compiles with 4; " +
            "the weights are tuned for the trained settings: retrain, or restore them", found[0].Message);
        Assert.Equal(new DiagnosticTarget(TargetKind.Trained, 1), found[1].Target);
        Assert.Contains("layer 'hidden' was trained (quantization-aware) with WeightBits = 3 but compiles with 4, " +
            "RoundAccumulator.Bits = 5 but compiles with 0;", found[1].Message);
        // No rounding now: the method is not compared on top of the missing rounding.
        Assert.DoesNotContain("Method", found[1].Message);
    }

    [Fact]
    public void Pruning_is_compared_in_its_recorded_form()
    {
        // MaxActiveInputs at least the fan-in prunes nothing and is recorded as 0.
        Assert.Empty(Mismatches(Spec(new TrainedSetting("hidden") { MaxActiveInputs = 0 }).WithPrune("hidden", 2)));
        Assert.Equal(0, TrainingCheck.ActiveInputs(SpecBuilder.TwoLayers().Build(), 0, 5));
        Assert.Equal(1, TrainingCheck.ActiveInputs(SpecBuilder.TwoLayers().Build(), 0, 1));
        var d = Assert.Single(Mismatches(Spec(new TrainedSetting("hidden") { MaxActiveInputs = 1 })));
        Assert.Contains("MaxActiveInputs = 1 but compiles with 0", d.Message);
        Assert.Empty(Mismatches(Spec(new TrainedSetting("hidden") { MaxActiveInputs = 1 }).WithPrune("hidden", 1)));
    }

    [Fact]
    public void Rounding_method_and_per_channel_changes_are_reported()
    {
        var spec = Spec(new TrainedSetting("hidden") { RoundBits = 2, RoundMethod = RoundingKind.Approximate, PerChannel = true }).WithRound("hidden", 2);
        var d = Assert.Single(Mismatches(spec));
        Assert.Contains("PerChannel = true but compiles with false", d.Message);
        Assert.Contains("RoundAccumulator.Method = Approximate but compiles with Exact", d.Message);
    }

    [Fact]
    public void A_record_for_a_layer_that_is_gone_is_reported()
    {
        var d = Assert.Single(Mismatches(Spec(new TrainedSetting("hidden2") { WeightBits = 4 })));
        Assert.Contains("'hidden2' that the model no longer declares", d.Message);
    }

    [Fact]
    public void The_output_layer_has_no_activation_or_rounding_to_compare()
    {
        Assert.Empty(Mismatches(Spec(new TrainedSetting("out") { ActivationBits = 2, RoundBits = 3 })));
    }
}
