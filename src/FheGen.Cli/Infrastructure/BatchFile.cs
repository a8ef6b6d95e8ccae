using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace FheGen.Cli.Infrastructure;

/// <summary>What a batch file holds.</summary>
internal enum BatchKind : byte
{
    /// <summary>Rows of seeded encrypted inputs (<c>ModelClient.Encrypt</c>), one blob per row.</summary>
    Inputs = 1,

    /// <summary>Rows of encrypted outputs (<c>EncryptedOutputs</c>), one blob per row.</summary>
    Outputs = 2,
}

/// <summary>
/// Several rows' ciphertext blobs in one file, for <c>fhegen encrypt</c>, <c>run</c> and <c>decrypt</c>. The library's
/// formats are one inference per blob; this container holds several in the style of the deployment container
/// (<c>DeploymentFormat</c>): versioned, length-checked, checksummed, with a magic of its own, and the circuit's
/// fingerprint so a batch is never run or decrypted with another circuit's bundle. Each row is the library's blob
/// unchanged, checked again by the library when it is read.
/// </summary>
/// <remarks>
/// <code>
/// offset  size  field
/// 0       4     magic "FHGB" (ASCII)
/// 4       2     format version (uint16) = 1
/// 6       1     kind (1 = encrypted inputs, 2 = encrypted outputs)
/// 7       1     reserved, 0
/// 8       8     payload length P (int64)
/// 16      P     payload: int32 fingerprint length F, F bytes of UTF-8 fingerprint (the bundles'), int32 row count N >= 1,
///               then per row an int64 length L and L bytes (the row's blob)
/// 16+P    32    SHA-256 over bytes [0, 16+P)
/// (end of data: no trailing bytes)
/// </code>
/// </remarks>
internal static class BatchFile
{
    public static ReadOnlySpan<byte> Magic => "FHGB"u8;

    public const ushort FormatVersion = 1;

    private const int HeaderLength = 16;
    private const int ChecksumLength = 32;

    public static byte[] ToBytes(BatchKind kind, string fingerprint, IReadOnlyList<byte[]> rows)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rows.Count);
        byte[] print = Encoding.UTF8.GetBytes(fingerprint);
        long payload = 4 + print.Length + 4;
        foreach (var row in rows) payload += 8 + row.Length;
        var blob = new byte[checked(HeaderLength + payload + ChecksumLength)];
        var span = blob.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
        span[6] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], payload);
        int at = HeaderLength;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], print.Length);
        print.CopyTo(span[(at += 4)..]);
        at += print.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], rows.Count);
        at += 4;
        foreach (var row in rows)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], row.Length);
            row.CopyTo(span[(at += 8)..]);
            at += row.Length;
        }
        SHA256.HashData(span[..at], span[at..]);
        return blob;
    }

    /// <summary>The rows of a batch of <paramref name="kind"/> for the circuit of <paramref name="fingerprint"/>, after every check.</summary>
    /// <exception cref="InvalidDataException">The data is not such a batch, is damaged, or is for another circuit.</exception>
    public static List<byte[]> FromBytes(ReadOnlySpan<byte> span, BatchKind kind, string fingerprint)
    {
        string what = kind == BatchKind.Inputs ? "batch of encrypted inputs" : "batch of encrypted outputs";
        if (span.Length < HeaderLength + ChecksumLength)
            throw new InvalidDataException($"not a {what}: {span.Length} bytes is shorter than the header and checksum.");
        if (!span[..4].SequenceEqual(Magic)) throw new InvalidDataException($"not a {what} (wrong magic; expected \"FHGB\", as fhegen encrypt and run write).");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        if (version != FormatVersion) throw new InvalidDataException($"{what} of format version {version}; this build reads version {FormatVersion}.");
        if (span[6] != (byte)kind)
            throw new InvalidDataException(span[6] is (byte)BatchKind.Inputs or (byte)BatchKind.Outputs
                ? $"holds a {(span[6] == (byte)BatchKind.Inputs ? "batch of encrypted inputs" : "batch of encrypted outputs")}, not a {what}."
                : $"unknown batch kind {span[6]}.");
        if (span[7] != 0) throw new InvalidDataException($"reserved byte is {span[7]}, not 0.");
        long length = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
        if (length != span.Length - HeaderLength - ChecksumLength)
            throw new InvalidDataException($"the header states a {length}-byte payload but {span.Length - HeaderLength - ChecksumLength} bytes are present (truncated or trailing data).");
        Span<byte> hash = stackalloc byte[ChecksumLength];
        SHA256.HashData(span[..(HeaderLength + (int)length)], hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, span[(HeaderLength + (int)length)..]))
            throw new InvalidDataException("checksum mismatch (the data is damaged).");

        var payload = span.Slice(HeaderLength, (int)length);
        int at = 0;
        int printLength = ReadInt32(payload, ref at, "fingerprint length");
        if (printLength < 0 || printLength > payload.Length - at) throw new InvalidDataException("bad fingerprint length.");
        string print = Encoding.UTF8.GetString(payload.Slice(at, printLength));
        at += printLength;
        if (print != fingerprint)
            throw new InvalidDataException($"the {what} is for circuit {print}, but the bundle is circuit {fingerprint}.");
        int count = ReadInt32(payload, ref at, "row count");
        if (count < 1) throw new InvalidDataException($"row count {count}; a batch has at least one row.");
        var rows = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            if (payload.Length - at < 8) throw new InvalidDataException($"row {i + 1} of {count}: missing.");
            long rowLength = BinaryPrimitives.ReadInt64LittleEndian(payload[at..]);
            at += 8;
            if (rowLength < 0 || rowLength > payload.Length - at) throw new InvalidDataException($"row {i + 1} of {count}: length {rowLength} runs past the payload.");
            rows.Add(payload.Slice(at, (int)rowLength).ToArray());
            at += (int)rowLength;
        }
        if (at != payload.Length) throw new InvalidDataException($"{payload.Length - at} bytes after the last row.");
        return rows;
    }

    private static int ReadInt32(ReadOnlySpan<byte> payload, ref int at, string field)
    {
        if (payload.Length - at < 4) throw new InvalidDataException($"truncated at the {field}.");
        int v = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        at += 4;
        return v;
    }
}
