using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// FHE0008: a model that compiles but has no 128-bit-secure TFHE parameter set is an error at build time, on the
/// [Dense] of the layer whose read limits it, with remedies that really fit. The cases are the issue's: a 30-16-2
/// model at 6/6 with Auto rounding, a 64-64-32-10 digits-shaped MLP at 6/6, a 784-128-10 Fashion-MNIST-shaped MLP at
/// 6/6 with Auto rounding, from deterministic random weights.
/// </summary>
public class FeasibilityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// C# for an MLP with seeded weights: uniform (every weight near the quantization scale) or Gaussian with one
    /// outlier per layer (most weights small, as in trained layers).
    /// </summary>
    internal static string Mlp(int[] widths, int weightBits, int activationBits, string? round, int seed, bool gaussian, string extra = "")
    {
        var rng = new Random(seed);
        var attributes = new StringBuilder();
        var members = new StringBuilder();
        attributes.Append(CultureInfo.InvariantCulture, $"[FheModel(Inputs = {widths[0]}, InputBits = 4, InputMin = 0, InputMax = 1{extra})]\n");
        attributes.Append(CultureInfo.InvariantCulture, $"[Quantize(WeightBits = {weightBits}, ActivationBits = {activationBits})]\n");
        if (round is not null) attributes.Append(CultureInfo.InvariantCulture, $"[RoundAccumulator(Bits = {round})]\n");
        for (int i = 1; i < widths.Length; i++)
        {
            int fanIn = widths[i - 1], outputs = widths[i];
            bool last = i == widths.Length - 1;
            string name = last ? "Output" : "Hidden" + i;
            double scale = 1 / Math.Sqrt(fanIn);
            var w = Enumerable.Range(0, fanIn * outputs)
                .Select(_ => gaussian ? Gaussian(rng) * scale : (rng.NextDouble() * 2 - 1) * scale * 1.7).ToArray();
            if (gaussian) w[rng.Next(w.Length)] = 8 * scale;
            var b = Enumerable.Range(0, outputs).Select(_ => (rng.NextDouble() * 2 - 1) * 0.1).ToArray();
            attributes.Append(last
                ? FormattableString.Invariant($"[{{|#{i - 1}:Dense(\"{name}\", {outputs})|}}]\n")
                : FormattableString.Invariant($"[{{|#{i - 1}:Dense(\"{name}\", {outputs}, Activation = Activation.Relu, OutputMin = 0, OutputMax = 2)|}}]\n"));
            members.Append("    static readonly float[] ").Append(name).Append(" = { ").Append(string.Join(", ", w.Select(F))).Append(" };\n");
            members.Append("    static readonly float[] ").Append(name).Append("Bias = { ").Append(string.Join(", ", b.Select(F))).Append(" };\n");
        }

        return "using FheGen;\n\n" + attributes + "public partial class M\n{\n" + members + "}\n";
    }

    private static string F(double d) => ((float)d).ToString("R", CultureInfo.InvariantCulture) + "f";

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    internal static string ThirtySixteenTwo(string extra = "") => Mlp(new[] { 30, 16, 2 }, 6, 6, "RoundAccumulatorAttribute.Auto", 1, gaussian: false, extra);

    private static async Task<Diagnostic[]> Fhe0008(string source)
        => (await AnalyzeAsync(Unmarked(source), null, feasibility: true)).Where(d => d.Id == "FHE0008").ToArray();

    [Theory]
    // 30-16-2, 6/6, Auto: the output decryption of 14-bit outputs is the limiting read.
    [InlineData(new[] { 30, 16, 2 }, "RoundAccumulatorAttribute.Auto", false, "Output", "'Output: decryption of 14-bit outputs (padding bit included)'")]
    // 64-64-32-10, 6/6, Auto: exact rounding's low-bit reads of the second hidden layer.
    [InlineData(new[] { 64, 64, 32, 10 }, "RoundAccumulatorAttribute.Auto", true, "Hidden2", "'Hidden2: identity read of bits 0..5'")]
    // 64-64-32-10, 6/6, no rounding: its 15-bit lookups.
    [InlineData(new[] { 64, 64, 32, 10 }, null, true, "Hidden2", "'Hidden2: 15-bit lookup'")]
    // 784-128-10, 6/6, Auto: the first layer's lookup after rounding away 8 bits.
    [InlineData(new[] { 784, 128, 10 }, "RoundAccumulatorAttribute.Auto", true, "Hidden1", "'Hidden1: 8-bit lookup after exact rounding of 8 bits'")]
    public async Task Issue_models_get_FHE_0008_on_the_limiting_layer(int[] widths, string? round, bool gaussian, string layer, string read)
    {
        string source = Mlp(widths, 6, 6, round, 1, gaussian);
        var all = await AnalyzeAsync(Unmarked(source), null, feasibility: true);
        Assert.DoesNotContain(all, d => d.Severity == DiagnosticSeverity.Error && d.Id != "FHE0008");
        var d = Assert.Single(all, x => x.Id == "FHE0008");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        string message = d.GetMessage(CultureInfo.InvariantCulture);
        Assert.StartsWith("no 128-bit-secure TFHE parameter set meets the read " + read, message, StringComparison.Ordinal);
        Assert.Contains("at p_error 2^-40 per lookup", message, StringComparison.Ordinal);
        Assert.Contains(". Fits with: PError >= ", message, StringComparison.Ordinal);
        Assert.Equal(layer, d.Properties["Layer"]);
        string located = Unmarked(source).Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);
        Assert.StartsWith($"Dense(\"{layer}\"", located, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_remedy_fits_and_the_smallest_p_error_is_tight()
    {
        string source = ThirtySixteenTwo();
        string message = Assert.Single(await Fhe0008(source)).GetMessage(CultureInfo.InvariantCulture);
        string[] remedies = message.Substring(message.IndexOf(". Fits with: ", StringComparison.Ordinal) + 13).Split("; ");
        Assert.True(remedies.Length >= 3, message);
        foreach (string remedy in remedies)
        {
            string applied;
            if (remedy.StartsWith("PError >= ", StringComparison.Ordinal))
            {
                double p = double.Parse(remedy.Substring(10).Split(' ')[0], CultureInfo.InvariantCulture);
                applied = ThirtySixteenTwo(", PError = " + p.ToString("R", CultureInfo.InvariantCulture));
                // Half of it is below the threshold: the suggestion is computed, not a round number.
                Assert.Single(await Fhe0008(ThirtySixteenTwo(", PError = " + (p / 2).ToString("R", CultureInfo.InvariantCulture))));
            }
            else if (remedy.StartsWith("[", StringComparison.Ordinal))
            {
                applied = source.Replace("public partial class M", remedy.Replace("Rounding.Approximate", "FheGen.Rounding.Approximate") + "\npublic partial class M", StringComparison.Ordinal);
            }
            else
            {
                Assert.StartsWith("InputBits = ", remedy, StringComparison.Ordinal);
                applied = source.Replace("InputBits = 4", remedy, StringComparison.Ordinal);
            }

            Assert.Empty(await Fhe0008(applied));
        }
    }

    [Fact]
    public async Task Encryptable_models_get_no_FHE_0008()
    {
        // The digits sample's shape (64-32-10 at 4/4, rounded to 6 bits) and a Fashion-MNIST shape rounded to 6 bits.
        Assert.Empty(await Fhe0008(Mlp(new[] { 64, 32, 10 }, 4, 4, "6", 1, gaussian: true)));
        Assert.Empty(await Fhe0008(Mlp(new[] { 784, 128, 10 }, 6, 6, "6", 1, gaussian: true)));
    }

    /// <summary>
    /// The digits sample is encryptable, so it gets no FHE0008. Also the cost figure: run with
    /// <c>dotnet test tests/FheGen.Generators.Tests -c Release --filter FullyQualifiedName~DigitsSample --logger "console;verbosity=detailed"</c>
    /// to see the time per analysis (first and repeated), with and without its pruning and rounding.
    /// </summary>
    [Fact]
    public async Task Digits_sample_is_encryptable_analysis_cost()
    {
        string dir = AppContext.BaseDirectory;
        while (!System.IO.File.Exists(System.IO.Path.Combine(dir, "FheGen.sln"))) dir = System.IO.Path.GetDirectoryName(dir)!;
        string model = System.IO.File.ReadAllText(System.IO.Path.Combine(dir, "samples", "Digits", "DigitsMlp.cs"));
        string weights = System.IO.File.ReadAllText(System.IO.Path.Combine(dir, "samples", "Digits", "DigitsMlp.Weights.cs"));
        Assert.Contains("[RoundAccumulator(\"Hidden\", Bits = 5)]", model);
        string unrounded = model.Replace("[Prune(\"Hidden\", MaxActiveInputs = 40)]", "", StringComparison.Ordinal)
            .Replace("[RoundAccumulator(\"Hidden\", Bits = 5)]", "", StringComparison.Ordinal);
        foreach (var (name, source) in new[] { ("sample", model), ("without Prune and RoundAccumulator", unrounded) })
        {
            // Off first (the rest of the analyzer and Roslyn), then on: the first run on is the uncached check.
            foreach (bool feasibility in new[] { false, true })
            {
                var times = new System.Collections.Generic.List<double>();
                System.Collections.Immutable.ImmutableArray<Diagnostic> diagnostics = default;
                for (int run = 0; run < 5; run++)
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    diagnostics = await AnalyzeAsync(source, null, feasibility, weights);
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }

                var fhe0008 = diagnostics.Where(d => d.Id == "FHE0008").ToArray();
                output.WriteLine($"{name}, FHE0008 {(feasibility ? "on" : "off")}: {string.Join(", ", times.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))} ms per analysis; " +
                    (fhe0008.Length == 0 ? "no FHE0008" : fhe0008[0].GetMessage(CultureInfo.InvariantCulture)));
                if (name == "sample" || !feasibility) Assert.Empty(fhe0008);
                else Assert.Single(fhe0008);
            }
        }
    }

    /// <summary>The robustness corpus with FHE0008 on: the check never throws (AnalyzeAsync fails on AD0001 or an exception).</summary>
    [Theory]
    [MemberData(nameof(RobustnessTests.Cases), MemberType = typeof(RobustnessTests))]
    public async Task Malformed_input_with_the_check_on_never_crashes(string name, string source, string[] expectedIds)
    {
        var diagnostics = await AnalyzeAsync(source, null, feasibility: true);
        // Where the model has errors there is no plan, hence no FHE0008; the other IDs are RobustnessTests' business.
        if (expectedIds.Length > 0) Assert.False(diagnostics.Any(d => d.Id == "FHE0008"), name);
    }

    [Fact]
    public async Task P_error_zero_cannot_be_encrypted_on_the_model_attribute()
    {
        // Encryptable at the default p_error, but p_error 0 asks for noiseless ciphertexts.
        string source = Mlp(new[] { 64, 32, 10 }, 4, 4, "6", 1, gaussian: true, ", PError = 0");
        var d = Assert.Single(await Fhe0008(source));
        string message = d.GetMessage(CultureInfo.InvariantCulture);
        Assert.Equal("no 128-bit-secure TFHE parameter set meets every read of the circuit with PError = 0, which no noisy ciphertext can meet, " +
            "so CircuitEncoding.Create would fail. Fits with: PError = 9.1E-13 (2^-40, the default)", message);
        Assert.StartsWith("FheModel(", Unmarked(source).Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Global_p_error_models_are_told_the_global_value()
    {
        string message = Assert.Single(await Fhe0008(ThirtySixteenTwo(", GlobalPError = 1e-9"))).GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Fits with: GlobalPError >= ", message, StringComparison.Ordinal);
        Assert.Contains(" per lookup)", message, StringComparison.Ordinal);
    }
}
