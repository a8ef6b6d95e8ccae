using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Serialization;

/// <summary>Kind of object in a serialized TFHE blob.</summary>
public enum TfheObjectKind : byte
{
    /// <summary>A <see cref="Keys.ServerKey"/>.</summary>
    ServerKey = 1,

    /// <summary>A <see cref="TfheCiphertext"/> (one LWE ciphertext).</summary>
    LweCiphertext = 2,

    /// <summary>A <see cref="Keys.ClientKey"/> (secret).</summary>
    ClientKey = 3,

    /// <summary>A <see cref="Keys.CircuitServerKey"/> (container header: several parameter sets).</summary>
    CircuitServerKey = 4,

    /// <summary>A <see cref="Keys.CircuitClientKey"/> (secret; container header: several parameter sets).</summary>
    CircuitClientKey = 5,

    /// <summary><see cref="Keys.TfheSeededCiphertexts"/>: fresh ciphertexts whose masks are expanded from seeds.</summary>
    SeededCiphertexts = 6,

    /// <summary>A <see cref="Keys.SeededCircuitServerKey"/> (container header: several parameter sets).</summary>
    SeededCircuitServerKey = 7,
}

/// <summary>
/// Versioned little-endian binary format for server keys and ciphertexts.
/// </summary>
/// <remarks>
/// <para>Layout (all integers little-endian):</para>
/// <code>
/// offset  size  field
/// 0       4     magic "FHEG" (ASCII)
/// 4       2     format version (uint16) = 1
/// 6       1     object kind (1 = server key, 2 = LWE ciphertext, 3 = client key, 6 = seeded ciphertexts; 4 = circuit
///               server key, 5 = circuit client key and 7 = seeded circuit server key go on with a list of Ids:
///               layout in TfheSerializer.Circuit.cs and TfheSerializer.SeededServerKey.cs)
/// 7       1     reserved, 0
/// 8       4     parameter Id length L (int32, 1..1024)
/// 12      L     parameter Id, UTF-8 (TfheParameters.Id)
/// 12+L    8     payload length P (int64), must equal the length implied by the parameters
/// 20+L    P     payload
/// 20+L+P  32    SHA-256 over bytes [0, 20+L+P): header and payload
/// (end of data: no trailing bytes)
/// </code>
/// <para>Server key payload: 7 int32 (n, k, N, pbs base log, pbs levels, ks base log, ks levels; must equal the
/// parameters), then n Fourier GGSWs of (k+1)·l_pbs·(k+1)·N float64 each (row-major, as FourierGgsw stores them),
/// then the keyswitching key: k·N·l_ks rows of n+1 uint64.</para>
/// <para>Ciphertext payload: int32 dimension d (k·N or n), then d+1 uint64 (mask, then body).</para>
/// <para>Seeded ciphertexts payload: int32 count c (0..<see cref="MaxSeededCiphertexts"/>), int32 dimension d (k·N or
/// n), then per ciphertext its 32-byte mask seed and its uint64 body.</para>
/// <para>Client key payload: 3 int32 (n, k, N; must equal the parameters), then the n bits of the small LWE key and the
/// k·N coefficients of the GLWE key, one byte (0 or 1) each. It is the secret: store it like a private key. Its
/// encryption randomness is not stored; a loaded key draws fresh OS-seeded randomness.</para>
/// <para>Large arrays are streamed straight between the stream and their final arrays in chunks; no full-size
/// intermediate buffer is built. Loading checks everything before returning; every failure is a
/// <see cref="TfheFormatException"/>.</para>
/// <para>Nothing in a blob is trusted before its checksum verifies, and the checksum is no authentication (anyone can
/// recompute it), so readers assume hostile input: a parameter set read from a blob must stay within
/// <see cref="MaxLweDimension"/> and <see cref="MaxBigLweDimension"/>; on a seekable stream the stated payload length
/// must be exactly what is left of the stream (before anything is allocated for it); on any stream, arrays grow as
/// their bytes arrive. What a reader allocates is therefore proportional to the bytes present. Fourier coefficients
/// must be finite and within the range a torus polynomial's transform can reach. Readers that take a
/// <see cref="Circuits.CircuitEncoding"/> also check the object against the circuit (parameter sets, key pairs,
/// ciphertext count and dimension) before reading its data; a server should use those.</para>
/// </remarks>
public static partial class TfheSerializer
{
    /// <summary>The 4-byte magic, "FHEG".</summary>
    public static ReadOnlySpan<byte> Magic => "FHEG"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>Longest accepted parameter Id, in bytes.</summary>
    public const int MaxIdLength = 1024;

    /// <summary>Largest small LWE dimension n a reader accepts in a parameter set (real sets have n ≈ 500..1500).</summary>
    public const int MaxLweDimension = 1 << 16;

    /// <summary>Largest k·N a reader accepts in a parameter set (k ≤ 16 and N ≤ 2^16 in the parameter search).</summary>
    public const int MaxBigLweDimension = 1 << 20;

    private const int ChecksumLength = 32;
    private const int ServerKeyHeaderInts = 7;
    private const int ChunkBytes = 1 << 20;

    /// <summary>Writes <paramref name="key"/> to <paramref name="stream"/>.</summary>
    public static void WriteServerKey(Stream stream, ServerKey key)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        CheckEndianness();
        TfheParameters p = key.Parameters;
        using var w = new HashingWriter(stream);
        WriteHeader(w, TfheObjectKind.ServerKey, p, ServerKeyPayloadLength(p));
        Span<byte> ints = stackalloc byte[ServerKeyHeaderInts * 4];
        WriteInts(ints, p.LweDimension, p.GlweDimension, p.PolynomialSize, p.PbsBaseLog, p.PbsLevel, p.KsBaseLog, p.KsLevel);
        w.Write(ints);
        BootstrapKeyCodec.Write(w, key.BootstrapKey);
        KeySwitchKeyCodec.Write(w, key.KeySwitchKey);
        w.Finish();
    }

    /// <summary>Reads a server key; the stream must end right after it.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter set must equal it.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static ServerKey ReadServerKey(Stream stream, TfheParameters? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckEndianness();
        using var r = new HashingReader(stream);
        TfheParameters p = ReadHeader(r, TfheObjectKind.ServerKey, expectedParameters, out long payloadLength);
        long expectedLength;
        try
        {
            expectedLength = ServerKeyPayloadLength(p);
        }
        catch (OverflowException e)
        {
            throw new TfheFormatException($"The parameter set {p.Id} implies a server key of more than 2^63 bytes.", e);
        }

        if (payloadLength != expectedLength)
            throw new TfheFormatException(
                $"Server key payload length {payloadLength} does not match the {expectedLength} bytes implied by {p.Id}.");
        r.CheckPayloadPresent();

        Span<byte> ints = stackalloc byte[ServerKeyHeaderInts * 4];
        r.Read(ints, "server key dimensions");
        int[] expectedInts = { p.LweDimension, p.GlweDimension, p.PolynomialSize, p.PbsBaseLog, p.PbsLevel, p.KsBaseLog, p.KsLevel };
        string[] names = { "n", "k", "N", "PBS base log", "PBS levels", "KS base log", "KS levels" };
        for (int i = 0; i < ServerKeyHeaderInts; i++)
        {
            int stored = BinaryPrimitives.ReadInt32LittleEndian(ints[(i * 4)..]);
            if (stored != expectedInts[i])
                throw new TfheFormatException($"Server key {names[i]} = {stored} does not match {expectedInts[i]} of {p.Id}.");
        }

        var bootstrapKey = BootstrapKeyCodec.Read(r, p, p, "bootstrapping key");
        var keySwitchKey = KeySwitchKeyCodec.Read(r, p, p, "keyswitching key");
        r.VerifyChecksumAndEnd();
        return new ServerKey(p, bootstrapKey(), keySwitchKey());
    }

    /// <summary>Writes <paramref name="ciphertext"/> to <paramref name="stream"/>.</summary>
    public static void WriteCiphertext(Stream stream, TfheCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(ciphertext);
        CheckEndianness();
        int d = ciphertext.Ciphertext.LweDimension;
        using var w = new HashingWriter(stream);
        WriteHeader(w, TfheObjectKind.LweCiphertext, ciphertext.Parameters, CiphertextPayloadLength(d));
        Span<byte> dim = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(dim, d);
        w.Write(dim);
        WriteChunked(w, ciphertext.Ciphertext.AsSpan());
        w.Finish();
    }

    /// <summary>Reads a ciphertext; the stream must end right after it.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static TfheCiphertext ReadCiphertext(Stream stream, TfheParameters? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadCiphertext(stream, expectedParameters, checkDimension: null);
    }

    /// <summary>
    /// Reads one encrypted input of the circuit <paramref name="encoding"/> describes: its parameter set must be the
    /// inputs' set and its dimension that set's k·N, checked before the words are read. What a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not an input of this circuit.</exception>
    public static TfheCiphertext ReadCiphertext(Stream stream, Circuits.CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(encoding);
        return ReadCiphertext(stream, Circuits.CircuitCompatibility.InputParameters(encoding),
            d => Circuits.CircuitCompatibility.CheckInputDimension(d, encoding));
    }

    private static TfheCiphertext ReadCiphertext(Stream stream, TfheParameters? expectedParameters, Action<int>? checkDimension)
    {
        CheckEndianness();
        using var r = new HashingReader(stream);
        TfheParameters p = ReadHeader(r, TfheObjectKind.LweCiphertext, expectedParameters, out long payloadLength);
        long big = CiphertextPayloadLength(p.BigLweDimension);
        long small = CiphertextPayloadLength(p.LweDimension);
        if (payloadLength != big && payloadLength != small)
            throw new TfheFormatException(
                $"Ciphertext payload length {payloadLength} matches neither dimension k·N = {p.BigLweDimension} ({big} bytes) " +
                $"nor n = {p.LweDimension} ({small} bytes) of {p.Id}.");
        Span<byte> dim = stackalloc byte[4];
        r.Read(dim, "ciphertext dimension");
        int d = BinaryPrimitives.ReadInt32LittleEndian(dim);
        if (d <= 0 || CiphertextPayloadLength(d) != payloadLength)
            throw new TfheFormatException($"Ciphertext dimension {d} is inconsistent with the payload length {payloadLength}.");
        checkDimension?.Invoke(d);
        r.CheckPayloadPresent();
        // Grown as the words arrive (ReadGrowing): the dimension comes from the unauthenticated Id.
        ulong[] words = ReadGrowing<ulong>(r, d + 1L, "ciphertext words", secret: false);
        r.VerifyChecksumAndEnd();
        return new TfheCiphertext(p, new LweCiphertext(words));
    }

    /// <summary>Writes the secret <paramref name="key"/> to <paramref name="stream"/>.</summary>
    public static void WriteClientKey(Stream stream, ClientKey key)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        CheckEndianness();
        TfheParameters p = key.Parameters;
        using var w = new HashingWriter(stream);
        WriteHeader(w, TfheObjectKind.ClientKey, p, ClientKeyPayloadLength(p));
        Span<byte> ints = stackalloc byte[ClientKeyHeaderInts * 4];
        WriteInts(ints, p.LweDimension, p.GlweDimension, p.PolynomialSize);
        w.Write(ints);
        WriteBits(w, key.SmallKey.Bits);
        WriteBits(w, key.GlweKey.Coefficients);
        w.Finish();
    }

    /// <summary>Reads a client key; the stream must end right after it.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter set must equal it.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static ClientKey ReadClientKey(Stream stream, TfheParameters? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckEndianness();
        using var r = new HashingReader(stream);
        TfheParameters p = ReadHeader(r, TfheObjectKind.ClientKey, expectedParameters, out long payloadLength);
        long expectedLength = ClientKeyPayloadLength(p);
        if (payloadLength != expectedLength)
            throw new TfheFormatException($"Client key payload length {payloadLength} does not match the {expectedLength} bytes implied by {p.Id}.");
        r.CheckPayloadPresent();
        Span<byte> ints = stackalloc byte[ClientKeyHeaderInts * 4];
        r.Read(ints, "client key dimensions");
        int[] expectedInts = { p.LweDimension, p.GlweDimension, p.PolynomialSize };
        string[] names = { "n", "k", "N" };
        for (int i = 0; i < ClientKeyHeaderInts; i++)
        {
            int stored = BinaryPrimitives.ReadInt32LittleEndian(ints[(i * 4)..]);
            if (stored != expectedInts[i])
                throw new TfheFormatException($"Client key {names[i]} = {stored} does not match {expectedInts[i]} of {p.Id}.");
        }

        var small = ReadKeyBits(r, p.LweDimension, "small LWE key");
        var glwe = ReadKeyBits(r, p.BigLweDimension, "GLWE key");
        r.VerifyChecksumAndEnd();
        return ClientKey.FromKeys(p, LweSecretKey.FromBits(small), GlweSecretKey.FromCoefficients(p.GlweDimension, p.PolynomialSize, glwe));
    }

    private const int ClientKeyHeaderInts = 3;

    private static long ClientKeyPayloadLength(TfheParameters p) => ClientKeyHeaderInts * 4 + (long)p.LweDimension + p.BigLweDimension;

    private static void WriteBits(HashingWriter w, ReadOnlySpan<ulong> bits)
    {
        var buffer = new byte[Math.Min(bits.Length, ChunkBytes)];
        for (int start = 0; start < bits.Length; start += buffer.Length)
        {
            int count = Math.Min(buffer.Length, bits.Length - start);
            for (int i = 0; i < count; i++) buffer[i] = (byte)bits[start + i];
            w.Write(buffer.AsSpan(0, count));
        }
        CryptographicOperations.ZeroMemory(buffer);
    }

    /// <summary>A bootstrapping key's Fourier GGSWs, row by row (<see cref="BootstrapKeyCodec"/>).</summary>
    private static void WriteBootstrapKey(HashingWriter w, BootstrapKey bsk)
    {
        int rows = (bsk.GlweDimension + 1) * bsk.Decomposer.LevelCount;
        for (int i = 0; i < bsk.LweDimension; i++)
        {
            FourierGgsw g = bsk[i];
            for (int row = 0; row < rows; row++)
                for (int c = 0; c <= bsk.GlweDimension; c++)
                    w.Write(MemoryMarshal.AsBytes(g.Polynomial(row, c)));
        }
    }

    /// <summary>
    /// The n_From GGSWs of a bootstrapping key into <paramref name="to"/>'s ring, one array each, grown as the data
    /// arrives (<see cref="ReadGrowing{T}"/>): a parseable but hostile Id costs memory in proportion to the bytes present.
    /// </summary>
    private static double[][] ReadBootstrapKeyData(HashingReader r, TfheParameters from, TfheParameters to, string what)
    {
        long ggswLength = GgswDoubles(to);
        // The forward transform of N signed 64-bit coefficients is at most N/2·√2·2^63 in magnitude: anything larger,
        // or NaN or infinite, is not a key and would make every bootstrapping return garbage.
        double bound = Math.ScaleB(to.PolynomialSize, 64);
        var ggsws = new List<double[]>();
        for (int g = 0; g < from.LweDimension; g++)
        {
            double[] data = ReadGrowing<double>(r, ggswLength, $"{what} GGSW {g} of {from.LweDimension}", secret: false);
            int bad = FirstOutOfRange(data, bound);
            if (bad >= 0)
                throw new TfheFormatException(
                    $"The {what} GGSW {g} holds the Fourier coefficient {data[bad]} at {bad}: not finite or beyond ±{bound:G3}, so not a key.");
            ggsws.Add(data);
        }

        return ggsws.ToArray();
    }

    /// <summary>Index of the first value that is NaN, infinite or of magnitude above <paramref name="bound"/>; −1 if none.</summary>
    private static int FirstOutOfRange(ReadOnlySpan<double> values, double bound)
    {
        for (int i = 0; i < values.Length; i++)
        {
            // Written so that NaN fails the test too.
            if (!(Math.Abs(values[i]) <= bound))
                return i;
        }

        return -1;
    }

    /// <summary>The bootstrapping key from data read by <see cref="ReadBootstrapKeyData"/> (after the checksum verified).</summary>
    private static BootstrapKey CreateBootstrapKey(double[][] ggswData, TfheParameters to)
    {
        var pbs = new GadgetDecomposer(to.PbsBaseLog, to.PbsLevel);
        var ggsws = ggswData.Select(d => RawKeyAccess.CreateFourierGgsw(to.GlweDimension, to.PolynomialSize, pbs, d)).ToArray();
        return RawKeyAccess.CreateBootstrapKey(ggsws, to.GlweDimension, to.PolynomialSize, pbs);
    }

    /// <summary>
    /// Bytes <see cref="WriteServerKey"/> writes for a key of <paramref name="parameters"/>: header, payload and checksum,
    /// known from the parameters alone (no need to serialize a key of hundreds of MiB to size it).
    /// </summary>
    public static long ServerKeyLength(TfheParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        // magic, version, kind, reserved and Id length (12), the Id, the payload length (8), the payload, the checksum.
        return 12 + Encoding.UTF8.GetByteCount(parameters.Id) + 8 + ServerKeyPayloadLength(parameters) + ChecksumLength;
    }

    private static long ServerKeyPayloadLength(TfheParameters p)
        => checked(ServerKeyHeaderInts * 4 + BootstrapKeyCodec.PayloadBytes(p, p) + KeySwitchKeyCodec.PayloadBytes(p, p));

    private static long CiphertextPayloadLength(int dimension) => 4 + ((long)dimension + 1) * sizeof(ulong);

    private static void WriteHeader(HashingWriter w, TfheObjectKind kind, TfheParameters p, long payloadLength)
    {
        WriteFixedHead(w, kind);
        WriteParameterId(w, p);
        WriteInt64(w, payloadLength);
    }

    /// <summary>Magic, version, kind and reserved byte: the 8 bytes every object starts with.</summary>
    private static void WriteFixedHead(HashingWriter w, TfheObjectKind kind)
    {
        Span<byte> head = stackalloc byte[8];
        Magic.CopyTo(head);
        BinaryPrimitives.WriteUInt16LittleEndian(head[4..], FormatVersion);
        head[6] = (byte)kind;
        head[7] = 0;
        w.Write(head);
    }

    /// <summary>Id length (int32) and UTF-8 Id.</summary>
    private static void WriteParameterId(HashingWriter w, TfheParameters p)
    {
        byte[] id = Encoding.UTF8.GetBytes(p.Id);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, id.Length);
        w.Write(len);
        w.Write(id);
    }

    private static void WriteInt64(HashingWriter w, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        w.Write(bytes);
    }

    private static TfheParameters ReadHeader(HashingReader r, TfheObjectKind expectedKind, TfheParameters? expected, out long payloadLength)
    {
        ReadFixedHead(r, expectedKind);
        TfheParameters p = ReadParameterId(r, "parameter Id");
        if (expected is not null && !expected.Equals(p))
            throw new TfheFormatException($"Parameter set mismatch: the data is for '{p.Id}' but '{expected.Id}' was expected.");
        payloadLength = ReadPayloadLength(r);
        return p;
    }

    /// <summary>The payload length field; the reader remembers where the payload ends (see <see cref="HashingReader.CheckPayloadPresent"/>).</summary>
    private static long ReadPayloadLength(HashingReader r)
    {
        long length = ReadInt64(r, "payload length");
        r.PayloadEndsAfter(length);
        return length;
    }

    /// <summary>Reads and checks magic, version, kind and reserved byte.</summary>
    private static void ReadFixedHead(HashingReader r, TfheObjectKind expectedKind)
    {
        Span<byte> head = stackalloc byte[8];
        r.Read(head[..4], "magic");
        if (!head[..4].SequenceEqual(Magic))
            throw new TfheFormatException(
                $"Not FheGen TFHE data: the magic is {Convert.ToHexString(head[..4])}, expected {Convert.ToHexString(Magic)} (\"FHEG\").");
        r.Read(head[4..], "header");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(head[4..]);
        if (version != FormatVersion)
            throw new TfheFormatException($"Unsupported format version {version}; this build reads version {FormatVersion} only.");
        var kind = (TfheObjectKind)head[6];
        if (kind != expectedKind)
            throw new TfheFormatException($"Expected a {expectedKind} (kind {(byte)expectedKind}) but the data holds {KindName(head[6])}.");
        if (head[7] != 0)
            throw new TfheFormatException($"Reserved header byte is {head[7]}, expected 0.");
    }

    /// <summary>Reads an Id length (1..<see cref="MaxIdLength"/>) and the UTF-8 Id of a known parameter set in canonical form.</summary>
    /// <param name="r">Source.</param>
    /// <param name="what">Names the Id in messages ("parameter Id", "parameter Id of set 2").</param>
    private static TfheParameters ReadParameterId(HashingReader r, string what)
    {
        int idLength = ReadInt32(r, $"{what} length");
        if (idLength < 1 || idLength > MaxIdLength)
            throw new TfheFormatException($"The {what} length {idLength} is outside [1, {MaxIdLength}].");
        var idBytes = new byte[idLength];
        r.Read(idBytes, what);
        string id;
        try
        {
            id = new UTF8Encoding(false, true).GetString(idBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new TfheFormatException($"The {what} is not valid UTF-8.", e);
        }

        TfheParameters p;
        try
        {
            p = TfheParameters.Parse(id);
        }
        catch (FormatException e)
        {
            throw new TfheFormatException($"Unknown parameter set ({what}): {e.Message}", e);
        }

        if (p.Id != id)
            throw new TfheFormatException($"The {what} '{id}' is not in canonical form ('{p.Id}').");
        // Parseable is not sane: the constructor admits n and k·N up to 2^31, which would size absurd keys and ciphertexts.
        if (p.LweDimension > MaxLweDimension)
            throw new TfheFormatException($"The {what} has n = {p.LweDimension}, more than the {MaxLweDimension} a reader accepts.");
        if (p.BigLweDimension > MaxBigLweDimension)
            throw new TfheFormatException($"The {what} has k·N = {p.BigLweDimension}, more than the {MaxBigLweDimension} a reader accepts.");
        return p;
    }

    private static int ReadInt32(HashingReader r, string what)
    {
        Span<byte> bytes = stackalloc byte[4];
        r.Read(bytes, what);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    private static long ReadInt64(HashingReader r, string what)
    {
        Span<byte> bytes = stackalloc byte[8];
        r.Read(bytes, what);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    private static string KindName(byte kind) => Enum.IsDefined(typeof(TfheObjectKind), kind)
        ? $"a {(TfheObjectKind)kind} (kind {kind})"
        : $"unknown kind {kind}";

    private static void WriteChunked<T>(HashingWriter w, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(values);
        for (int offset = 0; offset < bytes.Length; offset += ChunkBytes)
            w.Write(bytes.Slice(offset, Math.Min(ChunkBytes, bytes.Length - offset)));
    }

    private static void ReadChunked<T>(HashingReader r, Span<T> values, string what)
        where T : unmanaged
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(values);
        for (int offset = 0; offset < bytes.Length; offset += ChunkBytes)
            r.Read(bytes.Slice(offset, Math.Min(ChunkBytes, bytes.Length - offset)), what);
    }

    private static void WriteInts(Span<byte> destination, params ReadOnlySpan<int> values)
    {
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(destination[(i * 4)..], values[i]);
    }

    private static void CheckEndianness()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("TFHE serialization writes raw little-endian arrays and needs a little-endian machine.");
    }

    private sealed class HashingWriter(Stream stream) : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public void Write(ReadOnlySpan<byte> bytes)
        {
            _hash.AppendData(bytes);
            stream.Write(bytes);
        }

        public void Finish()
        {
            Span<byte> digest = stackalloc byte[ChecksumLength];
            _hash.GetHashAndReset(digest);
            stream.Write(digest);
        }

        public void Dispose() => _hash.Dispose();
    }

    private sealed class HashingReader(Stream stream) : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private long _payloadEnd = -1;

        /// <summary>Bytes left in a seekable stream; null when the stream cannot tell.</summary>
        public long? Remaining
        {
            get
            {
                if (!stream.CanSeek)
                    return null;
                try
                {
                    return Math.Max(0, stream.Length - stream.Position);
                }
                catch (NotSupportedException)
                {
                    return null;
                }
            }
        }

        public void Read(Span<byte> destination, string what)
        {
            ReadRaw(destination, what);
            _hash.AppendData(destination);
        }

        /// <summary>Records that the payload (of <paramref name="length"/> bytes, read as stated) starts here.</summary>
        public void PayloadEndsAfter(long length) => _payloadEnd = length < 0 ? -1 : length > long.MaxValue - _position ? long.MaxValue : _position + length;

        /// <summary>
        /// Once the stated payload length has been checked against the parameters, and before anything is allocated for
        /// the payload: when the stream can tell how much is left, it must be exactly the rest of the payload and the
        /// checksum, so a blob claiming more than it holds fails here, having cost nothing.
        /// </summary>
        public void CheckPayloadPresent()
        {
            if (Remaining is not long remaining || _payloadEnd < 0)
                return;
            long needed = _payloadEnd - _position + ChecksumLength;
            if (remaining < needed)
                throw new TfheFormatException(
                    $"Truncated data: {needed} more bytes are needed (payload and checksum) at offset {_position}, but the stream holds {remaining}.");
            if (remaining > needed)
                throw new TfheFormatException(
                    $"Trailing bytes: the object ends {needed} bytes after offset {_position}, but the stream holds {remaining} more.");
        }

        public void VerifyChecksumAndEnd()
        {
            Span<byte> stored = stackalloc byte[ChecksumLength];
            ReadRaw(stored, "checksum");
            Span<byte> actual = stackalloc byte[ChecksumLength];
            _hash.GetHashAndReset(actual);
            if (!CryptographicOperations.FixedTimeEquals(stored, actual))
                throw new TfheFormatException(
                    $"Checksum mismatch: the data is corrupted (stored SHA-256 {Convert.ToHexString(stored)}, computed {Convert.ToHexString(actual)}).");
            if (stream.ReadByte() != -1)
                throw new TfheFormatException($"Trailing bytes after the end of the object at offset {_position}.");
        }

        private void ReadRaw(Span<byte> destination, string what)
        {
            int got = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            if (got < destination.Length)
                throw new TfheFormatException(
                    $"Truncated data: the stream ended at offset {_position + got} while reading the {what} " +
                    $"({destination.Length - got} more bytes needed).");
            _position += got;
        }

        public void Dispose() => _hash.Dispose();
    }
}
