using System;
using System.Threading.Tasks;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// LWE key-switching key from an input key s' (dimension N_in, e.g. the flattened GLWE key k·N) to an output key s
/// (dimension n): for each input bit i and level j in [1, l], an LWE encryption under s of s'_i·q/B^j, row
/// <c>i·l + (j−1)</c>, stored contiguously (n + 1 words per row).
/// </summary>
internal sealed class KeySwitchKey
{
    private readonly ulong[] _data;

    internal KeySwitchKey(ulong[] data, int inputDimension, int outputDimension, GadgetDecomposer decomposer)
    {
        _data = data;
        InputDimension = inputDimension;
        OutputDimension = outputDimension;
        Decomposer = decomposer;
    }

    /// <summary>Input LWE dimension.</summary>
    public int InputDimension { get; }

    /// <summary>Output LWE dimension.</summary>
    public int OutputDimension { get; }

    /// <summary>Keyswitch gadget.</summary>
    public GadgetDecomposer Decomposer { get; }

    /// <summary>Size in bytes.</summary>
    public long SizeInBytes => (long)_data.Length * sizeof(ulong);

    /// <summary>The key's words (row i·l + j, n + 1 words per row), for serialization; not a copy.</summary>
    internal ReadOnlyMemory<ulong> Data => _data;

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

        return new KeySwitchKey(data, nIn, nOut, decomposer);
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
                TorusSpan.MultiplyAdd(outData, _data.AsSpan((i * l + j) * rowSize, rowSize), unchecked((ulong)-d));
            }
        }
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
        for (int b = 0; b < count; b++)
        {
            outputs[b].AsSpan().Clear();
            outputs[b].Body = inputs[b].Body;
        }

        long[]? rented = count * l > 512 ? new long[count * l] : null;
        Span<long> digits = rented ?? stackalloc long[count * l];
        for (int i = 0; i < InputDimension; i++)
        {
            for (int b = 0; b < count; b++)
                Decomposer.Decompose(inputs[b].Mask[i], digits.Slice(b * l, l));
            for (int j = 0; j < l; j++)
            {
                ReadOnlySpan<ulong> row = _data.AsSpan((i * l + j) * rowSize, rowSize);
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
