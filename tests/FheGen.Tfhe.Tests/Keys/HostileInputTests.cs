using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;
using FheGen.Tfhe.Tests.Circuits;

namespace FheGen.Tfhe.Tests.Keys;

/// <summary>
/// Regressions for hostile blobs: a parameter Id is unauthenticated (anyone can recompute the checksum), so the readers
/// must bound what it makes them allocate, refuse absurd sets and non-finite key data, and, on the server, refuse what
/// does not fit the circuit before expanding or reading it.
/// </summary>
public sealed class HostileInputTests(KeysFixture fixture) : IClassFixture<KeysFixture>
{
    private static TfheParameters Set(int n, int k, int bigN) => TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: n, glweDimension: k, polynomialSize: bigN,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 20, pbsLevel: 1, ksBaseLog: 8, ksLevel: 1);

    /// <summary>A single-set object's header (kind, Id, payload length), the given payload bytes, and a valid SHA-256.</summary>
    private static byte[] Blob(TfheObjectKind kind, TfheParameters p, long payloadLength, byte[] payload)
    {
        using var ms = new MemoryStream();
        byte[] id = Encoding.UTF8.GetBytes(p.Id);
        ms.Write("FHEG"u8);
        ms.Write(new byte[] { 1, 0, (byte)kind, 0 });
        ms.Write(BitConverter.GetBytes(id.Length));
        ms.Write(id);
        ms.Write(BitConverter.GetBytes(payloadLength));
        ms.Write(payload);
        ms.Write(SHA256.HashData(ms.ToArray()));
        return ms.ToArray();
    }

    private static void FixChecksum(byte[] blob) => SHA256.HashData(blob.AsSpan(0, blob.Length - 32)).CopyTo(blob.AsSpan(blob.Length - 32));

    private static long Allocated(Action read)
    {
        read(); // one-time costs (JIT, the Id regex) are not the reader's
        long before = GC.GetAllocatedBytesForCurrentThread();
        read();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_tiny_ciphertext_blob_claiming_two_billion_words_is_a_format_error_without_the_allocation()
    {
        // k·N = 32767·65536: the reader used to allocate 16 GiB from the Id and throw OverflowException or OOM.
        var absurd = Set(4, 32767, 65536);
        byte[] blob = Blob(TfheObjectKind.LweCiphertext, absurd, 4 + (absurd.BigLweDimension + 1L) * 8, BitConverter.GetBytes(absurd.BigLweDimension));
        var e = Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(blob));
        Assert.Contains($"more than the {TfheSerializer.MaxBigLweDimension}", e.Message);

        // Within the limits (k·N = 2^20, 8 MiB of words) but absent: refused having allocated next to nothing, on a
        // stream that tells its length (checked up front) and on one that does not (the array grows as words arrive).
        var large = Set(4, 16, 65536);
        byte[] blob2 = Blob(TfheObjectKind.LweCiphertext, large, 4 + (large.BigLweDimension + 1L) * 8, [.. BitConverter.GetBytes(large.BigLweDimension), .. new byte[4096]]);
        long seekable = Allocated(() => Assert.Contains("Truncated", Assert.Throws<TfheFormatException>(() => TfheCiphertext.FromBytes(blob2)).Message));
        Assert.True(seekable < 256 << 10, $"{seekable} bytes allocated");
        long unseekable = Allocated(() => Assert.Contains("Truncated",
            Assert.Throws<TfheFormatException>(() => TfheCiphertext.Load(new ForwardOnlyStream(blob2))).Message));
        Assert.True(unseekable < 2 << 20, $"{unseekable} bytes allocated");
    }

    [Theory]
    [InlineData(TfheObjectKind.ClientKey)]
    [InlineData(TfheObjectKind.SeededCiphertexts)]
    [InlineData(TfheObjectKind.ServerKey)]
    public void Every_single_set_reader_refuses_sets_beyond_its_limits(TfheObjectKind kind)
    {
        foreach (var (p, limit) in new[] { (Set((1 << 16) + 1, 1, 256), "n = 65537"), (Set(4, 17, 65536), "k·N = 1114112") })
        {
            byte[] blob = Blob(kind, p, 1 << 20, new byte[64]);
            Action read = kind switch
            {
                TfheObjectKind.ClientKey => () => ClientKey.Load(new MemoryStream(blob)),
                TfheObjectKind.SeededCiphertexts => () => TfheSeededCiphertexts.FromBytes(blob),
                _ => () => ServerKey.FromBytes(blob),
            };
            Assert.Contains(limit, Assert.Throws<TfheFormatException>(read).Message);
        }
    }

    [Fact]
    public void A_seeded_blob_of_a_few_bytes_cannot_claim_gigabytes_of_expansion()
    {
        // One 40-byte record under k·N = 2^27 would expand to 1 GiB: the set is refused at its Id.
        var wide = Set(4, 2048, 65536);
        byte[] blob = Blob(TfheObjectKind.SeededCiphertexts, wide, 8 + 40, [.. BitConverter.GetBytes(1), .. BitConverter.GetBytes(wide.BigLweDimension), .. new byte[40]]);
        Assert.Contains("more than the", Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(blob)).Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(1e300)]
    public void Server_keys_with_non_finite_or_impossible_Fourier_coefficients_are_refused(double value)
    {
        // The checksum is recomputed: it proves nothing about who wrote the blob.
        byte[] b = (byte[])fixture.ServerBytes.Clone();
        int idLength = Encoding.UTF8.GetByteCount(KeysFixture.Small.Id);
        int firstDouble = 20 + idLength + 28;
        foreach (int at in new[] { firstDouble, firstDouble + 8 * 1000 })
        {
            byte[] c = (byte[])b.Clone();
            BinaryPrimitives.WriteDoubleLittleEndian(c.AsSpan(at), value);
            FixChecksum(c);
            Assert.Contains("Fourier coefficient", Assert.Throws<TfheFormatException>(() => ServerKey.FromBytes(c)).Message);
        }

        // A circuit server key's bootstrapping keys likewise: the last double of the blob is in its last GGSW.
        var circuit = CircuitClientKey.Generate(new[] { CircuitKeysFixture.TinyA }, KeysFixture.Seeded(40))
            .CreateServerKey(new[] { new KeyPair(0, 0) }, new[] { new KeyPair(0, 0) });
        byte[] cb = CircuitKeySerializationTests.Save(circuit);
        BinaryPrimitives.WriteDoubleLittleEndian(cb.AsSpan(cb.Length - 32 - 8), value);
        FixChecksum(cb);
        Assert.Contains("Fourier coefficient", Assert.Throws<TfheFormatException>(() => CircuitServerKey.Load(new MemoryStream(cb))).Message);
    }

    [Fact]
    public void Genuine_Fourier_coefficients_stay_within_the_bound()
    {
        // The bound (N·2^64) must not refuse real keys: the largest coefficient of a real key is well inside it.
        double max = 0;
        var bsk = fixture.Server.BootstrapKey;
        for (int i = 0; i < bsk.LweDimension; i++)
            for (int r = 0; r < (bsk.GlweDimension + 1) * bsk.Decomposer.LevelCount; r++)
                for (int c = 0; c <= bsk.GlweDimension; c++)
                    foreach (double v in bsk[i].Polynomial(r, c)) max = Math.Max(max, Math.Abs(v));
        Assert.InRange(max, 1, Math.ScaleB(bsk.PolynomialSize, 64) / 2);
        Assert.NotNull(ServerKey.FromBytes(fixture.ServerBytes));
    }

    /// <summary>Keys and inputs for <see cref="TwoWidthModel"/> (4 inputs, two key sets), secret keys only.</summary>
    private static (CircuitEncoding Encoding, CircuitClient Client) TwoWidth()
    {
        var encoding = CircuitEncoding.Create(TwoWidthModel.Interpreter.Plan);
        return (encoding, new CircuitClient(CircuitClientKey.Generate(encoding.KeySets, KeysFixture.Seeded(41)), encoding));
    }

    [Fact]
    public void A_thousand_seeded_inputs_for_a_four_input_circuit_are_refused_before_expansion()
    {
        var (encoding, client) = TwoWidth();
        Assert.Equal(4, encoding.Plan.Inputs);
        var inputKey = client.Key.Keys[encoding.StageKeys[0]];
        var thousand = new TfheSeededCiphertexts(inputKey.Parameters, Enumerable.Range(0, 1000).Select(_ => inputKey.EncryptScaledSeeded(1, encoding.InputMessageBits)).ToArray());
        byte[] bytes = thousand.ToBytes();

        // The generic reader reads them (and Expand() would expand them all); the circuit's reader refuses at the count,
        // before reading a record, and so do the checked expansion and the backend's way in.
        Assert.Equal(1000, TfheSeededCiphertexts.FromBytes(bytes).Ciphertexts.Count);
        long allocated = Allocated(() => Assert.Contains("1000 input ciphertexts; the circuit takes 4",
            Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(bytes, encoding)).Message));
        Assert.True(allocated < bytes.Length, $"{allocated} bytes allocated for a {bytes.Length}-byte blob");
        Assert.Throws<TfheFormatException>(() => thousand.Expand(encoding));
        Assert.Throws<TfheFormatException>(() => CircuitCompatibility.ExpandInputs(thousand, encoding));

        // The right count loads and expands to the circuit's input dimension.
        var four = client.EncryptInputsSeeded(new long[] { 0, 1, 2, 3 });
        var expanded = TfheSeededCiphertexts.FromBytes(four.ToBytes(), encoding).Expand(encoding);
        Assert.Equal(4, expanded.Length);
        Assert.All(expanded, c => Assert.Equal(CircuitCompatibility.InputParameters(encoding).BigLweDimension, c.LweDimension));
    }

    [Fact]
    public void Inputs_under_an_altered_parameter_Id_or_of_the_wrong_dimension_are_refused_by_the_circuit_readers()
    {
        var (encoding, client) = TwoWidth();
        var inputSet = CircuitCompatibility.InputParameters(encoding);
        var four = client.EncryptInputsSeeded(new long[] { 0, 1, 2, 3 });

        // Same shape, other noise: a parseable, consistent, checksum-valid blob the generic reader accepts.
        var altered = Altered(inputSet);
        var relabelled = new TfheSeededCiphertexts(altered, four.Ciphertexts);
        Assert.Equal(altered, TfheSeededCiphertexts.FromBytes(relabelled.ToBytes()).Parameters);
        Assert.Contains("Parameter set mismatch", Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(relabelled.ToBytes(), encoding)).Message);
        Assert.Contains("circuit's inputs are under", Assert.Throws<TfheFormatException>(() => relabelled.Expand(encoding)).Message);

        // Small-key ciphertexts (dimension n) are valid kind-6 data but not inputs.
        var inputKey = client.Key.Keys[encoding.StageKeys[0]];
        var small = new TfheSeededCiphertexts(inputSet, Enumerable.Range(0, 4)
            .Select(_ => SeededLweCiphertext.Encrypt(inputKey.SmallKey, 0, inputSet.LweNoiseStdDev, new NoiseSampler())).ToArray());
        Assert.Contains("dimension", Assert.Throws<TfheFormatException>(() => TfheSeededCiphertexts.FromBytes(small.ToBytes(), encoding)).Message);

        // Full ciphertexts likewise.
        var one = new TfheCiphertext(inputSet, client.EncryptInputs(new long[] { 0, 1, 2, 3 })[0]);
        Assert.Equal(inputSet, TfheCiphertext.Load(new MemoryStream(one.ToBytes()), encoding).Parameters);
        var alteredOne = new TfheCiphertext(altered, one.Ciphertext);
        Assert.Throws<TfheFormatException>(() => TfheCiphertext.Load(new MemoryStream(alteredOne.ToBytes()), encoding));
        var smallOne = new TfheCiphertext(inputSet, LweCiphertext.Encrypt(inputKey.SmallKey, 0, inputSet.LweNoiseStdDev, new NoiseSampler()));
        Assert.Throws<TfheFormatException>(() => TfheCiphertext.Load(new MemoryStream(smallOne.ToBytes()), encoding));
        Assert.Throws<TfheFormatException>(() => CircuitCompatibility.CheckInput(smallOne, encoding));
    }

    [Fact]
    public void A_server_key_for_another_circuit_is_refused_from_its_header()
    {
        var (encoding, _) = TwoWidth();
        byte[] tiny = CircuitKeySerializationTests.Save(CircuitClientKey.Generate(new[] { CircuitKeysFixture.TinyA, CircuitKeysFixture.TinyB }, KeysFixture.Seeded(42))
            .CreateServerKey(new[] { new KeyPair(0, 1) }, new[] { new KeyPair(1, 0) }));
        Assert.NotNull(CircuitServerKey.Load(new MemoryStream(tiny)));
        Assert.Contains("Parameter set", Assert.Throws<TfheFormatException>(() => CircuitServerKey.Load(new MemoryStream(tiny), encoding)).Message);
    }

    /// <summary>The same set with another LWE noise: same shape, another Id.</summary>
    internal static TfheParameters Altered(TfheParameters p) => TfheParameters.CreateInsecureForTesting(p.MessageBits, p.CarryBits, p.LweDimension, p.GlweDimension, p.PolynomialSize,
        p.LweNoiseStdDev * 2, p.GlweNoiseStdDev, p.PbsBaseLog, p.PbsLevel, p.KsBaseLog, p.KsLevel);

    /// <summary>A stream that cannot seek or tell its length, and delivers short reads as a socket might.</summary>
    internal sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, 4096), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
