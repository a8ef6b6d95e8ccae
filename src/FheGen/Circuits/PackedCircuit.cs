using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FheGen.Backends;

namespace FheGen.Circuits;

/// <summary>
/// Evaluation of the layers and tables the generator emits as data rather than unrolled code (layers with more
/// multiply-adds than <c>FheGenUnrollLimit</c>, tables with more entries than the smaller of that limit and
/// 1024). The backend sees the very call sequence of the unrolled form and of <see cref="PlanInterpreter"/>: per
/// neuron, <see cref="ICircuitBackend{TValue}.Constant"/> of its bias, then one multiply-add per non-zero weight in
/// ascending input order. The one exception is the stateless <see cref="ClearBackend"/>, whose dense rows are summed
/// as vectorized dot products: the same integers, without the per-term calls.
/// </summary>
public static class PackedCircuit
{
    /// <summary>
    /// Accumulates neurons stored as dense rows: row <c>k</c> of <paramref name="weights"/> (<c>x.Length</c> wide)
    /// holds neuron <c>k</c>'s weights, zeros skipped; <c>acc[k]</c> receives its accumulator.
    /// </summary>
    /// <typeparam name="TBackend">The backend.</typeparam>
    /// <typeparam name="TValue">The backend's value type.</typeparam>
    /// <typeparam name="TWeight">The stored weight type (<c>sbyte</c> or <c>short</c>).</typeparam>
    /// <param name="backend">The backend, passed by reference as generated code does.</param>
    /// <param name="x">The layer's inputs.</param>
    /// <param name="acc">One accumulator per neuron of <paramref name="bias"/>.</param>
    /// <param name="bias">Integer bias per neuron.</param>
    /// <param name="weights">Row-major weights, <c>bias.Length * x.Length</c> of them.</param>
    /// <exception cref="ArgumentException">The lengths do not match.</exception>
    public static void Dense<TBackend, TValue, TWeight>(ref TBackend backend, ReadOnlySpan<TValue> x, Span<TValue> acc,
        ReadOnlySpan<long> bias, ReadOnlySpan<TWeight> weights)
        where TBackend : ICircuitBackend<TValue>
        where TWeight : unmanaged, IBinaryInteger<TWeight>
    {
        int n = x.Length;
        if (acc.Length < bias.Length || (long)bias.Length * n != weights.Length)
        {
            throw new ArgumentException($"Expected {bias.Length} rows of {n} weights and room for {bias.Length} accumulators.", nameof(weights));
        }
        if (typeof(TBackend) == typeof(ClearBackend) && typeof(TValue) == typeof(long))
        {
            // The clear backend is stateless integer arithmetic: a vectorized dot product per row gives the same sums
            // (integer addition is exact in any order, and every partial sum lies within the compiler's checked bounds).
            DenseClear(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TValue, long>(ref MemoryMarshal.GetReference(x)), n),
                MemoryMarshal.CreateSpan(ref Unsafe.As<TValue, long>(ref MemoryMarshal.GetReference(acc)), acc.Length), bias, weights);
            return;
        }
        // Lengths are checked above; the loops index by reference so the JIT emits no bounds check per term.
        ref TValue x0 = ref MemoryMarshal.GetReference(x);
        ref TWeight w0 = ref MemoryMarshal.GetReference(weights);
        for (int k = 0; k < bias.Length; k++)
        {
            TValue a = backend.Constant(bias[k]);
            ref TWeight row = ref Unsafe.Add(ref w0, k * n);
            for (int i = 0; i < n; i++)
            {
                long w = long.CreateTruncating(Unsafe.Add(ref row, i));
                if (w != 0) backend.MultiplyAdd(ref a, in Unsafe.Add(ref x0, i), w);
            }
            acc[k] = a;
        }
    }

    /// <summary><see cref="Dense"/> on <see cref="ClearBackend"/>: each row widened to 64 bits, then one vectorized dot product.</summary>
    private static void DenseClear<TWeight>(ReadOnlySpan<long> x, Span<long> acc, ReadOnlySpan<long> bias, ReadOnlySpan<TWeight> weights)
        where TWeight : unmanaged, IBinaryInteger<TWeight>
    {
        int n = x.Length;
        long[]? rented = n > 1024 ? System.Buffers.ArrayPool<long>.Shared.Rent(n) : null;
        Span<long> row = rented is null ? stackalloc long[n] : rented.AsSpan(0, n);
        for (int k = 0; k < bias.Length; k++)
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertTruncating(weights.Slice(k * n, n), row);
            acc[k] = bias[k] + System.Numerics.Tensors.TensorPrimitives.Dot<long>(x, row);
        }
        if (rented is not null) System.Buffers.ArrayPool<long>.Shared.Return(rented);
    }

    /// <summary>
    /// Accumulates neurons stored sparsely: neuron <c>k</c>'s terms are <c>[ends[k-1], ends[k])</c> (from 0 for the first)
    /// of <paramref name="indices"/> and <paramref name="weights"/>; <c>acc[k]</c> receives its accumulator.
    /// </summary>
    /// <typeparam name="TBackend">The backend.</typeparam>
    /// <typeparam name="TValue">The backend's value type.</typeparam>
    /// <typeparam name="TWeight">The stored weight type (<c>sbyte</c> or <c>short</c>).</typeparam>
    /// <typeparam name="TIndex">The stored input index type (<c>ushort</c> or <c>int</c>).</typeparam>
    /// <param name="backend">The backend, passed by reference as generated code does.</param>
    /// <param name="x">The layer's inputs.</param>
    /// <param name="acc">One accumulator per neuron of <paramref name="bias"/>.</param>
    /// <param name="bias">Integer bias per neuron.</param>
    /// <param name="ends">Per neuron, the end of its terms.</param>
    /// <param name="indices">Input index of each term.</param>
    /// <param name="weights">Weight of each term.</param>
    /// <exception cref="ArgumentException">The lengths do not match.</exception>
    /// <exception cref="IndexOutOfRangeException">The data is inconsistent (an end or index out of range).</exception>
    public static void Sparse<TBackend, TValue, TWeight, TIndex>(ref TBackend backend, ReadOnlySpan<TValue> x, Span<TValue> acc,
        ReadOnlySpan<long> bias, ReadOnlySpan<int> ends, ReadOnlySpan<TIndex> indices, ReadOnlySpan<TWeight> weights)
        where TBackend : ICircuitBackend<TValue>
        where TWeight : unmanaged, IBinaryInteger<TWeight>
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        if (acc.Length < bias.Length || ends.Length != bias.Length || indices.Length != weights.Length)
        {
            throw new ArgumentException($"Expected {bias.Length} neurons with one end each and as many indices as weights.", nameof(weights));
        }
        int e = 0;
        for (int k = 0; k < bias.Length; k++)
        {
            TValue a = backend.Constant(bias[k]);
            int end = ends[k];
            // Checked once per neuron (the terms are in range); each term's input index is checked as it is read.
            if (end < e || end > weights.Length) throw new IndexOutOfRangeException($"Neuron {k} ends at term {end}, outside [{e}, {weights.Length}].");
            for (; e < end; e++)
            {
                backend.MultiplyAdd(ref a, in x[int.CreateTruncating(indices[e])], long.CreateTruncating(weights[e]));
            }
            acc[k] = a;
        }
    }

    /// <summary>
    /// Expands a run-length coded table: <paramref name="runs"/> holds (count, value) pairs, which must add up to
    /// <paramref name="length"/> entries.
    /// </summary>
    /// <param name="runs">Pairs of run length and value.</param>
    /// <param name="length">Number of entries.</param>
    /// <returns>The entries, a fresh array.</returns>
    /// <exception cref="ArgumentException">The runs do not add up to <paramref name="length"/> entries.</exception>
    public static long[] ExpandRuns(ReadOnlySpan<long> runs, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (runs.Length % 2 != 0) throw new ArgumentException("Runs come in (count, value) pairs.", nameof(runs));
        var entries = new long[length];
        int at = 0;
        for (int r = 0; r < runs.Length; r += 2)
        {
            long count = runs[r];
            if (count < 1 || count > length - at) throw new ArgumentException($"The runs do not add up to {length} entries.", nameof(runs));
            entries.AsSpan(at, (int)count).Fill(runs[r + 1]);
            at += (int)count;
        }
        if (at != length) throw new ArgumentException($"The runs add up to {at} entries, not {length}.", nameof(runs));
        return entries;
    }
}
