using System;
using System.Globalization;
using System.Linq;
using System.Text;
using FheGen.Generators.Tests.Infrastructure;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// Wide layers are split into methods of at most a few hundred multiply-adds (the JIT optimizes small methods
/// only); a neuron may straddle two methods, its partial sum carried in the accumulator buffer.
/// </summary>
public sealed class LargeLayerTests
{
    /// <summary>The emitter's chunk size (CircuitEmitter.MaxStatementsPerMethod) plus a little slack.</summary>
    private const int MaxMultiplyAddsPerMethod = 400;

    private static string Model(string name, int inputs, int inputBits, int hidden, int outputs, int weightBits, int? roundBits, int seed,
        Func<Random, float>? weight = null, string extra = "")
    {
        var random = new Random(seed);
        // |w| in [0.3, 1] quantizes to a non-zero integer with 3 weight bits: every term survives.
        weight ??= r => (r.Next(2) == 0 ? -1 : 1) * (0.3f + 0.7f * (float)r.NextDouble());
        string Floats(int count) => string.Join(", ", Enumerable.Range(0, count).Select(_ => RandomModel.F(weight(random))));
        var s = new StringBuilder();
        s.Append("using FheGen;\nnamespace Wide\n{\n");
        s.Append($"    [FheModel(Inputs = {inputs}, InputBits = {inputBits}, InputMin = -1, InputMax = 1, PbsBudgetBits = 16)]\n");
        s.Append($"    [Quantize(WeightBits = {weightBits}, ActivationBits = 3)]\n");
        s.Append($"    [Dense(\"H\", {hidden}, Activation = Activation.Relu)]\n");
        s.Append($"    [Dense(\"O\", {outputs})]\n");
        if (roundBits is int b) s.Append($"    [RoundAccumulator(\"H\", Bits = {b})]\n");
        s.Append(extra);
        s.Append($"    public static partial class {name}\n    {{\n");
        s.Append($"        static readonly float[] H = {{ {Floats(inputs * hidden)} }};\n");
        s.Append($"        static readonly float[] HBias = {{ {Floats(hidden)} }};\n");
        s.Append($"        static readonly float[] O = {{ {Floats(hidden * outputs)} }};\n");
        s.Append("    }\n}\n");
        return s.ToString();
    }

    private static GeneratedCode AssertChunked(string source, string type, int inputBits, int expectedActiveWeights)
    {
        var run = GeneratorHarness.Run(source);
        var code = new GeneratedCode(run.SingleSource);
        using var assembly = run.Load();
        var model = assembly.Model(type);
        var layer = model.Circuit.Layers[0];
        Assert.Equal(expectedActiveWeights, layer.ActiveWeights);

        var chunks = code.LayerChunks(0);
        int statements = layer.ActiveWeights + layer.PbsCount; // one multiply-add per weight, one constant per neuron
        Assert.True(chunks.Count >= (statements + 383) / 384, $"{chunks.Count} chunks for {statements} statements");
        var counts = chunks.Select(c => GeneratedCode.Calls(c, "MultiplyAdd").Count()).ToList();
        Assert.All(counts, c => Assert.InRange(c, 1, MaxMultiplyAddsPerMethod));
        Assert.Equal(layer.ActiveWeights, counts.Sum());
        // Each neuron's accumulator starts once (a neuron continued in the next chunk reads its partial sum back).
        Assert.Equal(layer.PbsCount, chunks.Sum(c => GeneratedCode.Calls(c, "Constant").Count()));
        // Every chunk is called from Run, in order.
        var runCalls = code.Run.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>()
            .Select(i => i.Expression.ToString()).Where(e => e.StartsWith("__FheGen_L0_", StringComparison.Ordinal)).ToList();
        Assert.Equal(chunks.Select(c => c.Identifier.ValueText), runCalls);

        Equivalence.AssertMatchesInterpreter(model, inputBits, randomVectors: 12);
        return code;
    }

    [Fact]
    public void Layer_of_300_inputs_and_8_neurons_straddles_chunks_and_matches_interpreter()
    {
        const int inputs = 300, hidden = 8;
        var code = AssertChunked(Model("W300", inputs, 2, hidden, 3, 3, roundBits: 6, seed: 7), "Wide.W300", 2, inputs * hidden);
        // 8 neurons of 301 statements do not fit 384-statement methods: some neuron continues in the next one.
        Assert.Contains(code.LayerChunks(0), c => c.Body!.Statements.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionStatementSyntax>()
            .First().ToString().StartsWith("a = acc[", StringComparison.Ordinal));
    }

    [Fact]
    public void Single_neuron_of_1000_inputs_is_split_and_matches_interpreter()
    {
        AssertChunked(Model("W1000", 1000, 1, 1, 2, 3, roundBits: 8, seed: 11), "Wide.W1000", 1, 1000);
    }

    [Fact]
    public void Neuron_ending_exactly_at_a_chunk_boundary_emits_no_empty_continuation()
    {
        // 383 multiply-adds + 1 constant fill a 384-statement chunk exactly; the next neuron must start in a
        // new method, not open in the full one (which would call backend.Constant twice for it).
        AssertChunked(Model("Edge", 383, 2, 3, 1, 2, roundBits: 7, seed: 3, weight: r => r.Next(2) == 0 ? -1f : 1f), "Wide.Edge", 2, 383 * 3);
    }

    [Fact]
    public void Layer_above_the_unroll_limit_is_emitted_as_dense_data_and_matches_interpreter()
    {
        // 200 x 96 = 19,200 multiply-adds > the default limit of 16,384: data plus a loop; the small output layer stays unrolled.
        var run = GeneratorHarness.Run(Model("Big", 200, 2, 96, 3, 3, roundBits: 6, seed: 5));
        var code = new GeneratedCode(run.SingleSource);
        Assert.Empty(code.LayerChunks(0));
        Assert.NotEmpty(code.LayerChunks(1));
        Assert.Contains("PackedCircuit.Dense<TBackend, TValue, sbyte>(ref backend, inputs, acc0, __FheGen_L0_bias, __FheGen_L0_weights)", run.SingleSource, StringComparison.Ordinal);
        // About 3 characters per weight instead of about 50 unrolled.
        Assert.True(run.SingleSource.Length < 200 * 96 * 6, $"{run.SingleSource.Length} characters");
        using var assembly = run.Load();
        Equivalence.AssertMatchesInterpreter(assembly.Model("Wide.Big"), 2, randomVectors: 8);
    }

    [Fact]
    public void Pruned_layer_is_emitted_as_sparse_data_and_matches_interpreter()
    {
        // 400 inputs, 3 active per neuron: (index, weight) pairs are far smaller than dense rows.
        var run = GeneratorHarness.RunWithUnrollLimit(0, Model("Sparse", 400, 3, 20, 2, 4, roundBits: null, seed: 9, extra: "    [Prune(\"H\", MaxActiveInputs = 3)]\n"));
        Assert.Contains("PackedCircuit.Sparse<TBackend, TValue, sbyte, ushort>(ref backend, inputs, acc0, __FheGen_L0_bias, __FheGen_L0_ends, __FheGen_L0_indices, __FheGen_L0_weights)", run.SingleSource, StringComparison.Ordinal);
        Assert.DoesNotContain("backend.MultiplyAdd(", run.SingleSource, StringComparison.Ordinal);
        using var assembly = run.Load();
        Equivalence.AssertMatchesInterpreter(assembly.Model("Wide.Sparse"), 3, randomVectors: 8);
    }

    [Fact]
    public void Per_channel_16_bit_tables_are_run_length_coded()
    {
        // 16 neurons with their own 16-bit table: 16 x 65,536 entries. Before: about 5 characters per entry (5 MiB
        // here, 280 MiB for a model of 16 KiB of weights); run-length coded, a few runs per monotone activation.
        var run = GeneratorHarness.Run(Model("Tables", 64, 8, 16, 2, 8, roundBits: 16, seed: 13,
            extra: "    [Quantize(\"H\", WeightBits = 8, ActivationBits = 4, PerChannel = true)]\n").Replace("[Quantize(WeightBits = 8, ActivationBits = 3)]", "", StringComparison.Ordinal));
        using var assembly = run.Load();
        var model = assembly.Model("Wide.Tables");
        Assert.Equal(16, model.Circuit.Layers[0].TluInputBits);
        Assert.True(model.Circuit.TableCount >= 8, $"{model.Circuit.TableCount} tables");
        var packed = System.Text.RegularExpressions.Regex.Matches(run.SingleSource, @"PackedCircuit\.ExpandRuns\(__FheGen_T\d+_runs, (\d+)\)");
        Assert.Equal(model.Circuit.TableCount, packed.Count);
        Assert.Contains(packed, m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 32768);
        Assert.True(run.SingleSource.Length < 1024 * 1024, $"{run.SingleSource.Length} characters");
        Equivalence.AssertMatchesInterpreter(model, 8, randomVectors: 8);
    }

    [Fact]
    public void Very_large_layer_generates_compact_text()
    {
        // The generator once built its whole output in one StringBuilder at about 56 characters per multiply-add: a
        // 5000 x 5000 layer went past the largest string .NET allows. Data costs a few characters per weight. The full
        // size only with FHEGEN_HEAVY=1 (the test source alone is then 150 MB of float literals).
        bool heavy = Environment.GetEnvironmentVariable("FHEGEN_HEAVY") == "1";
        int n = heavy ? 5000 : 600;
        var random = new Random(1);
        var s = new StringBuilder(n * n * 6 + 1024);
        s.Append($"using FheGen;\nnamespace Wide;\n[FheModel(Inputs = {n}, InputBits = 1, PbsBudgetBits = 16)]\n[Quantize(WeightBits = 2)]\n[Dense(\"O\", {n})]\n");
        s.Append("public static partial class Huge\n{\n    static readonly float[] O = { ");
        for (int i = 0; i < n * n; i++) s.Append(random.Next(3) - 1).Append(", ");
        s.Append("};\n}\n");
        var run = GeneratorHarness.Run(s.ToString()).AssertNoGeneratorFailure();
        string text = run.SingleSource;
        Assert.True(text.Length < (long)n * n * 4, $"{text.Length} characters for {n * n} weights");
        if (!heavy)
        {
            using var assembly = run.Load();
            Equivalence.AssertMatchesInterpreter(assembly.Model("Wide.Huge"), 1, randomVectors: 2);
        }
    }
}
