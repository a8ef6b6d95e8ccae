using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Quantization;

namespace FheGen.Tests.Circuits;

public sealed class RuntimeTests
{
    /// <summary>A 3-2-2 model whose integer circuit is small enough to work out by hand.</summary>
    private static ModelSpec HandModel(params RoundSetting[] round) => new ModelSpec
    {
        Name = "Hand",
        Inputs = 3,
        InputBits = 2,
        InputMin = 0,
        InputMax = 3,
        PbsBudgetBits = 8,
        PError = 0,
        Layers = EquatableArray.Of(
            new LayerSpec
            {
                Name = "H",
                Outputs = 2,
                Activation = ActivationKind.Relu,
                OutputMin = 0,
                OutputMax = 3,
                Weights = EquatableArray.Of(1f, -1f, 0.5f, 0f, 0f, 0f),
                Bias = EquatableArray.Of(0f, 1f),
            },
            new LayerSpec { Name = "O", Outputs = 2, Activation = ActivationKind.Identity, Weights = EquatableArray.Of(1f, 0.5f, -1f, 1f) }),
        Quantize = EquatableArray.Of(new QuantizeSetting(null, 3, 2, null)),
        Round = new EquatableArray<RoundSetting>(round),
    };

    [Fact]
    public void Interpreter_computes_the_hand_worked_circuit()
    {
        // Input scale 1 (0..3 on 2 bits). Hidden weights, 3 bits symmetric: max |w| = 1 -> scale 1/3,
        // row 0 = [3, -3, round(1.5) = 2]; row 1 is all zero, so neuron 1 is the constant bias 1 / (1/3) = 3.
        var plan = CircuitCompiler.Compile(HandModel()).PlanOrThrow();
        var hidden = plan.Layers[0];
        Assert.Equal(new long[] { 3, -3, 2 }, hidden.Neurons[0].Weights);
        Assert.Equal(0, hidden.Neurons[0].Bias);
        Assert.True(hidden.Neurons[1].IsConstant);
        Assert.Equal(3, hidden.Neurons[1].Bias);
        Assert.Equal(1, hidden.PbsCount);
        Assert.Equal(-9, hidden.AccumulatorMin);
        Assert.Equal(15, hidden.AccumulatorMax);

        // x = [2, 1, 3] -> acc0 = 6 - 3 + 6 = 9 -> z = 9/3 = 3 -> relu 3 -> output level 3 (range [0, 3], 2 bits).
        // Neuron 1: z = 3 * (1/3) = 1 -> level 1.
        var interpreter = new PlanInterpreter(plan);
        var outputs = interpreter.RunClear(new long[] { 2, 1, 3 });
        // Output weights, scale 1/3: row 0 = [3, round(1.5) = 2], row 1 = [-3, 3]; no bias.
        Assert.Equal(new long[] { 3 * 3 + 2 * 1, -3 * 3 + 3 * 1 }, outputs);
    }

    [Fact]
    public void Interpreting_reads_the_plan_without_allocating_per_neuron_or_weight()
    {
        // The plan's arrays are EquatableArray structs: reading neurons, weights and indices must not box or copy.
        // Only the per-layer value buffers may be allocated (output, accumulators, lookup results).
        var plan = CircuitCompiler.Compile(HandModel(new RoundSetting("H", 3))).PlanOrThrow();
        var interpreter = new PlanInterpreter(plan);
        var x = new long[] { 2, 1, 3 };
        interpreter.RunClear(x);
        static long Buffer(int n) => 24 + 8L * n;
        long bound = Buffer(plan.Outputs);
        foreach (var l in plan.Layers.Take(plan.Layers.Count - 1)) bound += Buffer(l.Outputs) + 2 * Buffer(l.ActiveNeurons.Count);
        const int Runs = 100;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Runs; i++) interpreter.RunClear(x);
        long perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / Runs;
        Assert.InRange(perRun, 0, bound);
    }

    [Fact]
    public void Rounding_step_is_applied_before_the_lookup()
    {
        var plain = new PlanInterpreter(CircuitCompiler.Compile(HandModel()).PlanOrThrow());
        var rounded = CircuitCompiler.Compile(HandModel(new RoundSetting("H", 3))).PlanOrThrow();
        // [-9, 15] is 5 bits signed; 2 LSBs give [-2, 4] (4 bits), so a third LSB goes: [-1, 2] fits 3 bits.
        Assert.Equal(3, rounded.Layers[0].RoundedBits);
        Assert.True(rounded.Layers[0].RoundedExtraBit);
        Assert.Equal(3, rounded.Layers[0].TluInputBits);
        var backend = new RecordingBackend();
        var outputs = new long[2];
        new PlanInterpreter(rounded).Run<RecordingBackend, long>(backend, new long[] { 2, 1, 3 }, outputs);
        Assert.Equal(new[] { "Round", "Lookup" }, backend.Batches);
        Assert.Equal(rounded.Layers[0].RoundedBits, backend.RoundedLsbs);
        // acc0 = 9 rounds to 1; the table reads z = 1 * 8 / 3 = 2.67 -> level 3, the same as unrounded z = 3.
        // The constant neuron (bias 3, z = 1) is not rounded: it needs no TLU, so its level stays 1.
        Assert.Equal(1, rounded.Layers[0].Neurons[1].ConstantOutput);
        Assert.Equal(new long[] { 11, -6 }, outputs);
        Assert.Equal(plain.RunClear(new long[] { 2, 1, 3 }), outputs);
    }

    [Fact]
    public void Traced_run_records_unrounded_accumulators_and_lookup_outputs()
    {
        // The hand model rounded to 3 bits: the trace keeps acc0 = 9 before rounding, the constant neuron's bias 3,
        // the lookup levels 3 and 1, and the output accumulators, which are the circuit's outputs.
        var plan = CircuitCompiler.Compile(HandModel(new RoundSetting("H", 3))).PlanOrThrow();
        var interpreter = new PlanInterpreter(plan);
        var accumulators = new[] { new long[2], new long[2] };
        var outputs = new[] { new long[2], new long[2] };
        interpreter.RunClearTraced(new long[] { 2, 1, 3 }, accumulators, outputs);
        Assert.Equal(new long[] { 9, 3 }, accumulators[0]);
        Assert.Equal(new long[] { 3, 1 }, outputs[0]);
        Assert.Equal(new long[] { 11, -6 }, accumulators[1]);
        Assert.Equal(interpreter.RunClear(new long[] { 2, 1, 3 }), outputs[1]);

        Assert.Throws<ArgumentException>(() => interpreter.RunClearTraced(new long[] { 2, 1, 3 }, new[] { new long[2] }, outputs));
        Assert.Throws<ArgumentException>(() => interpreter.RunClearTraced(new long[] { 2, 1, 3 }, new[] { new long[2], new long[3] }, outputs));
        Assert.Throws<ArgumentException>(() => interpreter.RunClearTraced(new long[] { 2, 1 }, accumulators, outputs));
        Assert.ThrowsAny<ArgumentException>(() => interpreter.RunClearTraced(new long[] { 2, 1, 4 }, accumulators, outputs));
    }

    [Fact]
    public void Interpreter_rejects_wrong_sizes_and_analysis_plans()
    {
        var plan = CircuitCompiler.Compile(HandModel()).PlanOrThrow();
        var interpreter = new PlanInterpreter(plan);
        Assert.Throws<ArgumentException>(() => interpreter.RunClear(new long[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => interpreter.Run<ClearBackend, long>(default, new long[3], new long[1]));
        var analysis = CircuitCompiler.Compile(HandModel(), CompileOptions.Analysis).PlanOrThrow();
        Assert.Throws<ArgumentException>(() => new PlanInterpreter(analysis));
    }

    [Fact]
    public void Lookup_table_checks_its_domain()
    {
        var t = new LookupTable(0, -2, 3, 2, new long[] { 5, 6, 7, 8 });
        Assert.Equal(5, t[-2]);
        Assert.Equal(8, t[1]);
        Assert.Equal(1, t.InputMax);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[-3]);
        Assert.Throws<ArgumentException>(() => new LookupTable(0, 0, 1, 1, Array.Empty<long>()));
    }

    [Fact]
    public void Clear_backend_rounds_as_floor_of_half_up()
    {
        var values = new long[] { 2, -2, 6, -6, 255, -1, 0 };
        default(ClearBackend).Round(values, new RoundingStep(2, -6, 255));
        Assert.Equal(new long[] { 1, 0, 2, -1, 64, 0, 0 }, values);
    }

    [Fact]
    public void Circuit_io_quantizes_clamps_and_rejects_na_n()
    {
        var io = new CircuitIo(UniformQuantizer.ForRange(2, 0, 3), new[] { 0.5, 2.0 }, ActivationKind.Identity);
        var q = new long[3];
        io.QuantizeInputs(new float[] { -1f, 1.49f, 9f }, q);
        Assert.Equal(new long[] { 0, 1, 3 }, q);
        Assert.Throws<ArgumentException>(() => io.QuantizeInputs(new[] { float.NaN, 0f, 0f }, q));
        Assert.Throws<ArgumentException>(() => io.QuantizeInputs(new[] { 0f }, q));
        var y = new float[2];
        io.DequantizeOutputs(new long[] { 3, -2 }, y);
        Assert.Equal(new[] { 1.5f, -4f }, y);

        var sigmoid = new CircuitIo(UniformQuantizer.ForRange(2, 0, 3), new[] { 1.0 }, ActivationKind.Sigmoid);
        var s = new float[1];
        sigmoid.DequantizeOutputs(new long[] { 0 }, s);
        Assert.Equal(0.5f, s[0]);
    }

    [Fact]
    public void Circuit_io_from_plan_uses_the_last_layers_scales()
    {
        var plan = CircuitCompiler.Compile(HandModel()).PlanOrThrow();
        var io = CircuitIo.FromPlan(plan);
        Assert.Equal(2, io.Outputs);
        var y = new float[2];
        io.DequantizeOutputs(new long[] { 3, 0 }, y);
        Assert.Equal((float)(plan.Layers[1].AccumulatorScale(0) * 3), y[0]);
    }

    [Fact]
    public void Float_reference_matches_a_hand_computation()
    {
        var reference = new FloatReference(HandModel());
        var y = reference.Predict(new float[] { 2f, 1f, 3f });
        // h = relu([2 - 1 + 1.5 + 0, 0 + 1]) = [2.5, 1]; o = [2.5 + 0.5, -2.5 + 1] = [3, -1.5].
        Assert.Equal(new[] { 3f, -1.5f }, y);
        Assert.Throws<ArgumentException>(() => reference.Predict(new float[2]));
    }

    [Fact]
    public void Circuit_info_describes_the_plan_and_prints_a_table()
    {
        var plan = CircuitCompiler.Compile(HandModel()).PlanOrThrow();
        var info = CircuitInfo.FromPlan(plan);
        Assert.Equal(1, info.PbsCount);
        Assert.Equal(plan.MaxTluInputBits, info.MaxTluInputBits);
        Assert.Equal(2, info.Outputs);
        Assert.Equal(info, CircuitInfo.FromPlan(CircuitCompiler.Compile(HandModel()).PlanOrThrow()));
        Assert.NotEqual(info, CircuitInfo.FromPlan(CircuitCompiler.Compile(HandModel(new RoundSetting("H", 3))).PlanOrThrow()));
        var table = info.ToTable();
        Assert.Contains("[-9, 15]", table);
        Assert.Contains("total: 1 PBS", table);
    }

    /// <summary>A clear backend that records the batched calls the circuit makes.</summary>
    private sealed class RecordingBackend : ICircuitBackend<long>
    {
        public List<string> Batches { get; } = new();
        public int RoundedLsbs { get; private set; }
        public long Constant(long value) => value;
        public void MultiplyAdd(ref long accumulator, in long input, long weight) => accumulator += weight * input;
        public void Round(Span<long> values, RoundingStep step)
        {
            Batches.Add("Round");
            RoundedLsbs = step.Lsbs;
            default(ClearBackend).Round(values, step);
        }
        public void Lookup(ReadOnlySpan<long> inputs, Span<long> outputs, ReadOnlySpan<LookupTable> tables)
        {
            Batches.Add("Lookup");
            default(ClearBackend).Lookup(inputs, outputs, tables);
        }
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(4L)]
    [InlineData(long.MinValue)]
    public void Interpreter_rejects_clear_inputs_outside_the_quantized_range(long bad)
    {
        // Before: -1 (or 4, with InputBits = 2) ran silently through a circuit bounded for [0, 3].
        var interpreter = new PlanInterpreter(CircuitCompiler.Compile(HandModel()).PlanOrThrow());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => interpreter.RunClear(new long[] { 0, bad, 3 }));
        Assert.Contains("input 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("[0, 3]", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, interpreter.RunClear(new long[] { 0, 3, 3 }).Length);
    }

    [Fact]
    public void Input_check_ignores_value_types_it_cannot_read()
    {
        // Ciphertexts (any TValue but long) are not read: nothing to check, nothing thrown.
        CircuitInputs.ThrowIfOutOfRange<int>(new[] { -5, 99 }, 2);
        CircuitInputs.ThrowIfOutOfRange<long>(new[] { 0L, 3L }, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => CircuitInputs.ThrowIfOutOfRange<long>(new[] { 0L, 3L, 4L }, 2));
    }

    [Fact]
    public void Float_reference_rejects_na_n()
    {
        // Before: NaN features gave [0, 0] (ReLU of NaN), while the quantized Predict rejects NaN.
        var reference = new FloatReference(HandModel());
        var e = Assert.Throws<ArgumentException>(() => reference.Predict(new[] { 1f, float.NaN, 0f }));
        Assert.Contains("Feature 1 is NaN", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, reference.Predict(new[] { 1f, 2f, 0f }).Length);
    }

    [Fact]
    public void Circuit_info_estimates_latency_at_run_time_from_the_cost_model()
    {
        var plan = CircuitCompiler.Compile(HandModel(new RoundSetting("H", 3))).PlanOrThrow();
        var info = CircuitInfo.FromPlan(plan);
        double expected = FheGen.Compiler.Cost.CostModel.Estimate(plan, plan.PError).TotalLatencyMs;
        Assert.True(expected > 0);
        Assert.Equal(expected, info.EstimatedLatencyMs(plan.PError), 9);
        Assert.Equal(FheGen.Compiler.Cost.CostModel.Estimate(plan, 0.01).TotalLatencyMs, info.EstimatedLatencyMs(0.01), 9);
        Assert.Equal(0, info.Layers[1].EstimatedLatencyMs(plan.PError));
        Assert.Throws<ArgumentOutOfRangeException>(() => info.EstimatedLatencyMs(double.NaN));
    }

    [Fact]
    public void Packed_circuit_makes_the_interpreters_calls()
    {
        // Neuron 0: bias 5, terms x[0]*2 and x[2]*-1; neuron 1: bias -1, no term. Dense rows and sparse pairs alike.
        long[] x = { 3, 7, 1 };
        var dense = new CallLog();
        var denseOut = new long[2];
        PackedCircuit.Dense<CallLog, long, sbyte>(ref dense, x, denseOut, new long[] { 5, -1 }, new sbyte[] { 2, 0, -1, 0, 0, 0 });
        var sparse = new CallLog();
        var sparseOut = new long[2];
        PackedCircuit.Sparse<CallLog, long, short, ushort>(ref sparse, x, sparseOut, new long[] { 5, -1 }, new[] { 2, 2 }, new ushort[] { 0, 2 }, new short[] { 2, -1 });
        Assert.Equal(new long[] { 5 + 6 - 1, -1 }, denseOut);
        Assert.Equal(denseOut, sparseOut);
        Assert.Equal(dense.Calls, sparse.Calls);
        Assert.Equal(4, dense.Calls.Count);
        var clear = default(ClearBackend);
        Assert.Throws<ArgumentException>(() => PackedCircuit.Dense<ClearBackend, long, sbyte>(ref clear, x, denseOut, new long[] { 1 }, new sbyte[] { 1 }));
    }

    [Fact]
    public void Expand_runs_rebuilds_the_table_and_rejects_inconsistent_runs()
    {
        Assert.Equal(new long[] { 0, 0, 0, 4, 7, 7 }, PackedCircuit.ExpandRuns(new long[] { 3, 0, 1, 4, 2, 7 }, 6));
        Assert.Throws<ArgumentException>(() => PackedCircuit.ExpandRuns(new long[] { 3, 0 }, 6));
        Assert.Throws<ArgumentException>(() => PackedCircuit.ExpandRuns(new long[] { 7, 0 }, 6));
        Assert.Throws<ArgumentException>(() => PackedCircuit.ExpandRuns(new long[] { 0, 1, 6, 0 }, 6));
    }

    /// <summary>Clear semantics that logs every call, accumulators included.</summary>
    private sealed class CallLog : ICircuitBackend<long>
    {
        public List<string> Calls { get; } = new();
        public long Constant(long value) { Calls.Add("C " + value); return value; }
        public void MultiplyAdd(ref long accumulator, in long input, long weight) { Calls.Add($"M {input} {weight}"); accumulator += weight * input; }
        public void Round(Span<long> values, RoundingStep step) => default(ClearBackend).Round(values, step);
        public void Lookup(ReadOnlySpan<long> inputs, Span<long> outputs, ReadOnlySpan<LookupTable> tables) => default(ClearBackend).Lookup(inputs, outputs, tables);
    }
}
