using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Tests;

/// <summary>A fluent builder for <see cref="ModelSpec"/>s, with valid defaults.</summary>
public sealed class SpecBuilder
{
    private string _name = "Model";
    private bool _partial = true;
    private bool _inputRangeExplicit;
    private readonly Dictionary<int, LayerSource> _layerSources = new Dictionary<int, LayerSource>();
    private readonly int _inputs;
    private int _inputBits = 4;
    private double _inputMin;
    private double _inputMax = 1;
    private int _budget = ModelDefaults.PbsBudgetBits;
    private double _pError = Math.Pow(2, -40);
    private float[]? _featureMin, _featureMax;
    private readonly List<LayerSpec> _layers = new List<LayerSpec>();
    private readonly List<QuantizeSetting> _quantize = new List<QuantizeSetting>();
    private readonly List<PruneSetting> _prune = new List<PruneSetting>();
    private readonly List<RoundSetting> _round = new List<RoundSetting>();
    private readonly List<ActivationRangeSetting> _ranges = new List<ActivationRangeSetting>();

    private SpecBuilder(int inputs) => _inputs = inputs;

    public static SpecBuilder Create(int inputs) => new SpecBuilder(inputs);

    public SpecBuilder Name(string name) { _name = name; return this; }
    public SpecBuilder NotPartial() { _partial = false; return this; }
    public SpecBuilder InputBits(int bits) { _inputBits = bits; return this; }
    public SpecBuilder InputRange(double min, double max) { _inputMin = min; _inputMax = max; return this; }
    public SpecBuilder Budget(int bits) { _budget = bits; return this; }
    public SpecBuilder FeatureRanges(float[]? min, float[]? max) { _featureMin = min; _featureMax = max; return this; }
    public SpecBuilder PError(double p) { _pError = p; return this; }

    /// <summary>Adds a dense layer whose weights and (optional) bias are read as constants.</summary>
    public SpecBuilder Dense(string name, int outputs, float[] weights, float[]? bias = null,
        ActivationKind activation = ActivationKind.Relu, double? outputMin = null, double? outputMax = null)
    {
        _layers.Add(new LayerSpec
        {
            Name = name,
            Outputs = outputs,
            Activation = activation,
            OutputMin = outputMin,
            OutputMax = outputMax,
            Weights = new EquatableArray<float>((float[])weights.Clone()),
            Bias = bias is null ? EquatableArray<float>.Empty : new EquatableArray<float>((float[])bias.Clone()),
        });
        return this;
    }

    /// <summary>Adds a raw layer (for invalid shapes and statuses).</summary>
    public SpecBuilder Layer(LayerSpec layer, LayerSource? source = null)
    {
        if (source is not null) _layerSources[_layers.Count] = source;
        _layers.Add(layer);
        return this;
    }

    public SpecBuilder Layer((LayerSpec Spec, LayerSource Source) layer) => Layer(layer.Spec, layer.Source);

    /// <summary>As if InputMin or InputMax were written on [FheModel].</summary>
    public SpecBuilder InputRangeExplicit() { _inputRangeExplicit = true; return this; }

    public SpecBuilder Quantize(string? layer, int? weightBits = null, int? activationBits = null, bool? perChannel = null)
    {
        _quantize.Add(new QuantizeSetting(layer, weightBits, activationBits, perChannel));
        return this;
    }

    public SpecBuilder Prune(string? layer, int? maxActiveInputs)
    {
        _prune.Add(new PruneSetting(layer, maxActiveInputs));
        return this;
    }

    public SpecBuilder Round(string? layer, int? bits)
    {
        _round.Add(new RoundSetting(layer, bits));
        return this;
    }

    public SpecBuilder Range(string layer, double min, double max)
    {
        _ranges.Add(new ActivationRangeSetting(layer, min, max));
        return this;
    }

    public ModelSpec Build() => new ModelSpec
    {
        Name = _name,
        Inputs = _inputs,
        InputBits = _inputBits,
        InputMin = _inputMin,
        InputMax = _inputMax,
        PbsBudgetBits = _budget,
        PError = _pError,
        Layers = EquatableArray.From(_layers),
        Quantize = EquatableArray.From(_quantize),
        Prune = EquatableArray.From(_prune),
        Round = EquatableArray.From(_round),
        Ranges = EquatableArray.From(_ranges),
        FeatureMin = _featureMin is null ? EquatableArray<float>.Empty : new EquatableArray<float>((float[])_featureMin.Clone()),
        FeatureMax = _featureMax is null ? EquatableArray<float>.Empty : new EquatableArray<float>((float[])_featureMax.Clone()),
    };

    /// <summary>The source facts of the built spec: those a spec built in code implies, except where set here.</summary>
    public ModelSource Source()
    {
        var spec = Build();
        var implied = ModelSource.Of(spec);
        var layers = implied.Layers.ToArray();
        foreach (var (index, source) in _layerSources) layers[index] = source;
        return implied with
        {
            IsPartial = _partial,
            InputRangeExplicit = _inputRangeExplicit,
            FeatureMinStatus = _featureMin is null ? MemberStatus.Missing : MemberStatus.Ok,
            FeatureMaxStatus = _featureMax is null ? MemberStatus.Missing : MemberStatus.Ok,
            Layers = new EquatableArray<LayerSource>(layers),
        };
    }

    /// <summary>Compiles the built spec with its source facts.</summary>
    public CompileResult Compile(CompileOptions? options = null) => CircuitCompiler.Compile(Build(), options, Source());

    /// <summary><paramref name="count"/> copies of <paramref name="value"/>.</summary>
    public static float[] Fill(int count, float value) => Enumerable.Repeat(value, count).ToArray();

    /// <summary>A valid single-layer model used as a base for validation tests.</summary>
    public static SpecBuilder TwoLayers() => Create(2)
        .Dense("hidden", 2, new float[] { 1, -1, 0.5f, 0.25f }, new float[] { 0.1f, -0.1f }, ActivationKind.Relu, 0, 2)
        .Dense("out", 1, new float[] { 1, -1 }, new float[] { 0 }, ActivationKind.Identity);
}

/// <summary>Helpers for specs and results.</summary>
public static class SpecExtensions
{
    public static ModelSpec WithRound(this ModelSpec spec, string layer, int bits)
        => spec with { Round = EquatableArray.From(spec.Round.Where(r => r.Layer != layer).Append(new RoundSetting(layer, bits))) };

    public static ModelSpec WithPrune(this ModelSpec spec, string layer, int k)
        => spec with { Prune = EquatableArray.From(spec.Prune.Where(r => r.Layer != layer).Append(new PruneSetting(layer, k))) };

    /// <summary>Sets one field of a layer's <c>[Quantize]</c>, keeping the others.</summary>
    public static ModelSpec WithQuantize(this ModelSpec spec, string layer, int? weightBits = null, int? activationBits = null)
    {
        var old = spec.Quantize.FirstOrDefault(q => q.Layer == layer) ?? new QuantizeSetting(layer, null, null, null);
        var updated = old with { WeightBits = weightBits ?? old.WeightBits, ActivationBits = activationBits ?? old.ActivationBits };
        return spec with { Quantize = EquatableArray.From(spec.Quantize.Where(q => q.Layer != layer).Append(updated)) };
    }

    public static IEnumerable<CompilerDiagnostic> WithId(this CompileResult result, string id)
        => result.Diagnostics.Where(d => d.Id == id);

    /// <summary>A complete, exact text dump of a plan (doubles by their bits), for determinism checks.</summary>
    public static string Dump(this CircuitPlan plan)
    {
        var sb = new StringBuilder();
        string D(double d) => BitConverter.DoubleToInt64Bits(d).ToString("X16", CultureInfo.InvariantCulture);
        string Q(Quantization.UniformQuantizer? q) => q is null ? "null" : $"{q.Bits}/{D(q.Offset)}/{D(q.Scale)}";
        sb.Append($"{plan.Name} {Q(plan.Input)} {plan.Inputs} {D(plan.PError)} {plan.BudgetBits}\n");
        foreach (var l in plan.Layers)
        {
            sb.Append($"L {l.Name} {l.Index} {l.IsOutput} {l.Activation} {Q(l.Input)} {l.Inputs} {l.WeightBits} {l.ActivationBits} " +
                $"{l.PerChannel} {l.MaxActiveInputs} [{string.Join(",", l.WeightScales.Select(D))}] {l.AccumulatorMin} {l.AccumulatorMax} " +
                $"{l.AccumulatorBits} {l.RoundedBits} {l.RoundedExtraBit} {l.TluInputMin} {l.TluInputMax} {l.TluInputBits} {Q(l.Output)}\n");
            foreach (var n in l.Neurons)
            {
                sb.Append($"  N [{string.Join(",", n.InputIndices)}] [{string.Join(",", n.Weights)}] {n.Bias} {n.AccumulatorMin} {n.AccumulatorMax} {n.Table} {n.ConstantOutput}\n");
            }
        }
        foreach (var t in plan.Tables)
        {
            sb.Append($"T {t.Index} {t.InputMin} {t.OutputBits} [{string.Join(",", t.Entries)}]\n");
        }
        return sb.ToString();
    }
}
