using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;

namespace FheGen.Compiler.Tests;

public class SummaryTests
{
    /// <summary>
    /// 64 binary inputs, 32 identical neurons of 48 non-zero 8-bit weights with max 127 (scale 1, q = w):
    /// positives sum to 1203, negatives to -812.
    /// </summary>
    private static ModelSpec Hidden64()
    {
        var row = new List<float> { 127 };
        row.AddRange(Enumerable.Repeat(47f, 18));
        row.AddRange(Enumerable.Repeat(46f, 5));
        row.AddRange(Enumerable.Repeat(-34f, 20));
        row.AddRange(Enumerable.Repeat(-33f, 4));
        row.AddRange(Enumerable.Repeat(0f, 16));
        Assert.Equal(64, row.Count);
        Assert.Equal(1203, row.Where(v => v > 0).Sum());
        Assert.Equal(-812, row.Where(v => v < 0).Sum());
        var weights = Enumerable.Range(0, 32).SelectMany(_ => row).ToArray();
        return SpecBuilder.Create(64).InputBits(1).InputRange(0, 1)
            .Dense("Hidden", 32, weights, null, ActivationKind.Relu, 0, 10)
            .Dense("Out", 1, SpecBuilder.Fill(32, 1), null, ActivationKind.Identity)
            .Quantize("Hidden", 8, 4, null)
            .Round("Hidden", 8)
            .Build();
    }

    [Fact]
    public void Summary_text_matches_the_documented_format()
    {
        var result = CircuitCompiler.Compile(Hidden64(), CompileOptions.Analysis);
        Assert.False(result.HasErrors);
        var summaries = result.WithId(DiagnosticIds.LayerSummary).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.All(summaries, d => Assert.Equal(Severity.Info, d.Severity));
        Assert.Equal(new DiagnosticTarget(TargetKind.Dense, 0), summaries[0].Target);
        // 32 lookups of 8 bits, each after 4 exact rounding steps on a 12-bit accumulator (cost model).
        double ms = 32 * FheGen.Compiler.Cost.CostModel.NeuronLatencyMs(12, 4, 8, result.Plan!.PError, FheGen.Compiler.Model.RoundingKind.Exact);
        Assert.Equal("Hidden: 64 -> 32, 1536 active weights, accumulator [-812, 1203] (12 bits), rounded 4 LSBs -> 8-bit TLU, 32 PBS, " +
            $"est. {FheGen.Compiler.Cost.CostModel.FormatLatency(ms)} on one core",
            summaries[0].Message);
        // Out sees Hidden's 4-bit output in [0, 10]: 32 weights of 1.0 (4-bit: q = 7), 32 * 7 * 15 = 3360.
        Assert.Equal("Out: 32 -> 1, 32 active weights, accumulator [0, 3360] (12 bits), output layer (no TLU)", summaries[1].Message);
        Assert.Empty(result.WithId(DiagnosticIds.OverBudget));
    }

    [Fact]
    public void Summary_without_rounding_and_with_constant_neurons()
    {
        var spec = SpecBuilder.Create(2).InputBits(2).InputRange(0, 3)
            .Dense("h", 2, new float[] { 1, -1, 0, 0 }, null, ActivationKind.Identity, -3, 4)
            .Dense("out", 1, new float[] { 1, 1 }, null, ActivationKind.Identity)
            .Quantize("h", 2, 3, null)
            .Build();
        var d = CircuitCompiler.Compile(spec, CompileOptions.Analysis).WithId(DiagnosticIds.LayerSummary).First();
        Assert.Equal("h: 2 -> 2, 2 active weights, accumulator [-3, 3] (3 bits), 3-bit TLU, 1 PBS, " +
            $"est. {FheGen.Compiler.Cost.CostModel.FormatLatency(FheGen.Compiler.Cost.CostModel.PbsLatencyMs(3, spec.PError))} on one core", d.Message);
    }

    [Fact]
    public void Generator_options_emit_no_summaries()
    {
        Assert.Empty(CircuitCompiler.Compile(Hidden64(), CompileOptions.Generator).Diagnostics);
    }

    /// <summary>Diagnostics are sorted errors first, and within one severity keep declaration (layer) order.</summary>
    [Fact]
    public void Summaries_keep_layer_order_in_deep_models()
    {
        var b = SpecBuilder.Create(2).InputBits(2).Budget(3);
        for (int i = 0; i < 23; i++)
        {
            b.Dense("l" + i, 2, new float[] { 1, -0.5f, 0.25f, 1 }, null, ActivationKind.Relu, 0, 1);
        }
        // The last layer is not requantized, so it takes no output range.
        b.Dense("l23", 2, new float[] { 1, -0.5f, 0.25f, 1 }, null, ActivationKind.Identity);
        var result = CircuitCompiler.Compile(b.Build(), CompileOptions.Analysis);
        Assert.NotNull(result.Plan);
        var severities = result.Diagnostics.Select(d => d.Severity).ToList();
        Assert.Equal(severities.OrderByDescending(s => s).ToList(), severities);
        var warnings = result.WithId(DiagnosticIds.OverBudget).Select(d => d.Target.Index).ToList();
        var summaries = result.WithId(DiagnosticIds.LayerSummary).Select(d => d.Target.Index).ToList();
        Assert.True(warnings.Count > 16, $"{warnings.Count} warnings");
        Assert.Equal(Enumerable.Range(0, 24), summaries);
        Assert.Equal(warnings.OrderBy(i => i), warnings);
    }
}

public class DeterminismTests
{
    [Fact]
    public void Compiling_twice_gives_identical_plans()
    {
        RandomModels.Models().Sample(spec =>
        {
            var a = CircuitCompiler.Compile(spec);
            // Rebuild the spec from fresh arrays: equal content, different instances.
            var copy = Rebuild(spec);
            Assert.NotSame(spec, copy);
            var b = CircuitCompiler.Compile(copy);
            Assert.Equal(a.Plan is null, b.Plan is null);
            Assert.Equal(a.Diagnostics.Select(d => d.ToString()), b.Diagnostics.Select(d => d.ToString()));
            if (a.Plan is not null) Assert.Equal(a.Plan.Dump(), b.Plan!.Dump());
        }, iter: 300);
    }

    internal static ModelSpec Rebuild(ModelSpec spec) => spec with
    {
        Name = new string(spec.Name.ToCharArray()),
        Layers = EquatableArray.From(spec.Layers.Select(l => l with
        {
            Weights = new EquatableArray<float>(l.Weights.ToArray()),
            Bias = new EquatableArray<float>(l.Bias.ToArray()),
        })),
        Quantize = EquatableArray.From(spec.Quantize.Select(q => q with { })),
        Prune = EquatableArray.From(spec.Prune.Select(q => q with { })),
        Round = EquatableArray.From(spec.Round.Select(q => q with { })),
        Ranges = EquatableArray.From(spec.Ranges.Select(q => q with { })),
    };

    [Fact]
    public void Specs_have_value_equality()
    {
        RandomModels.Models().Sample(spec =>
        {
            var copy = Rebuild(spec);
            Assert.Equal(spec, copy);
            Assert.True(spec == copy);
            Assert.Equal(spec.GetHashCode(), copy.GetHashCode());

            // Changing one weight breaks equality.
            int li = spec.Layers.Count - 1;
            var w = spec.Layers[li].Weights.ToArray();
            w[w.Length - 1] += 0.125f;
            var changed = spec with
            {
                Layers = EquatableArray.From(spec.Layers.Select((l, i) => i == li ? l with { Weights = new EquatableArray<float>(w) } : l)),
            };
            Assert.NotEqual(spec, changed);
            Assert.NotEqual(copy, changed);
        }, iter: 300);
    }

    [Fact]
    public void Every_field_takes_part_in_equality()
    {
        var spec = SpecBuilder.TwoLayers().Quantize(null, 4).Prune("hidden", 1).Round("hidden", 3).Range("hidden", 0, 1).Build();
        var same = SpecBuilder.TwoLayers().Quantize(null, 4).Prune("hidden", 1).Round("hidden", 3).Range("hidden", 0, 1).Build();
        Assert.Equal(spec, same);
        Assert.Equal(spec.GetHashCode(), same.GetHashCode());
        var variants = new[]
        {
            spec with { Name = "Other" },
            spec with { InputBits = 5 },
            spec with { InputMax = 2 },
            spec with { PbsBudgetBits = 7 },
            spec with { PError = 0.01 },
            spec with { Quantize = EquatableArray.Of(new QuantizeSetting(null, 5, null, null)) },
            spec with { Prune = EquatableArray.Of(new PruneSetting("hidden", 2)) },
            spec with { Round = EquatableArray.Of(new RoundSetting("hidden", 4)) },
            spec with { Ranges = EquatableArray.Of(new ActivationRangeSetting("hidden", 0, 2)) },
            spec with { Layers = EquatableArray.Of(spec.Layers[0] with { Bias = EquatableArray.Of(0.1f, -0.2f) }, spec.Layers[1]) },
            spec with { Layers = EquatableArray.Of(spec.Layers[0] with { Activation = ActivationKind.Tanh }, spec.Layers[1]) },
            spec with { Layers = EquatableArray.Of(spec.Layers[0]) },
        };
        foreach (var v in variants) Assert.NotEqual(spec, v);
    }

    [Fact]
    public void Equatable_array_compares_by_content()
    {
        var a = EquatableArray.Of(1f, 2f, 3f);
        var b = EquatableArray.From(new List<float> { 1f, 2f, 3f });
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, EquatableArray.Of(1f, 2f));
        Assert.NotEqual(a, EquatableArray.Of(1f, 2f, 4f));
        Assert.Equal(default(EquatableArray<float>), EquatableArray<float>.Empty);
        Assert.Empty(default(EquatableArray<float>));
        Assert.Equal(EquatableArray.Of(float.NaN), EquatableArray.Of(float.NaN));
        var source = new[] { 1f, 2f };
        var copy = EquatableArray.From(source);
        source[0] = 9;
        Assert.Equal(1f, copy[0]); // From copies
        var arr = copy.ToArray();
        arr[0] = 7;
        Assert.Equal(1f, copy[0]); // ToArray copies
    }
}

public class LayerSettingsTests
{
    [Fact]
    public void Layer_settings_override_model_defaults_which_override_builtins()
    {
        var spec = SpecBuilder.Create(2)
            .Dense("a", 2, new float[] { 1, 1, 1, 1 }, null, ActivationKind.Relu)
            .Dense("b", 2, new float[] { 1, 1, 1, 1 }, null, ActivationKind.Relu, -1, 1)
            .Dense("c", 1, new float[] { 1, 1 }, null, ActivationKind.Identity)
            .Quantize(null, 6, null, true)
            .Quantize("b", 3, 5, null)
            .Prune(null, 1)
            .Prune("a", 2)
            .Round(null, 5)
            .Range("a", -2, 3)
            .Range("b", 0, 9)
            .Build();
        Assert.Equal(new LayerSettings(6, ModelDefaults.ActivationBits, true, 2, 5, -2, 3), LayerSettings.Resolve(spec, 0));
        // b: Dense's explicit range wins over the calibrated one.
        Assert.Equal(new LayerSettings(3, 5, true, 1, 5, -1, 1), LayerSettings.Resolve(spec, 1));
        // c: the model's rounding default does not reach the output layer.
        Assert.Equal(new LayerSettings(6, ModelDefaults.ActivationBits, true, 1, null, null, null), LayerSettings.Resolve(spec, 2));

        var bare = SpecBuilder.TwoLayers().Build();
        Assert.Equal(new LayerSettings(ModelDefaults.WeightBits, ModelDefaults.ActivationBits, false, null, null, 0, 2), LayerSettings.Resolve(bare, 0));
    }
}
