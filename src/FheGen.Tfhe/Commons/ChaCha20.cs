using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FheGen.Tfhe.Commons;

/// <summary>
/// The ChaCha20 block function of RFC 8439 (section 2.3), scalar and eight blocks at a time.
/// Written here because .NET exposes ChaCha20 only inside the ChaCha20-Poly1305 AEAD, not as a raw keystream.
/// </summary>
internal static class ChaCha20
{
    /// <summary>Words per block (64 bytes).</summary>
    internal const int BlockWords = 16;

    /// <summary>Blocks produced by one call of <see cref="Blocks8"/>.</summary>
    internal const int WideBlocks = 8;

    // "expand 32-byte k"
    private const uint C0 = 0x61707865, C1 = 0x3320646e, C2 = 0x79622d32, C3 = 0x6b206574;

    /// <summary>
    /// One block for key words <paramref name="key"/> (8), block counter, and the three nonce words
    /// (<paramref name="nonce"/>), written as 16 little-endian words to <paramref name="output"/>.
    /// </summary>
    internal static void Block(ReadOnlySpan<uint> key, uint counter, ReadOnlySpan<uint> nonce, Span<uint> output)
    {
        if (key.Length != 8 || nonce.Length != 3 || output.Length < BlockWords)
        {
            throw new ArgumentException("ChaCha20 needs 8 key words, 3 nonce words and 16 output words.");
        }

        uint x0 = C0, x1 = C1, x2 = C2, x3 = C3;
        uint x4 = key[0], x5 = key[1], x6 = key[2], x7 = key[3];
        uint x8 = key[4], x9 = key[5], x10 = key[6], x11 = key[7];
        uint x12 = counter, x13 = nonce[0], x14 = nonce[1], x15 = nonce[2];

        for (int round = 0; round < 10; round++)
        {
            // Column round, then diagonal round (RFC 8439, 2.3).
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        output[0] = x0 + C0;
        output[1] = x1 + C1;
        output[2] = x2 + C2;
        output[3] = x3 + C3;
        output[4] = x4 + key[0];
        output[5] = x5 + key[1];
        output[6] = x6 + key[2];
        output[7] = x7 + key[3];
        output[8] = x8 + key[4];
        output[9] = x9 + key[5];
        output[10] = x10 + key[6];
        output[11] = x11 + key[7];
        output[12] = x12 + counter;
        output[13] = x13 + nonce[0];
        output[14] = x14 + nonce[1];
        output[15] = x15 + nonce[2];
    }

    /// <summary>
    /// Eight consecutive blocks with Vector256 lanes (lane j computes block j), stored in block order, so the
    /// output equals eight calls of <see cref="Block"/>. Words 12 and 13 hold a 64-bit block counter
    /// (counter + j, carrying into word 13), word 14 and 15 the remaining nonce: for counters below 2^32 per
    /// call this is exactly RFC 8439 with nonce (word13, word14, word15).
    /// </summary>
    internal static void Blocks8(ReadOnlySpan<uint> key, ulong counter, uint nonce1, uint nonce2, Span<uint> output)
    {
        if (key.Length != 8 || output.Length < BlockWords * WideBlocks)
        {
            throw new ArgumentException("ChaCha20 needs 8 key words and 128 output words.");
        }

        Span<uint> lo = stackalloc uint[WideBlocks];
        Span<uint> hi = stackalloc uint[WideBlocks];
        for (int j = 0; j < WideBlocks; j++)
        {
            ulong c = counter + (ulong)j;
            lo[j] = (uint)c;
            hi[j] = (uint)(c >> 32);
        }

        Vector256<uint> i0 = Vector256.Create(C0), i1 = Vector256.Create(C1), i2 = Vector256.Create(C2), i3 = Vector256.Create(C3);
        Vector256<uint> i4 = Vector256.Create(key[0]), i5 = Vector256.Create(key[1]);
        Vector256<uint> i6 = Vector256.Create(key[2]), i7 = Vector256.Create(key[3]);
        Vector256<uint> i8 = Vector256.Create(key[4]), i9 = Vector256.Create(key[5]);
        Vector256<uint> i10 = Vector256.Create(key[6]), i11 = Vector256.Create(key[7]);
        Vector256<uint> i12 = Vector256.Create<uint>(lo), i13 = Vector256.Create<uint>(hi);
        Vector256<uint> i14 = Vector256.Create(nonce1), i15 = Vector256.Create(nonce2);

        Vector256<uint> x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
        Vector256<uint> x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = i12, x13 = i13, x14 = i14, x15 = i15;

        for (int round = 0; round < 10; round++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        // Lane j of word vector i is word i of block j: store word-major, then transpose into block order.
        Span<uint> words = stackalloc uint[BlockWords * WideBlocks];
        (x0 + i0).CopyTo(words);
        (x1 + i1).CopyTo(words.Slice(8));
        (x2 + i2).CopyTo(words.Slice(16));
        (x3 + i3).CopyTo(words.Slice(24));
        (x4 + i4).CopyTo(words.Slice(32));
        (x5 + i5).CopyTo(words.Slice(40));
        (x6 + i6).CopyTo(words.Slice(48));
        (x7 + i7).CopyTo(words.Slice(56));
        (x8 + i8).CopyTo(words.Slice(64));
        (x9 + i9).CopyTo(words.Slice(72));
        (x10 + i10).CopyTo(words.Slice(80));
        (x11 + i11).CopyTo(words.Slice(88));
        (x12 + i12).CopyTo(words.Slice(96));
        (x13 + i13).CopyTo(words.Slice(104));
        (x14 + i14).CopyTo(words.Slice(112));
        (x15 + i15).CopyTo(words.Slice(120));
        for (int j = 0; j < WideBlocks; j++)
        {
            for (int i = 0; i < BlockWords; i++)
            {
                output[j * BlockWords + i] = words[i * WideBlocks + j];
            }
        }
    }

    /// <summary>Reads the 32-byte key as eight little-endian words.</summary>
    internal static void KeyWords(ReadOnlySpan<byte> key, Span<uint> words)
    {
        if (key.Length != 32 || words.Length != 8)
        {
            throw new ArgumentException("A ChaCha20 key is 32 bytes.", nameof(key));
        }

        for (int i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i, 4));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d ^= a; d = (d << 16) | (d >> 16);
        c += d; b ^= c; b = (b << 12) | (b >> 20);
        a += b; d ^= a; d = (d << 8) | (d >> 24);
        c += d; b ^= c; b = (b << 7) | (b >> 25);
    }

    // Rotations use Avx2 shifts with literal counts: without JIT optimization (Debug test runs) these are still
    // single instructions, where Vector256.ShiftLeft becomes a call. The portable form keeps Blocks8 correct
    // (if slow) on machines without AVX2, where the stream takes the scalar path anyway.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        if (Avx2.IsSupported)
        {
            a += b; d ^= a; d = Avx2.ShiftLeftLogical(d, 16) | Avx2.ShiftRightLogical(d, 16);
            c += d; b ^= c; b = Avx2.ShiftLeftLogical(b, 12) | Avx2.ShiftRightLogical(b, 20);
            a += b; d ^= a; d = Avx2.ShiftLeftLogical(d, 8) | Avx2.ShiftRightLogical(d, 24);
            c += d; b ^= c; b = Avx2.ShiftLeftLogical(b, 7) | Avx2.ShiftRightLogical(b, 25);
        }
        else
        {
            a += b; d ^= a; d = Vector256.ShiftLeft(d, 16) | Vector256.ShiftRightLogical(d, 16);
            c += d; b ^= c; b = Vector256.ShiftLeft(b, 12) | Vector256.ShiftRightLogical(b, 20);
            a += b; d ^= a; d = Vector256.ShiftLeft(d, 8) | Vector256.ShiftRightLogical(d, 24);
            c += d; b ^= c; b = Vector256.ShiftLeft(b, 7) | Vector256.ShiftRightLogical(b, 25);
        }
    }
}

/// <summary>
/// ChaCha20 keystream as a deterministic random bit generator: a 32-byte key, a 64-bit block counter from 0
/// (words 12–13) and a zero nonce. Not thread-safe. Output order is fixed (block by block, little-endian
/// words), so a seed reproduces the same stream on every machine whichever code path produced it.
/// </summary>
internal sealed class ChaCha20Stream
{
    // 8 blocks = 512 bytes per refill: amortizes the wide block function.
    private const int BufferWords = ChaCha20.BlockWords * ChaCha20.WideBlocks;

    private readonly uint[] _key = new uint[8];
    private readonly uint[] _buffer = new uint[BufferWords];
    private ulong _nextBlock;
    private int _position = BufferWords;

    /// <summary>Keys the stream with 32 bytes; the caller owns (and should clear) the seed.</summary>
    internal ChaCha20Stream(ReadOnlySpan<byte> key)
    {
        ChaCha20.KeyWords(key, _key);
    }

    /// <summary>Whether refills use the eight-lane Vector256 path (otherwise eight scalar blocks).</summary>
    internal static bool UsesWidePath => Avx2.IsSupported;

    /// <summary>The next 32 bits of keystream.</summary>
    internal uint NextUInt32()
    {
        if (_position == BufferWords)
        {
            Refill();
        }

        return _buffer[_position++];
    }

    /// <summary>The next 64 bits of keystream (two words, the first one low: the little-endian byte order).</summary>
    internal ulong NextUInt64()
    {
        if (_position > BufferWords - 2)
        {
            // An odd word left over is taken first so the byte stream stays contiguous.
            ulong low = NextUInt32();
            return low | ((ulong)NextUInt32() << 32);
        }

        ulong result = _buffer[_position] | ((ulong)_buffer[_position + 1] << 32);
        _position += 2;
        return result;
    }

    /// <summary>Fills <paramref name="destination"/> with keystream words, 64 bits each.</summary>
    internal void Fill(Span<ulong> destination)
    {
        int i = 0;

        // Use up buffered words first so the stream stays contiguous.
        while (i < destination.Length && _position != BufferWords)
        {
            destination[i++] = NextUInt64();
        }

        // Whole refills straight into the destination: on little-endian machines its bytes are the keystream.
        if (BitConverter.IsLittleEndian)
        {
            Span<uint> words = MemoryMarshal.Cast<ulong, uint>(destination.Slice(i));
            for (int w = 0; w + BufferWords <= words.Length; w += BufferWords)
            {
                Generate(words.Slice(w, BufferWords));
                i += BufferWords / 2;
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = NextUInt64();
        }
    }

    private void Refill()
    {
        Generate(_buffer);
        _position = 0;
    }

    private void Generate(Span<uint> output)
    {
        if (UsesWidePath)
        {
            ChaCha20.Blocks8(_key, _nextBlock, 0, 0, output);
        }
        else
        {
            FillScalar(_key, _nextBlock, output);
        }

        _nextBlock += ChaCha20.WideBlocks;
    }

    /// <summary>Scalar equivalent of <see cref="ChaCha20.Blocks8"/> with a zero nonce (also used by tests).</summary>
    internal static void FillScalar(ReadOnlySpan<uint> key, ulong firstBlock, Span<uint> output)
    {
        Span<uint> nonce = stackalloc uint[3];
        for (int j = 0; j < ChaCha20.WideBlocks; j++)
        {
            ulong c = firstBlock + (ulong)j;
            nonce[0] = (uint)(c >> 32);
            ChaCha20.Block(key, (uint)c, nonce, output.Slice(j * ChaCha20.BlockWords, ChaCha20.BlockWords));
        }
    }
}
