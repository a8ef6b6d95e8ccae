using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;

namespace FheGen.Compiler.Tests;

public class ValidationTests
{
    private const string Invalid = DiagnosticIds.InvalidAttribute;
    private const string Shape = DiagnosticIds.ShapeMismatch;
    private const string NotCompileTime = DiagnosticIds.NotCompileTime;

    private static (LayerSpec Spec, LayerSource Source) Hidden(MemberStatus weights = MemberStatus.Ok, float[]? w = null, MemberStatus bias = MemberStatus.Ok,
        float[]? b = null, bool biasExplicit = false, string name = "hidden", int outputs = 2, ActivationKind activation = ActivationKind.Relu,
        double? outMin = 0, double? outMax = 2)
        => (new LayerSpec
        {
            Name = name,
            Outputs = outputs,
            Activation = activation,
            OutputMin = outMin,
            OutputMax = outMax,
            Weights = new EquatableArray<float>(w ?? new float[] { 1, -1, 0.5f, 0.25f }),
            Bias = new EquatableArray<float>(b ?? new float[] { 0.1f, -0.1f }),
        }, new LayerSource { BiasMember = name + "Bias", BiasExplicit = biasExplicit, WeightsStatus = weights, BiasStatus = bias });

    private static SpecBuilder WithHidden((LayerSpec Spec, LayerSource Source) hidden) => SpecBuilder.Create(2).Layer(hidden)
        .Dense("out", 1, new float[] { 1, -1 }, new float[] { 0 }, ActivationKind.Identity);

    private sealed record Case(Func<SpecBuilder> Builder, string Id, TargetKind Kind, int Index, string? Argument, string MessagePart);

    private static readonly Dictionary<string, Case> Cases = new Dictionary<string, Case>
    {
        ["not partial"] = new Case(() => SpecBuilder.TwoLayers().NotPartial(), NotCompileTime, TargetKind.ModelType, 0, null, "must be declared partial"),
        ["Inputs 0"] = new Case(() => SpecBuilder.Create(0).Dense("out", 1, Array.Empty<float>()), Invalid, TargetKind.ModelAttribute, 0, "Inputs", "it is 0"),
        ["OutputMin on the last layer"] = new Case(() => SpecBuilder.Create(2).Layer(Hidden())
                .Layer(new LayerSpec
                {
                    Name = "out",
                    Outputs = 1,
                    Activation = ActivationKind.Identity,
                    OutputMin = 0,
                    OutputMax = 1,
                    Weights = EquatableArray.Of(1f, -1f),
                }),
            Invalid, TargetKind.Dense, 1, "OutputMin", "it takes no OutputMin/OutputMax"),
        ["InputBits 0"] = new Case(() => SpecBuilder.TwoLayers().InputBits(0), Invalid, TargetKind.ModelAttribute, 0, "InputBits", "InputBits must be between 1 and 16; it is 0"),
        ["InputBits 17"] = new Case(() => SpecBuilder.TwoLayers().InputBits(17), Invalid, TargetKind.ModelAttribute, 0, "InputBits", "it is 17"),
        ["InputMin = InputMax"] = new Case(() => SpecBuilder.TwoLayers().InputRange(1, 1), Invalid, TargetKind.ModelAttribute, 0, "InputMin", "below InputMax"),
        ["InputMin > InputMax"] = new Case(() => SpecBuilder.TwoLayers().InputRange(2, 1), Invalid, TargetKind.ModelAttribute, 0, "InputMin", "they are 2 and 1"),
        ["InputMin NaN"] = new Case(() => SpecBuilder.TwoLayers().InputRange(double.NaN, 1), Invalid, TargetKind.ModelAttribute, 0, "InputMin", "finite"),
        ["InputMax infinite"] = new Case(() => SpecBuilder.TwoLayers().InputRange(0, double.PositiveInfinity), Invalid, TargetKind.ModelAttribute, 0, "InputMin", "finite"),
        ["budget 0"] = new Case(() => SpecBuilder.TwoLayers().Budget(0), Invalid, TargetKind.ModelAttribute, 0, "PbsBudgetBits", "it is 0"),
        ["budget 17"] = new Case(() => SpecBuilder.TwoLayers().Budget(17), Invalid, TargetKind.ModelAttribute, 0, "PbsBudgetBits", "it is 17"),
        ["PError negative"] = new Case(() => SpecBuilder.TwoLayers().PError(-0.1), Invalid, TargetKind.ModelAttribute, 0, "PError", "[0, 1)"),
        ["PError 1"] = new Case(() => SpecBuilder.TwoLayers().PError(1), Invalid, TargetKind.ModelAttribute, 0, "PError", "it is 1"),
        ["PError NaN"] = new Case(() => SpecBuilder.TwoLayers().PError(double.NaN), Invalid, TargetKind.ModelAttribute, 0, "PError", "NaN"),
        ["no layers"] = new Case(() => SpecBuilder.Create(2), Invalid, TargetKind.ModelAttribute, 0, null, "declares no [Dense] layer"),
        ["empty layer name"] = new Case(() => WithHidden(Hidden(name: "")), Invalid, TargetKind.Dense, 0, "field", "has no name"),
        ["duplicate layer name"] = new Case(() => SpecBuilder.Create(2).Layer(Hidden(name: "out")).Dense("out", 1, new float[] { 1, -1 }),
            Invalid, TargetKind.Dense, 1, "field", "'out' is declared twice"),
        ["outputs 0"] = new Case(() => SpecBuilder.Create(2).Dense("out", 0, Array.Empty<float>()), Invalid, TargetKind.Dense, 0, "outputs", "it is 0"),
        ["unknown activation"] = new Case(() => WithHidden(Hidden(activation: (ActivationKind)99)), Invalid, TargetKind.Dense, 0, "Activation", "unknown activation 99"),
        ["OutputMin alone"] = new Case(() => WithHidden(Hidden(outMin: 0, outMax: null)), Invalid, TargetKind.Dense, 0, "OutputMin", "given together"),
        ["OutputMax alone"] = new Case(() => WithHidden(Hidden(outMin: null, outMax: 1)), Invalid, TargetKind.Dense, 0, "OutputMax", "given together"),
        ["OutputMin >= OutputMax"] = new Case(() => WithHidden(Hidden(outMin: 1, outMax: 1)), Invalid, TargetKind.Dense, 0, "OutputMin", "below OutputMax"),
        ["weights missing"] = new Case(() => WithHidden(Hidden(weights: MemberStatus.Missing, w: Array.Empty<float>())), Shape, TargetKind.Dense, 0, "field", "no static member 'hidden'"),
        ["explicit bias missing"] = new Case(() => WithHidden(Hidden(bias: MemberStatus.Missing, b: Array.Empty<float>(), biasExplicit: true)),
            Shape, TargetKind.Dense, 0, "Bias", "no static member 'hiddenBias'"),
        ["weights not constant"] = new Case(() => WithHidden(Hidden(weights: MemberStatus.NotConstant, w: Array.Empty<float>())),
            NotCompileTime, TargetKind.Weights, 0, null, "compile-time constant"),
        ["FeatureMax missing"] = new Case(() => SpecBuilder.TwoLayers().FeatureRanges(new float[] { 0, 0 }, null),
            Shape, TargetKind.FeatureRange, 0, null, "no static member 'FeatureMax' holds the other end (expected 2 floats)"),
        ["FeatureMin missing"] = new Case(() => SpecBuilder.TwoLayers().FeatureRanges(null, new float[] { 1, 1 }),
            Shape, TargetKind.FeatureRange, 1, null, "no static member 'FeatureMin'"),
        ["FeatureMin wrong length"] = new Case(() => SpecBuilder.TwoLayers().FeatureRanges(new float[] { 0, 0, 0 }, new float[] { 1, 1 }),
            Shape, TargetKind.FeatureRange, 0, null, "'FeatureMin' has 3 values; the model has 2 inputs"),
        ["feature range empty"] = new Case(() => SpecBuilder.TwoLayers().FeatureRanges(new float[] { 0, 2 }, new float[] { 1, 2 }),
            Invalid, TargetKind.FeatureRange, 1, null, "input feature 1: its range [2, 2] must be finite with 'FeatureMin' below 'FeatureMax'"),
        ["feature range NaN"] = new Case(() => SpecBuilder.TwoLayers().FeatureRanges(new float[] { float.NaN, 0 }, new float[] { 1, 1 }),
            Invalid, TargetKind.FeatureRange, 0, null, "input feature 0: its range [NaN, 1]"),
        ["feature ranges and InputMin"] = new Case(() => SpecBuilder.TwoLayers().FeatureRanges(new float[] { 0, 0 }, new float[] { 1, 1 }).InputRangeExplicit(),
            Invalid, TargetKind.ModelAttribute, 0, "InputMin", "remove InputMin and InputMax from [FheModel]"),
        ["bias not constant"] = new Case(() => WithHidden(Hidden(bias: MemberStatus.NotConstant, b: Array.Empty<float>())),
            NotCompileTime, TargetKind.Bias, 0, null, "compile-time constant"),
        ["weights wrong type"] = new Case(() => WithHidden(Hidden(weights: MemberStatus.WrongType, w: Array.Empty<float>())),
            Shape, TargetKind.Weights, 0, null, "static readonly float[]"),
        ["bias wrong type"] = new Case(() => WithHidden(Hidden(bias: MemberStatus.WrongType, b: Array.Empty<float>())),
            Shape, TargetKind.Bias, 0, null, "static readonly float[]"),
        ["weights too short"] = new Case(() => WithHidden(Hidden(w: new float[] { 1, 2, 3 })), Shape, TargetKind.Weights, 0, null, "has 3 values; shape [2, 2] needs 4"),
        ["weights too long"] = new Case(() => SpecBuilder.TwoLayers().Dense("extra", 1, new float[] { 1, 2 }), Shape, TargetKind.Weights, 2, null, "shape [1, 1] needs 1"),
        ["bias too long"] = new Case(() => WithHidden(Hidden(b: new float[] { 1, 2, 3 })), Shape, TargetKind.Bias, 0, null, "has 3 values; shape [2] needs 2"),
        ["NaN weight"] = new Case(() => WithHidden(Hidden(w: new float[] { 1, float.NaN, 0, 0 })), Invalid, TargetKind.Weights, 0, null, "'hidden'[1] is NaN"),
        ["infinite bias"] = new Case(() => WithHidden(Hidden(b: new float[] { 0, float.NegativeInfinity })), Invalid, TargetKind.Bias, 0, null, "[1] is -"),
        ["Quantize unknown layer"] = new Case(() => SpecBuilder.TwoLayers().Quantize("nope", 4), Invalid, TargetKind.Quantize, 0, "layer", "unknown layer 'nope'; layers are 'hidden', 'out'"),
        ["Quantize default twice"] = new Case(() => SpecBuilder.TwoLayers().Quantize(null, 4).Quantize(null, 5), Invalid, TargetKind.Quantize, 1, null, "sets the model default twice"),
        ["Quantize layer twice"] = new Case(() => SpecBuilder.TwoLayers().Quantize("out", 4).Quantize("hidden", 3).Quantize("out", 5), Invalid, TargetKind.Quantize, 2, null, "given twice for layer 'out'"),
        ["WeightBits 1"] = new Case(() => SpecBuilder.TwoLayers().Quantize("hidden", 1), Invalid, TargetKind.Quantize, 0, "WeightBits", "it is 1"),
        ["WeightBits 17"] = new Case(() => SpecBuilder.TwoLayers().Quantize(null, 17), Invalid, TargetKind.Quantize, 0, "WeightBits", "it is 17"),
        ["ActivationBits 0"] = new Case(() => SpecBuilder.TwoLayers().Quantize("hidden", null, 0), Invalid, TargetKind.Quantize, 0, "ActivationBits", "it is 0"),
        ["ActivationBits 17"] = new Case(() => SpecBuilder.TwoLayers().Quantize(null, 4, 17), Invalid, TargetKind.Quantize, 0, "ActivationBits", "it is 17"),
        ["Prune unknown layer"] = new Case(() => SpecBuilder.TwoLayers().Prune("nope", 1), Invalid, TargetKind.Prune, 0, "layer", "[Prune] names unknown layer 'nope'"),
        ["Prune without MaxActiveInputs"] = new Case(() => SpecBuilder.TwoLayers().Prune("hidden", null), Invalid, TargetKind.Prune, 0, null, "needs MaxActiveInputs"),
        ["MaxActiveInputs 0"] = new Case(() => SpecBuilder.TwoLayers().Prune(null, 0), Invalid, TargetKind.Prune, 0, "MaxActiveInputs", "it is 0"),
        ["Prune default twice"] = new Case(() => SpecBuilder.TwoLayers().Prune(null, 1).Prune(null, 2), Invalid, TargetKind.Prune, 1, null, "[Prune] sets the model default twice"),
        ["Round unknown layer"] = new Case(() => SpecBuilder.TwoLayers().Round("nope", 4), Invalid, TargetKind.Round, 0, "layer", "[RoundAccumulator] names unknown layer"),
        ["Round without Bits"] = new Case(() => SpecBuilder.TwoLayers().Round("hidden", null), Invalid, TargetKind.Round, 0, null, "needs Bits"),
        ["Round Bits 0"] = new Case(() => SpecBuilder.TwoLayers().Round("hidden", 0), Invalid, TargetKind.Round, 0, "Bits", "it is 0"),
        ["Round Bits 17"] = new Case(() => SpecBuilder.TwoLayers().Round(null, 17), Invalid, TargetKind.Round, 0, "Bits", "it is 17"),
        ["Round on last layer"] = new Case(() => SpecBuilder.TwoLayers().Round("out", 4), Invalid, TargetKind.Round, 0, null, "'out' is the last layer"),
        ["Round layer twice"] = new Case(() => SpecBuilder.TwoLayers().Round("hidden", 4).Round("hidden", 5), Invalid, TargetKind.Round, 1, null, "given twice for layer 'hidden'"),
        ["Range unknown layer"] = new Case(() => SpecBuilder.TwoLayers().Range("nope", 0, 1), Invalid, TargetKind.Range, 0, "layer", "[ActivationRange] names unknown layer"),
        ["Range min >= max"] = new Case(() => SpecBuilder.TwoLayers().Range("hidden", 1, 0), Invalid, TargetKind.Range, 0, null, "min below max"),
        ["Range on last layer"] = new Case(() => SpecBuilder.TwoLayers().Range("out", 0, 1), Invalid, TargetKind.Range, 0, null, "takes no activation range"),
    };

    public static TheoryData<string> CaseNames => new TheoryData<string>(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Invalid_spec_gives_one_error_and_no_plan(string name)
    {
        var c = Cases[name];
        var result = c.Builder().Compile(CompileOptions.Analysis);
        Assert.Null(result.Plan);
        Assert.True(result.HasErrors);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(c.Id, d.Id);
        Assert.Equal(Severity.Error, d.Severity);
        Assert.Equal(new DiagnosticTarget(c.Kind, c.Index, c.Argument), d.Target);
        Assert.Contains(c.MessagePart, d.Message);
        Assert.Throws<CircuitCompilationException>(() => result.PlanOrThrow());
    }

    [Fact]
    public void The_valid_base_specs_compile_cleanly()
    {
        var result = CircuitCompiler.Compile(SpecBuilder.TwoLayers().Build());
        Assert.NotNull(result.Plan);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(CircuitCompiler.Compile(WithHidden(Hidden()).Build()).Diagnostics);
    }

    [Fact]
    public void A_layer_after_an_all_zero_layer_is_valid_and_reads_constant_zeros()
    {
        // No weight and no bias: the hidden layer's outputs are 0 whatever the input, so the next layer has no input
        // step (the validator once took a 1e-300 step for it and refused the model; found by a random-model test).
        var spec = SpecBuilder.Create(2)
            .Dense("hidden", 2, new float[] { 0, 0, 0, 0 })
            .Dense("out", 1, new float[] { 1e-4f, -0.5e-4f }, activation: ActivationKind.Identity)
            .Quantize(null, weightBits: 8, activationBits: 8)
            .Build();
        var result = CircuitCompiler.Compile(spec);
        Assert.True(result.Diagnostics.All(d => d.Severity != Severity.Error), string.Join("; ", result.Diagnostics));
        var plan = result.PlanOrThrow();
        Assert.Equal(0, plan.Layers[0].PbsCount);
    }

    [Fact]
    public void An_implicit_bias_may_be_missing()
    {
        var result = WithHidden(Hidden(bias: MemberStatus.Missing, b: Array.Empty<float>(), biasExplicit: false)).Compile();
        Assert.Empty(result.Diagnostics);
        var withZeroBias = CircuitCompiler.Compile(WithHidden(Hidden(b: new float[] { 0, 0 })).Build());
        Assert.Equal(withZeroBias.Plan!.Dump(), result.Plan!.Dump());
    }

    [Fact]
    public void Model_default_rounding_is_allowed_and_ignored_on_the_last_layer()
    {
        var result = CircuitCompiler.Compile(SpecBuilder.TwoLayers().Round(null, 2).Build());
        Assert.Empty(result.Diagnostics);
        Assert.Equal(0, result.Plan!.Layers[1].RoundedBits);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var spec = SpecBuilder.TwoLayers().InputBits(0).Quantize("hidden", 1).Round("out", 3).Prune("ghost", 2).Build();
        var result = CircuitCompiler.Compile(spec);
        Assert.Null(result.Plan);
        Assert.Equal(
            new[]
            {
                new DiagnosticTarget(TargetKind.ModelAttribute, 0, "InputBits"),
                new DiagnosticTarget(TargetKind.Quantize, 0, "WeightBits"),
                new DiagnosticTarget(TargetKind.Prune, 0, "layer"),
                new DiagnosticTarget(TargetKind.Round, 0, null),
            },
            result.Diagnostics.Select(d => d.Target));
        Assert.All(result.Diagnostics, d => Assert.Equal(Severity.Error, d.Severity));
    }

    [Fact]
    public void A_bias_too_large_for_the_accumulator_is_an_error()
    {
        var spec = SpecBuilder.Create(2)
            .Dense("h", 1, new float[] { 1e-10f, 0 }, new float[] { 1e10f }, ActivationKind.Relu)
            .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
            .Build();
        var result = CircuitCompiler.Compile(spec);
        Assert.Null(result.Plan);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidAttribute, d.Id);
        Assert.Equal(Severity.Error, d.Severity);
        Assert.Equal(new DiagnosticTarget(TargetKind.Dense, 0), d.Target);
        Assert.Contains("bias of neuron 0 does not fit", d.Message);
    }
}
