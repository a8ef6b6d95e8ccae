using System;
using System.Buffers.Binary;
using System.Text;
using CsCheck;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Tests.Core;

public class ChaCha20Tests
{
    private static readonly byte[] RfcKey = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    private static uint[] Words(byte[] key)
    {
        var words = new uint[8];
        ChaCha20.KeyWords(key, words);
        return words;
    }

    private static uint[] NonceWords(string hex)
    {
        byte[] b = Convert.FromHexString(hex);
        return new[]
        {
            BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(0)),
            BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)),
            BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8)),
        };
    }

    private static byte[] Bytes(ReadOnlySpan<uint> words)
    {
        var bytes = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), words[i]);
        }

        return bytes;
    }

    [Fact]
    public void Block_function_matches_rfc_8439_section_232()
    {
        var output = new uint[16];
        ChaCha20.Block(Words(RfcKey), 1, NonceWords("000000090000004a00000000"), output);
        Assert.Equal(
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
            Convert.ToHexStringLower(Bytes(output)));
    }

    [Fact]
    public void Encryption_matches_rfc_8439_section_242()
    {
        byte[] plaintext = Encoding.ASCII.GetBytes(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
        uint[] key = Words(RfcKey), nonce = NonceWords("000000000000004a00000000");
        var ciphertext = new byte[plaintext.Length];
        var block = new uint[16];
        for (int offset = 0; offset < plaintext.Length; offset += 64)
        {
            ChaCha20.Block(key, (uint)(1 + offset / 64), nonce, block);
            byte[] stream = Bytes(block);
            for (int i = offset; i < System.Math.Min(offset + 64, plaintext.Length); i++)
            {
                ciphertext[i] = (byte)(plaintext[i] ^ stream[i - offset]);
            }
        }

        Assert.Equal(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
            + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
            + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            + "5af90bbf74a35be6b40b8eedf2785e42874d",
            Convert.ToHexStringLower(ciphertext));
    }

    [Fact]
    public void Zero_key_block_matches_rfc_8439_appendix_a_1()
    {
        var output = new uint[16];
        ChaCha20.Block(new uint[8], 0, new uint[3], output);
        Assert.Equal(
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
            Convert.ToHexStringLower(Bytes(output)));
    }

    [Fact]
    public void Wide_blocks_equal_scalar_blocks_including_counter_carry()
    {
        // Counters near 2^32 check the carry into word 13 in both paths.
        Gen.Select(Gen.UInt.Array[8], Gen.OneOf(Gen.ULong, Gen.ULong[0xFFFF_FFF0, 0x1_0000_0008], Gen.ULong[0, 16]))
            .Sample((key, counter) =>
            {
                var wide = new uint[128];
                var scalar = new uint[128];
                ChaCha20.Blocks8(key, counter, 0, 0, wide);
                ChaCha20Stream.FillScalar(key, counter, scalar);
                Assert.Equal(scalar, wide);
            }, iter: 200);
    }

    [Fact]
    public void Stream_is_the_zero_nonce_keystream_in_byte_order()
    {
        // The first 1000 words of the sampler's stream are the RFC keystream with counter 0 and nonce 0, read
        // as little-endian 64-bit words; this pins the output order whichever block path runs.
        byte[] seed = RfcKey;
        var stream = new ChaCha20Stream(seed);
        var expected = new byte[8000];
        var block = new uint[16];
        for (int b = 0; b < expected.Length / 64 + 1; b++)
        {
            ChaCha20.Block(Words(seed), (uint)b, new uint[3], block);
            byte[] bytes = Bytes(block);
            bytes.AsSpan(0, System.Math.Min(64, expected.Length - 64 * b)).CopyTo(expected.AsSpan(64 * b));
        }

        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(expected), stream.NextUInt32());
        for (int i = 4; i + 8 <= expected.Length; i += 8)
        {
            ulong want = BinaryPrimitives.ReadUInt32LittleEndian(expected.AsSpan(i))
                | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(expected.AsSpan(i + 4)) << 32);
            Assert.Equal(want, stream.NextUInt64());
        }
    }

    [Fact]
    public void Bulk_fill_equals_word_by_word_reads()
    {
        // Fill takes whole refills straight into the destination; mixed lengths must not skip or repeat words.
        Gen.Int[0, 700].Array[1, 6].Sample(lengths =>
        {
            var bulk = new ChaCha20Stream(RfcKey);
            var single = new ChaCha20Stream(RfcKey);
            foreach (int length in lengths)
            {
                var filled = new ulong[length];
                bulk.Fill(filled);
                for (int i = 0; i < length; i++)
                {
                    Assert.Equal(single.NextUInt64(), filled[i]);
                }
            }
        }, iter: 40);
    }
}
