using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Benchmarks;

/// <summary>
/// Everything one timed table lookup needs, built once: the parameter set the selector picks for a width and a p_error,
/// fresh keys, an evaluator, a random table as a prebuilt test polynomial and an encrypted input. Shared by
/// <see cref="PbsBenchmarks"/> and <see cref="PbsLatencyCommand"/> so both time the same operation.
/// </summary>
internal sealed class PbsFixture
{
    private readonly ProgrammableBootstrapper _bootstrapper;
    private readonly TestPolynomial _testPolynomial;
    private readonly LweCiphertext _input;
    private readonly LweCiphertext _output;

    private PbsFixture(ParameterSelection selection, ClientKey client, ServerKey server, ulong[] table, ulong message, TimeSpan keyGeneration)
    {
        Selection = selection;
        Client = client;
        Server = server;
        Table = table;
        Message = message;
        KeyGeneration = keyGeneration;
        _bootstrapper = server.CreateBootstrapper();
        _testPolynomial = TestPolynomial.FromTable(Parameters.PolynomialSize, table);
        _input = client.Encrypt(message);
        _output = new LweCiphertext(Parameters.BigLweDimension);
    }

    public ParameterSelection Selection { get; }

    public TfheParameters Parameters => Selection.Parameters;

    public ClientKey Client { get; }

    public ServerKey Server { get; }

    public ulong[] Table { get; }

    public ulong Message { get; }

    public TimeSpan KeyGeneration { get; }

    /// <summary>
    /// Selects the parameters, generates the keys (timed), draws a table and a message from <paramref name="seed"/>.
    /// The seed fixes only the table and message; the keys come from a fresh OS-seeded sampler, as in real use.
    /// </summary>
    public static PbsFixture Create(int bits, double log2PError, int seed = 1)
    {
        var selection = ParameterSelector.SelectForLog2PError(bits, log2PError);
        var sw = Stopwatch.StartNew();
        var (client, server) = ClientKey.GenerateKeys(selection.Parameters);
        var keyGeneration = sw.Elapsed;
        var random = new Random(seed);
        var table = new ulong[1 << bits];
        for (int i = 0; i < table.Length; i++) table[i] = (ulong)random.Next(table.Length);
        return new PbsFixture(selection, client, server, table, (ulong)random.Next(table.Length), keyGeneration);
    }

    /// <summary>The measured operation: keyswitch k·N → n, blind rotation, sample extraction.</summary>
    public void Apply() => _bootstrapper.Apply(_input, _testPolynomial, _output);

    /// <summary>What the last <see cref="Apply"/> decrypts to.</summary>
    public ulong DecryptOutput() => Client.Decrypt(_output);

    /// <summary>
    /// Runs the lookup on <paramref name="samples"/> fresh encryptions of random messages and counts the wrong results.
    /// A correct backend at p_error 2^-40 gets none wrong; at 2^-5 a few are expected.
    /// </summary>
    public int CountWrong(int samples, int seed = 2)
    {
        var random = new Random(seed);
        var output = new LweCiphertext(Parameters.BigLweDimension);
        int wrong = 0;
        for (int s = 0; s < samples; s++)
        {
            ulong m = (ulong)random.Next(Table.Length);
            _bootstrapper.Apply(Client.Encrypt(m), _testPolynomial, output);
            if (Client.Decrypt(output) != Table[m]) wrong++;
        }
        return wrong;
    }

    /// <summary>Bootstrapping key size in bytes from the shape alone: n GGSW of (k+1)·l rows × (k+1) Fourier polynomials of N doubles.</summary>
    public static long BootstrapKeyBytes(TfheParameters p)
        => (long)p.LweDimension * (p.GlweDimension + 1) * p.PbsLevel * (p.GlweDimension + 1) * p.PolynomialSize * sizeof(double);

    /// <summary>Keyswitching key size in bytes from the shape alone: k·N × l_ks rows of n + 1 words.</summary>
    public static long KeySwitchKeyBytes(TfheParameters p)
        => (long)p.BigLweDimension * p.KsLevel * (p.LweDimension + 1) * (p.KeySwitchUses32BitWords ? sizeof(uint) : sizeof(ulong));

    /// <summary>"n 796, k 1, N 2048, PBS 2^23 x 1, KS 2^3 x 5".</summary>
    public static string Shape(TfheParameters p) => string.Create(CultureInfo.InvariantCulture,
        $"n {p.LweDimension}, k {p.GlweDimension}, N {p.PolynomialSize}, PBS 2^{p.PbsBaseLog} x {p.PbsLevel}, KS 2^{p.KsBaseLog} x {p.KsLevel}");

    /// <summary>Bytes as MiB (or GiB from 1 GiB), 3 significant digits.</summary>
    public static string Size(long bytes)
    {
        double mib = bytes / 1048576.0;
        return mib >= 1024
            ? (mib / 1024).ToString("0.00", CultureInfo.InvariantCulture) + " GiB"
            : mib.ToString(mib >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " MiB";
    }

    /// <summary>
    /// Parses a list of widths: "2-4", "2,4,6", "1-3,8". Used for <c>FHEGEN_PBS_BITS</c> and <c>--bits</c>.
    /// </summary>
    /// <exception cref="FormatException">The text is not such a list, or a width is outside 1..16.</exception>
    public static int[] ParseBits(string text)
    {
        var bits = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                throw new FormatException($"'{text}' is not a list of widths such as \"2-8\" or \"2,4,6\".");
            }
            int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (lo < 1 || hi > TfheParameters.MaxPrecisionBits || lo > hi)
            {
                throw new FormatException($"'{part}': widths are 1..{TfheParameters.MaxPrecisionBits}, low end first.");
            }
            for (int b = lo; b <= hi; b++) bits.Add(b);
        }
        if (bits.Count == 0) throw new FormatException($"'{text}' names no width.");
        return bits.ToArray();
    }
}
