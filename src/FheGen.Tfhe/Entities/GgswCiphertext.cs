using System;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// A GGSW ciphertext of a small integer m (a key bit in a bootstrapping key) in the standard (coefficient) domain:
/// (k+1)·l GLWE rows. Row (i, j), i in [0, k], level j in [1, l], stored at index <c>i·l + (j−1)</c>, is a GLWE
/// encryption of 0 plus m·q/B^j added to component i (for i &lt; k the mask polynomial A_i, so its phase is
/// −m·S_i·q/B^j; for i = k the body, phase m·q/B^j). Mostly useful for tests; the bootstrap uses
/// <see cref="FourierGgsw"/>.
/// </summary>
internal sealed class GgswCiphertext
{
    private readonly GlweCiphertext[] _rows;

    private GgswCiphertext(GadgetDecomposer decomposer, GlweCiphertext[] rows)
    {
        Decomposer = decomposer;
        _rows = rows;
    }

    /// <summary>The gadget (base log and level count l).</summary>
    public GadgetDecomposer Decomposer { get; }

    /// <summary>GLWE dimension k.</summary>
    public int GlweDimension => _rows[0].GlweDimension;

    /// <summary>Polynomial size N.</summary>
    public int PolynomialSize => _rows[0].PolynomialSize;

    /// <summary>Number of rows, (k+1)·l.</summary>
    public int RowCount => _rows.Length;

    /// <summary>Row (component <paramref name="component"/> in [0, k], level <paramref name="level"/> in [1, l]).</summary>
    public GlweCiphertext Row(int component, int level)
    {
        if ((uint)component > (uint)GlweDimension)
            throw new ArgumentOutOfRangeException(nameof(component));
        if (level < 1 || level > Decomposer.LevelCount)
            throw new ArgumentOutOfRangeException(nameof(level));
        return _rows[component * Decomposer.LevelCount + level - 1];
    }

    /// <summary>Encrypts the small integer <paramref name="message"/> (e.g. a key bit) under <paramref name="key"/>.</summary>
    /// <param name="key">The GLWE key.</param>
    /// <param name="message">The integer m (taken mod 2^64).</param>
    /// <param name="decomposer">Gadget: base log and level count.</param>
    /// <param name="noiseStdDev">GLWE noise standard deviation (torus units).</param>
    /// <param name="sampler">Randomness.</param>
    public static GgswCiphertext Encrypt(GlweSecretKey key, long message, GadgetDecomposer decomposer, double noiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(sampler);
        int k = key.GlweDimension;
        int n = key.PolynomialSize;
        int l = decomposer.LevelCount;
        if (l < 1)
            throw new ArgumentException("The decomposer is not initialized.", nameof(decomposer));
        var zero = new ulong[n];
        var rows = new GlweCiphertext[(k + 1) * l];
        for (int i = 0; i <= k; i++)
        {
            for (int j = 1; j <= l; j++)
            {
                var row = new GlweCiphertext(k, n);
                EncryptRow(row, key, message, decomposer, i, j, noiseStdDev, sampler, zero);
                rows[i * l + j - 1] = row;
            }
        }

        return new GgswCiphertext(decomposer, rows);
    }

    /// <summary>
    /// Overwrites <paramref name="row"/> with row (<paramref name="component"/>, <paramref name="level"/>) of a GGSW
    /// encryption of <paramref name="message"/>: a fresh GLWE encryption of zero plus m·q/B^level on that component.
    /// Rows drawn in the order (component, level) from one sampler reproduce <see cref="Encrypt"/>; the bootstrapping
    /// key uses this to build its Fourier rows without keeping the standard-domain ones. <paramref name="zero"/> holds
    /// N zero words (the plaintext of the underlying GLWE encryption), shared to save an allocation per row.
    /// </summary>
    internal static void EncryptRow(GlweCiphertext row, GlweSecretKey key, long message, GadgetDecomposer decomposer,
        int component, int level, double noiseStdDev, NoiseSampler sampler, ReadOnlySpan<ulong> zero)
    {
        row.EncryptAssign(key, zero, noiseStdDev, sampler);
        ulong value = unchecked((ulong)message * decomposer.Weight(level));
        Span<ulong> target = component < key.GlweDimension ? row.MaskPolynomial(component) : row.Body;
        target[0] += value;
    }
}
