using System;
using System.Collections.Generic;
using FheGen.Compiler.Quantization;

namespace FheGen.Backends;

/// <summary>
/// Evaluates a circuit in the clear with TFHE's table-lookup errors injected, following the README's p_error model (Semantics)
/// (<see cref="ErrorModel"/>). It runs the same generated code or <see cref="Circuits.PlanInterpreter"/> as
/// <see cref="ClearBackend"/>, so accuracy under encryption can be estimated on a whole test set without keys.
/// </summary>
/// <remarks>
/// <para>
/// <b>Exact parts.</b> <see cref="Constant"/>, <see cref="MultiplyAdd"/> and exact rounding are exact integer
/// arithmetic, as under TFHE (linear operations add no error that the parameters do not already account for).
/// With p_error 0 the backend makes no draws and its results are identical to <see cref="ClearBackend"/>'s.
/// </para>
/// <para>
/// <b>Lookups.</b> Each element of a <see cref="Lookup"/> batch reads entry <c>x + k</c> with <c>k</c> from
/// <see cref="ErrorModel.Sample"/>. The exact input <c>x</c> must lie in the table, as for the clear backend
/// (otherwise the bounds were violated and the table's <see cref="ArgumentOutOfRangeException"/> is thrown), but
/// a neighbour <c>x + k</c> beyond <see cref="LookupTable.InputMin"/> or <see cref="LookupTable.InputMax"/> reads
/// the nearest edge entry. Under TFHE with a padding bit a read past the encoded range would return a negacyclic
/// (negated, wrapped) entry instead; the compiler keeps every exact input inside its table, so only noise reaches
/// the edge, and clamping models the common case where the edge entries continue the function (a saturated
/// activation) rather than that encoding artefact.
/// </para>
/// <para>
/// <b>Approximate rounding</b> (<see cref="Rounding.Approximate"/>). Under TFHE the lookup reads the top bits of
/// the accumulator directly and the removed bits act as noise, so rounding and lookup are one noisy read:
/// <see cref="Round"/> computes <c>floor(x / 2^t + 1/2 + noise)</c> with the TLU's noise (standard deviation
/// <see cref="ErrorModel.Sigma"/> in output steps) and marks a pending fused read; the next <see cref="Lookup"/>
/// consumes it and reads those values without drawing a second error (it must be called on as many values, or it
/// throws <see cref="InvalidOperationException"/>; so does a second <see cref="Round"/> before it). A value whose
/// exact position is <c>d</c> steps from a rounding threshold moves across it with probability <c>Phi(-d / sigma)</c>;
/// a value exactly on the grid (<c>x mod 2^t = 0</c>) moves with probability p_error, as a plain TLU read. As
/// p_error goes to 0 approximate rounding becomes exact, except at exact ties (<c>x mod 2^t = 2^(t-1)</c>), which
/// round up or down with probability 1/2 each for any p_error &gt; 0 (at p_error 0 they round up, as exact rounding).
/// The limit is approached slowly: sigma is still 0.070 steps at 2^-40 and 0.0135 at 1e-300, so a value 1/8 step
/// from a threshold crosses it with probability 3.7% at 2^-40 (and about 1e-20 at 1e-300); with <c>t</c> &gt;= 2
/// removed bits, approximate rounding is visibly inexact near thresholds at any practical p_error.
/// </para>
/// <para>
/// <b>Randomness and speed.</b> One 64-bit draw from a seeded xoshiro256** (<see cref="SimulationRandom"/>) per TLU,
/// fused or not; a read without error costs that draw and one integer compare, and only an error (probability
/// p_error) adds a binary search over a few precomputed cut points, so a simulated lookup costs about as much as
/// <see cref="ClearBackend"/>'s table read and a whole circuit runs at close to clear speed (the multiply-adds
/// dominate). An approximately rounded value costs one draw and a few compares against cut points cached per
/// residue. Exact rounding draws nothing. The same seed and the same call sequence give identical results on
/// every platform and runtime version.
/// </para>
/// <para>Not thread-safe (it carries the generator state): use one backend per thread, with different seeds.</para>
/// </remarks>
public sealed class SimulatedBackend : ICircuitBackend<long>
{
    private readonly long[] _offsetCounts;    // index k + MaxOffset, k != 0
    private readonly long[] _nearRoundingOffsetCounts = new long[2 * NearRoundingOffsets + 1];  // |j| <= 8, j != 0
    private readonly Dictionary<int, long> _farRoundingOffsetCounts = new();                  // the rare rest
    private const int NearRoundingOffsets = 8;
    private SimulationRandom _random;
    private long[] _pendingExact = new long[16];
    private int _pendingCount = -1;          // values of the pending fused read, -1 when none

    /// <summary>A backend for <paramref name="pError"/> (see <see cref="ErrorModel(double)"/>) seeded with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pError"/> is not in [0, 1).</exception>
    public SimulatedBackend(double pError, ulong seed)
        : this(new ErrorModel(pError), seed)
    {
    }

    /// <summary>A backend sharing a prebuilt <paramref name="model"/> (its tables are built once), seeded with <paramref name="seed"/>.</summary>
    public SimulatedBackend(ErrorModel model, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _offsetCounts = new long[2 * model.MaxOffset + 1];
        Reseed(seed);
    }

    /// <summary>The error model.</summary>
    public ErrorModel Model { get; }

    /// <summary>The seed of the current random stream.</summary>
    public ulong Seed { get; private set; }

    /// <summary>Lookups evaluated (one per element of each <see cref="Lookup"/> batch), fused or not.</summary>
    public long TluCount { get; private set; }

    /// <summary>Lookups that were the second half of a fused read after an approximate <see cref="Round"/>: they drew no error of their own.</summary>
    public long FusedTluCount { get; private set; }

    /// <summary>Non-fused lookups that returned a neighbour entry (offset <c>k != 0</c>, before edge clamping).</summary>
    public long TluErrorCount { get; private set; }

    /// <summary>Values rounded approximately (each one a fused read).</summary>
    public long ApproximateRoundingCount { get; private set; }

    /// <summary>Approximately rounded values that differ from the exact rounding.</summary>
    public long ApproximateRoundingErrorCount { get; private set; }

    /// <summary>64-bit random draws made: one per non-fused TLU and per approximately rounded value, none when exact.</summary>
    public long RandomDraws { get; private set; }

    /// <summary>Restarts the random stream from <paramref name="seed"/> and drops any pending fused read; counters are kept.</summary>
    public void Reseed(ulong seed)
    {
        Seed = seed;
        _random = new SimulationRandom(seed);
        _pendingCount = -1;
    }

    /// <summary>Zeroes every counter and histogram.</summary>
    public void ResetCounters()
    {
        TluCount = FusedTluCount = TluErrorCount = ApproximateRoundingCount = ApproximateRoundingErrorCount = RandomDraws = 0;
        Array.Clear(_offsetCounts);
        Array.Clear(_nearRoundingOffsetCounts);
        _farRoundingOffsetCounts.Clear();
    }

    /// <summary>
    /// How often each offset <c>k</c> was drawn by the non-fused lookups, <c>k = 0</c> included (offsets never drawn
    /// are absent). A snapshot, sorted by <c>k</c>.
    /// </summary>
    public SortedDictionary<int, long> GetOffsetHistogram()
    {
        var result = new SortedDictionary<int, long>();
        long errors = 0;
        for (int i = 0; i < _offsetCounts.Length; i++)
        {
            if (_offsetCounts[i] == 0) continue;
            result[i - Model.MaxOffset] = _offsetCounts[i];
            errors += _offsetCounts[i];
        }
        long zero = TluCount - FusedTluCount - errors;
        if (zero > 0) result[0] = zero;
        return result;
    }

    /// <summary>
    /// How often approximate rounding landed <c>j</c> steps from the exact rounding, <c>j = 0</c> included. A
    /// snapshot, sorted by <c>j</c>.
    /// </summary>
    public SortedDictionary<int, long> GetRoundingOffsetHistogram()
    {
        var result = new SortedDictionary<int, long>(_farRoundingOffsetCounts);
        for (int i = 0; i < _nearRoundingOffsetCounts.Length; i++)
        {
            if (_nearRoundingOffsetCounts[i] != 0) result[i - NearRoundingOffsets] = _nearRoundingOffsetCounts[i];
        }
        long zero = ApproximateRoundingCount - ApproximateRoundingErrorCount;
        if (zero > 0) result[0] = zero;
        return result;
    }

    /// <inheritdoc/>
    public long Constant(long value) => value;

    /// <inheritdoc/>
    public void MultiplyAdd(ref long accumulator, in long input, long weight) => accumulator += weight * input;

    /// <inheritdoc/>
    /// <remarks>
    /// Exact rounding as <see cref="ClearBackend"/>. Approximate rounding draws the fused read's noise here and
    /// leaves a pending fused read for the next <see cref="Lookup"/> (see the class remarks).
    /// </remarks>
    public void Round(Span<long> values, RoundingStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (_pendingCount >= 0)
        {
            throw new InvalidOperationException("An approximate Round must be followed by the Lookup of its values before the next Round.");
        }
        int lsbs = step.Lsbs;
        if (step.Method != Rounding.Approximate || lsbs <= 0 || Model.IsExact)
        {
            // p_error 0 makes the fused read exact, so it is exact rounding followed by an exact lookup.
            for (int i = 0; i < values.Length; i++) values[i] = AccumulatorRounding.RoundExact(values[i], lsbs);
            return;
        }
        if (lsbs > 62) throw new ArgumentOutOfRangeException(nameof(step), lsbs, "At most 62 bits can be rounded away.");
        if (_pendingExact.Length < values.Length) _pendingExact = new long[Math.Max(values.Length, 2 * _pendingExact.Length)];
        for (int i = 0; i < values.Length; i++)
        {
            long exact = AccumulatorRounding.RoundExact(values[i], lsbs);
            int offset = Model.RoundingOffsetFromDraw(values[i], lsbs, _random.NextUInt64());
            _pendingExact[i] = exact;
            values[i] = exact + offset;
            if (offset != 0)
            {
                ApproximateRoundingErrorCount++;
                if (Math.Abs(offset) <= NearRoundingOffsets) _nearRoundingOffsetCounts[offset + NearRoundingOffsets]++;
                else _farRoundingOffsetCounts[offset] = _farRoundingOffsetCounts.GetValueOrDefault(offset) + 1;
            }
        }
        RandomDraws += values.Length;
        ApproximateRoundingCount += values.Length;
        _pendingCount = values.Length;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads <c>x + k</c>, clamped to the table, with <c>k</c> drawn from <see cref="Model"/>; after an approximate
    /// <see cref="Round"/> it reads the already noisy values as they are (see the class remarks).
    /// </remarks>
    public void Lookup(ReadOnlySpan<long> inputs, Span<long> outputs, ReadOnlySpan<LookupTable> tables)
    {
        if (outputs.Length < inputs.Length || tables.Length < inputs.Length)
        {
            throw new ArgumentException($"A lookup batch of {inputs.Length} inputs needs as many outputs ({outputs.Length}) and tables ({tables.Length}).");
        }
        TluCount += inputs.Length;
        if (_pendingCount >= 0)
        {
            LookupFused(inputs, outputs, tables);
            return;
        }
        bool exact = Model.IsExact;
        for (int i = 0; i < inputs.Length; i++)
        {
            var table = tables[i];
            var entries = table.Entries;
            long x = inputs[i];
            long index = x - table.InputMin;
            // The exact input outside the table is a bounds bug, reported as the clear backend does.
            if ((ulong)index >= (ulong)entries.Length) _ = table[x];
            if (!exact)
            {
                int k = Model.OffsetFromDraw(_random.NextUInt64());
                if (k != 0)
                {
                    TluErrorCount++;
                    _offsetCounts[k + Model.MaxOffset]++;
                    index = Math.Clamp(index + k, 0, entries.Length - 1);
                }
            }
            outputs[i] = entries[(int)index];
        }
        if (!exact) RandomDraws += inputs.Length;
    }

    private void LookupFused(ReadOnlySpan<long> inputs, Span<long> outputs, ReadOnlySpan<LookupTable> tables)
    {
        if (inputs.Length != _pendingCount)
        {
            throw new InvalidOperationException($"The pending fused read covers {_pendingCount} approximately rounded values, but Lookup got {inputs.Length}: call Lookup on the values Round produced.");
        }
        _pendingCount = -1;
        FusedTluCount += inputs.Length;
        for (int i = 0; i < inputs.Length; i++)
        {
            var table = tables[i];
            var entries = table.Entries;
            // The exactly rounded value must be in the table (bounds); the noisy one clamps to its edges.
            long exactIndex = _pendingExact[i] - table.InputMin;
            if ((ulong)exactIndex >= (ulong)entries.Length) _ = table[_pendingExact[i]];
            long index = Math.Clamp(inputs[i] - table.InputMin, 0, entries.Length - 1);
            outputs[i] = entries[(int)index];
        }
    }
}
