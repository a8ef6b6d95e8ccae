using System;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FheGen.Tfhe.Commons;

/// <summary>
/// Randomness for TFHE: uniform torus masks, binary secret keys and Gaussian noise, all drawn from a ChaCha20
/// keystream whose 32-byte key comes from <see cref="RandomNumberGenerator"/> (the operating system's CSPRNG).
/// ChaCha20 expands the seed because asking the OS for every mask word would be far slower.
/// Not thread-safe: use one sampler per thread.
/// </summary>
public sealed class NoiseSampler
{
    private const double TwoPow53Inverse = 1.0 / (1UL << 53);

    private readonly ChaCha20Stream _stream;
    private double _spareGaussian;
    private bool _hasSpare;

    /// <summary>A sampler seeded with 32 fresh bytes from <see cref="RandomNumberGenerator"/>.</summary>
    public NoiseSampler()
    {
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        _stream = new ChaCha20Stream(seed);
        CryptographicOperations.ZeroMemory(seed);
    }

    /// <summary>
    /// A deterministic sampler from an explicit 32-byte seed, for tests and reproducible experiments only:
    /// keys and ciphertexts made with it are as secret as the seed, so never use a fixed seed for real data.
    /// </summary>
    /// <param name="seed">Exactly 32 bytes (the ChaCha20 key).</param>
    public NoiseSampler(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException("The seed must be exactly 32 bytes.", nameof(seed));
        }

        _stream = new ChaCha20Stream(seed);
    }

    /// <summary>
    /// Seeds for <paramref name="count"/> child samplers (<see cref="FromChildSeed"/>), four words (32 bytes) each,
    /// drawn in order from this sampler's stream. Work split across threads this way is reproducible for a seeded
    /// sampler (child i gets the same seed whichever thread runs it, and in whatever order) and, for an OS-seeded one,
    /// keyed from the CSPRNG's output like everything else. The caller should clear the array once the children exist.
    /// </summary>
    internal ulong[] DrawChildSeeds(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var seeds = new ulong[checked(count * 4)];
        FillUniform(seeds);
        return seeds;
    }

    /// <summary>The child sampler keyed by seed <paramref name="index"/> of <see cref="DrawChildSeeds"/> (words little-endian).</summary>
    internal static NoiseSampler FromChildSeed(ReadOnlySpan<ulong> seeds, int index)
    {
        ReadOnlySpan<ulong> words = seeds.Slice(checked(index * 4), 4);
        Span<byte> seed = stackalloc byte[32];
        for (int w = 0; w < 4; w++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(seed.Slice(8 * w), words[w]);
        }

        var child = new NoiseSampler(seed);
        CryptographicOperations.ZeroMemory(seed);
        return child;
    }

    /// <summary>A uniformly random torus element (64 uniform bits).</summary>
    public ulong NextUniform() => _stream.NextUInt64();

    /// <summary>Fills <paramref name="destination"/> with uniformly random torus elements.</summary>
    public void FillUniform(Span<ulong> destination) => _stream.Fill(destination);

    /// <summary>Fills <paramref name="destination"/> with independent uniform bits, one 0 or 1 per element.</summary>
    public void FillBinary(Span<ulong> destination)
    {
        ulong bits = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            if ((i & 63) == 0)
            {
                bits = _stream.NextUInt64();
            }

            destination[i] = bits & 1;
            bits >>= 1;
        }
    }

    /// <summary>A standard normal sample (mean 0, variance 1) by the Box–Muller transform.</summary>
    public double NextStandardGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }

        // u1 in (0, 1] so the logarithm is finite; 53 random bits each, the full double precision.
        double u1 = ((_stream.NextUInt64() >> 11) + 1) * TwoPow53Inverse;
        double u2 = (_stream.NextUInt64() >> 11) * TwoPow53Inverse;
        double radius = System.Math.Sqrt(-2.0 * System.Math.Log(u1));
        (double sin, double cos) = System.Math.SinCos(2.0 * System.Math.PI * u2);
        _spareGaussian = radius * sin;
        _hasSpare = true;
        return radius * cos;
    }

    /// <summary>
    /// A centred Gaussian torus element with standard deviation <paramref name="stdDev"/> in torus units
    /// (fractions of 1, as parameter tables give sigma), as round(x · 2^64) mod 2^64.
    /// </summary>
    public ulong NextGaussianTorus(double stdDev)
    {
        CheckStdDev(stdDev);
        return Torus.FromDouble(stdDev * NextStandardGaussian());
    }

    /// <summary>Fills <paramref name="destination"/> with Gaussian torus elements (see <see cref="NextGaussianTorus"/>).</summary>
    public void FillGaussianTorus(Span<ulong> destination, double stdDev)
    {
        CheckStdDev(stdDev);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Torus.FromDouble(stdDev * NextStandardGaussian());
        }
    }

    /// <summary>Adds an independent Gaussian torus element to every element of <paramref name="values"/>.</summary>
    public void AddGaussianTorus(Span<ulong> values, double stdDev)
    {
        CheckStdDev(stdDev);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += Torus.FromDouble(stdDev * NextStandardGaussian());
        }
    }

    /// <inheritdoc/>
    public override string ToString() => "NoiseSampler (ChaCha20; state hidden)";

    private static void CheckStdDev(double stdDev)
    {
        if (!(stdDev >= 0) || double.IsInfinity(stdDev))
        {
            throw new ArgumentOutOfRangeException(nameof(stdDev), stdDev, "The standard deviation must be finite and non-negative.");
        }
    }
}
