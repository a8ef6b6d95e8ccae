using System;
using System.Buffers.Binary;
using System.IO;
using System.Security.Cryptography;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Deployment;

/// <summary>Kind of object in a deployment blob.</summary>
public enum DeploymentObjectKind : byte
{
    /// <summary>A <see cref="ClientBundle"/>.</summary>
    ClientBundle = 1,

    /// <summary>A <see cref="ServerBundle"/>.</summary>
    ServerBundle = 2,

    /// <summary>One inference's encrypted outputs (<see cref="EncryptedOutputs"/>).</summary>
    EncryptedOutputs = 3,
}

/// <summary>
/// The container of bundles and encrypted outputs: versioned, length-checked and checksummed like the key and
/// ciphertext format (<see cref="TfheSerializer"/>), with a magic of its own so a key is never taken for a bundle.
/// </summary>
/// <remarks>
/// <code>
/// offset  size  field
/// 0       4     magic "FHGD" (ASCII)
/// 4       2     format version (uint16) = 1
/// 6       1     object kind (1 = client bundle, 2 = server bundle, 3 = encrypted outputs)
/// 7       1     reserved, 0
/// 8       8     payload length P (int64)
/// 16      P     payload (bundles: UTF-8 JSON; outputs: int32 count, then per ciphertext an int64 length and a
///               ciphertext blob of TfheSerializer, kind 2)
/// 16+P    32    SHA-256 over bytes [0, 16+P)
/// (end of data: no trailing bytes)
/// </code>
/// Every failure is a <see cref="TfheFormatException"/> saying what is wrong, as for keys and ciphertexts.
/// </remarks>
public static class DeploymentFormat
{
    /// <summary>The 4-byte magic, "FHGD".</summary>
    public static ReadOnlySpan<byte> Magic => "FHGD"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>Largest blob a reader accepts (bundles are a few MiB; outputs far less).</summary>
    public const int MaxBlobBytes = 1 << 30;

    private const int HeaderLength = 16;
    private const int ChecksumLength = 32;

    /// <summary>Header and checksum bytes around a payload.</summary>
    public const int Overhead = HeaderLength + ChecksumLength;

    /// <summary>Wraps <paramref name="payload"/> as a blob of <paramref name="kind"/>.</summary>
    public static byte[] Wrap(DeploymentObjectKind kind, ReadOnlySpan<byte> payload)
    {
        var blob = new byte[Overhead + payload.Length];
        Magic.CopyTo(blob);
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(4), FormatVersion);
        blob[6] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(8), payload.Length);
        payload.CopyTo(blob.AsSpan(HeaderLength));
        SHA256.HashData(blob.AsSpan(0, HeaderLength + payload.Length), blob.AsSpan(HeaderLength + payload.Length));
        return blob;
    }

    /// <summary>The payload of a blob of <paramref name="kind"/>, after every check of the header and the checksum.</summary>
    /// <exception cref="TfheFormatException">The data is not such a blob, or damaged.</exception>
    public static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> blob, DeploymentObjectKind kind)
    {
        var span = blob.Span;
        if (span.Length < Overhead)
            throw new TfheFormatException($"Reading a {Name(kind)}: {span.Length} bytes is shorter than the {Overhead}-byte header and checksum.");
        if (!span[..4].SequenceEqual(Magic))
        {
            string hint = span[..4].SequenceEqual(TfheSerializer.Magic) ? " (it is a key or ciphertext blob, not a deployment blob)" : "";
            throw new TfheFormatException($"Reading a {Name(kind)}: wrong magic{hint}; expected \"FHGD\".");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        if (version != FormatVersion)
            throw new TfheFormatException($"Reading a {Name(kind)}: format version {version}; this build reads version {FormatVersion}.");
        if (span[6] != (byte)kind)
            throw new TfheFormatException($"Reading a {Name(kind)}: the blob holds {(Enum.IsDefined(typeof(DeploymentObjectKind), span[6]) ? "a " + Name((DeploymentObjectKind)span[6]) : $"unknown kind {span[6]}")}.");
        if (span[7] != 0) throw new TfheFormatException($"Reading a {Name(kind)}: reserved byte is {span[7]}, not 0.");
        long length = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
        if (length != span.Length - Overhead)
            throw new TfheFormatException($"Reading a {Name(kind)}: the header states a {length}-byte payload but {span.Length - Overhead} bytes are present (truncated or trailing data).");
        Span<byte> hash = stackalloc byte[ChecksumLength];
        SHA256.HashData(span[..(HeaderLength + (int)length)], hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, span[(HeaderLength + (int)length)..]))
            throw new TfheFormatException($"Reading a {Name(kind)}: checksum mismatch (the data is damaged).");
        return blob.Slice(HeaderLength, (int)length);
    }

    /// <summary>Reads a whole blob from <paramref name="stream"/>, refusing more than <paramref name="maxBytes"/>.</summary>
    /// <exception cref="TfheFormatException">The stream holds more than <paramref name="maxBytes"/> bytes.</exception>
    public static byte[] ReadAll(Stream stream, long maxBytes = MaxBlobBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + read > maxBytes)
                throw new TfheFormatException($"The data is longer than the {maxBytes} bytes accepted.");
            ms.Write(buffer, 0, read);
        }

        return ms.ToArray();
    }

    private static string Name(DeploymentObjectKind kind) => kind switch
    {
        DeploymentObjectKind.ClientBundle => "client bundle",
        DeploymentObjectKind.ServerBundle => "server bundle",
        DeploymentObjectKind.EncryptedOutputs => "set of encrypted outputs",
        _ => kind.ToString(),
    };
}
