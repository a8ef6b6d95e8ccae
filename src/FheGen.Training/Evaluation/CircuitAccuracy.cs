using System;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Training;

/// <summary>
/// Accuracy of the integer circuit a spec compiles to, run in the clear by the plan interpreter: the number the
/// generated code gives, without regenerating code.
/// </summary>
public static class CircuitAccuracy
{
    /// <summary>Fraction of <paramref name="data"/> whose argmax output is the label, for the circuit of <paramref name="spec"/>.</summary>
    /// <exception cref="CircuitCompilationException">The spec does not compile (the message lists the errors).</exception>
    public static double Clear(ModelSpec spec, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Clear(CircuitCompiler.Compile(spec, CompileOptions.Generator).PlanOrThrow(), data);
    }

    /// <summary>Fraction of <paramref name="data"/> whose argmax output is the label, for <paramref name="plan"/>.</summary>
    /// <exception cref="ArgumentException">The data's feature count differs from the plan's inputs, or it is empty.</exception>
    public static double Clear(CircuitPlan plan, Dataset data) => Accuracy(plan, data, default(ClearBackend));

    /// <summary>
    /// Like <see cref="Clear(CircuitPlan, Dataset)"/> with TLU errors: the circuit on <see cref="SimulatedBackend"/> at the
    /// plan's per-TLU p_error, seeded.
    /// </summary>
    /// <exception cref="ArgumentException">The data's feature count differs from the plan's inputs, or it is empty.</exception>
    public static double Simulated(CircuitPlan plan, Dataset data, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Accuracy(plan, data, new SimulatedBackend(plan.PError, seed));
    }

    private static double Accuracy<TBackend>(CircuitPlan plan, Dataset data, TBackend backend)
        where TBackend : ICircuitBackend<long>
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != plan.Inputs) throw new ArgumentException($"The circuit takes {plan.Inputs} features but the data set has {data.Features}.", nameof(data));
        if (data.Count == 0) throw new ArgumentException("The data set is empty.", nameof(data));
        var interpreter = new PlanInterpreter(plan);
        var io = CircuitIo.FromPlan(plan);
        var q = new long[plan.Inputs];
        var acc = new long[plan.Outputs];
        var y = new float[plan.Outputs];
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            io.QuantizeInputs(data.Row(i), q);
            interpreter.Run<TBackend, long>(backend, q, acc);
            io.DequantizeOutputs(acc, y);
            if (ArgMax(y) == data.Y[i]) correct++;
        }
        return (double)correct / data.Count;
    }

    /// <summary>Index of the largest value, the first on ties (as the samples' reports count).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}
