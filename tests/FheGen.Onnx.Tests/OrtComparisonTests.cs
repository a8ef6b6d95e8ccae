using System;
using System.IO;
using System.Linq;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Pipeline;
using FheGen.Training;
using Xunit.Abstractions;

namespace FheGen.Onnx.Tests;

/// <summary>
/// The committed ONNX files (trained with TensorFlow.js, written with onnx-proto; Data/external) read by the importer
/// and run by ONNX Runtime: the float logits must match, and the quantized circuit's argmax is compared with ORT's.
/// </summary>
public class OrtComparisonTests
{
    private readonly ITestOutputHelper _output;

    public OrtComparisonTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, int[]> Files => new()
    {
        { "digits-gemm-relu.onnx", new[] { 64 } },
        { "digits-matmul-tanh.onnx", new[] { 8, 8 } },
        { "mlp-784-128-10.onnx", new[] { 784 } },
    };

    private static Dataset Inputs(string file, int features) =>
        features == 64 ? OnnxTestData.Digits.Test : OnnxTestData.RandomRows(200, features, seed: 7);

    [Theory]
    [MemberData(nameof(Files))]
    public void The_imported_float_model_matches_ONNX_Runtime_within_1e_4(string file, int[] sampleShape)
    {
        string path = OnnxTestData.External(file);
        OnnxMlp onnx = OnnxImporter.Read(path);
        Dataset data = Inputs(file, onnx.Inputs);
        float[] ort = OnnxTestData.OrtOutputs(path, data, sampleShape);
        Assert.Equal(data.Count * onnx.Outputs, ort.Length);
        double maxDiff = 0;
        int argmaxAgree = 0;
        for (int i = 0; i < data.Count; i++)
        {
            float[] ours = onnx.Model.Forward(data.Row(i));
            ReadOnlySpan<float> theirs = ort.AsSpan(i * onnx.Outputs, onnx.Outputs);
            for (int o = 0; o < ours.Length; o++) maxDiff = Math.Max(maxDiff, Math.Abs(ours[o] - theirs[o]));
            if (OnnxTestData.ArgMax(ours) == OnnxTestData.ArgMax(theirs)) argmaxAgree++;
        }
        _output.WriteLine($"{file}: {data.Count} rows, max |logit - ORT| = {maxDiff:E2}, argmax agreement {argmaxAgree}/{data.Count}");
        Assert.True(maxDiff <= 1e-4, $"max abs difference {maxDiff}");
        Assert.Equal(data.Count, argmaxAgree);
    }

    [Theory]
    [InlineData("digits-gemm-relu.onnx", 0.95)]
    [InlineData("digits-matmul-tanh.onnx", 0.95)]
    public void The_quantized_circuit_agrees_with_ONNX_Runtime_on_most_test_digits(string file, double floor)
    {
        using var folder = new TempFolder();
        var (train, test) = OnnxTestData.Digits;
        string path = OnnxTestData.External(file);
        var result = OnnxImporter.Import(new OnnxImportOptions
        {
            ModelPath = path,
            OutputPath = folder.File("Model.cs"),
            CalibrationCsv = OnnxTestData.WriteCsv(train, folder.File("train.csv")),
        });
        var plan = CircuitCompiler.Compile(result.Spec).PlanOrThrow();
        float[] ort = OnnxTestData.OrtOutputs(path, test, file.Contains("matmul") ? new[] { 8, 8 } : Array.Empty<int>());
        var interpreter = new PlanInterpreter(plan);
        var io = CircuitIo.FromPlan(plan);
        var q = new long[plan.Inputs];
        var acc = new long[plan.Outputs];
        var y = new float[plan.Outputs];
        int agree = 0, correct = 0, ortCorrect = 0;
        for (int i = 0; i < test.Count; i++)
        {
            io.QuantizeInputs(test.Row(i), q);
            interpreter.Run<ClearBackend, long>(default, q, acc);
            io.DequantizeOutputs(acc, y);
            int ortClass = OnnxTestData.ArgMax(ort.AsSpan(i * 10, 10)), ours = OnnxTestData.ArgMax(y);
            if (ours == ortClass) agree++;
            if (ours == test.Y[i]) correct++;
            if (ortClass == test.Y[i]) ortCorrect++;
        }
        double agreement = (double)agree / test.Count;
        _output.WriteLine($"{file}: w{result.Spec.Quantize[0].WeightBits}/a{result.Spec.Quantize[0].ActivationBits}, inputs {result.Spec.InputBits} bits over " +
            $"[{result.Spec.InputMin}, {result.Spec.InputMax}], {result.MaxTluInputBits}-bit TLU, {result.PbsCount} PBS: class agreement with ORT " +
            $"{agree}/{test.Count} = {agreement:P2}; accuracy circuit {(double)correct / test.Count:P2}, ORT {(double)ortCorrect / test.Count:P2}");
        Assert.True(result.MaxTluInputBits <= 8);
        Assert.True(agreement >= floor, $"agreement {agreement}");
    }
}
