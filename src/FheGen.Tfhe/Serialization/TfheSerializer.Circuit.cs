using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Serialization;

/// <remarks>
/// <para>Circuit key containers (<see cref="CircuitServerKey"/>, kind 4; <see cref="CircuitClientKey"/>, kind 5) hold
/// several parameter sets, so their header lists the Ids instead of holding one:</para>
/// <code>
/// offset  size  field
/// 0       4     magic "FHEG" (ASCII)
/// 4       2     format version (uint16) = 1
/// 6       1     object kind (4 = circuit server key, 5 = circuit client key)
/// 7       1     reserved, 0
/// 8       4     number of parameter sets S (int32, 1..64)
/// 12      ...   S times: Id length L_i (int32, 1..1024), then the Id, UTF-8 (canonical TfheParameters.Id)
/// H       8     payload length P (int64), must equal the length implied by the sets (and the pair lists);
///               H = 12 + sum of (4 + L_i)
/// H+8     P     payload
/// H+8+P   32    SHA-256 over bytes [0, H+8+P): header and payload
/// (end of data: no trailing bytes)
/// </code>
/// <para>Circuit server key payload: int32 number of keyswitching keys K (0..S²), K pairs (From, To) as two int32;
/// int32 number of bootstrapping keys B (0..S²), B pairs likewise. Each list is in strictly ascending (From, To) order
/// with indices in [0, S). Then the keys in list order: each keyswitching key as a server key stores one,
/// k_From·N_From·l_ks(To) rows of n_To + 1 uint64; then each bootstrapping key as a server key stores one, n_From Fourier
/// GGSWs of (k_To+1)·l_pbs(To)·(k_To+1)·N_To float64. No dimensions are stored: the sets and pairs imply them.</para>
/// <para>Circuit client key payload: for each set in order, the client key body: 3 int32 (n, k, N; must equal the set),
/// then the n small-key bits and the k·N GLWE-key coefficients, one byte (0 or 1) each. Secret: store it like a private
/// key.</para>
/// <para>The reader checks the stated payload length against the one computed from the sets and pair lists before
/// reading key data, and key arrays grow as their bytes arrive: a hostile header costs memory in proportion to the data
/// actually present, not to what it claims. Keys are built only after the checksum verifies.</para>
/// </remarks>
public static partial class TfheSerializer
{
    /// <summary>Most parameter sets a circuit key container holds.</summary>
    public const int MaxParameterSets = 64;

    // First allocation of a key array read from a stream that cannot tell its length; it doubles as data arrives
    // (see ReadGrowing). Small, so a short hostile blob costs little; doubling keeps the copies under twice the array.
    private const int GrowingInitialBytes = 1 << 20;

    /// <summary>Writes a circuit's secret keys, one client key body per parameter set, in the container format.</summary>
    /// <param name="stream">Destination stream.</param>
    /// <param name="key">The keys; whoever holds the bytes can decrypt everything.</param>
    /// <exception cref="ArgumentException">The key has more than <see cref="MaxParameterSets"/> parameter sets.</exception>
    public static void WriteCircuitClientKey(Stream stream, CircuitClientKey key)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        CheckEndianness();
        TfheParameters[] sets = CheckSets(key.Parameters, nameof(key));
        using var w = new HashingWriter(stream);
        WriteContainerHeader(w, TfheObjectKind.CircuitClientKey, sets, CircuitClientPayloadLength(sets));
        Span<byte> ints = stackalloc byte[ClientKeyHeaderInts * 4];
        foreach (ClientKey k in key.Keys)
        {
            TfheParameters p = k.Parameters;
            WriteInts(ints, p.LweDimension, p.GlweDimension, p.PolynomialSize);
            w.Write(ints);
            WriteBits(w, k.SmallKey.Bits);
            WriteBits(w, k.GlweKey.Coefficients);
        }

        w.Finish();
    }

    /// <summary>Reads a circuit's secret keys; the stream must end right after them. Encryption randomness is freshly
    /// OS-seeded, never restored.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter sets must equal these, in count and order.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static CircuitClientKey ReadCircuitClientKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckEndianness();
        using var r = new HashingReader(stream);
        TfheParameters[] sets = ReadContainerHeader(r, TfheObjectKind.CircuitClientKey, expectedParameters, out long payloadLength);
        long expectedLength = CircuitClientPayloadLength(sets);
        if (payloadLength != expectedLength)
            throw new TfheFormatException(
                $"Circuit client key payload length {payloadLength} does not match the {expectedLength} bytes implied by its {sets.Length} parameter set(s).");
        r.CheckPayloadPresent();

        var smallKeys = new ulong[sets.Length][];
        var glweKeys = new ulong[sets.Length][];
        Span<byte> ints = stackalloc byte[ClientKeyHeaderInts * 4];
        string[] names = { "n", "k", "N" };
        for (int s = 0; s < sets.Length; s++)
        {
            TfheParameters p = sets[s];
            r.Read(ints, $"client key {s} dimensions");
            int[] expectedInts = { p.LweDimension, p.GlweDimension, p.PolynomialSize };
            for (int i = 0; i < ClientKeyHeaderInts; i++)
            {
                int stored = BinaryPrimitives.ReadInt32LittleEndian(ints[(i * 4)..]);
                if (stored != expectedInts[i])
                    throw new TfheFormatException($"Client key {s}: {names[i]} = {stored} does not match {expectedInts[i]} of {p.Id}.");
            }

            smallKeys[s] = ReadKeyBits(r, p.LweDimension, $"small LWE key of set {s}");
            glweKeys[s] = ReadKeyBits(r, p.BigLweDimension, $"GLWE key of set {s}");
        }

        r.VerifyChecksumAndEnd();
        var keys = new ClientKey[sets.Length];
        for (int s = 0; s < sets.Length; s++)
        {
            TfheParameters p = sets[s];
            keys[s] = ClientKey.FromKeys(p, LweSecretKey.FromBits(smallKeys[s]),
                GlweSecretKey.FromCoefficients(p.GlweDimension, p.PolynomialSize, glweKeys[s]));
        }

        return new CircuitClientKey(keys);
    }

    /// <summary>Writes a circuit's evaluation keys in the container format, pairs in ascending (From, To) order.</summary>
    /// <param name="stream">Destination stream.</param>
    /// <param name="key">The keys.</param>
    /// <exception cref="ArgumentException">The key has more than <see cref="MaxParameterSets"/> parameter sets.</exception>
    public static void WriteCircuitServerKey(Stream stream, CircuitServerKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        CircuitServerKeys.Write(stream, key.Parameters, key.KeySwitchKeys, key.BootstrapKeys, nameof(key));
    }

    /// <summary>Reads a circuit's evaluation keys; the stream must end right after them.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter sets must equal these, in count and order.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static CircuitServerKey ReadCircuitServerKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadCircuitServerKey(stream, expectedParameters, checkPairs: null);
    }

    /// <summary>
    /// Reads the evaluation keys of the circuit <paramref name="encoding"/> describes: the parameter sets must be its key
    /// sets in order and the pairs exactly its <see cref="CircuitEncoding.RequiredKeySwitches"/> and
    /// <see cref="CircuitEncoding.RequiredBootstraps"/>, checked before any key data is read. What a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not a key for this circuit.</exception>
    public static CircuitServerKey ReadCircuitServerKey(Stream stream, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(encoding);
        return ReadCircuitServerKey(stream, encoding.KeySets, (ks, bs) => CircuitCompatibility.CheckKeyPairs(ks, bs, encoding));
    }

    private static CircuitServerKey ReadCircuitServerKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters, Action<KeyPair[], KeyPair[]>? checkPairs)
    {
        var (sets, keySwitches, bootstraps) = CircuitServerKeys.Read(stream, expectedParameters, checkPairs);
        return new CircuitServerKey(sets, keySwitches, bootstraps);
    }

    /// <summary>
    /// Bytes <see cref="WriteCircuitServerKey"/> writes for keys over <paramref name="parameters"/> joining the given pairs
    /// (duplicates count once): header, payload and checksum, known without serializing keys of hundreds of MiB.
    /// </summary>
    /// <param name="parameters">The parameter set of each key set.</param>
    /// <param name="keySwitches">The keyswitching key pairs.</param>
    /// <param name="bootstraps">The bootstrapping key pairs.</param>
    /// <exception cref="ArgumentException">No set, more than <see cref="MaxParameterSets"/>, or a pair names a set that does not exist.</exception>
    public static long CircuitServerKeyLength(IReadOnlyList<TfheParameters> parameters, IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps)
        => CircuitServerKeys.Length(parameters, keySwitches, bootstraps);

    private static TfheParameters[] CheckSets(IReadOnlyList<TfheParameters> parameters, string paramName)
    {
        if (parameters.Count < 1 || parameters.Count > MaxParameterSets)
            throw new ArgumentException($"A circuit key container holds 1 to {MaxParameterSets} parameter sets, not {parameters.Count}.", paramName);
        var sets = new TfheParameters[parameters.Count];
        for (int i = 0; i < sets.Length; i++)
            sets[i] = parameters[i] ?? throw new ArgumentException($"Parameter set {i} is null.", paramName);
        return sets;
    }

    private static KeyPair[] SortedPairs(IEnumerable<KeyPair> pairs, int setCount, string paramName)
    {
        KeyPair[] sorted = pairs.Distinct().ToArray();
        foreach (KeyPair pair in sorted)
            if ((uint)pair.From >= (uint)setCount || (uint)pair.To >= (uint)setCount)
                throw new ArgumentOutOfRangeException(paramName, pair, $"There are {setCount} key sets.");
        Array.Sort(sorted, ComparePairs);
        return sorted;
    }

    private static int ComparePairs(KeyPair a, KeyPair b) => a.From != b.From ? a.From.CompareTo(b.From) : a.To.CompareTo(b.To);

    /// <summary>Fixed head, set count, the Ids and the payload length field.</summary>
    private static long ContainerHeaderLength(TfheParameters[] sets)
        => 8 + 4 + sets.Sum(p => 4L + Encoding.UTF8.GetByteCount(p.Id)) + 8;

    private static long CircuitClientPayloadLength(TfheParameters[] sets) => sets.Sum(ClientKeyPayloadLength);

    private static void WriteContainerHeader(HashingWriter w, TfheObjectKind kind, TfheParameters[] sets, long payloadLength)
    {
        WriteFixedHead(w, kind);
        Span<byte> count = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(count, sets.Length);
        w.Write(count);
        foreach (TfheParameters p in sets)
            WriteParameterId(w, p);
        WriteInt64(w, payloadLength);
    }

    private static TfheParameters[] ReadContainerHeader(HashingReader r, TfheObjectKind kind, IReadOnlyList<TfheParameters>? expected, out long payloadLength)
    {
        ReadFixedHead(r, kind);
        int count = ReadInt32(r, "number of parameter sets");
        if (count < 1 || count > MaxParameterSets)
            throw new TfheFormatException($"The number of parameter sets {count} is outside [1, {MaxParameterSets}].");
        var sets = new TfheParameters[count];
        for (int i = 0; i < count; i++)
            sets[i] = ReadParameterId(r, $"parameter Id of set {i}");
        if (expected is not null)
        {
            if (expected.Count != count)
                throw new TfheFormatException(
                    $"Parameter set mismatch: the data holds {count} set(s) ('{string.Join("', '", sets.Select(p => p.Id))}') " +
                    $"but {expected.Count} were expected ('{string.Join("', '", expected.Select(p => p?.Id))}').");
            for (int i = 0; i < count; i++)
                if (!sets[i].Equals(expected[i]))
                    throw new TfheFormatException(
                        $"Parameter set {i} mismatch: the data is for '{sets[i].Id}' but '{expected[i]?.Id}' was expected.");
        }

        payloadLength = ReadPayloadLength(r);
        return sets;
    }

    private static void WritePairs(HashingWriter w, KeyPair[] pairs)
    {
        var bytes = new byte[4 + 8 * pairs.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, pairs.Length);
        for (int i = 0; i < pairs.Length; i++)
            WriteInts(bytes.AsSpan(4 + 8 * i), pairs[i].From, pairs[i].To);
        w.Write(bytes);
    }

    /// <summary>Reads a pair list and rejects counts above S², indices outside [0, S), duplicates and disorder.</summary>
    private static KeyPair[] ReadPairs(HashingReader r, int setCount, string what)
    {
        int count = ReadInt32(r, $"number of {what}s");
        int max = setCount * setCount;
        if (count < 0 || count > max)
            throw new TfheFormatException($"The number of {what}s {count} is outside [0, {max}] for {setCount} parameter set(s).");
        var bytes = new byte[8 * count];
        r.Read(bytes, $"{what} pairs");
        var pairs = new KeyPair[count];
        for (int i = 0; i < count; i++)
        {
            var pair = new KeyPair(
                BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8 * i)),
                BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8 * i + 4)));
            if ((uint)pair.From >= (uint)setCount || (uint)pair.To >= (uint)setCount)
                throw new TfheFormatException($"The {what} pair {i} ({pair}) names a parameter set outside [0, {setCount}).");
            if (i > 0)
            {
                int order = ComparePairs(pairs[i - 1], pair);
                if (order == 0)
                    throw new TfheFormatException($"The {what} pair {pair} is listed twice.");
                if (order > 0)
                    throw new TfheFormatException($"The {what} pairs are not in ascending (From, To) order: {pairs[i - 1]} comes before {pair}.");
            }

            pairs[i] = pair;
        }

        return pairs;
    }

    /// <summary>
    /// Reads <paramref name="count"/> values into an array that starts small and doubles as the bytes arrive, so a count
    /// implied by a hostile (but parseable) parameter Id costs memory in proportion to the data present, not to the claim.
    /// On a stream that tells how much is left, the array is allocated once, after checking the bytes are there.
    /// </summary>
    /// <param name="r">Source.</param>
    /// <param name="count">Values to read.</param>
    /// <param name="what">Names the array in messages.</param>
    /// <param name="secret">Zero outgrown buffers, which would otherwise leave copies of key material behind.</param>
    private static T[] ReadGrowing<T>(HashingReader r, long count, string what, bool secret)
        where T : unmanaged
    {
        if (count > Array.MaxLength)
            throw new TfheFormatException($"The {what} would hold {count} values, more than an array can.");
        int length = (int)count;
        long bytes = count * Unsafe.SizeOf<T>();
        if (r.Remaining is long remaining)
        {
            if (remaining < bytes)
                throw new TfheFormatException(
                    $"Truncated data: the {what} needs {bytes} bytes but only {remaining} are left.");
            var exact = new T[length];
            ReadChunked(r, exact.AsSpan(), what);
            return exact;
        }

        var data = new T[Math.Min(length, Math.Max(1, GrowingInitialBytes / Unsafe.SizeOf<T>()))];
        int filled = 0;
        while (true)
        {
            ReadChunked(r, data.AsSpan(filled), what);
            filled = data.Length;
            if (filled == length)
                return data;
            var grown = new T[(int)Math.Min(length, 2L * filled)];
            data.CopyTo(grown, 0);
            if (secret)
                CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(data.AsSpan()));
            data = grown;
        }
    }

    /// <summary>Key coefficients stored one byte each (0 or 1), read through <see cref="ReadGrowing{T}"/>.</summary>
    private static ulong[] ReadKeyBits(HashingReader r, int count, string what)
    {
        byte[] bytes = ReadGrowing<byte>(r, count, what, secret: true);
        try
        {
            var bits = new ulong[count];
            for (int i = 0; i < count; i++)
            {
                if (bytes[i] > 1)
                    throw new TfheFormatException($"{what}: coefficient {i} is {bytes[i]}; key coefficients are 0 or 1.");
                bits[i] = bytes[i];
            }

            return bits;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
