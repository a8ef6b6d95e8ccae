using System;
using System.Collections.Generic;
using System.IO;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Serialization;

/// <remarks>
/// One codec per key kind (<see cref="KeySwitchKeyCodec"/>, <see cref="BootstrapKeyCodec"/> and their seeded forms),
/// and one container layout (<see cref="ServerKeyContainer{TKeySwitch, TBootstrap}"/>) that kinds 4 and 7 share: they
/// differ only in the codecs they hold. The single-set server key (kind 1) stores its two keys with the same codecs.
/// </remarks>
public static partial class TfheSerializer
{
    /// <summary>k_From·N_From·l_ks(To) rows of n_To + 1 uint64 (64-bit words on disk whatever the key holds in memory).</summary>
    private static KeyCodec<KeySwitchKey> KeySwitchKeyCodec { get; } = new(
        (from, to) => checked(KeySwitchKeyWords(from, to) * sizeof(ulong)),
        (w, key) => WriteChunked(w, RawKeyAccess.KeySwitchKeyData(key).Span),
        (r, from, to, what) =>
        {
            ulong[] data = ReadGrowing<ulong>(r, KeySwitchKeyWords(from, to), what, secret: false);
            return () => RawKeyAccess.CreateKeySwitchKey(data, from.BigLweDimension, to.LweDimension, new GadgetDecomposer(to.KsBaseLog, to.KsLevel), to.LweNoiseStdDev);
        });

    /// <summary>n_From Fourier GGSWs of (k_To+1)·l_pbs(To)·(k_To+1)·N_To float64, each range-checked as it is read.</summary>
    private static KeyCodec<BootstrapKey> BootstrapKeyCodec { get; } = new(
        (from, to) => checked(from.LweDimension * GgswDoubles(to) * sizeof(double)),
        WriteBootstrapKey,
        (r, from, to, what) =>
        {
            double[][] data = ReadBootstrapKeyData(r, from, to, what);
            return () => CreateBootstrapKey(data, to);
        });

    /// <summary>A 32-byte seed per input coefficient (k·N of From), then the k·N·l_ks bodies (uint64).</summary>
    private static KeyCodec<SeededKeySwitchKey> SeededKeySwitchKeyCodec { get; } = new(
        (from, to) => checked((long)from.BigLweDimension * SeededLweCiphertext.SeedLength + (long)from.BigLweDimension * to.KsLevel * sizeof(ulong)),
        (w, key) =>
        {
            WriteChunked(w, key.Seeds);
            WriteChunked(w, key.Bodies);
        },
        (r, from, to, what) =>
        {
            byte[] seeds = ReadGrowing<byte>(r, (long)from.BigLweDimension * SeededLweCiphertext.SeedLength, $"{what} seeds", secret: false);
            ulong[] bodies = ReadGrowing<ulong>(r, (long)from.BigLweDimension * to.KsLevel, $"{what} bodies", secret: false);
            return () => new SeededKeySwitchKey(seeds, bodies, from.BigLweDimension, to.LweDimension, new GadgetDecomposer(to.KsBaseLog, to.KsLevel), to.LweNoiseStdDev);
        });

    /// <summary>A 32-byte seed per GGSW (n of From), then the row bodies in the standard domain (uint64, n·(k+1)·l_pbs·N of To).</summary>
    private static KeyCodec<SeededBootstrapKey> SeededBootstrapKeyCodec { get; } = new(
        (from, to) => checked((long)from.LweDimension * SeededLweCiphertext.SeedLength + SeededBootstrapBodyWords(from, to) * sizeof(ulong)),
        (w, key) =>
        {
            WriteChunked(w, key.Seeds);
            WriteChunked(w, key.Bodies);
        },
        (r, from, to, what) =>
        {
            byte[] seeds = ReadGrowing<byte>(r, (long)from.LweDimension * SeededLweCiphertext.SeedLength, $"{what} seeds", secret: false);
            ulong[] bodies = ReadGrowing<ulong>(r, SeededBootstrapBodyWords(from, to), $"{what} bodies", secret: false);
            return () => new SeededBootstrapKey(seeds, bodies, from.LweDimension, to.GlweDimension, to.PolynomialSize, new GadgetDecomposer(to.PbsBaseLog, to.PbsLevel));
        });

    // After the codecs: static initializers run in text order within this file.
    private static readonly ServerKeyContainer<KeySwitchKey, BootstrapKey> CircuitServerKeys =
        new(TfheObjectKind.CircuitServerKey, "Circuit server key", KeySwitchKeyCodec, BootstrapKeyCodec);

    private static readonly ServerKeyContainer<SeededKeySwitchKey, SeededBootstrapKey> SeededCircuitServerKeys =
        new(TfheObjectKind.SeededCircuitServerKey, "Seeded circuit server key", SeededKeySwitchKeyCodec, SeededBootstrapKeyCodec);

    private static long KeySwitchKeyWords(TfheParameters from, TfheParameters to)
        => checked((long)from.BigLweDimension * to.KsLevel * (to.LweDimension + 1L));

    private static long GgswDoubles(TfheParameters to)
    {
        long k1 = to.GlweDimension + 1L;
        return checked(k1 * to.PbsLevel * k1 * to.PolynomialSize);
    }

    private static long SeededBootstrapBodyWords(TfheParameters from, TfheParameters to)
        => checked((long)from.LweDimension * (to.GlweDimension + 1) * to.PbsLevel * to.PolynomialSize);

    /// <summary>
    /// How one kind of key between two parameter sets is stored: its payload bytes (implied by the sets, nothing stored),
    /// how it is written, and how it is read. Reading returns a builder, run only after the whole blob's checksum has
    /// verified, so nothing is built from unverified bytes.
    /// </summary>
    private sealed class KeyCodec<TKey>(
        Func<TfheParameters, TfheParameters, long> payloadBytes,
        Action<HashingWriter, TKey> write,
        Func<HashingReader, TfheParameters, TfheParameters, string, Func<TKey>> read)
    {
        public long PayloadBytes(TfheParameters from, TfheParameters to) => payloadBytes(from, to);

        public void Write(HashingWriter w, TKey key) => write(w, key);

        public Func<TKey> Read(HashingReader r, TfheParameters from, TfheParameters to, string what) => read(r, from, to, what);
    }

    /// <summary>
    /// A circuit's evaluation keys in the container layout: the header with the sets, the keyswitching and bootstrapping
    /// pair lists in ascending order, then each key (pair order) as its codec stores it, then the checksum.
    /// </summary>
    private sealed class ServerKeyContainer<TKeySwitch, TBootstrap>(TfheObjectKind kind, string name, KeyCodec<TKeySwitch> keySwitch, KeyCodec<TBootstrap> bootstrap)
    {
        /// <summary>The two pair lists, then every key's data; checked, as a read header may name absurd sets.</summary>
        private long PayloadLength(TfheParameters[] sets, KeyPair[] ks, KeyPair[] bs)
        {
            long length = checked(4 + 8L * ks.Length + 4 + 8L * bs.Length);
            foreach (KeyPair pair in ks)
                length = checked(length + keySwitch.PayloadBytes(sets[pair.From], sets[pair.To]));
            foreach (KeyPair pair in bs)
                length = checked(length + bootstrap.PayloadBytes(sets[pair.From], sets[pair.To]));
            return length;
        }

        /// <summary>Bytes <see cref="Write"/> writes for keys over the sets joining the pairs (duplicates count once).</summary>
        public long Length(IReadOnlyList<TfheParameters> parameters, IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(keySwitches);
            ArgumentNullException.ThrowIfNull(bootstraps);
            TfheParameters[] sets = CheckSets(parameters, nameof(parameters));
            KeyPair[] ks = SortedPairs(keySwitches, sets.Length, nameof(keySwitches));
            KeyPair[] bs = SortedPairs(bootstraps, sets.Length, nameof(bootstraps));
            return ContainerHeaderLength(sets) + PayloadLength(sets, ks, bs) + ChecksumLength;
        }

        public void Write(Stream stream, IReadOnlyList<TfheParameters> parameters,
            IReadOnlyDictionary<KeyPair, TKeySwitch> keySwitches, IReadOnlyDictionary<KeyPair, TBootstrap> bootstraps, string paramName)
        {
            ArgumentNullException.ThrowIfNull(stream);
            CheckEndianness();
            TfheParameters[] sets = CheckSets(parameters, paramName);
            KeyPair[] ks = SortedPairs(keySwitches.Keys, sets.Length, paramName);
            KeyPair[] bs = SortedPairs(bootstraps.Keys, sets.Length, paramName);
            using var w = new HashingWriter(stream);
            WriteContainerHeader(w, kind, sets, PayloadLength(sets, ks, bs));
            WritePairs(w, ks);
            WritePairs(w, bs);
            foreach (KeyPair pair in ks)
                keySwitch.Write(w, keySwitches[pair]);
            foreach (KeyPair pair in bs)
                bootstrap.Write(w, bootstraps[pair]);
            w.Finish();
        }

        /// <summary>
        /// Reads a container; <paramref name="checkPairs"/> sees the pair lists, and the stated payload length is checked
        /// against the one they imply, before any key data is read.
        /// </summary>
        public (TfheParameters[] Sets, Dictionary<KeyPair, TKeySwitch> KeySwitches, Dictionary<KeyPair, TBootstrap> Bootstraps) Read(
            Stream stream, IReadOnlyList<TfheParameters>? expectedParameters, Action<KeyPair[], KeyPair[]>? checkPairs)
        {
            ArgumentNullException.ThrowIfNull(stream);
            CheckEndianness();
            using var r = new HashingReader(stream);
            TfheParameters[] sets = ReadContainerHeader(r, kind, expectedParameters, out long stated);
            KeyPair[] ks = ReadPairs(r, sets.Length, "keyswitching key");
            KeyPair[] bs = ReadPairs(r, sets.Length, "bootstrapping key");
            checkPairs?.Invoke(ks, bs);
            long expected;
            try
            {
                expected = PayloadLength(sets, ks, bs);
            }
            catch (OverflowException e)
            {
                throw new TfheFormatException("The parameter sets and key pairs imply a payload of more than 2^63 bytes.", e);
            }

            if (stated != expected)
                throw new TfheFormatException(
                    $"{name} payload length {stated} does not match the {expected} bytes implied by its " +
                    $"{sets.Length} parameter set(s), {ks.Length} keyswitching and {bs.Length} bootstrapping key(s).");
            r.CheckPayloadPresent();

            var ksBuilders = new Func<TKeySwitch>[ks.Length];
            for (int i = 0; i < ks.Length; i++)
                ksBuilders[i] = keySwitch.Read(r, sets[ks[i].From], sets[ks[i].To], $"keyswitching key {ks[i]}");
            var bsBuilders = new Func<TBootstrap>[bs.Length];
            for (int i = 0; i < bs.Length; i++)
                bsBuilders[i] = bootstrap.Read(r, sets[bs[i].From], sets[bs[i].To], $"bootstrapping key {bs[i]}");
            r.VerifyChecksumAndEnd();

            var keySwitches = new Dictionary<KeyPair, TKeySwitch>(ks.Length);
            for (int i = 0; i < ks.Length; i++)
                keySwitches[ks[i]] = ksBuilders[i]();
            var bootstraps = new Dictionary<KeyPair, TBootstrap>(bs.Length);
            for (int i = 0; i < bs.Length; i++)
                bootstraps[bs[i]] = bsBuilders[i]();
            return (sets, keySwitches, bootstraps);
        }
    }
}
