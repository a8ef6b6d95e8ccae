using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CsCheck;
using FheGen.Compiler.Model;

namespace FheGen.Compiler.Tests;

/// <summary>CsCheck generators of small random models covering every compiler setting.</summary>
public static class RandomModels
{
    /// <summary>One layer's random ingredients.</summary>
    public sealed record LayerDraft(float[] Weights, float[]? Bias, ActivationKind Activation, int WeightBits, int ActivationBits,
        bool PerChannel, int Prune, int Round, int RangeKind, double RangeMin, double RangeSpan);

    /// <summary>Uniform on a grid of 1/1000 in [-2, 2] (CsCheck's float ranges favour extreme magnitudes).</summary>
    private static readonly Gen<float> Uniform = Gen.Int[-2000, 2000].Select(i => i / 1000f);

    private static readonly Gen<float> Weight = Gen.Frequency(
        (3, Gen.Const(0f)),
        (2, Gen.OneOf(Gen.Const(1f), Gen.Const(-1f), Gen.Const(0.5f), Gen.Const(-0.5f))),
        (8, Uniform),
        (1, Gen.Float[-2f, 2f]));

    private static Gen<LayerDraft> Layer(int fanIn, int outputs, int maxRound) =>
        from weights in Weight.Array[fanIn * outputs]
        from hasBias in Gen.Int[0, 3]
        from bias in Gen.Frequency((6, Uniform), (1, Gen.Float[-2f, 2f])).Array[outputs]
        from activation in Gen.Int[0, 4]
        from weightBits in Gen.Int[2, 8]
        from activationBits in Gen.Int[1, 8]
        from perChannel in Gen.Bool
        from prune in Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[1, fanIn]))
        from round in Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[1, maxRound]))
        from rangeKind in Gen.Int[0, 2]
        from rangeMin in Gen.Double[-3, 1]
        from rangeSpan in Gen.Double[0.25, 6]
        select new LayerDraft(weights, hasBias == 0 ? null : bias, (ActivationKind)activation, weightBits, activationBits,
            perChannel, prune, round, rangeKind, rangeMin, rangeSpan);

    private static Gen<ImmutableList<LayerDraft>> Layers(int inputs, int[] widths, int maxRound)
    {
        Gen<ImmutableList<LayerDraft>> gen = Gen.Const(ImmutableList<LayerDraft>.Empty);
        for (int i = 0; i < widths.Length; i++)
        {
            int fanIn = i == 0 ? inputs : widths[i - 1];
            var layer = Layer(fanIn, widths[i], maxRound);
            gen = gen.SelectMany(list => layer.Select(l => list.Add(l)));
        }
        return gen;
    }

    /// <summary>Random models: 1..12 inputs, 1..3 layers of 1..8 neurons, all settings random.</summary>
    public static Gen<ModelSpec> Models(int minBudget = 2, int maxBudget = 12, int maxRound = 10) =>
        from inputs in Gen.Int[1, 12]
        from widths in Gen.Int[1, 8].Array[1, 3]
        from inputBits in Gen.Int[1, 8]
        from offsetKind in Gen.Int[0, 2]
        from inputMin in Gen.Double[-3, 3]
        from inputSpan in Gen.Double[0.25, 8]
        from budget in Gen.Int[minBudget, maxBudget]
        from defaults in Gen.Int[0, 3]
        from layers in Layers(inputs, widths, maxRound)
        from featureKind in Gen.Int[0, 2]
        from featureMin in Gen.Int[-3000, 3000].Select(i => i / 1000f).Array[inputs]
        // Spans from 1/100 to 100: per-feature ranges exist for features of very different scales.
        from featureSpan in Gen.Int[-2000, 2000].Select(e => MathF.Pow(10, e / 1000f)).Array[inputs]
        select Build(inputs, inputBits, offsetKind == 0 ? 0 : inputMin, inputSpan, budget, defaults, layers,
            featureKind == 0 ? featureMin : null, featureSpan);

    /// <summary>Models paired with a seed for drawing inputs.</summary>
    public static Gen<(ModelSpec Spec, int Seed)> ModelsWithSeed(int minBudget = 2, int maxBudget = 12, int maxRound = 10)
        => Gen.Select(Models(minBudget, maxBudget, maxRound), Gen.Int);

    private static ModelSpec Build(int inputs, int inputBits, double inputMin, double inputSpan, int budget, int defaults,
        ImmutableList<LayerDraft> drafts, float[]? featureMin, float[] featureSpan)
    {
        var b = SpecBuilder.Create(inputs).InputBits(inputBits).Budget(budget);
        // A third of the models have per-feature input ranges instead of one model-wide range.
        if (featureMin is null) b.InputRange(inputMin, inputMin + inputSpan);
        else b.FeatureRanges(featureMin, featureMin.Select((m, i) => m + featureSpan[i]).ToArray());
        // defaults == 1: model-wide [Quantize] default that the per-layer settings partly override.
        if (defaults == 1) b.Quantize(null, 3, 3, true);
        int last = drafts.Count - 1;
        for (int i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i];
            string name = "l" + i;
            int outputs = OutputsOf(inputs, drafts, i);
            bool explicitRange = d.RangeKind == 1 && i != last;
            bool calibrated = d.RangeKind == 2 && i != last;
            b.Dense(name, outputs, d.Weights, d.Bias, d.Activation,
                explicitRange ? d.RangeMin : null, explicitRange ? d.RangeMin + d.RangeSpan : null);
            if (calibrated) b.Range(name, d.RangeMin, d.RangeMin + d.RangeSpan);
            if (defaults == 1 && (i % 2 == 0))
            {
                b.Quantize(name, d.WeightBits, null, null); // activation bits and per-channel from the default
            }
            else
            {
                b.Quantize(name, d.WeightBits, d.ActivationBits, d.PerChannel);
            }
            if (d.Prune > 0) b.Prune(name, d.Prune);
            if (d.Round > 0 && i != last) b.Round(name, d.Round);
        }
        return b.Build();
    }

    private static int OutputsOf(int inputs, ImmutableList<LayerDraft> drafts, int i)
    {
        int fanIn = inputs;
        for (int k = 0; k < i; k++) fanIn = drafts[k].Weights.Length / fanIn;
        return drafts[i].Weights.Length / fanIn;
    }
}
