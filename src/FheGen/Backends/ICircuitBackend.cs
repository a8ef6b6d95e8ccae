using System;

namespace FheGen.Backends;

/// <summary>
/// The operations a compiled circuit needs. Generated code and <see cref="Circuits.PlanInterpreter"/> call
/// them in the same order, so a backend sees the same sequence either way: per layer, each non-constant
/// neuron's accumulator (a constant then multiply-adds), one batched <see cref="Round"/>, one batched
/// <see cref="Lookup"/>. Batches let encrypted backends bootstrap a layer's neurons in parallel.
/// </summary>
/// <typeparam name="TValue">The value type: <c>long</c> in the clear, a ciphertext under encryption.</typeparam>
/// <remarks>Generated code holds the backend in a local and passes it by reference, so a struct backend's
/// state changes are seen by later calls within one run.</remarks>
public interface ICircuitBackend<TValue>
{
    /// <summary>A value that encodes <paramref name="value"/> (a trivial ciphertext under encryption).</summary>
    TValue Constant(long value);

    /// <summary><c>accumulator += weight * input</c>, with a small integer <paramref name="weight"/>.</summary>
    void MultiplyAdd(ref TValue accumulator, in TValue input, long weight);

    /// <summary>Rounds every value in place, removing <see cref="RoundingStep.Lsbs"/> low bits.</summary>
    void Round(Span<TValue> values, RoundingStep step);

    /// <summary><c>outputs[j] = tables[j][inputs[j]]</c>: one programmable bootstrapping per element.</summary>
    void Lookup(ReadOnlySpan<TValue> inputs, Span<TValue> outputs, ReadOnlySpan<LookupTable> tables);
}
