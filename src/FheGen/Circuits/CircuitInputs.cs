using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FheGen.Circuits;

/// <summary>
/// The check every generated <c>Run</c> and <see cref="PlanInterpreter.Run{TBackend, TValue}"/> makes on clear inputs:
/// a quantized input lies in <c>[0, 2^InputBits - 1]</c>, the box the accumulator bounds and the tables were computed
/// for. Outside it the circuit would compute garbage silently (or, under TFHE, wrap around the message space).
/// </summary>
/// <remarks>
/// Only <c>long</c> values (the clear and simulated backends) can be read; ciphertexts come from the client's
/// quantizer (<see cref="CircuitIo.QuantizeInputs"/>, which clamps) and are not checked. The check is one vectorized
/// pass over the inputs, a few nanoseconds next to the circuit (see the inference benchmarks).
/// </remarks>
public static class CircuitInputs
{
    /// <summary>Throws when a clear input lies outside <c>[0, 2^<paramref name="bits"/> - 1]</c>; does nothing for other value types.</summary>
    /// <typeparam name="TValue">The backend's value type.</typeparam>
    /// <param name="inputs">The quantized inputs.</param>
    /// <param name="bits">The circuit's input bits.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input is negative or above <c>2^bits - 1</c>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfOutOfRange<TValue>(ReadOnlySpan<TValue> inputs, int bits)
    {
        // A JIT-time constant for value types: the check vanishes from circuits over ciphertexts.
        if (typeof(TValue) != typeof(long)) return;
        var values = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TValue, long>(ref MemoryMarshal.GetReference(inputs)), inputs.Length);
        long max = (1L << bits) - 1;
        int bad = values.IndexOfAnyExceptInRange(0L, max);
        if (bad >= 0) Throw(values[bad], bad, max);
    }

    private static void Throw(long value, int index, long max)
        => throw new ArgumentOutOfRangeException("inputs", value,
            $"Quantized input {index} is {value}; the circuit's inputs lie in [0, {max}] (quantize features with Io.QuantizeInputs).");
}
