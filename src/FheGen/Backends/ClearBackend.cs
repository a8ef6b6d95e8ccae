using System;
using FheGen.Compiler.Quantization;

namespace FheGen.Backends;

/// <summary>
/// Exact integer evaluation in the clear: the reference semantics every other backend must reproduce.
/// A stateless struct so the JIT specializes and inlines generated code over it.
/// </summary>
public readonly struct ClearBackend : ICircuitBackend<long>
{
    /// <inheritdoc/>
    public long Constant(long value) => value;

    /// <inheritdoc/>
    public void MultiplyAdd(ref long accumulator, in long input, long weight) => accumulator += weight * input;

    /// <inheritdoc/>
    public void Round(Span<long> values, RoundingStep step)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = AccumulatorRounding.RoundExact(values[i], step.Lsbs);
        }
    }

    /// <inheritdoc/>
    public void Lookup(ReadOnlySpan<long> inputs, Span<long> outputs, ReadOnlySpan<LookupTable> tables)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            outputs[i] = tables[i][inputs[i]];
        }
    }
}
