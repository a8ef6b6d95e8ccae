using System;
using FheGen.Backends;
using FheGen.Compiler.Plan;

namespace FheGen.Circuits;

/// <summary>
/// Evaluates a <see cref="CircuitPlan"/> on any backend, with exactly the call sequence the generated code
/// makes. Tools that sweep configurations compile specs at run time and evaluate them with this, without
/// regenerating code.
/// </summary>
public sealed class PlanInterpreter
{
    private readonly CircuitPlan _plan;
    private readonly LayerProgram[] _layers;

    /// <summary>Prepares <paramref name="plan"/> for evaluation (tables and rounding steps built once).</summary>
    /// <exception cref="ArgumentException">The plan was compiled without tables.</exception>
    public PlanInterpreter(CircuitPlan plan)
        : this(plan, null, null)
    {
    }

    private PlanInterpreter(CircuitPlan plan, string? model, string? fingerprint)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Tables.Count == 0 && plan.Layers.Count > 1)
        {
            throw new ArgumentException("The plan was compiled without tables (analysis options); compile with CompileOptions.Generator.", nameof(plan));
        }
        _plan = plan;
        Model = model;
        Fingerprint = fingerprint;
        var tables = new LookupTable[plan.Tables.Count];
        _layers = new LayerProgram[plan.Layers.Count];
        foreach (var t in plan.Tables)
        {
            tables[t.Index] = new LookupTable(t.Index, t.InputMin, t.InputBits, t.OutputBits, t.Entries.ToArray());
        }
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            _layers[i] = new LayerProgram(plan.Layers[i], tables);
        }
    }

    /// <summary>
    /// The interpreter of a generated model's plan, rebuilt at run time from its spec (what the generated
    /// <c>Interpreter</c> property returns): the plan must have the fingerprint the generated code was emitted with,
    /// or the interpreter, the encoding built from it and the generated <c>Run</c> could disagree.
    /// </summary>
    /// <param name="plan">The plan compiled from the model's <c>Spec</c>.</param>
    /// <param name="model">The model's name, for the error message.</param>
    /// <param name="fingerprint">The generated model's <c>PlanFingerprint</c> constant.</param>
    /// <exception cref="PlanFingerprintMismatchException">The plan's fingerprint is not <paramref name="fingerprint"/>.</exception>
    /// <exception cref="ArgumentException">The plan was compiled without tables.</exception>
    public static PlanInterpreter ForGeneratedModel(CircuitPlan plan, string model, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(fingerprint);
        PlanFingerprint.Verify(plan, fingerprint, model);
        return new PlanInterpreter(plan, model, fingerprint);
    }

    /// <summary>The plan being evaluated.</summary>
    public CircuitPlan Plan => _plan;

    /// <summary>The generated model this interpreter was checked against (<see cref="ForGeneratedModel"/>); null otherwise.</summary>
    public string? Model { get; }

    /// <summary>
    /// The plan's <see cref="PlanFingerprint"/> when created for a generated model (checked equal to the generated
    /// constant); null otherwise.
    /// </summary>
    public string? Fingerprint { get; }

    /// <summary>Runs the circuit: <paramref name="inputs"/> are quantized inputs, <paramref name="outputs"/> receive the last layer's accumulators.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A clear input lies outside <c>[0, 2^InputBits - 1]</c> (see <see cref="CircuitInputs"/>).</exception>
    public void Run<TBackend, TValue>(TBackend backend, ReadOnlySpan<TValue> inputs, Span<TValue> outputs)
        where TBackend : ICircuitBackend<TValue>
    {
        if (inputs.Length != _plan.Inputs) throw new ArgumentException($"Expected {_plan.Inputs} inputs, got {inputs.Length}.", nameof(inputs));
        if (outputs.Length != _plan.Outputs) throw new ArgumentException($"Expected room for {_plan.Outputs} outputs, got {outputs.Length}.", nameof(outputs));
        CircuitInputs.ThrowIfOutOfRange(inputs, _plan.Input.Bits);
        ReadOnlySpan<TValue> current = inputs;
        for (int i = 0; i < _layers.Length; i++)
        {
            var layer = _layers[i];
            if (i == _layers.Length - 1)
            {
                layer.Run(ref backend, current, outputs);
                break;
            }
            // Each layer writes a fresh array that the next one reads; no copies in between.
            var next = new TValue[layer.Plan.Outputs];
            layer.Run(ref backend, current, next);
            current = next;
        }
    }

    /// <summary>
    /// Runs the clear circuit and records every layer's values: <paramref name="accumulators"/>[l][j] is neuron j's
    /// accumulator before rounding (its integer bias when the neuron is constant) and <paramref name="outputs"/>[l][j]
    /// its lookup output (the accumulator itself on the last layer). Quantization-aware training reads these for its
    /// straight-through backward pass, so the forward pass it learns from is this very circuit.
    /// </summary>
    /// <exception cref="ArgumentException">An array has the wrong shape.</exception>
    public void RunClearTraced(ReadOnlySpan<long> inputs, long[][] accumulators, long[][] outputs)
    {
        ArgumentNullException.ThrowIfNull(accumulators);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Length != _plan.Inputs) throw new ArgumentException($"Expected {_plan.Inputs} inputs, got {inputs.Length}.", nameof(inputs));
        if (accumulators.Length != _layers.Length || outputs.Length != _layers.Length)
        {
            throw new ArgumentException($"Expected one array per layer ({_layers.Length}).", nameof(accumulators));
        }
        CircuitInputs.ThrowIfOutOfRange(inputs, _plan.Input.Bits);
        ReadOnlySpan<long> current = inputs;
        var backend = default(ClearBackend);
        for (int i = 0; i < _layers.Length; i++)
        {
            var layer = _layers[i];
            if (accumulators[i]?.Length != layer.Plan.Outputs || outputs[i]?.Length != layer.Plan.Outputs)
            {
                throw new ArgumentException($"Layer {i} needs arrays of {layer.Plan.Outputs} values.", nameof(accumulators));
            }
            layer.Run(ref backend, current, outputs[i], accumulators[i]);
            current = outputs[i];
        }
    }

    /// <summary>Runs the clear circuit on already-quantized inputs.</summary>
    public long[] RunClear(ReadOnlySpan<long> inputs)
    {
        var outputs = new long[_plan.Outputs];
        Run<ClearBackend, long>(default, inputs, outputs);
        return outputs;
    }

    private sealed class LayerProgram
    {
        private readonly int[] _active;
        private readonly int[] _constant;
        private readonly LookupTable[] _tables;
        private readonly long[] _constantValues;
        private readonly RoundingStep? _rounding;

        public LayerProgram(LayerPlan plan, LookupTable[] tables)
        {
            Plan = plan;
            // The layer's derived facts (active and constant neurons, their tables) are the emitter's too.
            _active = plan.ActiveNeurons.ToArray();
            _constant = plan.ConstantNeurons.ToArray();
            _tables = Array.ConvertAll(plan.ActiveTables.ToArray(), t => tables[t]);
            _constantValues = Array.ConvertAll(_constant, j => plan.Neurons[j].ConstantOutput);
            _rounding = !plan.IsOutput && plan.RoundedBits > 0
                ? new RoundingStep(plan.RoundedBits, plan.AccumulatorMin, plan.AccumulatorMax, plan.RoundingMethod.ToRounding())
                : null;
        }

        public LayerPlan Plan { get; }

        public void Run<TBackend, TValue>(ref TBackend backend, ReadOnlySpan<TValue> inputs, Span<TValue> outputs, Span<TValue> trace = default)
            where TBackend : ICircuitBackend<TValue>
        {
            // Same order as the emitter: accumulators of the non-constant neurons, then one Round and one
            // Lookup over them, then constant neurons.
            var acc = Plan.IsOutput ? outputs : new TValue[_active.Length];
            for (int k = 0; k < _active.Length; k++)
            {
                var n = Plan.Neurons[_active[k]];
                // Locals: the arrays are structs over one reference, read once per neuron.
                var weights = n.Weights;
                var indices = n.InputIndices;
                TValue a = backend.Constant(n.Bias);
                for (int e = 0; e < weights.Count; e++)
                {
                    backend.MultiplyAdd(ref a, in inputs[indices[e]], weights[e]);
                }
                acc[Plan.IsOutput ? _active[k] : k] = a;
            }
            if (!trace.IsEmpty)
            {
                if (Plan.IsOutput) acc.CopyTo(trace);
                else for (int k = 0; k < _active.Length; k++) trace[_active[k]] = acc[k];
                for (int c = 0; c < _constant.Length; c++) trace[_constant[c]] = backend.Constant(Plan.Neurons[_constant[c]].Bias);
            }
            if (Plan.IsOutput) return;
            if (_active.Length == 0)
            {
                // Every neuron is constant: no Round and no (empty) Lookup batch, as in the generated code.
                for (int c = 0; c < _constant.Length; c++) outputs[_constant[c]] = backend.Constant(_constantValues[c]);
                return;
            }
            if (_rounding is not null) backend.Round(acc, _rounding);
            if (_constant.Length == 0)
            {
                backend.Lookup(acc, outputs, _tables);
                return;
            }
            var looked = new TValue[_active.Length];
            backend.Lookup(acc, looked, _tables);
            for (int k = 0; k < _active.Length; k++) outputs[_active[k]] = looked[k];
            for (int c = 0; c < _constant.Length; c++) outputs[_constant[c]] = backend.Constant(_constantValues[c]);
        }
    }
}
