using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>
/// Run size of the expensive PBS tests. By default (CI runs <c>dotnet test</c> with no filter) the tests marked
/// <c>[Trait("Category", "Heavy")]</c> or <c>[Trait("Category", "Statistical")]</c> run in a reduced form that still
/// asserts real numbers; set the environment variable <c>FHEGEN_HEAVY=1</c> for the full run (real keys at every
/// precision, larger samples): <c>FHEGEN_HEAVY=1 dotnet test tests/FheGen.Tfhe.Tests -c Release</c>.
/// </summary>
internal static class TestMode
{
    /// <summary>The environment variable that asks for the full run.</summary>
    public const string HeavyVariable = "FHEGEN_HEAVY";

    /// <summary>True when <c>FHEGEN_HEAVY=1</c>.</summary>
    public static bool Heavy => Environment.GetEnvironmentVariable(HeavyVariable) == "1";

    /// <summary>"full" or "reduced", for logs.</summary>
    public static string Name => Heavy ? $"full ({HeavyVariable}=1)" : $"reduced (set {HeavyVariable}=1 for the full run)";
}

/// <summary>A selected parameter set with its client and server keys.</summary>
internal sealed record PbsKeys(ParameterSelection Selection, ClientKey Client, ServerKey Server, TimeSpan GenerationTime)
{
    public TfheParameters Parameters => Selection.Parameters;
}

/// <summary>
/// Keys for selected parameter sets, deterministic (the sampler's seed is a hash of the set's id and a label), and
/// cached per set so that test classes which use the same set (the 2- and 4-bit sets at 2^-40) generate them once.
/// Expensive sets (N ≥ 4096) should call <see cref="Generate"/> instead so their keys are not kept for the whole run.
/// Tests must encrypt with their own seeded <see cref="NoiseSampler"/>, never with <see cref="ClientKey.Encrypt"/> on a
/// cached key: test classes run in parallel, so a shared key's internal sampler would be drawn in a racy order.
/// </summary>
internal static class PbsTestKeys
{
    private static readonly ConcurrentDictionary<string, Lazy<PbsKeys>> Cache = new();

    /// <summary>Keys for the set <see cref="ParameterSelector"/> chooses for p bits at p_error 2^log2PError (ν = 1), cached.</summary>
    public static PbsKeys Selected(int precisionBits, double log2PError)
        => Cached(ParameterSelector.SelectForLog2PError(precisionBits, log2PError));

    /// <summary>Cached keys for <paramref name="selection"/>.</summary>
    public static PbsKeys Cached(ParameterSelection selection)
        => Cache.GetOrAdd(selection.Parameters.Id,
            _ => new Lazy<PbsKeys>(() => Generate(selection), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>Fresh (uncached) keys for <paramref name="selection"/>, seeded from its id.</summary>
    public static PbsKeys Generate(ParameterSelection selection)
    {
        var sw = Stopwatch.StartNew();
        (ClientKey client, ServerKey server) = ClientKey.GenerateKeys(selection.Parameters, Seeded("keys:" + selection.Parameters.Id));
        return new PbsKeys(selection, client, server, sw.Elapsed);
    }

    /// <summary>
    /// Keys for the selected set whose server key went through their seeded form (masks from public seeds, bodies only) and
    /// expansion, as a server receives it; cached.
    /// </summary>
    public static PbsKeys SelectedSeeded(int precisionBits, double log2PError)
    {
        var selection = ParameterSelector.SelectForLog2PError(precisionBits, log2PError);
        return Cache.GetOrAdd("compressed:" + selection.Parameters.Id, _ => new Lazy<PbsKeys>(() =>
        {
            var sw = Stopwatch.StartNew();
            var client = ClientKey.Generate(selection.Parameters, Seeded("compressed-keys:" + selection.Parameters.Id));
            var server = new ServerKey(selection.Parameters, client.SeededBootstrapKeyFrom(client).Expand(), client.SeededKeySwitchKeyFrom(client).Expand());
            return new PbsKeys(selection, client, server, sw.Elapsed);
        }, LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    /// <summary>A deterministic sampler whose 32-byte seed is SHA-256 of <paramref name="label"/>.</summary>
    public static NoiseSampler Seeded(string label) => new(SHA256.HashData(Encoding.UTF8.GetBytes(label)));
}

/// <summary>Measurement helpers shared by the PBS statistics tests.</summary>
internal static class PbsMeasure
{
    /// <summary>
    /// The modulus-switched phase b̃ − Σ ã_i·s_i mod 2N of a dimension-n ciphertext: the exact rotation the blind
    /// rotation applies (it computes b̃ and ã_i with <see cref="Torus.ModulusSwitchTo2N"/> the same way).
    /// </summary>
    public static int ModulusSwitchedPhase(LweCiphertext small, LweSecretKey smallKey, int polynomialSize)
    {
        int twoN = 2 * polynomialSize;
        long phi = Torus.ModulusSwitchTo2N(small.Body, polynomialSize);
        ReadOnlySpan<ulong> mask = small.Mask;
        ReadOnlySpan<ulong> bits = smallKey.Bits;
        for (int i = 0; i < mask.Length; i++)
        {
            if (bits[i] != 0)
                phi -= Torus.ModulusSwitchTo2N(mask[i], polynomialSize);
        }

        phi %= twoN;
        return (int)(phi < 0 ? phi + twoN : phi);
    }

    /// <summary>The torus value of a point of Z_2N (its multiple of 1/(2N)).</summary>
    public static ulong TorusOf2NPoint(int phi, int polynomialSize)
        => (ulong)phi << (64 - 1 - System.Numerics.BitOperations.Log2((uint)polynomialSize));

    /// <summary>phi − target reduced to the signed range [−N, N) of Z_2N.</summary>
    public static int SignedDistance(int phi, long target, int polynomialSize)
    {
        int twoN = 2 * polynomialSize;
        long d = (phi - target) % twoN;
        if (d < 0)
            d += twoN;
        return (int)(d >= polynomialSize ? d - twoN : d);
    }

    /// <summary>P(|X| &gt; t) for X ~ N(0, variance).</summary>
    public static double TwoSidedTail(double t, double variance) => ErrorFunction.Erfc(t / Math.Sqrt(2 * variance));

    /// <summary>P(X ≥ t) for X ~ N(0, variance).</summary>
    public static double UpperTail(double t, double variance) => ErrorFunction.Erfc(t / Math.Sqrt(2 * variance)) / 2;

    /// <summary>
    /// Running sums of squared errors (about zero, so a bias counts against the model too) and of the errors.
    /// </summary>
    internal sealed class Moments
    {
        public long Count { get; private set; }

        public double SumSquares { get; private set; }

        public double Sum { get; private set; }

        public void Add(double e)
        {
            Count++;
            SumSquares += e * e;
            Sum += e;
        }

        /// <summary>Mean square (the variance estimate, about zero).</summary>
        public double MeanSquare => SumSquares / Count;

        public double Mean => Sum / Count;

        /// <summary>Relative standard error of <see cref="MeanSquare"/> for independent Gaussian samples, sqrt(2/m).</summary>
        public double RelativeStandardError => Math.Sqrt(2.0 / Count);
    }
}
