using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Backends;

namespace FheGen.Generators.Tests.Infrastructure;

/// <summary>
/// Clear integer semantics that also records every backend call, so tests can check that generated code
/// and the plan interpreter make the very same call sequence (which stateful backends depend on).
/// A class, so the log is shared however the backend is passed.
/// </summary>
public sealed class RecordingBackend : ICircuitBackend<long>
{
    private readonly ClearBackend _clear = default;

    public List<string> Calls { get; } = new List<string>();

    public long Constant(long value)
    {
        Calls.Add("C " + value);
        return _clear.Constant(value);
    }

    public void MultiplyAdd(ref long accumulator, in long input, long weight)
    {
        Calls.Add("M " + input + " " + weight);
        _clear.MultiplyAdd(ref accumulator, in input, weight);
    }

    public void Round(Span<long> values, RoundingStep step)
    {
        Calls.Add($"R {step} [{string.Join(",", values.ToArray())}]");
        _clear.Round(values, step);
    }

    public void Lookup(ReadOnlySpan<long> inputs, Span<long> outputs, ReadOnlySpan<LookupTable> tables)
    {
        Calls.Add($"L [{string.Join(",", inputs.ToArray())}] tables [{string.Join(",", tables.ToArray().Select(t => t.Id))}]");
        _clear.Lookup(inputs, outputs, tables);
    }
}
