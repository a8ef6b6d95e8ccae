using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Tests;

public class TableTests
{
    /// <summary>T[r] = output quantizer of activation(scale_j * r * 2^t), over [TluInputMin, TluInputMax].</summary>
    internal static void CheckTables(CircuitPlan plan, LayerPlan layer)
    {
        long size = layer.TluInputMax - layer.TluInputMin + 1;
        double step = Math.Pow(2, layer.RoundedBits);
        for (int j = 0; j < layer.Outputs; j++)
        {
            int t = layer.Neurons[j].Table;
            Assert.InRange(t, 0, plan.Tables.Count - 1);
            var table = plan.Tables[t];
            Assert.Equal(t, table.Index);
            Assert.Equal(layer.TluInputMin, table.InputMin);
            Assert.Equal(size, table.Entries.Count);
            Assert.Equal(layer.ActivationBits, table.OutputBits);
            // Every entry of small tables; the ends and a sample of large ones (up to 2^16 entries per neuron).
            long stride = Math.Max(1, size / 512);
            for (long r = layer.TluInputMin; r <= layer.TluInputMax; r = r == layer.TluInputMax ? r + 1 : Math.Min(r + stride, layer.TluInputMax))
            {
                double z = layer.AccumulatorScale(j) * (r * step);
                long want = layer.Output!.Quantize(Activations.Apply(layer.Activation, z));
                Assert.Equal(want, table.Lookup(r));
            }
            // A constant neuron runs no TLU: its output is the exact activation of its unrounded bias.
            var n = layer.Neurons[j];
            long constant = n.IsConstant ? layer.Output!.Quantize(Activations.Apply(layer.Activation, layer.AccumulatorScale(j) * n.Bias)) : 0;
            Assert.Equal(constant, n.ConstantOutput);
            // Every activation here is monotone, so every table is non-decreasing.
            for (int e = 1; e < table.Entries.Count; e++) Assert.True(table.Entries[e - 1] <= table.Entries[e]);
        }
    }

    internal static void CheckTablesDistinctAndUsed(CircuitPlan plan)
    {
        var keys = new HashSet<string>();
        for (int i = 0; i < plan.Tables.Count; i++)
        {
            var t = plan.Tables[i];
            Assert.Equal(i, t.Index);
            Assert.True(keys.Add(t.InputMin + "|" + t.OutputBits + "|" + string.Join(",", t.Entries)), $"table {i} is a duplicate");
            Assert.Contains(plan.Layers, l => l.Neurons.Any(n => n.Table == i));
        }
    }

    private static CircuitPlan Compile(ModelSpec spec) => CircuitCompiler.Compile(spec).PlanOrThrow();

    [Fact]
    public void Hand_table_without_rounding()
    {
        // acc = x0 - x1 in [-3, 3]; identity; output [-3, 4] with 3 bits has scale 1, so T[r] = r + 3.
        var spec = SpecBuilder.Create(2).InputBits(2).InputRange(0, 3)
            .Dense("h", 1, new float[] { 1, -1 }, null, ActivationKind.Identity, -3, 4)
            .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
            .Quantize("h", 2, 3, null)
            .Build();
        var plan = Compile(spec);
        var h = plan.Layers[0];
        Assert.Equal((-3L, 3L), (h.AccumulatorMin, h.AccumulatorMax));
        Assert.Single(plan.Tables);
        Assert.Equal(-3, plan.Tables[0].InputMin);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6 }, plan.Tables[0].Entries);
        Assert.Equal(3, plan.Tables[0].OutputBits);
    }

    [Fact]
    public void Hand_table_with_rounding()
    {
        // Rounded to 2 bits: t = 1 gives [-1, 2], which needs 3 signed bits, so t = 2 (the extra bit):
        // TLU input [-1, 1], T[r] = quantize(4r) = clamp(4r + 3).
        var spec = SpecBuilder.Create(2).InputBits(2).InputRange(0, 3)
            .Dense("h", 1, new float[] { 1, -1 }, null, ActivationKind.Identity, -3, 4)
            .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
            .Quantize("h", 2, 3, null)
            .Round("h", 2)
            .Build();
        var plan = Compile(spec);
        var h = plan.Layers[0];
        Assert.Equal(2, h.RoundedBits);
        Assert.True(h.RoundedExtraBit);
        Assert.Equal((-1L, 1L), (h.TluInputMin, h.TluInputMax));
        Assert.Equal(2, h.TluInputBits);
        Assert.Equal(-1, plan.Tables[0].InputMin);
        Assert.Equal(new long[] { 0, 3, 7 }, plan.Tables[0].Entries);
    }

    [Fact]
    public void Relu_table_clamps_negatives_to_zero()
    {
        var spec = SpecBuilder.Create(2).InputBits(2).InputRange(0, 3)
            .Dense("h", 1, new float[] { 1, -1 }, null, ActivationKind.Relu, 0, 7)
            .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
            .Quantize("h", 2, 3, null)
            .Build();
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 2, 3 }, Compile(spec).Tables[0].Entries);
    }

    [Fact]
    public void Per_tensor_layer_has_one_table()
    {
        var spec = SpecBuilder.Create(3)
            .Dense("h", 4, new float[] { 1, -0.5f, 0.25f, -1, 0.75f, 0, 0.1f, 0.2f, 0.3f, 0.9f, -0.9f, 0.5f }, new float[] { 0, 0.1f, -0.2f, 0.3f },
                ActivationKind.Sigmoid)
            .Dense("out", 2, SpecBuilder.Fill(8, 0.5f), null, ActivationKind.Identity)
            .Build();
        var plan = Compile(spec);
        Assert.Single(plan.Tables);
        Assert.All(plan.Layers[0].Neurons, n => Assert.Equal(0, n.Table));
        Assert.All(plan.Layers[1].Neurons, n => Assert.Equal(-1, n.Table));
        CheckTables(plan, plan.Layers[0]);
    }

    [Fact]
    public void Per_channel_row_of_float_noise_is_a_constant_neuron_that_does_not_widen_the_layer()
    {
        // Row 1 is a dead neuron after training (weights ~1e-21, bias 0.5): scaled up to full range its bias
        // would be ~1e21 units and the layer's accumulator 70+ bits. It must quantize to zero instead.
        var weights = new float[] { 1, -0.5f, 1e-21f, -2e-21f, 0.25f, 0.5f };
        var spec = SpecBuilder.Create(2).InputBits(3)
            .Dense("h", 3, weights, new float[] { 0, 0.5f, 0 }, ActivationKind.Relu, 0, 2)
            .Dense("out", 1, new float[] { 1, 1, 1 }, null, ActivationKind.Identity)
            .Quantize("h", 4, 4, true)
            .Build();
        var h = Compile(spec).Layers[0];
        Assert.True(h.Neurons[1].IsConstant);
        Assert.Equal(1.0, h.WeightScales[1]);
        Assert.False(h.Neurons[0].IsConstant);
        Assert.False(h.Neurons[2].IsConstant);
        // The other rows keep their own full-range scales, and the layer is as wide as without the dead row.
        Assert.Equal(1.0 / 7, h.WeightScales[0]);
        Assert.Equal(0.5 / 7, h.WeightScales[2]);
        var withoutDeadRow = Compile(spec with
        {
            Layers = EquatableArray.Of(spec.Layers[0] with { Weights = new EquatableArray<float>(new float[] { 1, -0.5f, 0, 0, 0.25f, 0.5f }) }, spec.Layers[1]),
        }).Layers[0];
        Assert.Equal(withoutDeadRow.AccumulatorMin, h.AccumulatorMin);
        Assert.Equal(withoutDeadRow.AccumulatorMax, h.AccumulatorMax);
        Assert.True(h.AccumulatorBits <= 8, $"{h.AccumulatorBits} bits");
    }

    [Fact]
    public void Neurons_whose_output_cannot_change_are_folded_into_constants()
    {
        // 2 inputs in [0, 7] (3 bits); ReLU outputs over [0, 2] in 4 bits (step 2/15).
        // Row 0: live. Row 1: dead (all weights negative, bias negative): ReLU is 0 throughout.
        // Row 2: saturated (bias far above the range): the output is the top level throughout.
        // Row 3: a dying per-channel neuron, weights 1e-4 and bias -0.1: its own scale is tiny, so its bias is
        // ~-7000 integer units; unfolded, it would make the layer's accumulator 14 bits wide instead of 7.
        var spec = SpecBuilder.Create(2).InputBits(3).InputRange(0, 7)
            .Dense("h", 4, new float[] { 0.2f, -0.1f, -0.3f, -0.2f, 0.1f, 0.1f, 1e-4f, -1e-4f }, new float[] { 0, -0.5f, 50, -0.1f },
                ActivationKind.Relu, 0, 2)
            .Dense("out", 1, new float[] { 1, 1, 1, 1 }, null, ActivationKind.Identity)
            .Quantize("h", 4, 4, true)
            .Build();
        var plan = Compile(spec);
        var h = plan.Layers[0];
        Assert.Equal(new[] { false, true, true, true }, h.Neurons.Select(n => n.IsConstant).ToArray());
        Assert.Equal(new long[] { 0, 15, 0 }, new[] { h.Neurons[1].ConstantOutput, h.Neurons[2].ConstantOutput, h.Neurons[3].ConstantOutput });
        Assert.Equal(1, h.PbsCount);
        Assert.Equal((h.Neurons[0].AccumulatorMin, h.Neurons[0].AccumulatorMax), (h.AccumulatorMin, h.AccumulatorMax));
        Assert.Equal(7, h.AccumulatorBits); // row 0 alone: [-28, 49]
        Assert.True(h.Neurons[3].Bias < -5000, $"bias {h.Neurons[3].Bias}");

        // The constants are the real outputs: relu(-0.3a - 0.2b - 0.5) = 0, relu(0.1a + 0.1b + 50) >= 2 saturates, and
        // relu(1e-4 (a - b) - 0.1) = 0 for every a, b in [0, 7].
        CheckTables(plan, h);
    }

    [Fact]
    public void Per_channel_layer_has_a_table_per_distinct_scale()
    {
        // Rows 0 and 2 have max |w| = 1, row 1 has 0.25: two distinct scales, two tables.
        var spec = SpecBuilder.Create(2).InputBits(3)
            .Dense("h", 3, new float[] { 1, -0.5f, 0.25f, 0.125f, -1, 0.5f }, null, ActivationKind.Identity, -2, 2)
            .Dense("out", 1, new float[] { 1, 1, 1 }, null, ActivationKind.Identity)
            .Quantize("h", 4, 4, true)
            .Build();
        var plan = Compile(spec);
        var h = plan.Layers[0];
        Assert.True(h.PerChannel);
        Assert.Equal(h.WeightScales[0], h.WeightScales[2]);
        Assert.NotEqual(h.WeightScales[0], h.WeightScales[1]);
        Assert.Equal(2, plan.Tables.Count);
        Assert.Equal(h.Neurons[0].Table, h.Neurons[2].Table);
        Assert.NotEqual(h.Neurons[0].Table, h.Neurons[1].Table);
        CheckTables(plan, h);
        CheckTablesDistinctAndUsed(plan);

        // The same layer per-tensor: one table.
        var perTensor = Compile(spec with { Quantize = EquatableArray.Of(new QuantizeSetting("h", 4, 4, false)) });
        Assert.Single(perTensor.Tables);
    }

    [Fact]
    public void Identical_layers_share_one_table()
    {
        // Layer b sees exactly the domain layer a sees (inputs in [0, 2] with 3 bits = a's output range and bits),
        // and has the same weights and bias, so its table is identical and shared.
        float[] w = { 0.5f, -0.25f, 1, 0.75f };
        float[] bias = { 0.1f, -0.1f };
        var spec = SpecBuilder.Create(2).InputBits(3).InputRange(0, 2)
            .Dense("a", 2, w, bias, ActivationKind.Relu, 0, 2)
            .Dense("b", 2, w, bias, ActivationKind.Relu, 0, 2)
            .Dense("out", 1, new float[] { 1, 1 }, null, ActivationKind.Identity)
            .Quantize(null, 4, 3, null)
            .Build();
        var plan = Compile(spec);
        Assert.Equal(plan.Layers[0].Input, plan.Layers[1].Input);
        Assert.Single(plan.Tables);
        Assert.All(plan.Layers.Take(2).SelectMany(l => l.Neurons), n => Assert.Equal(0, n.Table));

        // A different activation on b gives b its own table.
        var other = Compile(spec with
        {
            Layers = EquatableArray.Of(spec.Layers[0], spec.Layers[1] with { Activation = ActivationKind.Tanh, OutputMin = -1, OutputMax = 1 }, spec.Layers[2]),
        });
        Assert.Equal(2, other.Tables.Count);
        CheckTablesDistinctAndUsed(other);
    }

    [Fact]
    public void Constant_neurons_need_no_PBS_and_the_output_layer_none()
    {
        // Neuron 1 has only zero weights; neuron 2's weights are too small to survive 4-bit per-tensor quantization.
        var spec = SpecBuilder.Create(3)
            .Dense("h", 3, new float[] { 1, -1, 0.5f, 0, 0, 0, 0.01f, -0.02f, 0.03f }, new float[] { 0.2f, 0.5f, -0.1f }, ActivationKind.Relu)
            .Dense("out", 2, new float[] { 1, 1, 1, -1, 0, 1 }, null, ActivationKind.Identity)
            .Build();
        var plan = Compile(spec);
        var h = plan.Layers[0];
        Assert.False(h.Neurons[0].IsConstant);
        Assert.True(h.Neurons[1].IsConstant);
        Assert.True(h.Neurons[2].IsConstant);
        Assert.Equal(h.Neurons[1].Bias, h.Neurons[1].AccumulatorMin);
        Assert.Equal(h.Neurons[1].Bias, h.Neurons[1].AccumulatorMax);
        Assert.Equal(1, h.PbsCount);
        Assert.Equal(3, h.ActiveWeights);
        Assert.Equal(0, plan.Layers[1].PbsCount);
        Assert.All(plan.Layers[1].Neurons, n => Assert.Equal(-1, n.Table));
        Assert.Equal(1, plan.PbsCount);
        Assert.Equal(h.TluInputBits, plan.MaxTluInputBits);
        CheckTables(plan, h);
        Assert.Equal(0, h.Neurons[0].ConstantOutput);
        // ReLU of the positive bias, requantized: a non-zero level.
        Assert.True(h.Neurons[1].ConstantOutput > 0);
        Assert.Equal(h.Output!.Quantize(h.AccumulatorScale(1) * h.Neurons[1].Bias), h.Neurons[1].ConstantOutput);
        // ReLU of the negative bias is 0, the output range's minimum.
        Assert.Equal(0, h.Neurons[2].ConstantOutput);
    }

    [Fact]
    public void Analysis_builds_no_tables()
    {
        var spec = SpecBuilder.TwoLayers().Build();
        var plan = CircuitCompiler.Compile(spec, new CompileOptions { BuildTables = false }).PlanOrThrow();
        Assert.Empty(plan.Tables);
        Assert.All(plan.Layers.SelectMany(l => l.Neurons), n => Assert.Equal(-1, n.Table));
        Assert.Equal(CircuitCompiler.Compile(spec).PlanOrThrow().Layers[0].TluInputBits, plan.Layers[0].TluInputBits);
    }

    [Fact]
    public void Single_layer_model_has_no_tables()
    {
        var spec = SpecBuilder.Create(2).Dense("out", 2, new float[] { 1, 2, 3, 4 }).Build();
        var plan = Compile(spec);
        Assert.Empty(plan.Tables);
        Assert.Equal(0, plan.PbsCount);
        Assert.Equal(0, plan.MaxTluInputBits);
        Assert.Equal(2, plan.Outputs);
    }
}
