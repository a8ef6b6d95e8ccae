using System;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// A binary LWE secret key: n bits s_0..s_{n−1}, each 0 or 1. Client-side only: nothing on the server
/// (ciphertext arithmetic, evaluation keys once built) takes one. The bits are never printed.
/// </summary>
internal sealed class LweSecretKey
{
    // One bit per ulong, so <a, s> is a plain vectorized dot product with the mask.
    private readonly ulong[] _bits;

    private LweSecretKey(ulong[] bits)
    {
        _bits = bits;
    }

    /// <summary>The LWE dimension n.</summary>
    public int Dimension => _bits.Length;

    /// <summary>The key bits, 0 or 1 each.</summary>
    internal ReadOnlySpan<ulong> Bits => _bits;

    /// <summary>Draws a uniformly random binary key of <paramref name="dimension"/> bits.</summary>
    public static LweSecretKey Generate(int dimension, NoiseSampler sampler)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(sampler);
        var bits = new ulong[dimension];
        sampler.FillBinary(bits);
        return new LweSecretKey(bits);
    }

    /// <summary>A key with the given bits (each must be 0 or 1); copied.</summary>
    internal static LweSecretKey FromBits(ReadOnlySpan<ulong> bits)
    {
        if (bits.IsEmpty)
        {
            throw new ArgumentException("A key has at least one bit.", nameof(bits));
        }

        foreach (ulong b in bits)
        {
            if (b > 1)
            {
                throw new ArgumentException("Key bits must be 0 or 1.", nameof(bits));
            }
        }

        return new LweSecretKey(bits.ToArray());
    }

    /// <inheritdoc/>
    public override string ToString() => $"LweSecretKey(n = {Dimension}, bits hidden)";
}
