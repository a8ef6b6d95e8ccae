using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;
using FheGen.Compiler.Model;

namespace FheGen.Generators.Tests.Generator;

/// <summary>How a weight or bias member is declared in source.</summary>
internal enum MemberStyle
{
    /// <summary><c>static readonly float[] W = { ... };</c></summary>
    Initializer,
    /// <summary><c>static readonly float[] W = new float[] { ... };</c></summary>
    NewArray,
    /// <summary><c>static readonly float[] W = [ ... ];</c></summary>
    Collection,
    /// <summary><c>static ReadOnlySpan&lt;float&gt; W => new float[] { ... };</c></summary>
    SpanProperty,
}

/// <summary>Where a layer's bias lives.</summary>
internal enum BiasKind
{
    /// <summary>No bias member: zero bias.</summary>
    None,
    /// <summary>The default member, <c>Name + "Bias"</c>.</summary>
    Default,
    /// <summary>A member named by <c>[Dense(Bias = ...)]</c>.</summary>
    Named,
}

/// <summary>Where a hidden layer's activation range comes from.</summary>
internal enum RangeKind
{
    None,
    Dense,
    Attribute,
}

internal sealed record RandomLayer(
    string Name,
    int Inputs,
    int Outputs,
    ActivationKind Activation,
    float[] Weights,
    MemberStyle WeightStyle,
    BiasKind BiasKind,
    float[] Bias,
    MemberStyle BiasStyle,
    RangeKind RangeKind,
    double RangeMin,
    double RangeMax)
{
    public string BiasMember => BiasKind == BiasKind.Named ? "B_" + Name : Name + "Bias";
}

internal sealed record RandomModel(
    string Name,
    int Inputs,
    int InputBits,
    double InputMin,
    double InputMax,
    int? Budget,
    double? PError,
    RandomLayer[] Layers,
    QuantizeSetting[] Quantize,
    PruneSetting[] Prune,
    RoundSetting[] Round,
    long[][] InputVectors,
    float[][] Features)
{
    /// <summary>Per-feature input ranges (members <c>FeatureMin</c>, <c>FeatureMax</c>) instead of InputMin/InputMax; null for none.</summary>
    public float[]? FeatureMin { get; init; }

    /// <summary>The per-feature maximums, with <see cref="FeatureMin"/>.</summary>
    public float[]? FeatureMax { get; init; }

    /// <summary>How the range members are declared.</summary>
    public MemberStyle FeatureStyle { get; init; }

    /// <summary>The spec the generator should extract (budget: the attribute's or the default 8).</summary>
    public ModelSpec ExpectedSpec(int? projectBudget = null)
    {
        var layers = Layers.Select(l => new LayerSpec
        {
            Name = l.Name,
            Outputs = l.Outputs,
            Activation = l.Activation,
            OutputMin = l.RangeKind == RangeKind.Dense ? l.RangeMin : null,
            OutputMax = l.RangeKind == RangeKind.Dense ? l.RangeMax : null,
            Weights = new EquatableArray<float>(l.Weights),
            Bias = l.BiasKind == BiasKind.None ? EquatableArray<float>.Empty : new EquatableArray<float>(l.Bias),
        }).ToArray();
        var ranges = Layers.Where(l => l.RangeKind == RangeKind.Attribute)
            .Select(l => new ActivationRangeSetting(l.Name, l.RangeMin, l.RangeMax)).ToArray();
        bool perFeature = FeatureMin is not null;
        return new ModelSpec
        {
            Name = Name,
            Inputs = Inputs,
            InputBits = InputBits,
            InputMin = perFeature ? 0 : InputMin,
            InputMax = perFeature ? 1 : InputMax,
            PbsBudgetBits = Budget ?? projectBudget ?? ModelDefaults.PbsBudgetBits,
            PError = PError ?? ModelDefaults.PError,
            Layers = new EquatableArray<LayerSpec>(layers),
            Quantize = new EquatableArray<QuantizeSetting>(Quantize),
            Prune = new EquatableArray<PruneSetting>(Prune),
            Round = new EquatableArray<RoundSetting>(Round),
            Ranges = new EquatableArray<ActivationRangeSetting>(ranges),
            FeatureMin = perFeature ? new EquatableArray<float>(FeatureMin!) : EquatableArray<float>.Empty,
            FeatureMax = perFeature ? new EquatableArray<float>(FeatureMax!) : EquatableArray<float>.Empty,
        };
    }

    /// <summary>The source facts the generator should extract beside <see cref="ExpectedSpec"/>.</summary>
    public ModelSource ExpectedSource() => new ModelSource
    {
        PErrorExplicit = PError is not null,
        InputRangeExplicit = FeatureMin is null,
        FeatureMinStatus = FeatureMin is null ? MemberStatus.Missing : MemberStatus.Ok,
        FeatureMaxStatus = FeatureMax is null ? MemberStatus.Missing : MemberStatus.Ok,
        Layers = new EquatableArray<LayerSource>(Layers.Select(l => new LayerSource
        {
            BiasMember = l.BiasMember,
            BiasExplicit = l.BiasKind == BiasKind.Named,
            WeightsStatus = MemberStatus.Ok,
            BiasStatus = l.BiasKind == BiasKind.None ? MemberStatus.Missing : MemberStatus.Ok,
        }).ToArray()),
    };

    /// <summary>The float model computed directly from the declared weights (double accumulation).</summary>
    public double[] FloatForward(ReadOnlySpan<float> features)
    {
        double[] x = features.ToArray().Select(f => (double)f).ToArray();
        foreach (var l in Layers)
        {
            var y = new double[l.Outputs];
            for (int j = 0; j < l.Outputs; j++)
            {
                double z = l.BiasKind == BiasKind.None ? 0 : l.Bias[j];
                for (int i = 0; i < l.Inputs; i++) z += (double)l.Weights[j * l.Inputs + i] * x[i];
                y[j] = Activations.Apply(l.Activation, (float)z);
            }
            x = y.Select(v => (double)(float)v).ToArray();
        }
        return x;
    }

    /// <summary>The C# declaration of the model, in namespace <paramref name="ns"/>.</summary>
    public string Source(string ns)
    {
        var s = new StringBuilder();
        s.Append("using System;\nusing FheGen;\n\nnamespace ").Append(ns).Append("\n{\n");
        s.Append("    [FheModel(Inputs = ").Append(Inputs).Append(", InputBits = ").Append(InputBits);
        if (FeatureMin is null) s.Append(", InputMin = ").Append(D(InputMin)).Append(", InputMax = ").Append(D(InputMax));
        if (Budget is int b) s.Append(", PbsBudgetBits = ").Append(b);
        if (PError is double pe) s.Append(", PError = ").Append(D(pe));
        s.Append(")]\n");
        foreach (var q in Quantize)
        {
            var named = new List<string>();
            if (q.WeightBits is int w) named.Add("WeightBits = " + w);
            if (q.ActivationBits is int a) named.Add("ActivationBits = " + a);
            if (q.PerChannel is bool pc) named.Add("PerChannel = " + (pc ? "true" : "false"));
            s.Append("    [Quantize(").Append(Args(q.Layer, named)).Append(")]\n");
        }
        foreach (var l in Layers)
        {
            s.Append("    [Dense(\"").Append(l.Name).Append("\", ").Append(l.Outputs);
            if (l.Activation != ActivationKind.Identity) s.Append(", Activation = Activation.").Append(l.Activation);
            if (l.RangeKind == RangeKind.Dense) s.Append(", OutputMin = ").Append(D(l.RangeMin)).Append(", OutputMax = ").Append(D(l.RangeMax));
            if (l.BiasKind == BiasKind.Named) s.Append(", Bias = \"").Append(l.BiasMember).Append('"');
            s.Append(")]\n");
        }
        foreach (var p in Prune) s.Append("    [Prune(").Append(Args(p.Layer, new[] { "MaxActiveInputs = " + p.MaxActiveInputs })).Append(")]\n");
        foreach (var r in Round)
        {
            var named = new List<string> { "Bits = " + (r.Bits == RoundSetting.AutoBits ? "RoundAccumulatorAttribute.Auto" : r.Bits.ToString()) };
            if (r.Method is RoundingKind m) named.Add("Method = Rounding." + m);
            s.Append("    [RoundAccumulator(").Append(Args(r.Layer, named.ToArray())).Append(")]\n");
        }
        foreach (var l in Layers.Where(l => l.RangeKind == RangeKind.Attribute))
        {
            s.Append("    [ActivationRange(\"").Append(l.Name).Append("\", ").Append(D(l.RangeMin)).Append(", ").Append(D(l.RangeMax)).Append(")]\n");
        }
        s.Append("    public static partial class ").Append(Name).Append("\n    {\n");
        foreach (var l in Layers)
        {
            Member(s, l.Name, l.Weights, l.WeightStyle);
            if (l.BiasKind != BiasKind.None) Member(s, l.BiasMember, l.Bias, l.BiasStyle);
        }
        if (FeatureMin is not null)
        {
            Member(s, "FeatureMin", FeatureMin, FeatureStyle);
            Member(s, "FeatureMax", FeatureMax!, FeatureStyle);
        }
        s.Append("    }\n}\n");
        return s.ToString();
    }

    private static string Args(string? layer, IEnumerable<string> named)
        => string.Join(", ", (layer is null ? Array.Empty<string>() : new[] { "\"" + layer + "\"" }).Concat(named));

    private static void Member(StringBuilder s, string name, float[] values, MemberStyle style)
    {
        string list = string.Join(", ", values.Select(F));
        s.Append("        ").Append(style switch
        {
            MemberStyle.Initializer => $"static readonly float[] {name} = {{ {list} }};",
            MemberStyle.NewArray => $"static readonly float[] {name} = new float[] {{ {list} }};",
            MemberStyle.Collection => $"static readonly float[] {name} = [{list}];",
            _ => $"static ReadOnlySpan<float> {name} => new float[] {{ {list} }};",
        }).Append('\n');
    }

    public static string F(float f) => f.ToString("R", CultureInfo.InvariantCulture) + "f";

    public static string D(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    public override string ToString() => Source("Batch");
}

/// <summary>CsCheck generators of small random models within the attributes' valid ranges.</summary>
internal static class RandomModelGen
{
    /// <summary>Weights: mostly uniform, with exact zeros, tiny values and quarter steps (quantization ties).</summary>
    public static readonly Gen<float> Weight = Gen.Frequency(
        (5, (IGen<float>)Gen.Float[-2f, 2f]),
        (2, Gen.Const(0f)),
        (1, Gen.Float[-0.01f, 0.01f]),
        (2, Gen.Int[-8, 8].Select(k => k * 0.25f)));

    private static readonly Gen<ActivationKind> Activation = Gen.Int[0, 4].Select(a => (ActivationKind)a);

    private static readonly Gen<MemberStyle> Style = Gen.Int[0, 3].Select(s => (MemberStyle)s);

    private static Gen<T?> Maybe<T>(Gen<T> gen, int percent) where T : struct
        => Gen.Int[0, 99].SelectMany(r => r < percent ? gen.Select(v => (T?)v) : Gen.Const((T?)null));

    private static Gen<RandomLayer> Layer(int index, int inputs, int outputs, bool isLast)
        => from activation in Activation
           from weights in Weight.Array[inputs * outputs]
           from weightStyle in Style
           from biasKind in Gen.Int[0, 2].Select(b => (BiasKind)b)
           from bias in Weight.Array[outputs]
           from biasStyle in Style
           from range in isLast ? Gen.Const(0) : Gen.Frequency((3, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)))
           from rangeMin in Gen.Double[-1.5, 0.5]
           from rangeWidth in Gen.Double[0.1, 3]
           select new RandomLayer("L" + index, inputs, outputs, activation, weights, weightStyle, biasKind, bias, biasStyle,
               (RangeKind)range, rangeMin, rangeMin + rangeWidth);

    private static Gen<RandomLayer[]> Layers(int inputs, int[] widths)
    {
        Gen<RandomLayer[]> gen = Gen.Const(Array.Empty<RandomLayer>());
        int fanIn = inputs;
        for (int i = 0; i < widths.Length; i++)
        {
            var layer = Layer(i, fanIn, widths[i], i == widths.Length - 1);
            gen = gen.SelectMany(done => layer.Select(l => done.Append(l).ToArray()));
            fanIn = widths[i];
        }
        return gen;
    }

    private static Gen<QuantizeSetting> Quantize(string? layer)
        => from w in Maybe(Gen.Int[2, 8], 80)
           from a in Maybe(Gen.Int[1, 7], 70)
           from pc in Maybe(Gen.Bool, 50)
           select new QuantizeSetting(layer, w, a, pc);

    /// <summary>Settings per scope: the model default (null) and each layer, each present with some probability.</summary>
    private static Gen<T[]> Settings<T>(IReadOnlyList<string> scopes, int percent, Func<string?, Gen<T>> make)
    {
        Gen<T[]> gen = Gen.Const(Array.Empty<T>());
        foreach (var scope in new string?[] { null }.Concat(scopes))
        {
            var one = make(scope);
            gen = gen.SelectMany(done => Gen.Int[0, 99].SelectMany(r => r < percent
                ? one.Select(v => done.Append(v).ToArray())
                : Gen.Const(done)));
        }
        return gen;
    }

    /// <summary>One random model named <paramref name="name"/>.</summary>
    public static Gen<RandomModel> Model(string name)
        => from inputs in Gen.Int[1, 12]
           from inputBits in Gen.Int[1, 8]
           from depth in Gen.Int[1, 3]
           from widths in Gen.Int[1, 10].Array[depth]
           from layers in Layers(inputs, widths)
           from inputMin in Gen.Frequency((1, Gen.Const(0.0)), (2, (IGen<double>)Gen.Double[-2, 1]))
           from inputWidth in Gen.Double[0.05, 3]
           from budget in Maybe(Gen.Int[4, 16], 20)
           from pError in Maybe(Gen.Double[0, 0.01], 15)
           from quantize in Settings(layers.Select(l => l.Name).ToArray(), 50, Quantize)
           from prune in Settings(layers.Select(l => l.Name).ToArray(), 25, l => Gen.Int[1, 13].Select(m => new PruneSetting(l, m)))
           // Rounding a last layer is an error; the default only touches layers with a TLU.
           from round in Settings(layers.Take(layers.Length - 1).Select(l => l.Name).ToArray(), 45, l => Gen.Select(Gen.Frequency((4, Gen.Int[2, 10]), (1, Gen.Const(RoundSetting.AutoBits))), Gen.Int[0, 2],
               (b, m) => new RoundSetting(l, b) { Method = m == 2 ? null : (RoundingKind)m }))
           from vectors in Gen.Long[0, (1L << inputBits) - 1].Array[inputs].Array[6]
           from features in Gen.Float[(float)(inputMin - 0.3 * inputWidth), (float)(inputMin + 1.3 * inputWidth)].Array[inputs].Array[3]
           from perFeature in Gen.Int[0, 3]
           from featureMin in Gen.Int[-3000, 3000].Select(i => i / 1000f).Array[inputs]
           from featureSpan in Gen.Int[-2000, 2000].Select(e => MathF.Pow(10, e / 1000f)).Array[inputs]
           from featureStyle in Style
           select perFeature != 0
               ? new RandomModel(name, inputs, inputBits, inputMin, inputMin + inputWidth, budget, pError, layers, quantize, prune, round, vectors, features)
               : new RandomModel(name, inputs, inputBits, inputMin, inputMin + inputWidth, budget, pError, layers, quantize, prune, round, vectors,
                   // The same draws around each feature's own range: inside it, and beyond both ends by up to 30 %.
                   features.Select(f => f.Select((v, i) => (float)(featureMin[i] + (v - inputMin) / inputWidth * featureSpan[i])).ToArray()).ToArray())
               {
                   FeatureMin = featureMin,
                   FeatureMax = featureMin.Select((m, i) => m + featureSpan[i]).ToArray(),
                   FeatureStyle = featureStyle,
               };

    /// <summary>A batch of models named M0, M1... compiled together.</summary>
    public static Gen<RandomModel[]> Batch(int size)
    {
        Gen<RandomModel[]> gen = Gen.Const(Array.Empty<RandomModel>());
        for (int i = 0; i < size; i++)
        {
            var one = Model("M" + i);
            gen = gen.SelectMany(done => one.Select(m => done.Append(m).ToArray()));
        }
        return gen;
    }
}
