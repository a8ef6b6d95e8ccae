using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Serialization;

public static partial class TfheSerializer
{
    /// <summary>Most seeded ciphertexts in one blob (a bound on what a hostile count can make the reader allocate).</summary>
    public const int MaxSeededCiphertexts = 1 << 24;

    private const int SeededRecordLength = SeededLweCiphertext.SeedLength + sizeof(ulong);

    // Records read per batch (40 KiB): the buffer and the list's first capacity, whatever the stated count.
    private const int SeededBatch = 1024;

    /// <summary>Writes seeded ciphertexts (kind 6; see the layout on <see cref="TfheSerializer"/>).</summary>
    public static void WriteSeededCiphertexts(Stream stream, TfheSeededCiphertexts ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(ciphertexts);
        CheckEndianness();
        int count = ciphertexts.Ciphertexts.Count;
        if (count > MaxSeededCiphertexts)
            throw new ArgumentException($"At most {MaxSeededCiphertexts} ciphertexts fit one blob; got {count}.", nameof(ciphertexts));
        using var w = new HashingWriter(stream);
        WriteHeader(w, TfheObjectKind.SeededCiphertexts, ciphertexts.Parameters, SeededPayloadLength(count));
        Span<byte> head = stackalloc byte[8];
        WriteInts(head, count, ciphertexts.LweDimension);
        w.Write(head);
        Span<byte> record = stackalloc byte[SeededRecordLength];
        foreach (var c in ciphertexts.Ciphertexts)
        {
            c.Seed.CopyTo(record);
            BinaryPrimitives.WriteUInt64LittleEndian(record[SeededLweCiphertext.SeedLength..], c.Body);
            w.Write(record);
        }

        w.Finish();
    }

    /// <summary>Reads seeded ciphertexts; the stream must end right after them.</summary>
    /// <remarks>A server should use <see cref="ReadSeededCiphertexts(Stream, CircuitEncoding)"/>: expanding bounds
    /// neither the count nor the work (each 40-byte record becomes 8·(d + 1) bytes).</remarks>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static TfheSeededCiphertexts ReadSeededCiphertexts(Stream stream, TfheParameters? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadSeeded(stream, expectedParameters, check: null);
    }

    /// <summary>
    /// Reads the encrypted inputs of one inference of the circuit <paramref name="encoding"/> describes: the parameter
    /// set must be its inputs' set, the dimension that set's k·N and the count the circuit's input count, all checked
    /// before any record is read, so what a hostile blob makes the server expand is bounded by the circuit.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not the inputs of this circuit.</exception>
    public static TfheSeededCiphertexts ReadSeededCiphertexts(Stream stream, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(encoding);
        return ReadSeeded(stream, CircuitCompatibility.InputParameters(encoding),
            (count, dimension) => CircuitCompatibility.CheckInputShape(count, dimension, encoding));
    }

    private static TfheSeededCiphertexts ReadSeeded(Stream stream, TfheParameters? expectedParameters, Action<int, int>? check)
    {
        CheckEndianness();
        using var r = new HashingReader(stream);
        TfheParameters p = ReadHeader(r, TfheObjectKind.SeededCiphertexts, expectedParameters, out long payloadLength);
        int count = ReadInt32(r, "ciphertext count");
        if (count < 0 || count > MaxSeededCiphertexts)
            throw new TfheFormatException($"The ciphertext count {count} is outside [0, {MaxSeededCiphertexts}].");
        int dimension = ReadInt32(r, "ciphertext dimension");
        if (dimension != p.BigLweDimension && dimension != p.LweDimension)
            throw new TfheFormatException($"Ciphertext dimension {dimension} is neither k·N = {p.BigLweDimension} nor n = {p.LweDimension} of {p.Id}.");
        if (payloadLength != SeededPayloadLength(count))
            throw new TfheFormatException($"Seeded ciphertexts payload length {payloadLength} does not match the {SeededPayloadLength(count)} bytes of {count} ciphertexts.");
        check?.Invoke(count, dimension);
        r.CheckPayloadPresent();
        var seeds = new byte[Math.Min(count, SeededBatch) * SeededRecordLength];
        // Grown as records arrive, so a hostile count costs memory in proportion to the bytes present.
        var result = new System.Collections.Generic.List<SeededLweCiphertext>(Math.Min(count, SeededBatch));
        for (int start = 0; start < count; start += seeds.Length / SeededRecordLength)
        {
            int batch = Math.Min(count - start, seeds.Length / SeededRecordLength);
            Span<byte> bytes = seeds.AsSpan(0, batch * SeededRecordLength);
            r.Read(bytes, "seeded ciphertexts");
            for (int i = 0; i < batch; i++)
            {
                var record = bytes.Slice(i * SeededRecordLength, SeededRecordLength);
                result.Add(new SeededLweCiphertext(dimension, record[..SeededLweCiphertext.SeedLength],
                    BinaryPrimitives.ReadUInt64LittleEndian(record[SeededLweCiphertext.SeedLength..])));
            }
        }

        r.VerifyChecksumAndEnd();
        return new TfheSeededCiphertexts(p, result);
    }

    /// <summary>Bytes <see cref="WriteSeededCiphertexts"/> writes for <paramref name="count"/> ciphertexts of <paramref name="parameters"/>.</summary>
    public static long SeededCiphertextsLength(TfheParameters parameters, int count)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return 12 + Encoding.UTF8.GetByteCount(parameters.Id) + 8 + SeededPayloadLength(count) + ChecksumLength;
    }

    private static long SeededPayloadLength(int count) => 8 + (long)count * SeededRecordLength;
}
