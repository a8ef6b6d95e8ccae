using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// LWE key-switching key from an input key s' (dimension N_in, e.g. the flattened GLWE key k·N) to an output key s
/// (dimension n): for each input bit i and level j in [1, l], an LWE encryption under s of s'_i·q/B^j, row
/// <c>i·l + (j−1)</c>, stored contiguously (n + 1 words per row).
/// </summary>
/// <remarks>
/// When the gadget keeps at most 32 bits (base_log·l ≤ 32) and the rows' noise is at least 2^-30, well above the 2^-32
/// grid (<see cref="TfheParameters.KeySwitchIn32Bits(int, int, double)"/>), the key is held in 32-bit words, each row
/// rounded to the modulus 2^32 (TFHE-rs' KS32): the keyswitch streams half
/// the bytes and multiply-adds twice the lanes, and the result is the same phase modulo 2^32, lifted back to 2^64 (its
/// low 32 bits zero; the blind rotation only reads the top log2(2N) bits). The digits still come from the full 64-bit
/// input, so the decomposition error is unchanged; the added noise is the rows' rounding, which
/// <c>NoiseModel.KeySwitchVariancePerInputCoefficient</c> counts.
/// </remarks>
internal sealed class KeySwitchKey
{
    private readonly ulong[]? _data;
    private readonly uint[]? _data32;

    /// <param name="data">The rows as 64-bit torus words.</param>
    /// <param name="inputDimension">Input LWE dimension.</param>
    /// <param name="outputDimension">Output LWE dimension.</param>
    /// <param name="decomposer">The gadget.</param>
    /// <param name="lweNoiseStdDev">The rows' noise: with the gadget it decides the 32-bit storage.</param>
    internal KeySwitchKey(ulong[] data, int inputDimension, int outputDimension, GadgetDecomposer decomposer, double lweNoiseStdDev)
    {
        InputDimension = inputDimension;
        OutputDimension = outputDimension;
        Decomposer = decomposer;
        if (TfheParameters.KeySwitchIn32Bits(decomposer.BaseLog, decomposer.LevelCount, lweNoiseStdDev))
        {
            _data32 = new uint[data.Length];
            for (long i = 0; i < data.LongLength; i++) _data32[i] = Round32(data[i]);
        }
        else
        {
            _data = data;
        }
    }

    /// <summary>Input LWE dimension.</summary>
    public int InputDimension { get; }

    /// <summary>Output LWE dimension.</summary>
    public int OutputDimension { get; }

    /// <summary>Keyswitch gadget.</summary>
    public GadgetDecomposer Decomposer { get; }

    /// <summary>Whether the key is held in 32-bit words (see the remarks).</summary>
    public bool Uses32BitWords => _data32 is not null;

    /// <summary>Size in bytes.</summary>
    public long SizeInBytes => _data32 is not null ? _data32.LongLength * sizeof(uint) : _data!.LongLength * sizeof(ulong);

    /// <summary>
    /// The key's words (row i·l + j, n + 1 words per row) as 64-bit torus values, for serialization: not a copy for a
    /// 64-bit key; a 32-bit key's words lifted to 2^64 (loading them rounds back to the very same words).
    /// </summary>
    internal ReadOnlyMemory<ulong> Data
    {
        get
        {
            if (_data is not null) return _data;
            var lifted = new ulong[_data32!.LongLength];
            for (long i = 0; i < lifted.LongLength; i++) lifted[i] = (ulong)_data32[i] << 32;
            return lifted;
        }
    }

    /// <summary>A torus value rounded to the nearest multiple of 2^-32, as a 32-bit word.</summary>
    private static uint Round32(ulong value) => (uint)((value + (1UL << 31)) >> 32);

    /// <summary>
    /// Generates the key. Work is spread over cores: the l rows of input bit i are encrypted with their own child
    /// sampler, seeded from <paramref name="sampler"/> in index order before the parallel loop, so the key is
    /// deterministic for a seeded sampler whatever the scheduling.
    /// </summary>
    public static KeySwitchKey Generate(LweSecretKey inputKey, LweSecretKey outputKey, GadgetDecomposer decomposer, double lweNoiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(inputKey);
        ArgumentNullException.ThrowIfNull(outputKey);
        ArgumentNullException.ThrowIfNull(sampler);
        int nIn = inputKey.Dimension;
        int nOut = outputKey.Dimension;
        int l = decomposer.LevelCount;
        int rowSize = nOut + 1;
        var data = new ulong[(long)nIn * l * rowSize];
        ulong[] seeds = sampler.DrawChildSeeds(nIn);
        ulong[] bits = inputKey.Bits.ToArray();
        try
        {
            // One worker per core: iterations are long, and the thread pool would otherwise keep adding threads.
            Parallel.For(0, nIn, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => new LweCiphertext(nOut), (i, _, row) =>
            {
                var local = NoiseSampler.FromChildSeed(seeds, i);
                for (int j = 1; j <= l; j++)
                {
                    row.EncryptAssign(outputKey, bits[i] * decomposer.Weight(j), lweNoiseStdDev, local);
                    row.AsSpan().CopyTo(data.AsSpan((i * l + j - 1) * rowSize, rowSize));
                }

                return row;
            }, static _ => { });
        }
        finally
        {
            Array.Clear(bits);
            Array.Clear(seeds);
        }

        return new KeySwitchKey(data, nIn, nOut, decomposer, lweNoiseStdDev);
    }

    /// <summary>
    /// <c>output = (0, …, 0, b) − Σ_i Σ_j digit_j(a_i) · row(i, j)</c>: the same phase under the output key, plus
    /// the keyswitch noise. Thread-safe: the key is read-only and the digits live on the stack, so one key serves every
    /// worker thread.
    /// </summary>
    public void KeySwitch(LweCiphertext input, LweCiphertext output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (input.LweDimension != InputDimension)
            throw new ArgumentException($"Expected input dimension {InputDimension}.", nameof(input));
        if (output.LweDimension != OutputDimension)
            throw new ArgumentException($"Expected output dimension {OutputDimension}.", nameof(output));
        if (_data32 is not null)
        {
            KeySwitch32(input, output);
            return;
        }

        Span<ulong> outData = output.AsSpan();
        outData.Clear();
        output.Body = input.Body;
        ReadOnlySpan<ulong> mask = input.Mask;
        int l = Decomposer.LevelCount;
        int rowSize = OutputDimension + 1;
        Span<long> digits = stackalloc long[l];
        for (int i = 0; i < mask.Length; i++)
        {
            Decomposer.Decompose(mask[i], digits);
            for (int j = 0; j < l; j++)
            {
                long d = digits[j];
                if (d == 0)
                    continue;
                // output -= d · row  ⇔  output += (−d) · row (wrapping).
                TorusSpan.MultiplyAdd(outData, _data!.AsSpan((i * l + j) * rowSize, rowSize), unchecked((ulong)-d));
            }
        }
    }

    private void KeySwitch32(LweCiphertext input, LweCiphertext output)
    {
        int l = Decomposer.LevelCount;
        int rowSize = OutputDimension + 1;
        uint[] rented = ArrayPool<uint>.Shared.Rent(rowSize);
        try
        {
            Span<uint> acc = rented.AsSpan(0, rowSize);
            acc.Clear();
            acc[OutputDimension] = Round32(input.Body);
            ReadOnlySpan<ulong> mask = input.Mask;
            Span<long> digits = stackalloc long[l];
            for (int i = 0; i < mask.Length; i++)
            {
                Decomposer.Decompose(mask[i], digits);
                for (int j = 0; j < l; j++)
                {
                    long d = digits[j];
                    if (d != 0)
                        MultiplyAdd32(acc, _data32.AsSpan((i * l + j) * rowSize, rowSize), unchecked((uint)-d));
                }
            }

            Lift(acc, output.AsSpan());
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(rented);
        }
    }

    /// <summary>out[k] = acc[k]·2^32: a phase modulo 2^32 as a 64-bit torus value.</summary>
    private static void Lift(ReadOnlySpan<uint> acc, Span<ulong> output)
    {
        for (int k = 0; k < acc.Length; k++) output[k] = (ulong)acc[k] << 32;
    }

    /// <summary>acc[k] += w·x[k] (mod 2^32).</summary>
    private static void MultiplyAdd32(Span<uint> acc, ReadOnlySpan<uint> x, uint w)
    {
        ref uint a = ref MemoryMarshal.GetReference(acc);
        ref uint b = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)acc.Length, k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vw = Vector512.Create(w);
            for (; k + 16 <= n; k += 16)
                (Vector512.LoadUnsafe(ref a, k) + Vector512.LoadUnsafe(ref b, k) * vw).StoreUnsafe(ref a, k);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vw = Vector256.Create(w);
            for (; k + 8 <= n; k += 8)
                (Vector256.LoadUnsafe(ref a, k) + Vector256.LoadUnsafe(ref b, k) * vw).StoreUnsafe(ref a, k);
        }

        for (; k < n; k++) Unsafe.Add(ref a, k) += Unsafe.Add(ref b, k) * w;
    }

    /// <summary>
    /// Keyswitches <paramref name="inputs"/> into <paramref name="outputs"/> (same count) in one pass over the key: each
    /// row is read from memory once and applied to every input while it is in cache. A keyswitch is otherwise bound by
    /// streaming the whole key (hundreds of MB for wide sets) once per ciphertext. Results equal
    /// <see cref="KeySwitch(LweCiphertext, LweCiphertext)"/>'s exactly. Thread-safe as that one.
    /// </summary>
    /// <exception cref="ArgumentException">Counts or dimensions differ, or an output is also an input.</exception>
    public void KeySwitch(ReadOnlySpan<LweCiphertext> inputs, ReadOnlySpan<LweCiphertext> outputs)
    {
        if (inputs.Length != outputs.Length)
            throw new ArgumentException($"{inputs.Length} inputs but {outputs.Length} outputs.", nameof(outputs));
        int count = inputs.Length;
        for (int b = 0; b < count; b++)
        {
            if (inputs[b] is null || inputs[b].LweDimension != InputDimension)
                throw new ArgumentException($"Input {b} is null or not of dimension {InputDimension}.", nameof(inputs));
            if (outputs[b] is null || outputs[b].LweDimension != OutputDimension)
                throw new ArgumentException($"Output {b} is null or not of dimension {OutputDimension}.", nameof(outputs));
            for (int a = 0; a < count; a++)
            {
                if (ReferenceEquals(outputs[b], inputs[a]))
                    throw new ArgumentException($"Output {b} is also input {a}.", nameof(outputs));
            }
        }

        int l = Decomposer.LevelCount;
        int rowSize = OutputDimension + 1;
        long[]? rented = count * l > 512 ? new long[count * l] : null;
        Span<long> digits = rented ?? stackalloc long[count * l];
        if (_data32 is not null)
        {
            // One 32-bit accumulator per input, pooled: the batch runs once per lookup phase.
            uint[] pooled = ArrayPool<uint>.Shared.Rent(count * rowSize);
            try
            {
                Span<uint> acc = pooled.AsSpan(0, count * rowSize);
                acc.Clear();
                for (int b = 0; b < count; b++) acc[b * rowSize + OutputDimension] = Round32(inputs[b].Body);
                for (int i = 0; i < InputDimension; i++)
                {
                    for (int b = 0; b < count; b++)
                        Decomposer.Decompose(inputs[b].Mask[i], digits.Slice(b * l, l));
                    for (int j = 0; j < l; j++)
                    {
                        ReadOnlySpan<uint> row = _data32.AsSpan((i * l + j) * rowSize, rowSize);
                        for (int b = 0; b < count; b++)
                        {
                            long d = digits[b * l + j];
                            if (d != 0)
                                MultiplyAdd32(acc.Slice(b * rowSize, rowSize), row, unchecked((uint)-d));
                        }
                    }
                }

                for (int b = 0; b < count; b++) Lift(acc.Slice(b * rowSize, rowSize), outputs[b].AsSpan());
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(pooled);
            }

            return;
        }

        for (int b = 0; b < count; b++)
        {
            outputs[b].AsSpan().Clear();
            outputs[b].Body = inputs[b].Body;
        }

        for (int i = 0; i < InputDimension; i++)
        {
            for (int b = 0; b < count; b++)
                Decomposer.Decompose(inputs[b].Mask[i], digits.Slice(b * l, l));
            for (int j = 0; j < l; j++)
            {
                ReadOnlySpan<ulong> row = _data!.AsSpan((i * l + j) * rowSize, rowSize);
                for (int b = 0; b < count; b++)
                {
                    long d = digits[b * l + j];
                    if (d != 0)
                        TorusSpan.MultiplyAdd(outputs[b].AsSpan(), row, unchecked((ulong)-d));
                }
            }
        }
    }
}
