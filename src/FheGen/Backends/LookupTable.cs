using System;

namespace FheGen.Backends;

/// <summary>
/// A lookup table over a TLU input range: entry <c>k</c> is the output for input <c>InputMin + k</c>.
/// Instances are immutable and shared by every neuron whose table is identical.
/// </summary>
public sealed class LookupTable
{
    private readonly long[] _entries;

    /// <summary>Creates a table; <paramref name="entries"/> is taken as is and must not change afterwards.</summary>
    /// <param name="id">Index of the table within its circuit.</param>
    /// <param name="inputMin">The input that maps to entry 0.</param>
    /// <param name="inputBits">Width of the TLU input.</param>
    /// <param name="outputBits">Width of the outputs.</param>
    /// <param name="entries">The outputs.</param>
    public LookupTable(int id, long inputMin, int inputBits, int outputBits, long[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Length == 0) throw new ArgumentException("A lookup table needs at least one entry.", nameof(entries));
        Id = id;
        InputMin = inputMin;
        InputBits = inputBits;
        OutputBits = outputBits;
        _entries = entries;
    }

    /// <summary>Index of the table within its circuit.</summary>
    public int Id { get; }

    /// <summary>The input that maps to entry 0.</summary>
    public long InputMin { get; }

    /// <summary>The largest input covered.</summary>
    public long InputMax => InputMin + _entries.Length - 1;

    /// <summary>Width of the TLU input.</summary>
    public int InputBits { get; }

    /// <summary>Width of the outputs.</summary>
    public int OutputBits { get; }

    /// <summary>The entries.</summary>
    public ReadOnlySpan<long> Entries => _entries;

    /// <summary>The output for <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input lies outside the table: the bounds were violated.</exception>
    public long this[long input]
    {
        get
        {
            long k = input - InputMin;
            if ((ulong)k >= (ulong)_entries.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(input), input, $"TLU input outside [{InputMin}, {InputMax}] of table {Id}.");
            }
            return _entries[k];
        }
    }
}

/// <summary>A rounding applied to a layer's accumulators.</summary>
/// <param name="Lsbs">Low bits removed.</param>
/// <param name="AccumulatorMin">Smallest accumulator value (the encrypted backend needs the range).</param>
/// <param name="AccumulatorMax">Largest accumulator value.</param>
/// <param name="Method">
/// <see cref="Rounding.Exact"/> or <see cref="Rounding.Approximate"/>. The clear backend always rounds exactly;
/// the simulated and encrypted backends reproduce the approximate behaviour.
/// </param>
public sealed record RoundingStep(int Lsbs, long AccumulatorMin, long AccumulatorMax, Rounding Method = Rounding.Exact);
