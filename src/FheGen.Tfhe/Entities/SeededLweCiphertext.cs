using System;
using System.Runtime.InteropServices;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// A fresh LWE encryption whose mask is not stored but expanded from a public 32-byte seed (ChaCha20 keystream), as
/// TFHE-rs' seeded ciphertexts: <see cref="SeedLength"/> + 8 bytes instead of 8·(d + 1), which is what makes
/// uploading encrypted inputs cheap (a k·N = 4096 ciphertext shrinks from 32 KiB to 40 bytes).
/// </summary>
/// <remarks>
/// The mask of an LWE encryption must be uniform and independent of the key; a ChaCha20 keystream under a fresh seed is
/// indistinguishable from uniform, and the seed may be public. The noise comes from the client's secret sampler and is
/// never derivable from the seed. The seed itself is drawn from that sampler's stream, which reveals nothing of the
/// rest of the stream. Only fresh encryptions can be seeded: results of homomorphic operations have arbitrary masks.
/// </remarks>
public sealed class SeededLweCiphertext
{
    /// <summary>Bytes of a mask seed (a ChaCha20 key).</summary>
    public const int SeedLength = 32;

    private readonly byte[] _seed;

    /// <summary>A seeded ciphertext from its parts (as read back from storage).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is not positive.</exception>
    /// <exception cref="ArgumentException">The seed is not <see cref="SeedLength"/> bytes.</exception>
    public SeededLweCiphertext(int lweDimension, ReadOnlySpan<byte> seed, ulong body)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lweDimension);
        if (seed.Length != SeedLength)
            throw new ArgumentException($"A mask seed is {SeedLength} bytes, got {seed.Length}.", nameof(seed));
        LweDimension = lweDimension;
        _seed = seed.ToArray();
        Body = body;
    }

    /// <summary>Dimension of the expanded ciphertext (the mask length).</summary>
    public int LweDimension { get; }

    /// <summary>The public mask seed.</summary>
    public ReadOnlySpan<byte> Seed => _seed;

    /// <summary>The body <c>b = &lt;a, s&gt; + plaintext + e</c>.</summary>
    public ulong Body { get; }

    /// <summary>Encrypts <paramref name="plaintext"/> under <paramref name="key"/>: seed and noise from <paramref name="sampler"/>.</summary>
    internal static SeededLweCiphertext Encrypt(LweSecretKey key, ulong plaintext, double noiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(sampler);
        Span<ulong> seedWords = stackalloc ulong[SeedLength / sizeof(ulong)];
        sampler.FillUniform(seedWords);
        var mask = new ulong[key.Dimension];
        ReadOnlySpan<byte> seed = MemoryMarshal.AsBytes(seedWords);
        ExpandMask(seed, mask);
        ulong body = TorusSpan.Dot(mask, key.Bits) + plaintext + sampler.NextGaussianTorus(noiseStdDev);
        return new SeededLweCiphertext(key.Dimension, seed, body);
    }

    /// <summary>The full ciphertext: the mask regenerated from the seed, and the body.</summary>
    public LweCiphertext Expand()
    {
        var ciphertext = new LweCiphertext(LweDimension);
        ExpandMask(_seed, ciphertext.Mask);
        ciphertext.Body = Body;
        return ciphertext;
    }

    /// <inheritdoc/>
    public override string ToString() => $"SeededLweCiphertext(n = {LweDimension}, seed {Convert.ToHexString(_seed, 0, 4)}…)";

    private static void ExpandMask(ReadOnlySpan<byte> seed, Span<ulong> mask) => new ChaCha20Stream(seed).Fill(mask);
}
