using System;
using System.Threading.Tasks;
using FheGen.Tfhe.Arithmetic;
using FheGen.Tfhe.Core;

namespace FheGen.Tfhe.Bootstrap;

/// <summary>
/// The bootstrapping key in the Fourier domain: for each bit s_i of the small LWE key (dimension n), a
/// <see cref="FourierGgsw"/> encrypting s_i under the GLWE key.
/// </summary>
public sealed class BootstrapKey
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
    /// Generates the key. Work is spread over cores (each bit gets its own sampler seeded from
    /// <paramref name="sampler"/>, so the result is deterministic for a seeded sampler).
    /// </summary>
    public static BootstrapKey Generate(LweSecretKey lweKey, GlweSecretKey glweKey, GadgetDecomposer decomposer, double glweNoiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(lweKey);
        ArgumentNullException.ThrowIfNull(glweKey);
        ArgumentNullException.ThrowIfNull(sampler);
        int n = lweKey.Dimension;
        var seeds = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            var seed = new byte[32];
            for (int w = 0; w < 4; w++)
                BitConverter.TryWriteBytes(seed.AsSpan(w * 8), sampler.NextUniform());
            seeds[i] = seed;
        }

        ReadOnlySpan<ulong> bitsSpan = lweKey.Bits;
        var bits = bitsSpan.ToArray();
        var ggsws = new FourierGgsw[n];
        Parallel.For(0, n, i =>
        {
            var local = new NoiseSampler(seeds[i]);
            var ggsw = GgswCiphertext.Encrypt(glweKey, (long)bits[i], decomposer, glweNoiseStdDev, local);
            ggsws[i] = FourierGgsw.FromStandard(ggsw);
        });
        Array.Clear(bits);
        return new BootstrapKey(ggsws, glweKey.GlweDimension, glweKey.PolynomialSize, decomposer);
    }
}
