using System;
using System.Linq;
using CsCheck;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;

namespace FheGen.Compiler.Tests;

public class PruningTests
{
    private static ModelSpec OneHidden(int inputs, int outputs, float[] weights, int? k, int weightBits = 8)
    {
        // Identity with 8-bit outputs: no neuron here has a constant output (which would fold it and drop its
        // weights), so every kept weight stays visible.
        var b = SpecBuilder.Create(inputs)
            .Dense("h", outputs, weights, null, ActivationKind.Identity)
            .Dense("out", 1, SpecBuilder.Fill(outputs, 1), null, ActivationKind.Identity)
            .Quantize("h", weightBits, 8, null);
        if (k is int kk) b.Prune("h", kk);
        return b.Build();
    }

    [Fact]
    public void Keeps_the_largest_magnitudes_with_ties_to_the_lower_index()
    {
        float[] w =
        {
            0.1f, -0.5f, 0.5f, 0.2f, -0.05f,  // tie between 1 and 2 (|-0.5| = |0.5|)
            -1f, 0f, 0f, 0f, 0f,              // one non-zero weight only
            0.3f, 0.3f, -0.3f, 0.3f, 0.3f,    // all tied
        };
        var plan = CircuitCompiler.Compile(OneHidden(5, 3, w, 2)).PlanOrThrow();
        var h = plan.Layers[0];
        Assert.Equal(new[] { 1, 2 }, h.Neurons[0].InputIndices);
        Assert.Equal(new[] { 0 }, h.Neurons[1].InputIndices);
        Assert.Equal(new[] { 0, 1 }, h.Neurons[2].InputIndices);
        Assert.Equal(5, h.ActiveWeights);
        Assert.Equal(2, h.MaxActiveInputs);

        var three = CircuitCompiler.Compile(OneHidden(5, 3, w, 3)).PlanOrThrow().Layers[0];
        Assert.Equal(new[] { 1, 2, 3 }, three.Neurons[0].InputIndices);
        Assert.Equal(new[] { 0, 1, 2 }, three.Neurons[2].InputIndices);
        Assert.Equal(new long[] { 38, 38, -38 }, three.Neurons[2].Weights); // 0.3 * 127 / 1
        Assert.Equal(7, three.ActiveWeights);
    }

    [Fact]
    public void Prune_mask_directly()
    {
        var keep = LayerCompiler.Prune(new float[] { 3, -3, 1, -4, 2, 2, 2, 2 }, 2, 4, 2);
        Assert.Equal(new[] { true, false, false, true, true, true, false, false }, keep);
        Assert.All(LayerCompiler.Prune(new float[] { 1, 2, 3 }, 1, 3, 3), Assert.True);
        Assert.All(LayerCompiler.Prune(new float[] { 1, 2, 3 }, 1, 3, null), Assert.True);
        Assert.Equal(new[] { false, false, true }, LayerCompiler.Prune(new float[] { 1, 2, -3 }, 1, 3, 1));
    }

    [Fact]
    public void Pruning_keeps_the_weight_scale()
    {
        // The largest weight always survives, so the scale, and with it every kept weight's integer, is unchanged.
        float[] w = { 0.9f, -0.3f, 0.2f, 0.1f, 0.4f, -0.8f };
        var full = CircuitCompiler.Compile(OneHidden(3, 2, w, null, 4)).PlanOrThrow().Layers[0];
        var pruned = CircuitCompiler.Compile(OneHidden(3, 2, w, 1, 4)).PlanOrThrow().Layers[0];
        Assert.Equal(full.WeightScales, pruned.WeightScales);
        Assert.Equal(new[] { 0 }, pruned.Neurons[0].InputIndices);
        Assert.Equal(new[] { 2 }, pruned.Neurons[1].InputIndices);
        Assert.Equal(full.Neurons[0].Weights[0], pruned.Neurons[0].Weights[0]);
        Assert.True(pruned.AccumulatorMax <= full.AccumulatorMax);
        Assert.True(pruned.AccumulatorMin >= full.AccumulatorMin);
    }

    [Fact]
    public void Model_default_prunes_every_layer_including_the_output()
    {
        var spec = SpecBuilder.Create(4)
            .Dense("h", 2, new float[] { 1, 2, 3, 4, -4, -3, -2, -1 }, null, ActivationKind.Identity)
            .Dense("out", 2, new float[] { 1, 2, 2, 1 }, null, ActivationKind.Identity)
            .Prune(null, 1)
            .Build();
        var plan = CircuitCompiler.Compile(spec).PlanOrThrow();
        Assert.Equal(new[] { 3 }, plan.Layers[0].Neurons[0].InputIndices);
        Assert.Equal(new[] { 0 }, plan.Layers[0].Neurons[1].InputIndices);
        Assert.Equal(new[] { 1 }, plan.Layers[1].Neurons[0].InputIndices);
        Assert.Equal(new[] { 0 }, plan.Layers[1].Neurons[1].InputIndices);
        Assert.Equal(1, plan.Layers[1].MaxActiveInputs);
    }

    [Fact]
    public void A_hidden_neuron_the_next_layer_does_not_read_costs_no_PBS()
    {
        // The output reads only h2's neuron 1, so h2's neuron 0 is computed for nothing and becomes a constant. Reads
        // are those of the next layer's weights (after pruning and quantization), so h1's neuron 0, read by h2's
        // neuron 0's weight, still counts as read: what is unread does not depend on how the next layer folds.
        var spec = SpecBuilder.Create(2)
            .Dense("h1", 2, new float[] { 1, 0, 0, 1 }, null, ActivationKind.Identity)
            .Dense("h2", 2, new float[] { 1, 0, 0, 1 }, null, ActivationKind.Identity)
            .Dense("out", 1, new float[] { 0, 1 }, null, ActivationKind.Identity)
            .Build();
        var plan = CircuitCompiler.Compile(spec).PlanOrThrow();
        Assert.Equal((1, 1), (plan.Layers[1].UnreadNeurons, plan.Layers[1].PbsCount));
        Assert.True(plan.Layers[1].Neurons[0].IsConstant);
        Assert.Equal((0, 2), (plan.Layers[0].UnreadNeurons, plan.Layers[0].PbsCount));
        Assert.Equal(3, plan.PbsCount);
        Assert.Equal(new[] { true, true }, LayerCompiler.ReadInputs(spec, 1, LayerSettings.Resolve(spec, 1)));
        Assert.Equal(new[] { false, true }, LayerCompiler.ReadInputs(spec, 2, LayerSettings.Resolve(spec, 2)));
        var summary = CircuitCompiler.Compile(spec, CompileOptions.Analysis).Diagnostics.Single(d => d.Id == Diagnostics.DiagnosticIds.LayerSummary && d.Target.Index == 1);
        Assert.Contains(", 1 PBS, 1 neuron unread by the next layer (no PBS)", summary.Message);

        // Read again (the output reads both), nothing is unread and the summary says nothing about it.
        var both = CircuitCompiler.Compile(spec with { Layers = EquatableArray.Of(spec.Layers[0], spec.Layers[1],
            spec.Layers[2] with { Weights = EquatableArray.Of(1f, 1f) }) }, CompileOptions.Analysis);
        Assert.All(both.PlanOrThrow().Layers, l => Assert.Equal(0, l.UnreadNeurons));
        Assert.DoesNotContain(both.Diagnostics, d => d.Message.Contains("unread"));
    }

    /// <summary>
    /// With weights from a small set (many ties, all surviving quantization), each neuron keeps exactly
    /// min(k, non-zero) inputs: the largest magnitudes, ties to the lower index.
    /// </summary>
    [Fact]
    public void Keeps_exactly_min_k_nonzero_largest_weights()
    {
        var weight = Gen.OneOf(Gen.Const(0f), Gen.Const(0.5f), Gen.Const(-0.5f), Gen.Const(1f), Gen.Const(-1f),
            Gen.Const(1.5f), Gen.Const(2f), Gen.Const(-2f));
        var gen = from inputs in Gen.Int[1, 12]
                  from outputs in Gen.Int[1, 6]
                  from w in weight.Array[inputs * outputs]
                  from k in Gen.Int[1, 14]
                  from bits in Gen.Int[3, 8]
                  select (inputs, outputs, w, k, bits);
        gen.Sample(t =>
        {
            var (inputs, outputs, w, k, bits) = t;
            var plan = CircuitCompiler.Compile(OneHidden(inputs, outputs, w, k, bits)).PlanOrThrow();
            var h = plan.Layers[0];
            int total = 0;
            for (int j = 0; j < outputs; j++)
            {
                var row = w.Skip(j * inputs).Take(inputs).ToArray();
                int nonzero = row.Count(v => v != 0);
                var expected = Enumerable.Range(0, inputs).Where(i => row[i] != 0)
                    .OrderByDescending(i => Math.Abs(row[i])).ThenBy(i => i).Take(k).OrderBy(i => i).ToArray();
                Assert.Equal(Math.Min(k, nonzero), h.Neurons[j].InputIndices.Count);
                Assert.Equal(expected, h.Neurons[j].InputIndices);
                Assert.All(h.Neurons[j].Weights, v => Assert.NotEqual(0, v));
                total += expected.Length;
            }
            Assert.Equal(total, h.ActiveWeights);
            Assert.Equal(k, h.MaxActiveInputs);
        }, iter: 2000);
    }
}
