extern alias gen;

using System;
using System.Linq;
using System.Threading;
using CsCheck;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Pipeline;
using FheGen.Generators.Tests.Infrastructure;
using gen::FheGen.Generators;
using gen::FheGen.Generators.Extraction;
using Xunit.Abstractions;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// The generated circuit and the plan interpreter must agree bit for bit: on random models (batched into one
/// compilation per sample to keep the run short) and random integer inputs, and through the client-side
/// quantization of <c>Predict</c>.
/// </summary>
public sealed class InterpreterEquivalenceTests
{
    private const int BatchSize = 8;
    private const int Batches = 5;

    private readonly ITestOutputHelper _output;

    public InterpreterEquivalenceTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Both emission forms: unrolled statements (the default limit, above every random model's size) and data plus a
    /// loop (limit 0: every layer with a weight and every table goes through <c>PackedCircuit</c>).
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void Generated_code_equals_interpreter_on_random_models(int? unrollLimit)
    {
        int valid = 0, invalid = 0;
        RandomModelGen.Batch(BatchSize).Sample(batch =>
        {
            var (v, i) = CheckBatch(batch, unrollLimit);
            Interlocked.Add(ref valid, v);
            Interlocked.Add(ref invalid, i);
        }, iter: Batches, threads: 2, print: b => string.Join("\n", b.Select(m => m.Source("Batch"))));
        _output.WriteLine($"{valid} valid models, {invalid} rejected by the compiler core");
        // The generator is mostly exercised on models it compiles; rejections are checked too.
        Assert.True(valid >= BatchSize * Batches * 2 / 3, $"only {valid} of {valid + invalid} random models were valid");
    }

    private static (int Valid, int Invalid) CheckBatch(RandomModel[] batch, int? unrollLimit)
    {
        var run = GeneratorHarness.RunWithUnrollLimit(unrollLimit, batch.Select(m => m.Source("Batch")).ToArray());
        run.AssertNoGeneratorFailure();
        var sources = run.Sources;
        foreach (var text in sources.Values)
        {
            // The forced data form leaves no unrolled multiply-add; the default leaves no packed layer in these small models.
            if (unrollLimit == 0) Assert.DoesNotContain("backend.MultiplyAdd(", text, StringComparison.Ordinal);
            else Assert.DoesNotContain("PackedCircuit.Dense", text, StringComparison.Ordinal);
        }
        var expectations = batch.Select(m => (Model: m, Spec: m.ExpectedSpec(), Result: CircuitCompiler.Compile(m.ExpectedSpec(), source: m.ExpectedSource()))).ToArray();
        // What the generator extracted (its linked copy of the spec types), valid models or not.
        var extracted = run.StepOutputs(TrackingNames.Model).Select(o => (GeneratorModel)o.Value).ToDictionary(x => x.Spec.Name);
        foreach (var e in expectations)
        {
            Assert.Equal(StructuralText.Of(e.Spec), StructuralText.Of(extracted[e.Model.Name].Spec));
            Assert.Equal(StructuralText.Of(e.Model.ExpectedSource()), StructuralText.Of(extracted[e.Model.Name].Source));
            bool generated = sources.ContainsKey($"Batch.{e.Model.Name}.FheGen.g.cs");
            Assert.True(generated == (e.Result.Plan is not null),
                $"{e.Model.Name}: generated={generated}, but the compiler core says: " +
                string.Join("; ", e.Result.Diagnostics.Select(d => d.ToString())));
        }
        if (expectations.All(e => e.Result.Plan is null)) return (0, batch.Length);

        using var assembly = run.Load();
        int valid = 0;
        foreach (var e in expectations)
        {
            if (e.Result.Plan is not { } plan) continue;
            valid++;
            CheckModel(e.Model, assembly.Model("Batch." + e.Model.Name), e.Spec, plan);
        }
        return (valid, batch.Length - valid);
    }

    private static void CheckModel(RandomModel m, GeneratedModel generated, Compiler.Model.ModelSpec expectedSpec, Compiler.Plan.CircuitPlan plan)
    {
        // The spec rebuilt at run time from the weight members is the one declared in source.
        var spec = generated.Spec;
        Assert.True(expectedSpec.Equals(spec), $"runtime Spec differs:\n  expected {StructuralText.Of(expectedSpec)}\n  actual   {StructuralText.Of(spec)}");
        Assert.Equal(CircuitInfo.FromPlan(plan), generated.Circuit);
        var runtimePlan = CircuitCompiler.Compile(generated.Spec).PlanOrThrow();
        Assert.Equal(CircuitInfo.FromPlan(runtimePlan), generated.Circuit);
        // The plan rebuilt at run time is the generator's, field for field, and the generated constant is its fingerprint.
        Assert.Equal(plan, runtimePlan);
        Assert.Equal(Compiler.Plan.PlanFingerprint.Of(runtimePlan), generated.PlanFingerprint);
        Assert.Equal(generated.PlanFingerprint, generated.Interpreter.Fingerprint);
        Assert.Equal(plan.Input, generated.Io.Input);
        Assert.Equal(plan.Features is not null, generated.Io.HasFeatureRanges);
        for (int i = 0; i < m.Inputs; i++) Assert.Equal(plan.InputQuantizer(i), generated.Io.InputQuantizer(i));
        Assert.Equal(m.Inputs, generated.InputCount);
        Assert.Equal(m.Layers[^1].Outputs, generated.OutputCount);

        var interpreter = generated.Interpreter;
        var fresh = new PlanInterpreter(runtimePlan);
        long max = (1L << m.InputBits) - 1;
        var vectors = m.InputVectors
            .Append(new long[m.Inputs])
            .Append(Enumerable.Repeat(max, m.Inputs).ToArray())
            .Append(Enumerable.Range(0, m.Inputs).Select(i => i % 2 == 0 ? max : 0L).ToArray());
        foreach (var x in vectors)
        {
            long[] expected = interpreter.RunClear(x);
            Assert.Equal(expected, generated.RunClear(x));
            Assert.Equal(expected, fresh.RunClear(x));
        }

        // Same backend call sequence, not just the same result (stateful backends such as simulation see it).
        var viaGenerated = new RecordingBackend();
        var viaInterpreter = new RecordingBackend();
        var outGenerated = generated.Run(viaGenerated, m.InputVectors[0]);
        var outInterpreter = new long[m.Layers[^1].Outputs];
        interpreter.Run<RecordingBackend, long>(viaInterpreter, m.InputVectors[0], outInterpreter);
        Assert.Equal(outInterpreter, outGenerated);
        Assert.Equal(viaInterpreter.Calls, viaGenerated.Calls);

        // Predict = client quantization, clear circuit, client dequantization (bit for bit).
        var io = CircuitIo.FromPlan(plan);
        foreach (var features in m.Features)
        {
            var q = new long[m.Inputs];
            io.QuantizeInputs(features, q);
            var expected = new float[m.Layers[^1].Outputs];
            io.DequantizeOutputs(interpreter.RunClear(q), expected);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), generated.Predict(features).Select(BitConverter.SingleToInt32Bits));

            // PredictFloat is the unquantized model.
            var reference = m.FloatForward(features);
            var actual = generated.PredictFloat(features);
            Assert.Equal(reference.Length, actual.Length);
            for (int j = 0; j < actual.Length; j++)
            {
                Assert.True(Math.Abs(actual[j] - reference[j]) <= 1e-4 * (1 + Math.Abs(reference[j])),
                    $"PredictFloat[{j}] = {actual[j]:R}, direct float computation gives {reference[j]:R}");
            }
        }
    }

    [Fact]
    public void Tiny_model_predicts_like_interpreter_and_float_reference()
    {
        using var assembly = GeneratorHarness.Run(TestModels.Tiny).Load();
        var tiny = assembly.Model(TestModels.TinyType);
        var features = new[] { 0.5f, 0.25f, 1f };
        var q = new long[3];
        tiny.Io.QuantizeInputs(features, q);
        Assert.Equal(new long[] { 8, 4, 15 }, q);
        long[] acc = tiny.RunClear(q);
        Assert.Equal(tiny.Interpreter.RunClear(q), acc);
        var predicted = tiny.Predict(features);
        var scale = tiny.Io;
        var expected = new float[2];
        scale.DequantizeOutputs(acc, expected);
        Assert.Equal(expected, predicted);
        // Hand-computed float model: hidden relu(W1 x + b1), then W2 h.
        float[] h =
        {
            Math.Max(0, 0.5f * 0.5f - 0.25f * 0.25f + 1f * 1f + 0.1f),
            Math.Max(0, 0.1f * 0.5f + 0.2f * 0.25f + 0.3f * 1f),
            Math.Max(0, -1f * 0.5f - 0.5f * 0.25f + 0.25f * 1f - 0.2f),
            0.3f,
        };
        float[] y = { h[0] - h[1] + 0.5f * h[2] + 0.25f * h[3], -0.5f * h[0] + h[1] + 0.75f * h[2] + 2 * h[3] };
        var actual = tiny.PredictFloat(features);
        Assert.Equal(y[0], actual[0], 5);
        Assert.Equal(y[1], actual[1], 5);
        // The quantized circuit stays close to the float model on this easy input.
        Assert.Equal(y[0], predicted[0], 0.35);
        Assert.Equal(y[1], predicted[1], 0.35);
    }
}
