using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Samples.FashionMnist;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using Xunit.Abstractions;

namespace FheGen.EndToEnd.Tests;

/// <summary>
/// The Fashion-MNIST sample's encrypted mode (needs Debian's dataset-fashion-mnist, as <see cref="FashionMnistTests"/>).
/// </summary>
/// <remarks>
/// One image of the declared model takes about a minute and a half of one process on this project's 2-core machine (6-bit
/// lookups need N = 8192 keys: 10 s of key generation, 14 s of expansion, a 2 GiB server key, then about a minute
/// for 351 PBS), more than an end-to-end test may take by default. So the test is <c>[Trait("Category", "Heavy")]</c>,
/// as the wide PBS tests are: by default (CI) it runs a reduced form, the same image through the same
/// <see cref="EncryptedInference"/> on a slice of the model, its first 16 hidden neurons (all 784 inputs, 64 active per
/// neuron, the 13-bit accumulators) rounded to 4-bit lookups (N = 2048 keys, through the interpreter; the whole 4-bit
/// variant, 585 PBS, took 30 s); <c>FHEGEN_HEAVY=1</c> runs the sample itself, <c>--limit 1 --encrypted 1 --json</c>,
/// with the generated <c>FashionMnistMlp.Run</c>.
/// </remarks>
public sealed class FashionMnistEncryptedTests(ITestOutputHelper output)
{
    private static readonly bool Heavy = Environment.GetEnvironmentVariable("FHEGEN_HEAVY") == "1";

    [Fact]
    [Trait("Category", "Heavy")]
    public void One_encrypted_image_equals_the_clear_circuit()
    {
        if (Heavy)
        {
            output.WriteLine("full (FHEGEN_HEAVY=1): the sample as declared, generated code");
            DeclaredModelThroughTheCommandLine();
            return;
        }
        output.WriteLine($"reduced (set FHEGEN_HEAVY=1 for the declared model): the first {ReducedNeurons} hidden neurons, 4-bit TLU, interpreter");
        var test = FashionMnistExperiment.LoadTest(1);
        var spec = FirstHiddenNeurons(FashionMnistMlp.Spec, ReducedNeurons) with { Round = EquatableArray.Of(new RoundSetting("Hidden", 4)) };
        var plan = CircuitCompiler.Compile(spec).PlanOrThrow();
        Assert.Equal(784, plan.Inputs);
        Assert.Equal(ReducedNeurons, plan.Layers[0].Outputs);
        Assert.Equal(4, plan.Layers[0].TluInputBits);
        Assert.True(plan.Layers[0].RoundedBits >= 6, "the slice still rounds a wide accumulator exactly, in several chunks");
        var log = new StringWriter();
        var report = EncryptedInference.Run(plan, new PlanInterpreter(plan).Run<EncryptedBackend, LweCiphertext>, new[] { test.Row(0).ToArray() },
            new[] { test.Y[0] }, new EncryptedInferenceOptions { Log = log });
        output.WriteLine(log.ToString());
        Assert.Equal(1.0, report.AgreeWithClear);
        Assert.Equal(4, report.TluBits);
        Assert.Equal(CircuitEncoding.Create(plan).PbsPerInference, report.PbsPerInference);
        Assert.True(report.PbsPerInference > plan.PbsCount, "exact rounding adds extraction PBS");
        Assert.Contains("equals the clear circuit", log.ToString());
    }

    /// <summary>Hidden neurons the reduced form keeps (of 128): a tenth of the PBS, keys of a 4-bit set.</summary>
    private const int ReducedNeurons = 16;

    /// <summary><paramref name="spec"/> with only the first <paramref name="keep"/> neurons of its one hidden layer, and the output layer's weights from them.</summary>
    private static ModelSpec FirstHiddenNeurons(ModelSpec spec, int keep)
    {
        var hidden = spec.Layers[0];
        var last = spec.Layers[1];
        int width = hidden.Outputs;
        var hiddenWeights = hidden.Weights.Take(keep * spec.Inputs).ToArray();
        var lastWeights = Enumerable.Range(0, last.Outputs).SelectMany(o => last.Weights.Skip(o * width).Take(keep)).ToArray();
        return spec with
        {
            Layers = EquatableArray.Of(
                hidden with { Outputs = keep, Weights = new EquatableArray<float>(hiddenWeights), Bias = new EquatableArray<float>(hidden.Bias.Take(keep).ToArray()) },
                last with { Weights = new EquatableArray<float>(lastWeights) }),
        };
    }

    private void DeclaredModelThroughTheCommandLine()
    {
        string json = SampleProcess.TempJson("fashion-enc");
        try
        {
            var (exit, stdout, stderr) = SampleProcess.Run($"--limit 1 --encrypted 1 --json \"{json}\"", 900_000, "FashionMnist");
            output.WriteLine(stdout);
            Assert.True(exit == 0, stderr);
            Assert.Contains("FashionMnistMlp as declared (generated code)", stdout);
            Assert.Contains("sample   1/1:", stdout);
            Assert.Contains("equals the clear circuit", stdout);

            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal(1, doc.RootElement.GetProperty("test_samples").GetInt32());
            var encrypted = doc.RootElement.GetProperty("encrypted");
            Assert.Equal(1, encrypted.GetProperty("samples").GetInt32());
            Assert.Equal(1.0, encrypted.GetProperty("agree_with_clear").GetDouble());
            Assert.Equal(6, encrypted.GetProperty("tlu_bits").GetInt32());
            Assert.Equal("exact", encrypted.GetProperty("rounding").GetString());
            Assert.Equal(CircuitEncoding.Create(FashionMnistMlp.Interpreter.Plan).PbsPerInference, encrypted.GetProperty("pbs_per_inference").GetInt32());
            Assert.True(encrypted.GetProperty("latency_ms_median").GetDouble() > 0);
            Assert.True(encrypted.GetProperty("keygen_s").GetDouble() > 0);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Theory]
    [InlineData("--encrypted 0")]
    [InlineData("--encrypted x")]
    [InlineData("--encrypted")]
    [InlineData("--encrypted 1 --threads 0")]
    [InlineData("--threads 2")]
    [InlineData("--train --encrypted 1")]
    public void Bad_encrypted_options_are_refused_with_usage(string args)
    {
        var (exit, _, stderr) = SampleProcess.Run(args, 60_000, "FashionMnist");
        Assert.Equal(2, exit);
        Assert.Contains("usage:", stderr);
    }

    [Fact]
    public void More_encrypted_samples_than_test_images_is_an_error()
    {
        var (exit, _, stderr) = SampleProcess.Run("--limit 2 --encrypted 3", 60_000, "FashionMnist");
        Assert.Equal(1, exit);
        Assert.Contains("--encrypted takes 1 to 2 samples", stderr);
    }
}
