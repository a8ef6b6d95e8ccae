using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;
using FheGen.Tfhe.Tests.Circuits;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Keys;

/// <summary>
/// A seeded blob mutator over every FHEG kind: valid blobs of tiny parameter sets are mutated (bit flips, byte
/// overwrites, truncation, extension, insertion, deletion, length and count fields and parameter Ids overwritten with
/// extreme values), half of them with the checksum recomputed so that the checks behind it are reached too. Every
/// attempt must load an object (whose checksum then verified) or throw <see cref="TfheFormatException"/>, allocating at
/// most in proportion to the blob. Reduced counts by default; FHEGEN_HEAVY=1 runs <see cref="FullTotal"/> blobs.
/// </summary>
public sealed class BlobFuzzTests(ITestOutputHelper output)
{
    /// <summary>Blobs in a full run (FHEGEN_HEAVY=1), spread evenly over the kinds.</summary>
    public const int FullTotal = 30_000;

    private const int ReducedPerKind = 300;

    private static readonly bool Heavy = Environment.GetEnvironmentVariable("FHEGEN_HEAVY") == "1";

    // Allocation bound of one read: AllocationFactor bytes per blob byte plus a constant (the reader's fixed costs:
    // Id parsing, exception messages, hashing; on a stream of unknown length the first 1 MiB chunk of a growing array).
    private const long AllocationFactor = 48;
    private const long SeekableConstant = 256 << 10;
    private const long UnseekableConstant = 3 << 20;

    /// <summary>Insecure and tiny (n = 4, k·N = 256, one level): a server key of a few tens of KiB.</summary>
    private static readonly TfheParameters FuzzA = TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: 4, glweDimension: 1, polynomialSize: 256,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 20, pbsLevel: 1, ksBaseLog: 8, ksLevel: 1);

    private static readonly TfheParameters FuzzB = TfheParameters.CreateInsecureForTesting(
        messageBits: 1, carryBits: 0, lweDimension: 6, glweDimension: 1, polynomialSize: 256,
        lweNoiseStdDev: Math.Pow(2, -41), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 16, pbsLevel: 1, ksBaseLog: 6, ksLevel: 2);

    private sealed record Kind(string Name, byte[] Valid, Func<Stream, object> Read);

    private static Kind[] Kinds()
    {
        var (client, server) = ClientKey.GenerateKeys(FuzzA, KeysFixture.Seeded(90));
        var circuitClient = CircuitClientKey.Generate(new[] { FuzzA, FuzzB }, KeysFixture.Seeded(91));
        KeyPair[] ks = { new(0, 0), new(0, 1) };
        KeyPair[] bs = { new(1, 1), new(1, 0) };
        var small = LweCiphertext.Encrypt(client.SmallKey, 1UL << 61, FuzzA.LweNoiseStdDev, KeysFixture.Seeded(92));
        var seeded = new TfheSeededCiphertexts(FuzzA, Enumerable.Range(0, 3).Select(i => client.EncryptScaledSeeded(i, 2)).ToArray());
        var encoding = CircuitEncoding.Create(UnroundedModel.Interpreter.Plan);
        var inputClient = new CircuitClient(CircuitClientKey.Generate(encoding.KeySets, KeysFixture.Seeded(93)), encoding);
        var inputs = inputClient.EncryptInputsSeeded(new long[encoding.Plan.Inputs]);
        return new Kind[]
        {
            new("server key", server.ToBytes(), s => ServerKey.Load(s)),
            new("ciphertext k·N", new TfheCiphertext(FuzzA, client.Encrypt(1)).ToBytes(), s => TfheCiphertext.Load(s)),
            new("ciphertext n", new TfheCiphertext(FuzzA, small).ToBytes(), s => TfheCiphertext.Load(s)),
            new("client key", Save(client.Save), s => ClientKey.Load(s)),
            new("circuit client key", Save(circuitClient.Save), s => CircuitClientKey.Load(s)),
            new("circuit server key", Save(circuitClient.CreateServerKey(ks, bs).Save), s => CircuitServerKey.Load(s)),
            new("seeded ciphertexts", seeded.ToBytes(), s => TfheSeededCiphertexts.Load(s)),
            new("seeded circuit server key", Save(circuitClient.CreateSeededServerKey(ks, bs).Save), s => SeededCircuitServerKey.Load(s)),
            new("seeded inputs of a circuit", inputs.ToBytes(), s => TfheSeededCiphertexts.Load(s, encoding)),
        };
    }

    [Fact]
    public void Every_mutated_blob_loads_with_a_valid_checksum_or_is_a_format_error()
    {
        Kind[] kinds = Kinds();
        int total = Heavy ? FullTotal : ReducedPerKind * kinds.Length;
        int baseSeed = int.TryParse(Environment.GetEnvironmentVariable("FHEGEN_FUZZ_SEED"), out int s) ? s : 20261202;
        int rejected = 0, loaded = 0;
        double worstRatio = 0;
        long worstAllocation = 0;
        var failures = new List<string>();
        var perKind = new Dictionary<string, (int Rejected, int Loaded)>();
        foreach (var kind in kinds)
        {
            kind.Read(new MemoryStream(kind.Valid)); // the valid blob loads, and one-time costs (JIT, Id regex) are paid here
            kind.Read(new HostileInputTests.ForwardOnlyStream(kind.Valid));
            perKind[kind.Name] = (0, 0);
        }

        for (int attempt = 0; attempt < total && failures.Count < 10; attempt++)
        {
            Kind kind = kinds[attempt % kinds.Length];
            int seed = baseSeed + attempt;
            var rng = new Random(seed);
            byte[] blob = Mutate(kind.Valid, rng, out string mutation);
            bool seekable = rng.Next(2) == 0;
            Stream stream = seekable ? new MemoryStream(blob, writable: false) : new HostileInputTests.ForwardOnlyStream(blob);
            string where = $"{kind.Name}, seed {seed} (FHEGEN_FUZZ_SEED={baseSeed}, attempt {attempt}), {mutation}, {blob.Length} bytes, {(seekable ? "seekable" : "unseekable")} stream";
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                kind.Read(stream);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (!ChecksumHolds(blob))
                    failures.Add($"{where}: loaded although its checksum does not verify");
                CheckAllocation(allocated, blob.Length, seekable, where, failures, ref worstRatio, ref worstAllocation);
                loaded++;
                perKind[kind.Name] = (perKind[kind.Name].Rejected, perKind[kind.Name].Loaded + 1);
            }
            catch (TfheFormatException)
            {
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                CheckAllocation(allocated, blob.Length, seekable, where, failures, ref worstRatio, ref worstAllocation);
                rejected++;
                perKind[kind.Name] = (perKind[kind.Name].Rejected + 1, perKind[kind.Name].Loaded);
            }
            catch (Exception e)
            {
                failures.Add($"{where}: {e.GetType().Name}: {e.Message}");
            }
        }

        output.WriteLine($"{rejected + loaded + failures.Count} blobs: {rejected} rejected with TfheFormatException, {loaded} checksum-valid, {failures.Count} other " +
                         $"(largest allocation by one read {worstAllocation} bytes; worst {worstRatio:F1} bytes per blob byte beyond the constant)");
        foreach (var (name, (r, l)) in perKind)
            output.WriteLine($"  {name}: {r} rejected, {l} loaded");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        // The mutations reach both outcomes: a fuzzer whose blobs all fail at the magic would test nothing.
        Assert.True(loaded > 0 && rejected > 0, $"{loaded} loaded, {rejected} rejected");
    }

    [Fact]
    public void The_mutator_is_reproducible_from_its_seed()
    {
        byte[] valid = Kinds()[1].Valid;
        for (int seed = 0; seed < 50; seed++)
        {
            byte[] a = Mutate(valid, new Random(seed), out string ma);
            byte[] b = Mutate(valid, new Random(seed), out string mb);
            Assert.Equal(ma, mb);
            Assert.True(a.AsSpan().SequenceEqual(b), $"seed {seed}: {ma}");
        }
    }

    private static void CheckAllocation(long allocated, int length, bool seekable, string where, List<string> failures, ref double worstRatio, ref long worstAllocation)
    {
        worstAllocation = Math.Max(worstAllocation, allocated);
        long constant = seekable ? SeekableConstant : UnseekableConstant;
        worstRatio = Math.Max(worstRatio, (double)Math.Max(0, allocated - constant) / Math.Max(1, length));
        long bound = AllocationFactor * length + constant;
        if (allocated > bound)
            failures.Add($"{where}: allocated {allocated} bytes, more than {bound} ({AllocationFactor}·length + {constant})");
    }

    private static byte[] Save(Action<Stream> save)
    {
        using var ms = new MemoryStream();
        save(ms);
        return ms.ToArray();
    }

    private static bool ChecksumHolds(byte[] blob)
        => blob.Length >= 32 && SHA256.HashData(blob.AsSpan(0, blob.Length - 32)).AsSpan().SequenceEqual(blob.AsSpan(blob.Length - 32));

    private static void FixChecksum(byte[] blob)
    {
        if (blob.Length >= 32)
            SHA256.HashData(blob.AsSpan(0, blob.Length - 32)).CopyTo(blob.AsSpan(blob.Length - 32));
    }

    /// <summary>One to three random mutations of <paramref name="valid"/>; half the time the checksum is recomputed after.</summary>
    private static byte[] Mutate(byte[] valid, Random rng, out string description)
    {
        byte[] blob = (byte[])valid.Clone();
        var steps = new List<string>();
        int count = 1 + rng.Next(3);
        for (int i = 0; i < count; i++)
            blob = MutateOnce(blob, rng, steps);
        if (rng.Next(2) == 0)
        {
            FixChecksum(blob);
            steps.Add("checksum recomputed");
        }

        description = string.Join("; ", steps);
        return blob;
    }

    private static readonly long[] ExtremeInts =
        { 0, 1, -1, 2, 3, 64, 65, 1024, 1025, 1 << 16, (1 << 16) + 1, 1 << 20, (1 << 20) + 1, 1 << 24, (1 << 24) + 1, int.MaxValue, int.MinValue, 0x7FFF_FFFE };

    private static readonly long[] ExtremeLongs =
        { 0, -1, 1, long.MaxValue, long.MinValue, int.MaxValue, 1L << 32, 1L << 40, 1L << 62, -(1L << 40) };

    private static readonly string[] ExtremeIdNumbers =
        { "0", "1", "2", "4", "16", "255", "256", "65536", "65537", "131072", "1048576", "1048577", "2147483647", "2147483648", "99999999999999999999", "0004", "" };

    private static byte[] MutateOnce(byte[] blob, Random rng, List<string> steps)
    {
        if (blob.Length == 0)
        {
            steps.Add("extend an empty blob");
            return RandomBytes(rng, 1 + rng.Next(64));
        }

        switch (rng.Next(11))
        {
            case 0:
            {
                int flips = 1 + rng.Next(8);
                var at = new List<int>();
                for (int f = 0; f < flips; f++)
                {
                    int bit = rng.Next(blob.Length * 8);
                    blob[bit / 8] ^= (byte)(1 << (bit % 8));
                    at.Add(bit);
                }

                steps.Add($"flip bits {string.Join(",", at)}");
                return blob;
            }
            case 1:
            {
                int at = rng.Next(blob.Length), len = Math.Min(blob.Length - at, 1 + rng.Next(8));
                rng.NextBytes(blob.AsSpan(at, len));
                steps.Add($"overwrite {len} bytes at {at}");
                return blob;
            }
            case 2:
            {
                int keep = rng.Next(blob.Length);
                steps.Add($"truncate to {keep}");
                return blob[..keep];
            }
            case 3:
            {
                int extra = 1 + rng.Next(rng.Next(2) == 0 ? 8 : 4096);
                steps.Add($"extend by {extra}");
                return [.. blob, .. RandomBytes(rng, extra)];
            }
            case 4:
            {
                int at = rng.Next(blob.Length + 1), extra = 1 + rng.Next(64);
                steps.Add($"insert {extra} bytes at {at}");
                return [.. blob.AsSpan(0, at), .. RandomBytes(rng, extra), .. blob.AsSpan(at)];
            }
            case 5:
            {
                int at = rng.Next(blob.Length), len = Math.Min(blob.Length - at, 1 + rng.Next(rng.Next(2) == 0 ? 8 : 4096));
                steps.Add($"delete {len} bytes at {at}");
                return [.. blob.AsSpan(0, at), .. blob.AsSpan(at + len)];
            }
            case 6:
            case 7:
                return OverwriteField(blob, rng, steps);
            case 8:
                return MutateId(blob, rng, steps);
            default:
                return HostileConsistentHeader(blob, rng, steps);
        }
    }

    /// <summary>A length or count field of the header (found by parsing it as far as it is sound) set to an extreme value.</summary>
    private static byte[] OverwriteField(byte[] blob, Random rng, List<string> steps)
    {
        var fields = Fields(blob);
        if (fields.Count == 0)
        {
            int at = rng.Next(Math.Max(1, blob.Length - 3));
            fields.Add((at, 4, "random offset"));
        }

        var (offset, size, name) = fields[rng.Next(fields.Count)];
        if (offset + size > blob.Length)
        {
            steps.Add($"{name} at {offset} out of the blob");
            return blob;
        }

        if (size == 4)
        {
            long v = rng.Next(4) == 0 ? (long)rng.Next(int.MinValue, int.MaxValue) : ExtremeInts[rng.Next(ExtremeInts.Length)];
            if (rng.Next(5) == 0) v = blob.Length + rng.Next(-40, 40);
            BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(offset), (int)v);
            steps.Add($"{name} at {offset} := {(int)v}");
        }
        else
        {
            long v = ExtremeLongs[rng.Next(ExtremeLongs.Length)];
            long current = BinaryPrimitives.ReadInt64LittleEndian(blob.AsSpan(offset));
            if (rng.Next(3) == 0) v = current + rng.Next(-64, 65);
            BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(offset), v);
            steps.Add($"{name} at {offset} := {v}");
        }

        return blob;
    }

    /// <summary>A parameter Id replaced: one of its numbers set to an extreme, another set's Id, or junk; its length field updated or not.</summary>
    private static byte[] MutateId(byte[] blob, Random rng, List<string> steps)
    {
        var ids = Ids(blob);
        if (ids.Count == 0)
        {
            steps.Add("no Id to mutate");
            return blob;
        }

        var (lengthOffset, idOffset, idLength) = ids[rng.Next(ids.Count)];
        string id = Encoding.UTF8.GetString(blob, idOffset, idLength);
        byte[] replacement;
        string what;
        switch (rng.Next(4))
        {
            case 0:
            case 1:
            {
                var numbers = Regex.Matches(id, "[0-9]+(?:\\.[0-9]+)?(?:E[-+]?[0-9]+)?").ToArray();
                if (numbers.Length == 0) goto default;
                var m = numbers[rng.Next(numbers.Length)];
                string value = ExtremeIdNumbers[rng.Next(ExtremeIdNumbers.Length)];
                string changed = id[..m.Index] + value + id[(m.Index + m.Length)..];
                replacement = Encoding.UTF8.GetBytes(changed);
                what = $"Id '{changed}'";
                break;
            }
            case 2:
            {
                string other = (rng.Next(2) == 0 ? FuzzB : KeysFixture.Other).Id;
                replacement = Encoding.UTF8.GetBytes(other);
                what = $"Id of another set '{other}'";
                break;
            }
            default:
                replacement = RandomBytes(rng, rng.Next(2) == 0 ? rng.Next(1, 40) : rng.Next(1000, 1100));
                what = $"junk Id of {replacement.Length} bytes";
                break;
        }

        byte[] result = [.. blob.AsSpan(0, idOffset), .. replacement, .. blob.AsSpan(idOffset + idLength)];
        bool updateLength = rng.Next(4) != 0;
        if (updateLength)
            BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(lengthOffset), replacement.Length);
        steps.Add($"{what}{(updateLength ? "" : ", length field kept")}");
        return result;
    }

    /// <summary>Parseable parameter sets with absurd or hostile dimensions (the constructor admits n and k·N up to 2^31).</summary>
    private static readonly TfheParameters[] HostileSets =
    {
        Set(int.MaxValue, 1, 256), Set(int.MaxValue - 1, 1, 256), Set(4, 32767, 65536), Set(1 << 16, 1, 256), Set((1 << 16) + 1, 1, 256),
        Set(4, 16, 65536), Set(4, 17, 65536), Set(1 << 16, 16, 65536), Set(1000, 1, 65536), Set(4, 1, 65536, pbsLevel: 3, ksLevel: 64, ksBaseLog: 1),
        Set(1 << 20, 1, 256), Set(700, 2, 32768, pbsLevel: 4),
    };

    private static TfheParameters Set(int n, int k, int bigN, int pbsLevel = 1, int ksLevel = 1, int ksBaseLog = 8) => TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: n, glweDimension: k, polynomialSize: bigN,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 10, pbsLevel: pbsLevel, ksBaseLog: ksBaseLog, ksLevel: ksLevel);

    /// <summary>
    /// A header that is consistent but hostile: a parameter Id replaced by a parseable set of absurd dimensions, with the
    /// payload length, the stored dimensions and counts rewritten to match it, and the original (far too short) data
    /// after it. The reader must fail on truncation having allocated in proportion to what is there.
    /// </summary>
    private static byte[] HostileConsistentHeader(byte[] blob, Random rng, List<string> steps)
    {
        var ids = Ids(blob);
        if (ids.Count == 0 || blob.Length < 8)
        {
            steps.Add("no header to rewrite");
            return blob;
        }

        byte kind = blob[6];
        TfheParameters hostile = HostileSets[rng.Next(HostileSets.Length)];
        int which = rng.Next(ids.Count);
        var sets = new List<TfheParameters>();
        foreach (var (_, idOffset, idLength) in ids)
        {
            if (!TfheParameters.TryParse(Encoding.UTF8.GetString(blob, idOffset, idLength), out var p))
            {
                steps.Add("an Id does not parse: no header to rewrite");
                return blob;
            }

            sets.Add(p);
        }

        sets[which] = hostile;
        int oldEnd = ids[^1].IdOffset + ids[^1].IdLength + 8; // after the payload length field
        using var ms = new MemoryStream();
        ms.Write(blob.AsSpan(0, 8));
        if (kind is 4 or 5 or 7)
            ms.Write(BitConverter.GetBytes(sets.Count));
        foreach (var p in sets)
        {
            byte[] id = Encoding.UTF8.GetBytes(p.Id);
            ms.Write(BitConverter.GetBytes(id.Length));
            ms.Write(id);
        }

        int headerLength = (int)ms.Length + 8;
        byte[] rest = blob.AsSpan(Math.Min(blob.Length, oldEnd)).ToArray();
        long payload;
        string detail;
        try
        {
            switch (kind)
            {
                case 1:
                    payload = TfheSerializer.ServerKeyLength(hostile) - headerLength - 32;
                    Ints(hostile.LweDimension, hostile.GlweDimension, hostile.PolynomialSize, hostile.PbsBaseLog, hostile.PbsLevel, hostile.KsBaseLog, hostile.KsLevel).CopyTo(rest, 0);
                    detail = "server key";
                    break;
                case 2:
                {
                    int d = rng.Next(2) == 0 ? hostile.BigLweDimension : hostile.LweDimension;
                    payload = 4 + ((long)d + 1) * 8;
                    BitConverter.GetBytes(d).CopyTo(rest, 0);
                    detail = $"ciphertext of dimension {d}";
                    break;
                }
                case 3:
                    payload = 12 + (long)hostile.LweDimension + hostile.BigLweDimension;
                    Ints(hostile.LweDimension, hostile.GlweDimension, hostile.PolynomialSize).CopyTo(rest, 0);
                    detail = "client key";
                    break;
                case 6:
                {
                    int count = new[] { 1, 3, 1000, 1 << 20, TfheSerializer.MaxSeededCiphertexts }[rng.Next(5)];
                    payload = TfheSerializer.SeededCiphertextsLength(hostile, count) - headerLength - 32;
                    Ints(count, hostile.BigLweDimension).CopyTo(rest, 0);
                    detail = $"{count} seeded ciphertexts";
                    break;
                }
                case 5:
                {
                    payload = sets.Sum(p => 12 + (long)p.LweDimension + p.BigLweDimension);
                    detail = $"circuit client key, set {which}";
                    break;
                }
                default:
                {
                    var (ks, bs) = Pairs(rest);
                    payload = (kind == 4
                        ? TfheSerializer.CircuitServerKeyLength(sets, ks, bs)
                        : TfheSerializer.SeededCircuitServerKeyLength(sets, ks, bs)) - headerLength - 32;
                    detail = $"circuit server key (kind {kind}), set {which}";
                    break;
                }
            }
        }
        catch (Exception e) when (e is OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            payload = long.MaxValue;
            detail = $"kind {kind} ({e.GetType().Name} sizing it)";
        }

        ms.Write(BitConverter.GetBytes(payload));
        ms.Write(rest);
        steps.Add($"consistent hostile header: {detail} for '{hostile.Id}', payload length {payload}");
        return ms.ToArray();
    }

    private static byte[] Ints(params int[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>The two pair lists at the start of a server container's payload (valid blobs only reach here intact).</summary>
    private static (KeyPair[] KeySwitches, KeyPair[] Bootstraps) Pairs(byte[] payload)
    {
        int at = 0;
        KeyPair[] List()
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at));
            if (count < 0 || count > 4096) throw new ArgumentException("not a pair count");
            var pairs = new KeyPair[count];
            for (int i = 0; i < count; i++)
                pairs[i] = new KeyPair(BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at + 4 + 8 * i)), BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at + 8 + 8 * i)));
            at += 4 + 8 * count;
            return pairs;
        }

        var ks = List();
        return (ks, List());
    }

    /// <summary>(length field offset, Id offset, Id length) of every Id the header holds, as far as it parses.</summary>
    private static List<(int LengthOffset, int IdOffset, int IdLength)> Ids(byte[] blob)
    {
        var ids = new List<(int, int, int)>();
        if (blob.Length < 12) return ids;
        byte kind = blob[6];
        if (kind is 4 or 5 or 7)
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(8));
            int at = 12;
            for (int i = 0; i < count && i < 64 && at + 4 <= blob.Length; i++)
            {
                int len = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(at));
                if (len < 1 || at + 4L + len > blob.Length) break;
                ids.Add((at, at + 4, len));
                at += 4 + len;
            }
        }
        else
        {
            int len = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(8));
            if (len >= 1 && 12L + len <= blob.Length) ids.Add((8, 12, len));
        }

        return ids;
    }

    /// <summary>The header's length and count fields: (offset, size, name).</summary>
    private static List<(int Offset, int Size, string Name)> Fields(byte[] blob)
    {
        var fields = new List<(int, int, string)>();
        if (blob.Length < 12) return fields;
        byte kind = blob[6];
        var ids = Ids(blob);
        if (kind is 4 or 5 or 7)
            fields.Add((8, 4, "set count"));
        foreach (var (lengthOffset, _, _) in ids)
            fields.Add((lengthOffset, 4, "Id length"));
        if (ids.Count == 0) return fields;
        int end = ids[^1].IdOffset + ids[^1].IdLength;
        fields.Add((end, 8, "payload length"));
        fields.Add((end + 8, 4, "first payload int"));
        fields.Add((end + 12, 4, "second payload int"));
        if (kind is 4 or 7 && end + 12 <= blob.Length)
        {
            int ks = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(end + 8));
            if (ks >= 0 && ks <= 4096)
                fields.Add((end + 12 + 8 * ks, 4, "bootstrapping pair count"));
        }

        return fields;
    }

    private static byte[] RandomBytes(Random rng, int count)
    {
        var b = new byte[count];
        rng.NextBytes(b);
        return b;
    }
}
