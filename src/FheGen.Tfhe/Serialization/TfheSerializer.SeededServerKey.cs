using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Serialization;

/// <remarks>
/// <para>Seeded circuit server key (kind 7): the container header of kind 4 (set count, Ids, payload length), then
/// the same two pair lists, then per keyswitching key (pair order) its seeds (32 bytes per input coefficient, k·N of
/// From) and its bodies (uint64, k·N of From × l_ks of To), then per bootstrapping key its seeds (32 bytes per GGSW,
/// n of From) and its row bodies in the standard domain (uint64, n of From × (k+1)·l_pbs × N of To), then SHA-256.</para>
/// </remarks>
public static partial class TfheSerializer
{
    /// <summary>Writes a seeded circuit server key (kind 7).</summary>
    /// <exception cref="ArgumentException">The key has more than <see cref="MaxParameterSets"/> parameter sets.</exception>
    public static void WriteSeededCircuitServerKey(Stream stream, SeededCircuitServerKey key)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        CheckEndianness();
        using var w = new HashingWriter(stream);
        var (ks, bs) = WriteServerContainerHead(w, TfheObjectKind.SeededCircuitServerKey, key.Parameters, key.KeySwitchKeys.Keys, key.BootstrapKeys.Keys,
            SeededServerPayloadLength, nameof(key));
        foreach (KeyPair pair in ks)
        {
            var k = key.KeySwitchKeys[pair];
            WriteChunked(w, k.Seeds);
            WriteChunked(w, k.Bodies);
        }

        foreach (KeyPair pair in bs)
        {
            var k = key.BootstrapKeys[pair];
            WriteChunked(w, k.Seeds);
            WriteChunked(w, k.Bodies);
        }

        w.Finish();
    }

    /// <summary>Reads a seeded circuit server key; the stream must end right after it.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static SeededCircuitServerKey ReadSeededCircuitServerKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadSeededCircuitServerKey(stream, expectedParameters, checkPairs: null);
    }

    /// <summary>
    /// Reads the seeded evaluation keys of the circuit <paramref name="encoding"/> describes: its key sets in order
    /// and exactly its required pairs, checked before any key data is read. What a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not a key for this circuit.</exception>
    public static SeededCircuitServerKey ReadSeededCircuitServerKey(Stream stream, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(encoding);
        return ReadSeededCircuitServerKey(stream, encoding.KeySets, (ks, bs) => CircuitCompatibility.CheckKeyPairs(ks, bs, encoding));
    }

    private static SeededCircuitServerKey ReadSeededCircuitServerKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters,
        Action<KeyPair[], KeyPair[]>? checkPairs)
    {
        CheckEndianness();
        using var r = new HashingReader(stream);
        var (sets, ks, bs) = ReadServerContainerHead(r, TfheObjectKind.SeededCircuitServerKey, expectedParameters, SeededServerPayloadLength,
            "Seeded circuit server key", checkPairs);
        var ksData = new (byte[] Seeds, ulong[] Bodies)[ks.Length];
        for (int i = 0; i < ks.Length; i++)
        {
            TfheParameters from = sets[ks[i].From], to = sets[ks[i].To];
            ksData[i] = (ReadGrowing<byte>(r, (long)from.BigLweDimension * SeededLweCiphertext.SeedLength, $"keyswitching key {ks[i]} seeds", secret: false),
                         ReadGrowing<ulong>(r, (long)from.BigLweDimension * to.KsLevel, $"keyswitching key {ks[i]} bodies", secret: false));
        }

        var bsData = new (byte[] Seeds, ulong[] Bodies)[bs.Length];
        for (int i = 0; i < bs.Length; i++)
        {
            TfheParameters from = sets[bs[i].From], to = sets[bs[i].To];
            bsData[i] = (ReadGrowing<byte>(r, (long)from.LweDimension * SeededLweCiphertext.SeedLength, $"bootstrapping key {bs[i]} seeds", secret: false),
                         ReadGrowing<ulong>(r, SeededBootstrapBodyWords(from, to), $"bootstrapping key {bs[i]} bodies", secret: false));
        }

        r.VerifyChecksumAndEnd();
        var keySwitches = new Dictionary<KeyPair, SeededKeySwitchKey>(ks.Length);
        for (int i = 0; i < ks.Length; i++)
        {
            TfheParameters from = sets[ks[i].From], to = sets[ks[i].To];
            keySwitches[ks[i]] = new SeededKeySwitchKey(ksData[i].Seeds, ksData[i].Bodies, from.BigLweDimension, to.LweDimension, new GadgetDecomposer(to.KsBaseLog, to.KsLevel), to.LweNoiseStdDev);
        }

        var bootstraps = new Dictionary<KeyPair, SeededBootstrapKey>(bs.Length);
        for (int i = 0; i < bs.Length; i++)
        {
            TfheParameters from = sets[bs[i].From], to = sets[bs[i].To];
            bootstraps[bs[i]] = new SeededBootstrapKey(bsData[i].Seeds, bsData[i].Bodies, from.LweDimension, to.GlweDimension, to.PolynomialSize,
                new GadgetDecomposer(to.PbsBaseLog, to.PbsLevel));
        }

        return new SeededCircuitServerKey(sets, keySwitches, bootstraps);
    }

    /// <summary>Bytes <see cref="WriteSeededCircuitServerKey"/> writes for keys over the sets joining the pairs.</summary>
    /// <exception cref="ArgumentException">No set, more than <see cref="MaxParameterSets"/>, or a pair names a set that does not exist.</exception>
    public static long SeededCircuitServerKeyLength(IReadOnlyList<TfheParameters> parameters, IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(keySwitches);
        ArgumentNullException.ThrowIfNull(bootstraps);
        TfheParameters[] sets = CheckSets(parameters, nameof(parameters));
        KeyPair[] ks = SortedPairs(keySwitches, sets.Length, nameof(keySwitches));
        KeyPair[] bs = SortedPairs(bootstraps, sets.Length, nameof(bootstraps));
        return ContainerHeaderLength(sets) + SeededServerPayloadLength(sets, ks, bs) + ChecksumLength;
    }

    private static long SeededServerPayloadLength(TfheParameters[] sets, KeyPair[] ks, KeyPair[] bs)
    {
        long length = checked(4 + 8L * ks.Length + 4 + 8L * bs.Length);
        foreach (KeyPair pair in ks)
        {
            TfheParameters from = sets[pair.From], to = sets[pair.To];
            length = checked(length + (long)from.BigLweDimension * SeededLweCiphertext.SeedLength + (long)from.BigLweDimension * to.KsLevel * sizeof(ulong));
        }

        foreach (KeyPair pair in bs)
        {
            TfheParameters from = sets[pair.From], to = sets[pair.To];
            length = checked(length + (long)from.LweDimension * SeededLweCiphertext.SeedLength + SeededBootstrapBodyWords(from, to) * sizeof(ulong));
        }

        return length;
    }

    private static long SeededBootstrapBodyWords(TfheParameters from, TfheParameters to)
        => checked((long)from.LweDimension * (to.GlweDimension + 1) * to.PbsLevel * to.PolynomialSize);
}
