using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FheGen.Circuits;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;

namespace FheGen.Tfhe.Tests.Circuits;

/// <summary>
/// <see cref="EncryptedInference"/> with real keys on the small generated models: the report's figures, the progress
/// callback, and that a runner whose outputs are wrong is caught by the comparison with the clear circuit.
/// </summary>
public sealed class EncryptedInferenceTests
{
    private static readonly float[][] Rows =
    {
        new[] { 0f, 0f, 0f, 0f },
        new[] { 1f, 1f, 1f, 1f },
        new[] { 0.9f, 0.1f, 0.6f, 0.3f },
    };

    private static int ClearPrediction(float[] row)
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        var io = CircuitIo.FromPlan(plan);
        var q = new long[plan.Inputs];
        io.QuantizeInputs(row, q);
        var y = new float[plan.Outputs];
        io.DequantizeOutputs(new PlanInterpreter(plan).RunClear(q), y);
        return Array.IndexOf(y, y.Max());
    }

    [Fact]
    public void Generated_code_on_encrypted_inputs_agrees_with_the_clear_circuit_and_counts_the_labels()
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        // The last label is made wrong on purpose, so accuracy is 2/3 while agreement with the clear circuit stays 1.
        var labels = Rows.Select(ClearPrediction).ToArray();
        labels[2] = (labels[2] + 1) % plan.Outputs;
        var samples = new List<EncryptedSample>();
        var log = new StringWriter();
        var report = EncryptedInference.Run(plan, TwoWidthModel.Run<EncryptedBackend, LweCiphertext>, Rows, labels,
            new EncryptedInferenceOptions { Threads = 1, SimulationRepeats = 2, Log = log, Progress = samples.Add });

        Assert.Equal(3, report.Samples);
        Assert.Equal(1.0, report.AgreeWithClear);
        Assert.Equal(2.0 / 3, report.Accuracy, 12);
        var encoding = CircuitEncoding.Create(plan);
        Assert.Equal(encoding.PbsPerInference, report.PbsPerInference);
        Assert.Equal(string.Join("; ", encoding.KeySets.Select(k => k.Id)), report.Parameters);
        Assert.Equal(4, report.TluBits);
        Assert.Equal("exact", report.Rounding);
        Assert.Equal(1, report.Threads);
        Assert.Equal(plan.PError, report.PError);
        Assert.True(report.KeygenSeconds > 0 && report.LatencyMsMedian > 0 && report.ExpandSeconds > 0);
        Assert.True(report.SeededServerKeyBytes > 0 && report.SeededServerKeyBytes < report.ServerKeyBytes);

        Assert.Equal(new[] { 0, 1, 2 }, samples.Select(s => s.Index));
        Assert.All(samples, s => Assert.True(s.EqualsClear));
        Assert.All(samples, s => Assert.Equal(report.PbsPerInference, s.Pbs));
        Assert.Equal(report.LatencyMsMedian, samples.Select(s => s.LatencyMs).Order().ElementAt(1));
        var q = new long[plan.Inputs];
        for (int i = 0; i < Rows.Length; i++)
        {
            CircuitIo.FromPlan(plan).QuantizeInputs(Rows[i], q);
            Assert.Equal(TwoWidthModel.Interpreter.RunClear(q), samples[i].Clear);
            Assert.Equal(samples[i].Clear, samples[i].Decrypted);
            Assert.Equal(labels[i], samples[i].Label);
        }

        // One line per lookup layer, one per sample.
        string text = log.ToString();
        Assert.Contains("  first: ", text);
        Assert.Contains("  second: ", text);
        Assert.Contains("sample   3/3:", text);
        Assert.Contains("3/3 equal the clear circuit; accuracy 2/3", text);
    }

    [Fact]
    public void A_runner_that_returns_wrong_outputs_is_reported_as_differing()
    {
        var plan = UnroundedModel.Interpreter.Plan;
        var rows = new[] { new[] { 1f, 0f, 1f } };
        var log = new StringWriter();
        // Swaps the two outputs: still valid ciphertexts, but not the circuit's result (the two accumulators differ here).
        var report = EncryptedInference.Run(plan, (backend, inputs, outputs) =>
        {
            UnroundedModel.Run<EncryptedBackend, LweCiphertext>(backend, inputs, outputs);
            (outputs[0], outputs[1]) = (outputs[1], outputs[0]);
        }, rows, new[] { 0 }, new EncryptedInferenceOptions { SimulationRepeats = 1, Log = log });

        var q = new long[plan.Inputs];
        CircuitIo.FromPlan(plan).QuantizeInputs(rows[0], q);
        var clear = UnroundedModel.Interpreter.RunClear(q);
        Assert.NotEqual(clear[0], clear[1]);
        Assert.Equal(0.0, report.AgreeWithClear);
        Assert.Equal("none", report.Rounding);
        Assert.Contains("DIFFERS from the clear circuit", log.ToString());
    }

    [Fact]
    public void Bad_arguments_are_refused_before_any_key_is_generated()
    {
        var plan = UnroundedModel.Interpreter.Plan;
        EncryptedCircuitRunner run = UnroundedModel.Run<EncryptedBackend, LweCiphertext>;
        var row = new[] { new[] { 0f, 0f, 0f } };
        Assert.Throws<ArgumentException>(() => EncryptedInference.Run(plan, run, Array.Empty<float[]>(), Array.Empty<int>()));
        Assert.Throws<ArgumentException>(() => EncryptedInference.Run(plan, run, row, new[] { 0, 1 }));
        Assert.Throws<ArgumentException>(() => EncryptedInference.Run(plan, run, new[] { new[] { 0f, 0f } }, new[] { 0 }));
        Assert.Throws<ArgumentException>(() => EncryptedInference.Run(plan, run, row, new[] { 0 }, new EncryptedInferenceOptions { Threads = 0 }));
        Assert.Throws<ArgumentException>(() => EncryptedInference.Run(plan, run, row, new[] { 0 }, new EncryptedInferenceOptions { PError = 1 }));
        Assert.Throws<ArgumentException>(() => EncryptedInference.Run(plan, run, row, new[] { 0 }, new EncryptedInferenceOptions { SimulationRepeats = 0 }));
    }
}
