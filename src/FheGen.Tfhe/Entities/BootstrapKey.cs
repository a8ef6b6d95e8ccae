using System;
using System.Threading.Tasks;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// The bootstrapping key in the Fourier domain: for each bit s_i of the small LWE key (dimension n), a
/// <see cref="FourierGgsw"/> encrypting s_i under the GLWE key.
/// </summary>
internal sealed class BootstrapKey
{
    private readonly FourierGgsw[] _ggsws;

    internal BootstrapKey(FourierGgsw[] ggsws, int glweDimension, int polynomialSize, GadgetDecomposer decomposer)
    {
        _ggsws = ggsws;
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        Decomposer = decomposer;
    }

    /// <summary>Input LWE dimension n.</summary>
    public int LweDimension => _ggsws.Length;

    /// <summary>GLWE dimension k.</summary>
    public int GlweDimension { get; }

    /// <summary>Polynomial size N.</summary>
    public int PolynomialSize { get; }

    /// <summary>PBS gadget.</summary>
    public GadgetDecomposer Decomposer { get; }

    /// <summary>Size in bytes of the Fourier data.</summary>
    public long SizeInBytes
    {
        get
        {
            long total = 0;
            foreach (var g in _ggsws)
                total += g.SizeInBytes;
            return total;
        }
    }

    /// <summary>GGSW of key bit <paramref name="index"/>.</summary>
    public FourierGgsw this[int index] => _ggsws[index];

    /// <summary>
    /// Generates the key. Work is spread over cores: GGSW i is encrypted with its own child sampler, seeded from
    /// <paramref name="sampler"/> in index order before the parallel loop, so the key is deterministic for a seeded
    /// sampler whatever the scheduling, and equal to <see cref="FourierGgsw.FromStandard"/> of
    /// <see cref="GgswCiphertext.Encrypt"/> with that child sampler.
    /// </summary>
    public static BootstrapKey Generate(LweSecretKey lweKey, GlweSecretKey glweKey, GadgetDecomposer decomposer, double glweNoiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(lweKey);
        ArgumentNullException.ThrowIfNull(glweKey);
        ArgumentNullException.ThrowIfNull(sampler);
        if (decomposer.LevelCount < 1)
            throw new ArgumentException("The decomposer is not initialized.", nameof(decomposer));
        int n = lweKey.Dimension;
        int k = glweKey.GlweDimension;
        int size = glweKey.PolynomialSize;
        var fft = NegacyclicFft.ForSize(size);
        ulong[] seeds = sampler.DrawChildSeeds(n);
        ulong[] bits = lweKey.Bits.ToArray();
        var zero = new ulong[size];

        // Built before the workers start: FourierPolynomial would otherwise be computed by several of them at once.
        if (NegacyclicBinary.UsesFourier(size))
            glweKey.FourierPolynomial(0);

        var ggsws = new FourierGgsw[n];
        try
        {
            // One worker per core: iterations are long, and the thread pool would otherwise keep adding threads.
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => new GlweCiphertext(k, size), (i, _, row) =>
            {
                var local = NoiseSampler.FromChildSeed(seeds, i);
                ggsws[i] = EncryptFourierGgsw(glweKey, (long)bits[i], decomposer, glweNoiseStdDev, local, row, zero, fft);
                return row;
            }, static _ => { });
        }
        finally
        {
            Array.Clear(bits);
            Array.Clear(seeds);
        }

        return new BootstrapKey(ggsws, k, size, decomposer);
    }

    // GgswCiphertext.Encrypt followed by FourierGgsw.FromStandard, one row at a time through the scratch row
    // instead of (k+1)·l standard-domain ciphertexts per key bit: the same sampler draws, the same Fourier data.
    private static FourierGgsw EncryptFourierGgsw(GlweSecretKey key, long message, GadgetDecomposer decomposer,
        double noiseStdDev, NoiseSampler sampler, GlweCiphertext row, ReadOnlySpan<ulong> zero, NegacyclicFft fft)
    {
        int k = key.GlweDimension;
        int size = key.PolynomialSize;
        int l = decomposer.LevelCount;
        var data = new double[(k + 1) * l * (k + 1) * size];
        for (int i = 0; i <= k; i++)
        {
            for (int j = 1; j <= l; j++)
            {
                GgswCiphertext.EncryptRow(row, key, message, decomposer, i, j, noiseStdDev, sampler, zero);
                int r = i * l + j - 1;
                for (int c = 0; c <= k; c++)
                {
                    ReadOnlySpan<ulong> poly = c < k ? row.MaskPolynomial(c) : row.Body;
                    fft.ForwardTorus(poly, data.AsSpan((r * (k + 1) + c) * size, size));
                }
            }
        }

        return new FourierGgsw(k, size, decomposer, data);
    }
}
