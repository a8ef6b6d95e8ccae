using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;

namespace FheGen.Benchmarks;

/// <summary>
/// One encrypted inference of a circuit with two TLU widths (16 inputs → 24 neurons rounded exactly to 2-bit lookups →
/// 12 neurons rounded exactly to 5-bit lookups → 4 outputs; fixed pseudo-random weights), with one parameter set
/// per width (and the input set, when <see cref="CircuitEncoding.Create"/> finds it pays) against one shared set (the
/// baseline): the measured effect of <see cref="CircuitEncoding"/>'s key sets. Both run on all cores; keys are generated in the global setup, which also checks that both decrypt to the
/// clear circuit's outputs.
/// </summary>
[BenchmarkCategory("Tfhe")]
public class KeySetBenchmarks
{
    private CircuitPlan _plan = null!;
    private Setup _shared = null!;
    private Setup _perWidth = null!;
    private long[] _input = Array.Empty<long>();

    /// <summary>The benchmark circuit.</summary>
    public static CircuitPlan Plan()
    {
        var rng = new Random(17);
        float[] Random(int count, double scale) => Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        LayerSpec Layer(string name, int outputs, int fanIn, bool last) => new LayerSpec
        {
            Name = name,
            Outputs = outputs,
            Activation = last ? ActivationKind.Identity : ActivationKind.Relu,
            OutputMin = last ? null : 0,
            OutputMax = last ? null : 2,
            Weights = new EquatableArray<float>(Random(outputs * fanIn, 1)),
            Bias = new EquatableArray<float>(Random(outputs, 0.5)),
        };
        var spec = new ModelSpec
        {
            Name = "TwoWidths",
            Inputs = 16,
            InputBits = 3,
            InputMin = 0,
            InputMax = 1,
            PbsBudgetBits = 8,
            PError = Math.Pow(2, -40),
            Layers = EquatableArray.Of(Layer("First", 24, 16, false), Layer("Second", 12, 24, false), Layer("Output", 4, 12, true)),
            Quantize = EquatableArray.Of(new QuantizeSetting(null, 3, 3, null)),
            Round = EquatableArray.Of(new RoundSetting("First", 2), new RoundSetting("Second", 5)),
        };
        return CircuitCompiler.Compile(spec).PlanOrThrow();
    }

    [GlobalSetup]
    public void GlobalSetup()
    {
        _plan = Plan();
        var widths = _plan.Layers.Where(l => !l.IsOutput && l.PbsCount > 0).Select(l => l.TluInputBits).Distinct().Count();
        if (widths < 2) throw new InvalidOperationException($"The benchmark circuit should have two TLU widths, it has {widths}.");
        var rng = new Random(3);
        _input = Enumerable.Range(0, _plan.Inputs).Select(_ => rng.NextInt64(0, _plan.Input.MaxLevel + 1)).ToArray();
        _shared = new Setup(_plan, false, _input);
        _perWidth = new Setup(_plan, true, _input);
        Console.WriteLine($"// shared:    {_shared.Backend.Encoding} (estimated cost {_shared.Backend.Encoding.Selection.Cost:G3}, server key {_shared.ServerKeyBytes / 1048576.0:F0} MiB)");
        Console.WriteLine($"// per width: {_perWidth.Backend.Encoding} (estimated cost {_perWidth.Backend.Encoding.Selection.Cost:G3}, server key {_perWidth.ServerKeyBytes / 1048576.0:F0} MiB)");
    }

    /// <summary>Every lookup at one shared parameter set.</summary>
    [Benchmark(Baseline = true)]
    public LweCiphertext[] SharedSet() => _shared.Run(_input);

    /// <summary>One parameter set per TLU width (and an input set when it pays).</summary>
    [Benchmark]
    public LweCiphertext[] SetPerWidth() => _perWidth.Run(_input);

    private sealed class Setup
    {
        private readonly PlanInterpreter _interpreter;
        private readonly LweCiphertext[] _inputs;

        public Setup(CircuitPlan plan, bool perWidth, long[] input)
        {
            _interpreter = new PlanInterpreter(plan);
            var encoding = CircuitEncoding.Create(plan, setPerWidth: perWidth);
            var (client, server) = CircuitClient.GenerateKeys(encoding, new NoiseSampler(Seed(perWidth ? 1 : 0)));
            Backend = new EncryptedBackend(server, encoding);
            ServerKeyBytes = server.SerializedSizeInBytes;
            _inputs = client.EncryptInputs(input);
            var clear = new long[plan.Layers[^1].Outputs];
            _interpreter.Run<ClearBackend, long>(default, input, clear);
            var decrypted = client.DecryptOutputs(Run(input));
            if (!decrypted.AsSpan().SequenceEqual(clear))
                throw new InvalidOperationException($"The encrypted run ({(perWidth ? "set per width" : "shared set")}) decrypts to {string.Join(",", decrypted)}, the clear circuit gives {string.Join(",", clear)}.");
        }

        public EncryptedBackend Backend { get; }

        public long ServerKeyBytes { get; }

        private static byte[] Seed(int value)
        {
            var seed = new byte[32]; // NoiseSampler's ChaCha20 key
            seed[0] = 42;
            seed[1] = (byte)value;
            return seed;
        }

        public LweCiphertext[] Run(long[] input)
        {
            var outputs = new LweCiphertext[_interpreter.Plan.Layers[^1].Outputs];
            _interpreter.Run<EncryptedBackend, LweCiphertext>(Backend, _inputs, outputs);
            return outputs;
        }
    }
}
