using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Parameters;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Tests.Core;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Circuits;

/// <summary>
/// The encrypted backend against the clear one: generated code of small models (exact rounding, approximate rounding,
/// none) and random circuits through the plan interpreter, with real keys. Set FHEGEN_HEAVY=1 for more random circuits
/// and inputs; the default run keeps a few of each so the suite stays fast.
/// </summary>
public sealed class EncryptedBackendTests(ITestOutputHelper output)
{
    private static readonly bool Heavy = Environment.GetEnvironmentVariable("FHEGEN_HEAVY") == "1";

    private delegate void Runner<TBackend, TValue>(TBackend backend, ReadOnlySpan<TValue> inputs, Span<TValue> outputs)
        where TBackend : ICircuitBackend<TValue>;

    private static long[][] Inputs(CircuitPlan plan, int count, int seed)
    {
        var rng = new Random(seed);
        long max = plan.Input.MaxLevel;
        var list = new List<long[]> { new long[plan.Inputs], Enumerable.Repeat(max, plan.Inputs).ToArray() };
        while (list.Count < count)
            list.Add(Enumerable.Range(0, plan.Inputs).Select(_ => rng.NextInt64(0, max + 1)).ToArray());
        return list.ToArray();
    }

    private (CircuitClient Client, EncryptedBackend Backend) Keys(CircuitPlan plan, byte seed, bool setPerWidth = true)
    {
        var encoding = CircuitEncoding.Create(plan, setPerWidth: setPerWidth);
        var (client, server) = CircuitClient.GenerateKeys(encoding, CoreTestUtil.Seeded(seed));
        output.WriteLine($"{encoding}; log2 p_fail of the tightest read {encoding.Selection.Log2PFail:F1}");
        return (client, new EncryptedBackend(server, encoding));
    }

    private void GeneratedEqualsClear(CircuitPlan plan, Runner<ClearBackend, long> clear, Runner<EncryptedBackend, LweCiphertext> encrypted, byte seed, bool setPerWidth = true)
    {
        var (client, backend) = Keys(plan, seed, setPerWidth);
        int outputs = plan.Layers[^1].Outputs;
        foreach (var x in Inputs(plan, Heavy ? 40 : 8, seed))
        {
            var expected = new long[outputs];
            clear(default, x, expected);
            var cts = new LweCiphertext[outputs];
            long before = backend.BootstrapCount;
            encrypted(backend, client.EncryptInputs(x), cts);
            Assert.Equal(backend.Encoding.PbsPerInference, backend.BootstrapCount - before);
            Assert.Equal(expected, client.DecryptOutputs(cts));
        }
    }

    [Fact]
    public void Generated_model_with_exact_rounding_equals_the_clear_circuit()
    {
        var plan = ExactRoundedModel.Interpreter.Plan;
        Assert.True(plan.Layers[0].RoundedBits >= 2, "the model should round several bits");
        Assert.Equal(RoundingKind.Exact, plan.Layers[0].RoundingMethod);
        GeneratedEqualsClear(plan, ExactRoundedModel.Run<ClearBackend, long>, ExactRoundedModel.Run<EncryptedBackend, LweCiphertext>, 11);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Generated_model_with_two_tlu_widths_equals_the_clear_circuit(bool setPerWidth)
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        Assert.Equal(new[] { 1, 4 }, plan.Layers.Where(l => !l.IsOutput).Select(l => l.TluInputBits));
        GeneratedEqualsClear(plan, TwoWidthModel.Run<ClearBackend, long>, TwoWidthModel.Run<EncryptedBackend, LweCiphertext>, 14, setPerWidth);
    }

    [Fact]
    public void Parallel_lookups_give_the_same_ciphertexts_bit_for_bit_as_one_worker()
    {
        // Bootstrapping is deterministic (no randomness on the server), so the worker count may only change the
        // timing: every output word must equal the sequential run's, sample after sample (workers are reused).
        var plan = ExactRoundedModel.Interpreter.Plan;
        var encoding = CircuitEncoding.Create(plan);
        var (client, server) = CircuitClient.GenerateKeys(encoding, CoreTestUtil.Seeded(31));
        var sequential = new EncryptedBackend(server, encoding, maxDegreeOfParallelism: 1);
        var parallel = new EncryptedBackend(server, encoding, maxDegreeOfParallelism: 2);
        int outputs = plan.Layers[^1].Outputs;
        foreach (var x in Inputs(plan, 3, 31))
        {
            var inputs = client.EncryptInputs(x);
            var one = new LweCiphertext[outputs];
            var two = new LweCiphertext[outputs];
            ExactRoundedModel.Run<EncryptedBackend, LweCiphertext>(sequential, inputs, one);
            ExactRoundedModel.Run<EncryptedBackend, LweCiphertext>(parallel, inputs, two);
            for (int o = 0; o < outputs; o++)
                Assert.True(one[o].AsSpan().SequenceEqual(two[o].AsSpan()), $"output {o} differs between 1 and 2 workers");
            var expected = new long[outputs];
            ExactRoundedModel.Run<ClearBackend, long>(default, x, expected);
            Assert.Equal(expected, client.DecryptOutputs(two));
        }
    }

    [Fact]
    public void Two_tlu_widths_get_two_parameter_sets_joined_by_the_keys_the_circuit_uses()
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        var encoding = CircuitEncoding.Create(plan, inputSet: false);
        output.WriteLine(encoding.ToString());
        foreach (var c in encoding.Constraints) output.WriteLine($"  {c} -> log2 p_fail {c.Log2PFail(encoding.KeySets):F1}");
        Assert.Equal(new[] { 1, 4 }, encoding.KeyWidths);
        Assert.Equal(2, encoding.Selection.DistinctSets);
        // Inputs and the first layer's outputs are under the 1-bit set; the second layer writes the outputs under the 4-bit set.
        Assert.Equal(new[] { 0, 0, 1 }, encoding.StageKeys);
        Assert.Equal(new[] { new KeyPair(0, 0), new KeyPair(0, 1) }, encoding.RequiredKeySwitches);
        Assert.Equal(new[] { new KeyPair(0, 0), new KeyPair(1, 0), new KeyPair(1, 1) }, encoding.RequiredBootstraps);
        // The narrow set is the cheaper one, and both together cost less than one shared set.
        Assert.True(CostModel.Cost(encoding.KeySets[0]) < CostModel.Cost(encoding.KeySets[1]), $"{encoding.KeySets[0].Id} vs {encoding.KeySets[1].Id}");
        Assert.True(encoding.Selection.Cost < encoding.Selection.SingleSetCost, $"{encoding.Selection.Cost} vs {encoding.Selection.SingleSetCost}");
        double target = Math.Log2(plan.PError);
        Assert.All(encoding.Constraints, c => Assert.True(c.Log2PFail(encoding.KeySets) <= target + 1e-9, c.ToString()));
        Assert.All(encoding.KeySets, p => Assert.True(Security.IsSecure(p), p.Id));

        var shared = CircuitEncoding.Create(plan, setPerWidth: false);
        Assert.Single(shared.KeySets);
        Assert.Equal(encoding.Selection.SingleSetCost, shared.Selection.Cost, 6);
    }

    [Fact]
    public void An_input_set_keeps_the_first_layer_extractions_in_its_own_ring()
    {
        var plan = ExactRoundedModel.Interpreter.Plan;
        var without = CircuitEncoding.Create(plan, inputSet: false);
        var with = CircuitEncoding.Create(plan, inputSet: true);
        output.WriteLine($"{without}: cost {without.Selection.Cost:G4}");
        output.WriteLine($"{with}: cost {with.Selection.Cost:G4}");
        Assert.Single(without.KeySets);
        Assert.Equal(2, with.KeySets.Count);
        Assert.Equal(new[] { 1, 0 }, with.StageKeys); // inputs under the input set (1), outputs under the 4-bit set (0)
        Assert.Equal(1, with.Layers[0].ExtractionKey);
        Assert.Equal(0, with.Layers[0].Key);
        // Extraction reads stay in the input set; the lookup keyswitches to the 4-bit set and bootstraps into it.
        Assert.Equal(new[] { new KeyPair(1, 0), new KeyPair(1, 1) }, with.RequiredKeySwitches);
        Assert.Equal(new[] { new KeyPair(0, 0), new KeyPair(1, 1) }, with.RequiredBootstraps);
        Assert.True(with.KeySets[1].PolynomialSize < with.KeySets[0].PolynomialSize, $"{with.KeySets[1].Id} vs {with.KeySets[0].Id}");
        Assert.All(with.Constraints, c => Assert.True(c.Log2PFail(with.KeySets) <= Math.Log2(plan.PError) + 1e-9, c.ToString()));
        // The automatic choice takes it here: the estimate drops by more than the threshold.
        Assert.True(with.Selection.Cost < (1 - CircuitEncoding.InputSetMinimumSaving) * without.Selection.Cost);
        Assert.Equal(with.KeySets, CircuitEncoding.Create(plan).KeySets);
        // Not possible without exact rounding in the first layer, nor with one shared set.
        Assert.Throws<ArgumentException>(() => CircuitEncoding.Create(UnroundedModel.Interpreter.Plan, inputSet: true));
        Assert.Throws<ArgumentException>(() => CircuitEncoding.Create(plan, setPerWidth: false, inputSet: true));
    }

    [Fact]
    public void Generated_model_without_rounding_equals_the_clear_circuit()
    {
        var plan = UnroundedModel.Interpreter.Plan;
        Assert.Equal(0, plan.Layers[0].RoundedBits);
        GeneratedEqualsClear(plan, UnroundedModel.Run<ClearBackend, long>, UnroundedModel.Run<EncryptedBackend, LweCiphertext>, 12);
    }

    [Fact]
    public void Approximate_rounding_reads_a_neighbour_of_the_exact_rounding_at_most()
    {
        var plan = ApproximateRoundedModel.Interpreter.Plan;
        var hidden = plan.Layers[0];
        var last = plan.Layers[1];
        Assert.Equal(RoundingKind.Approximate, hidden.RoundingMethod);
        int r = hidden.RoundedBits;
        Assert.True(r >= 2);
        var (client, backend) = Keys(plan, 13);
        int exactCount = 0, total = 0;
        foreach (var x in Inputs(plan, Heavy ? 40 : 10, 13))
        {
            // Every hidden neuron reads round-down or round-up of v / 2^r (clamped to its table, as the padded table does).
            var choices = new List<long[]>();
            for (int j = 0; j < hidden.Outputs; j++)
            {
                var n = hidden.Neurons[j];
                if (n.IsConstant)
                {
                    choices.Add(new[] { n.ConstantOutput });
                    continue;
                }
                long v = n.Bias;
                for (int e = 0; e < n.Weights.Count; e++) v += n.Weights[e] * x[n.InputIndices[e]];
                var table = plan.Tables[n.Table];
                long floor = v >> r;
                choices.Add(new[] { floor, floor + 1 }
                    .Select(k => table.Entries[(int)Math.Clamp(k - table.InputMin, 0, table.Entries.Count - 1)]).Distinct().ToArray());
            }
            var possible = new HashSet<string>();
            foreach (var h in Combinations(choices))
            {
                var y = last.Neurons.Select(n => n.Bias + n.Weights.Select((w, e) => w * h[n.InputIndices[e]]).Sum()).ToArray();
                possible.Add(string.Join(",", y));
            }
            var exact = new long[last.Outputs];
            ApproximateRoundedModel.Run<ClearBackend, long>(default, x, exact);
            var cts = new LweCiphertext[last.Outputs];
            ApproximateRoundedModel.Run<EncryptedBackend, LweCiphertext>(backend, client.EncryptInputs(x), cts);
            var got = client.DecryptOutputs(cts);
            Assert.Contains(string.Join(",", got), possible);
            total++;
            if (got.SequenceEqual(exact)) exactCount++;
        }
        output.WriteLine($"approximate rounding: {exactCount}/{total} inferences equal the exactly rounded circuit");
    }

    private static IEnumerable<long[]> Combinations(List<long[]> choices)
    {
        var current = new long[choices.Count];
        IEnumerable<long[]> Walk(int i)
        {
            if (i == choices.Count)
            {
                yield return (long[])current.Clone();
                yield break;
            }
            foreach (long c in choices[i])
            {
                current[i] = c;
                foreach (var rest in Walk(i + 1)) yield return rest;
            }
        }
        return Walk(0);
    }

    [Fact]
    public void Random_circuits_through_the_interpreter_equal_the_clear_backend()
    {
        var rng = new Random(2024);
        int done = 0, target = Heavy ? 12 : 3;
        while (done < target)
        {
            var spec = RandomSpec(rng);
            var compiled = CircuitCompiler.Compile(spec);
            if (compiled.Plan is not { } plan || plan.Layers.Any(l => !l.IsOutput && l.TluInputBits > 5)) continue;
            var interpreter = new PlanInterpreter(plan);
            output.WriteLine($"circuit {done}: " + string.Join(" | ", plan.Layers.Select(l =>
                $"{l.Name} {l.Inputs}->{l.Outputs} acc {l.AccumulatorBits} bits, rounded {l.RoundedBits} ({l.RoundingMethod}), TLU {l.TluInputBits}")));
            bool approximate = plan.Layers.Any(l => l.RoundedBits > 0 && l.RoundingMethod == RoundingKind.Approximate);
            Assert.False(approximate);
            GeneratedEqualsClear(plan, interpreter.Run<ClearBackend, long>, interpreter.Run<EncryptedBackend, LweCiphertext>, (byte)(20 + done));
            done++;
        }
    }

    [Fact]
    public void Random_circuits_with_several_tlu_widths_equal_the_clear_backend()
    {
        var rng = new Random(77);
        int done = 0, target = Heavy ? 8 : 2;
        while (done < target)
        {
            var compiled = CircuitCompiler.Compile(RandomSpec(rng, 3));
            if (compiled.Plan is not { } plan) continue;
            var widths = plan.Layers.Where(l => !l.IsOutput && l.PbsCount > 0).Select(l => l.TluInputBits).Distinct().ToArray();
            if (widths.Length < 2 || widths.Max() > 5) continue;
            var encoding = CircuitEncoding.Create(plan);
            output.WriteLine($"circuit {done}: {encoding}; cost {encoding.Selection.Cost:G3} vs {encoding.Selection.SingleSetCost:G3} with one set");
            Assert.Equal(widths.OrderBy(w => w), encoding.KeyWidths);
            Assert.InRange(encoding.KeySets.Count, widths.Length, widths.Length + 1); // one per width, maybe an input set
            Assert.True(encoding.Selection.Cost <= encoding.Selection.SingleSetCost);
            var interpreter = new PlanInterpreter(plan);
            GeneratedEqualsClear(plan, interpreter.Run<ClearBackend, long>, interpreter.Run<EncryptedBackend, LweCiphertext>, (byte)(40 + done));
            done++;
        }
    }

    /// <summary>A small random MLP: 2-3 layers, exact rounding on some hidden layers, weights in [-1, 1].</summary>
    internal static ModelSpec RandomSpec(Random rng, int? layerCount = null)
    {
        int inputs = rng.Next(2, 6);
        int depth = layerCount ?? rng.Next(2, 4);
        var layers = new List<LayerSpec>();
        var rounds = new List<RoundSetting>();
        int fanIn = inputs;
        for (int i = 0; i < depth; i++)
        {
            bool last = i == depth - 1;
            int outs = rng.Next(1, 5);
            var w = Enumerable.Range(0, outs * fanIn).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var b = Enumerable.Range(0, outs).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            string name = "L" + i;
            layers.Add(new LayerSpec
            {
                Name = name,
                Outputs = outs,
                Activation = last ? ActivationKind.Identity : ActivationKind.Relu,
                OutputMin = last ? null : 0,
                OutputMax = last ? null : 1.5,
                Weights = new EquatableArray<float>(w),
                Bias = new EquatableArray<float>(b),
            });
            if (!last && rng.Next(3) > 0) rounds.Add(new RoundSetting(name, rng.Next(2, 5)));
            fanIn = outs;
        }
        return new ModelSpec
        {
            Name = "Random",
            Inputs = inputs,
            InputBits = rng.Next(2, 4),
            InputMin = 0,
            InputMax = 1,
            PbsBudgetBits = 8,
            PError = Math.Pow(2, -40),
            Layers = new EquatableArray<LayerSpec>(layers.ToArray()),
            Quantize = EquatableArray.Of(new QuantizeSetting(null, rng.Next(2, 4), rng.Next(2, 4), null)),
            Round = new EquatableArray<RoundSetting>(rounds.ToArray()),
        };
    }

    [Fact]
    public void Encoding_counts_the_reads_of_exact_rounding()
    {
        var plan = ExactRoundedModel.Interpreter.Plan;
        var encoding = CircuitEncoding.Create(plan);
        var hidden = plan.Layers[0];
        int perNeuron = 1 + ExactRounding.PbsPerNeuron(hidden.RoundedBits, hidden.TluInputBits);
        Assert.Equal(hidden.PbsCount * perNeuron, encoding.PbsPerInference);
        Assert.Equal(plan.TotalPbsCount, encoding.PbsPerInference);
        Assert.Equal(2, encoding.StageMessageBits.Count);
        Assert.Equal(Math.Max(hidden.AccumulatorBits, hidden.TluInputBits + hidden.RoundedBits), encoding.InputMessageBits);
        // The outputs are only decrypted: their range may use the padding bit.
        Assert.Equal(Math.Max(1, plan.Layers[1].AccumulatorBits - 1), encoding.OutputMessageBits);
        // A sign read and an identity read per chunk of 2 bits or more, the lookup, and the output decryption.
        int chunkReads = ExactRounding.Chunks(hidden.RoundedBits, hidden.TluInputBits).Sum(c => c >= 2 ? 2 : 1);
        Assert.Equal(chunkReads + 2, encoding.Constraints.Count);
        Assert.All(encoding.Constraints, c => Assert.True(c.Log2PFail(encoding.KeySets) <= Math.Log2(plan.PError) + 1e-9, c.ToString()));
        Assert.Equal(new[] { hidden.TluInputBits }, encoding.KeyWidths); // one lookup width (and maybe an input set)
        Assert.Equal(encoding.KeyDescriptions.Count, encoding.KeySets.Count);
        Assert.All(encoding.KeySets, p => Assert.True(Security.IsSecure(p), p.Id));
    }

    [Fact]
    public void A_larger_p_error_never_costs_more()
    {
        var plan = ExactRoundedModel.Interpreter.Plan;
        double previous = double.PositiveInfinity;
        foreach (double p in new[] { Math.Pow(2, -60), Math.Pow(2, -40), Math.Pow(2, -20), 1e-3 })
        {
            var cost = CircuitEncoding.Create(plan, p).Selection.Cost;
            Assert.True(cost <= previous, $"p_error {p}: cost {cost} > {previous}");
            previous = cost;
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected_before_any_evaluation()
    {
        var plan = UnroundedModel.Interpreter.Plan;
        Assert.Throws<ArgumentOutOfRangeException>(() => CircuitEncoding.Create(plan, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CircuitEncoding.Create(plan, 1));
        var encoding = CircuitEncoding.Create(plan);
        var (client, server) = CircuitClient.GenerateKeys(encoding, CoreTestUtil.Seeded(5));
        Assert.Throws<ArgumentException>(() => client.EncryptInputs(new long[plan.Inputs + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.EncryptInputs(Enumerable.Repeat(plan.Input.MaxLevel + 1, plan.Inputs).ToArray()));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.EncryptInputs(Enumerable.Repeat(-1L, plan.Inputs).ToArray()));

        // Keys of another parameter set are refused by both sides.
        var other = CircuitEncoding.Create(ExactRoundedModel.Interpreter.Plan, Math.Pow(2, -20));
        Assert.NotEqual(encoding.KeySets, other.KeySets);
        Assert.Throws<ArgumentException>(() => new EncryptedBackend(server, other));
        var otherKey = CircuitClientKey.Generate(other.KeySets, CoreTestUtil.Seeded(6));
        Assert.Throws<ArgumentException>(() => new CircuitClient(otherKey, encoding));

        var backend = new EncryptedBackend(server, encoding, 1);
        // Ciphertexts of another key set's dimension are refused before any bootstrapping.
        var foreign = new LweCiphertext(encoding.KeySets[0].BigLweDimension + 1);
        var table = new LookupTable(0, 0, 2, 2, new long[] { 0, 1, 2, 3 });
        Assert.Throws<ArgumentException>(() => backend.Lookup(new[] { foreign }, new LweCiphertext[1], new[] { table }));
        var values = new[] { backend.Constant(1) };
        backend.Round(values, new RoundingStep(1, 0, 3));
        Assert.Throws<InvalidOperationException>(() => backend.Round(values, new RoundingStep(1, 0, 3)));
    }

    [Fact]
    public void A_lookup_whose_rounding_is_not_the_encodings_is_refused_before_any_bootstrapping()
    {
        // The noise analysis checked the encoding's reads (LayerRead.Sequence of its rounding and table width); a run
        // that rounds otherwise would make reads no parameter set was chosen for.
        var encoding = CircuitEncoding.Create(UnroundedModel.Interpreter.Plan);
        var (client, server) = CircuitClient.GenerateKeys(encoding, CoreTestUtil.Seeded(7));
        var backend = new EncryptedBackend(server, encoding, 1);
        var table = new LookupTable(0, 0, 2, 2, new long[] { 0, 1, 2, 3 });
        var values = new[] { backend.Constant(1) };
        backend.Round(values, new RoundingStep(1, 0, 3, Rounding.Approximate));
        long before = backend.BootstrapCount;
        var error = Assert.Throws<InvalidOperationException>(() => backend.Lookup(values, new LweCiphertext[1], new[] { table }));
        Assert.Contains("encoding", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, backend.BootstrapCount);
    }
}
