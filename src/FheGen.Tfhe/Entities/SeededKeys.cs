using System;
using System.Threading.Tasks;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// A keyswitching key whose row masks are expanded from public seeds (one 32-byte ChaCha20 seed per input coefficient,
/// covering its l rows): it stores the bodies only, 1/(n+1) of the key, for the upload from client to server.
/// <see cref="Expand"/> rebuilds the <see cref="KeySwitchKey"/>.
/// </summary>
/// <remarks>
/// Row (i, j) is an LWE encryption under the output key of <c>s_in[i]·q/B^j</c>: mask from the seed stream of i, noise
/// from the client's secret sampler (never derivable from the seeds), body <c>&lt;a, s_out&gt; + s_in[i]·q/B^j + e</c>. A
/// uniform-looking mask from a public seed is as good as a uniform one (TFHE-rs' seeded keys do the same).
/// </remarks>
internal sealed class SeededKeySwitchKey : SeededKeyMaterial
{
    internal SeededKeySwitchKey(byte[] seeds, ulong[] bodies, int inputDimension, int outputDimension, GadgetDecomposer decomposer, double lweNoiseStdDev)
        : base(seeds, bodies, inputDimension, (long)inputDimension * decomposer.LevelCount)
    {
        InputDimension = inputDimension;
        OutputDimension = outputDimension;
        Decomposer = decomposer;
        LweNoiseStdDev = lweNoiseStdDev;
    }

    /// <summary>Input (big key) dimension.</summary>
    public int InputDimension { get; }

    /// <summary>Output (small key) dimension.</summary>
    public int OutputDimension { get; }

    /// <summary>The keyswitch gadget.</summary>
    public GadgetDecomposer Decomposer { get; }

    /// <summary>The rows' noise (with the gadget it decides whether the expanded key is held in 32-bit words).</summary>
    public double LweNoiseStdDev { get; }

    /// <summary>Generates the key from <paramref name="inputKey"/> to <paramref name="outputKey"/>; seeds and noise from <paramref name="sampler"/>.</summary>
    public static SeededKeySwitchKey Generate(LweSecretKey inputKey, LweSecretKey outputKey, GadgetDecomposer decomposer, double lweNoiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(inputKey);
        ArgumentNullException.ThrowIfNull(outputKey);
        ArgumentNullException.ThrowIfNull(sampler);
        int nIn = inputKey.Dimension, nOut = outputKey.Dimension, l = CheckLevels(decomposer);
        ulong[] bits = inputKey.Bits.ToArray();
        var bodies = new ulong[(long)nIn * l];
        byte[] seeds;
        try
        {
            seeds = GenerateStreams(sampler, nIn, nOut, (i, stream, noise, mask) =>
            {
                for (int j = 1; j <= l; j++)
                {
                    stream.Fill(mask);
                    bodies[(long)i * l + j - 1] = TorusSpan.Dot(mask, outputKey.Bits) + bits[i] * decomposer.Weight(j) + noise.NextGaussianTorus(lweNoiseStdDev);
                }
            });
        }
        finally
        {
            Array.Clear(bits);
        }

        return new SeededKeySwitchKey(seeds, bodies, nIn, nOut, decomposer, lweNoiseStdDev);
    }

    /// <summary>The full key: every row's mask regenerated from its seed, next to its body.</summary>
    public KeySwitchKey Expand()
    {
        int l = Decomposer.LevelCount, rowSize = OutputDimension + 1;
        var data = new ulong[(long)InputDimension * l * rowSize];
        ExpandStreams(0, (i, stream, _) =>
        {
            for (int j = 0; j < l; j++)
            {
                var row = data.AsSpan((int)(((long)i * l + j) * rowSize), rowSize);
                stream.Fill(row[..OutputDimension]);
                row[OutputDimension] = Body((long)i * l + j);
            }
        });
        // The same 64-bit rows as KeySwitchKey.Generate builds, so the same rounding to 32-bit words where it applies.
        return new KeySwitchKey(data, InputDimension, OutputDimension, Decomposer, LweNoiseStdDev);
    }
}

/// <summary>
/// A bootstrapping key whose GLWE row masks are expanded from public seeds (one per GGSW, covering its (k+1)·l rows):
/// it stores the row bodies in the standard domain, 1/(k+1) of the key, for the upload from client to server.
/// <see cref="Expand"/> regenerates the masks and takes the Fourier transforms, giving the <see cref="BootstrapKey"/>.
/// </summary>
/// <remarks>
/// Row (c, j) of GGSW i encrypts its gadget term with the seeded mask A: for the body component, the body is
/// <c>&lt;A, S&gt; + m·q/B^j + e</c>; for a mask component c, the body is <c>&lt;A, S&gt; − m·q/B^j·S_c + e</c>, which has
/// the phase of the usual row (fresh mask plus m·q/B^j on component c) without storing a key-dependent mask.
/// </remarks>
internal sealed class SeededBootstrapKey : SeededKeyMaterial
{
    internal SeededBootstrapKey(byte[] seeds, ulong[] bodies, int lweDimension, int glweDimension, int polynomialSize, GadgetDecomposer decomposer)
        : base(seeds, bodies, lweDimension, (long)lweDimension * (glweDimension + 1) * decomposer.LevelCount * polynomialSize)
    {
        LweDimension = lweDimension;
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        Decomposer = decomposer;
    }

    /// <summary>Input (small key) dimension n: one GGSW per key bit.</summary>
    public int LweDimension { get; }

    /// <summary>GLWE dimension k.</summary>
    public int GlweDimension { get; }

    /// <summary>Polynomial size N.</summary>
    public int PolynomialSize { get; }

    /// <summary>The PBS gadget.</summary>
    public GadgetDecomposer Decomposer { get; }

    private int RowsPerGgsw => (GlweDimension + 1) * Decomposer.LevelCount;

    /// <summary>Generates the key from <paramref name="lweKey"/> into <paramref name="glweKey"/>; seeds and noise from <paramref name="sampler"/>.</summary>
    public static SeededBootstrapKey Generate(LweSecretKey lweKey, GlweSecretKey glweKey, GadgetDecomposer decomposer, double glweNoiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(lweKey);
        ArgumentNullException.ThrowIfNull(glweKey);
        ArgumentNullException.ThrowIfNull(sampler);
        int l = CheckLevels(decomposer);
        int n = lweKey.Dimension, k = glweKey.GlweDimension, size = glweKey.PolynomialSize;
        int rows = (k + 1) * l;
        ulong[] bits = lweKey.Bits.ToArray();
        var bodies = new ulong[(long)n * rows * size];
        // Built before the workers start: FourierPolynomial would otherwise be computed by several of them at once.
        if (NegacyclicBinary.UsesFourier(size))
            glweKey.FourierPolynomial(0);
        byte[] seeds;
        try
        {
            seeds = GenerateStreams(sampler, n, k * size, (i, stream, noise, mask) =>
            {
                ReadOnlySpan<ulong> s = glweKey.Coefficients;
                for (int c = 0; c <= k; c++)
                {
                    for (int j = 1; j <= l; j++)
                    {
                        var body = bodies.AsSpan((int)(((long)i * rows + c * l + j - 1) * size), size);
                        stream.Fill(mask);
                        noise.FillGaussianTorus(body, glweNoiseStdDev);
                        // term is 0 or the gadget weight by the secret bit: a multiply, not a branch, and the
                        // subtraction below runs whatever it is (term·S_c is 0 for a zero bit), so the work and
                        // the memory accesses do not depend on the key. c is a public index.
                        ulong term = bits[i] * decomposer.Weight(j);
                        if (c == k)
                        {
                            body[0] += term;
                        }
                        else
                        {
                            ReadOnlySpan<ulong> sc = s.Slice(c * size, size);
                            for (int t = 0; t < size; t++) body[t] -= term * sc[t];
                        }

                        for (int m = 0; m < k; m++)
                            glweKey.MultiplyAdd(body, mask.AsSpan(m * size, size), m);
                    }
                }
            });
        }
        finally
        {
            Array.Clear(bits);
        }

        return new SeededBootstrapKey(seeds, bodies, n, k, size, decomposer);
    }

    /// <summary>The full key in the Fourier domain: masks regenerated from the seeds, every polynomial transformed.</summary>
    public BootstrapKey Expand()
    {
        int k = GlweDimension, size = PolynomialSize, rows = RowsPerGgsw;
        var fft = NegacyclicFft.ForSize(size);
        var ggsws = new FourierGgsw[LweDimension];
        ExpandStreams(k * size, (i, stream, mask) =>
        {
            var data = new double[rows * (k + 1) * size];
            for (int r = 0; r < rows; r++)
            {
                stream.Fill(mask);
                for (int c = 0; c < k; c++)
                    fft.ForwardTorus(mask.AsSpan(c * size, size), data.AsSpan((r * (k + 1) + c) * size, size));
                fft.ForwardTorus(Bodies.Slice((int)(((long)i * rows + r) * size), size), data.AsSpan((r * (k + 1) + k) * size, size));
            }

            ggsws[i] = new FourierGgsw(k, size, Decomposer, data);
        });
        return new BootstrapKey(ggsws, k, size, Decomposer);
    }
}

/// <summary>
/// What both seeded keys hold and do: one public 32-byte seed per mask stream (a key input coefficient or a GGSW) and the
/// bodies; generation and expansion run the streams on every core, each from its own seed, so the result does not
/// depend on the scheduling.
/// </summary>
internal abstract class SeededKeyMaterial
{
    private readonly byte[] _seeds;
    private readonly ulong[] _bodies;

    private protected SeededKeyMaterial(byte[] seeds, ulong[] bodies, int streams, long bodyCount)
    {
        if (seeds.Length != (long)streams * SeededLweCiphertext.SeedLength || bodies.Length != bodyCount)
            throw new ArgumentException("Seed or body count does not match the key's shape.");
        _seeds = seeds;
        _bodies = bodies;
        Streams = streams;
    }

    /// <summary>Number of mask streams (one seed each).</summary>
    public int Streams { get; }

    /// <summary>Bytes held: the seeds and the bodies.</summary>
    public long SizeInBytes => _seeds.LongLength + _bodies.LongLength * sizeof(ulong);

    internal ReadOnlySpan<byte> Seeds => _seeds;

    internal ReadOnlySpan<ulong> Bodies => _bodies;

    private protected ulong Body(long index) => _bodies[index];

    private protected static int CheckLevels(GadgetDecomposer decomposer)
        => decomposer.LevelCount >= 1 ? decomposer.LevelCount : throw new ArgumentException("The decomposer is not initialized.", nameof(decomposer));

    /// <summary>
    /// Draws <paramref name="count"/> public seeds and as many child noise seeds from <paramref name="sampler"/>, then
    /// runs <paramref name="row"/> for every index on all cores with that index's mask stream, its own noise sampler and
    /// a per-worker scratch array of <paramref name="scratchLength"/> words. Returns the seeds; the noise seeds are cleared.
    /// </summary>
    private protected static byte[] GenerateStreams(NoiseSampler sampler, int count, int scratchLength, Action<int, ChaCha20Stream, NoiseSampler, ulong[]> row)
    {
        var seeds = DrawSeeds(sampler, count);
        ulong[] noiseSeeds = sampler.DrawChildSeeds(count);
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => new ulong[scratchLength], (i, _, scratch) =>
            {
                row(i, MaskStream(seeds, i), NoiseSampler.FromChildSeed(noiseSeeds, i), scratch);
                return scratch;
            }, static _ => { });
        }
        finally
        {
            Array.Clear(noiseSeeds);
        }

        return seeds;
    }

    /// <summary>Runs <paramref name="row"/> for every stream on all cores with its mask stream and a per-worker scratch array.</summary>
    private protected void ExpandStreams(int scratchLength, Action<int, ChaCha20Stream, ulong[]> row)
    {
        Parallel.For(0, Streams, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => new ulong[scratchLength], (i, _, scratch) =>
        {
            row(i, MaskStream(_seeds, i), scratch);
            return scratch;
        }, static _ => { });
    }

    /// <summary>One public 32-byte seed per index, drawn in order from the sampler's stream.</summary>
    internal static byte[] DrawSeeds(NoiseSampler sampler, int count)
    {
        var words = new ulong[(long)count * SeededLweCiphertext.SeedLength / sizeof(ulong)];
        sampler.FillUniform(words);
        var seeds = new byte[(long)count * SeededLweCiphertext.SeedLength];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(words.AsSpan()).CopyTo(seeds);
        return seeds;
    }

    private static ChaCha20Stream MaskStream(byte[] seeds, int i) => new(seeds.AsSpan(i * SeededLweCiphertext.SeedLength, SeededLweCiphertext.SeedLength));
}
