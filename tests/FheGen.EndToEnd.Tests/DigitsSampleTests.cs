using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Pipeline;
using FheGen.Samples.Digits;

namespace FheGen.EndToEnd.Tests;

/// <summary>The digits sample, end to end: committed weights, generated circuit, the targets.</summary>
public sealed class DigitsSampleTests
{
    [Fact]
    public void Clear_accuracy_is_within_one_and_a_half_points_of_float_and_every_tlu_fits_eight_bits()
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        Assert.Equal(451, test.Count);
        var report = DigitsExperiment.Evaluate(test);
        Assert.True(report.FloatAccuracy >= 0.95, $"float accuracy {report.FloatAccuracy}");
        Assert.True(report.FloatAccuracy - report.ClearAccuracy <= 0.015,
            $"clear {report.ClearAccuracy} vs float {report.FloatAccuracy}");
        Assert.True(report.MaxTluBits <= 8, $"widest TLU {report.MaxTluBits} bits");
        Assert.All(DigitsMlp.Circuit.Layers.Where(l => !l.IsOutput), l => Assert.True(l.TluInputBits <= 8));
    }

    [Fact]
    public void Generated_circuit_equals_the_interpreter_on_every_test_sample()
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        var plan = CircuitCompiler.Compile(DigitsMlp.Spec).PlanOrThrow();
        var interpreter = new PlanInterpreter(plan);
        Assert.Equal(CircuitInfo.FromPlan(plan), DigitsMlp.Circuit);
        // The generated facts carry the folds: a hidden neuron costs a PBS unless it has no weight left, is folded, or is unread.
        var hidden = DigitsMlp.Circuit.Layers[0];
        Assert.Equal((plan.Layers[0].FoldedNeurons, plan.Layers[0].UnreadNeurons), (hidden.FoldedNeurons, hidden.UnreadNeurons));
        Assert.True(hidden.FoldedNeurons > 0, "the committed weights have a dead ReLU");
        int weightless = plan.Layers[0].Neurons.Count(n => n.IsConstant) - hidden.FoldedNeurons - hidden.UnreadNeurons;
        Assert.Equal(hidden.Outputs, hidden.PbsCount + weightless + hidden.FoldedNeurons + hidden.UnreadNeurons);
        Assert.Contains($"no PBS for {hidden.FoldedNeurons} neuron", DigitsMlp.Circuit.ToTable());
        var q = new long[DigitsMlp.InputCount];
        var generated = new long[DigitsMlp.OutputCount];
        for (int i = 0; i < test.Count; i++)
        {
            DigitsMlp.Io.QuantizeInputs(test.Row(i), q);
            DigitsMlp.Run<ClearBackend, long>(default, q, generated);
            Assert.Equal(interpreter.RunClear(q), generated);
        }
    }

    [Fact]
    public void Accumulators_of_real_samples_stay_inside_the_compiled_bounds()
    {
        var (train, _) = DigitsExperiment.LoadSplit();
        var layer = DigitsMlp.Circuit.Layers[^1];
        var q = new long[DigitsMlp.InputCount];
        var outputs = new long[DigitsMlp.OutputCount];
        for (int i = 0; i < train.Count; i++)
        {
            DigitsMlp.Io.QuantizeInputs(train.Row(i), q);
            DigitsMlp.Run<ClearBackend, long>(default, q, outputs);
            Assert.All(outputs, v => Assert.InRange(v, layer.AccumulatorMin, layer.AccumulatorMax));
        }
    }

    [Fact]
    public void Command_line_writes_the_documented_json()
    {
        string json = SampleProcess.TempJson("digits");
        try
        {
            var (exit, stdout, stderr) = SampleProcess.Run($"--json \"{json}\"", 120_000);
            Assert.True(exit == 0, stderr);
            Assert.Contains("clear-quantized", stdout);
            Assert.Contains("Hidden", stdout);

            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var root = doc.RootElement;
            foreach (var key in new[] { "float_accuracy", "clear_accuracy", "pbs_count", "max_tlu_bits", "layers" })
            {
                Assert.True(root.TryGetProperty(key, out _), key);
            }
            Assert.Equal(DigitsMlp.Circuit.PbsCount, root.GetProperty("pbs_count").GetInt32());
            var layers = root.GetProperty("layers").EnumerateArray().ToArray();
            Assert.Equal(2, layers.Length);
            foreach (var key in new[] { "name", "inputs", "outputs", "active_weights", "acc_min", "acc_max", "acc_bits", "rounded_bits", "tlu_bits", "pbs" })
            {
                Assert.True(layers[0].TryGetProperty(key, out _), key);
            }
            Assert.Equal(DigitsMlp.Circuit.Layers[0].AccumulatorMax, layers[0].GetProperty("acc_max").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void Unknown_argument_is_rejected_with_usage()
    {
        var (exit, _, stderr) = SampleProcess.Run("--bogus", 60_000);
        Assert.Equal(2, exit);
        Assert.Contains("usage", stderr);
    }
}
