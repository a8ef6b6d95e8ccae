using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Training.Import;
using FheGen.Training.Qat;
using Xunit.Abstractions;

namespace FheGen.Training.Tests.Import;

/// <summary>
/// Weights trained elsewhere: a 64-32-10 ReLU MLP trained with TensorFlow.js on the digits split (pixels / 16), saved
/// in Keras and PyTorch layouts by Data/external/train-digits-tfjs.mjs, with its own logits for reference.
/// </summary>
public class WeightsImportTests
{
    private readonly ITestOutputHelper _output;

    public WeightsImportTests(ITestOutputHelper output) => _output = output;

    private static string External(string name) => TrainingData.FindUp(Path.Combine("tests", "FheGen.Training.Tests", "Data", "external", name))
        ?? throw new FileNotFoundException(name);

    /// <summary>The digits split with pixels scaled as the external model was trained (x / 16).</summary>
    private static (Dataset Train, Dataset Test) ScaledSplit()
    {
        var (train, test) = TrainingData.Digits.StratifiedSplit(0.25, seed: 42);
        static Dataset Scale(Dataset d) => new(d.X.Select(v => v / 16).ToArray(), d.Y, d.Features, d.Classes);
        return (Scale(train), Scale(test));
    }

    /// <summary>How a FheGen class would declare the external model: inputs in [0, 1], the sample's settings.</summary>
    private static ModelSpec Declared(int? roundBits = 5, int weightBits = 4)
    {
        return DeclaredSpecs.Mlp("External", 64, 32, 10, 4, 0, 1, new QuantizeSetting(null, weightBits, 4, null), 40, roundBits);
    }

    [Fact]
    public void Keras_and_PyTorch_layouts_of_the_external_model_read_to_the_same_layers_and_reproduce_its_logits()
    {
        var keras = WeightsImport.ReadJson(External("digits-tfjs-keras.json"));
        var torch = WeightsImport.ReadJson(External("digits-tfjs-torch.json"));
        Assert.Equal(new[] { "dense_Dense1", "dense_Dense2" }, keras.Select(l => l.Name));
        Assert.Equal(new[] { "fc1", "fc2" }, torch.Select(l => l.Name));
        for (int l = 0; l < 2; l++)
        {
            Assert.Equal((keras[l].Inputs, keras[l].Outputs), (torch[l].Inputs, torch[l].Outputs));
            Assert.Equal(keras[l].Weights, torch[l].Weights);
            Assert.Equal(keras[l].Bias, torch[l].Bias);
        }
        Assert.Equal((64, 32), (keras[0].Inputs, keras[0].Outputs));

        var model = WeightsImport.ToModel(Declared(), keras);
        using var reference = JsonDocument.Parse(File.ReadAllText(External("digits-tfjs-reference.json")));
        var logits = reference.RootElement.GetProperty("firstTestLogits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var (_, test) = ScaledSplit();
        for (int i = 0; i < logits.Length; i++)
        {
            var ours = model.Forward(test.Row(i));
            for (int o = 0; o < 10; o++) Assert.Equal(logits[i][o], ours[o], 1e-4f);
        }
        double theirs = reference.RootElement.GetProperty("testAccuracy").GetDouble();
        Assert.InRange(model.Accuracy(test), theirs - 1.0 / test.Count, theirs + 1.0 / test.Count);
    }

    [Fact]
    public void The_external_model_loses_accuracy_after_PTQ_at_a_5_bit_TLU_and_QAT_here_recovers_it()
    {
        var (train, test) = ScaledSplit();
        var model = WeightsImport.ToModel(Declared(), WeightsImport.ReadJson(External("digits-tfjs-torch.json")));
        var spec = TrainedModelSpec.WithWeights(Declared(), model, ActivationCalibrator.Calibrate(model, train));
        var ptq = CircuitCompiler.Compile(spec).PlanOrThrow();
        double ptqAccuracy = CircuitAccuracy.Clear(ptq, test);
        var result = QatTrainer.FineTune(spec, train, new QatOptions { Epochs = 15, LearningRate = 3e-3 });
        var qat = CircuitCompiler.Compile(result.Spec).PlanOrThrow();
        double qatAccuracy = CircuitAccuracy.Clear(qat, test);
        _output.WriteLine($"tfjs 64-32-10: float {model.Accuracy(test):P2}; w4/a4 k40 TLU 5: PTQ {ptqAccuracy:P2} ({ptq.MaxTluInputBits}-bit TLU), QAT {qatAccuracy:P2} ({qat.MaxTluInputBits}-bit TLU, {qat.PbsCount} PBS)");
        Assert.True(qat.MaxTluInputBits <= 5 && ptq.MaxTluInputBits <= 5);
        Assert.True(qatAccuracy >= ptqAccuracy + 0.01, $"PTQ {ptqAccuracy}, QAT {qatAccuracy}");
    }

    [Fact]
    public void Csv_matrices_read_in_either_layout()
    {
        using var folder = new TempFolder();
        string outIn = folder.File("w.csv", "1,2,3\n4,5,6\n");
        string inOut = folder.File("k.csv", "1,4\n2,5\n3,6\n");
        string bias = folder.File("b.csv", "0.5\n-0.5\n");
        var a = WeightsImport.ReadCsv("h", outIn, bias, WeightLayout.OutputsByInputs);
        var b = WeightsImport.ReadCsv("h", inOut, bias, WeightLayout.InputsByOutputs);
        Assert.Equal((3, 2), (a.Inputs, a.Outputs));
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, a.Weights);
        Assert.Equal(a.Weights, b.Weights);
        Assert.Equal(new[] { 0.5f, -0.5f }, b.Bias);
        Assert.Equal(new float[2], WeightsImport.ReadCsv("h", outIn, null, WeightLayout.OutputsByInputs).Bias);
        Assert.Throws<ArgumentException>(() => WeightsImport.ReadCsv("h", outIn, null, WeightLayout.Auto));
        var e = Assert.Throws<InvalidDataException>(() => WeightsImport.ReadCsv("h", folder.File("bad.csv", "1,2\n3,x\n"), null, WeightLayout.OutputsByInputs));
        Assert.Contains("bad.csv line 2, column 2: 'x' is not a number", e.Message);
        e = Assert.Throws<InvalidDataException>(() => WeightsImport.ReadCsv("h", folder.File("ragged.csv", "1,2\n3\n"), null, WeightLayout.OutputsByInputs));
        Assert.Contains("ragged", e.Message);
    }

    [Theory]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"a.weight\": [[1, 2]], \"a.bias\": [1, 2]}", "layer 'a' has 1 outputs but its bias has 2 values")]
    [InlineData("{\"a.weight\": [[1, 2], [3]]}", "'a.weight' is ragged")]
    [InlineData("{\"a.weight\": [[1, \"x\"]]}", "'a.weight[0]'[1] is not a number")]
    [InlineData("{\"a.weight\": [[1e39]]}", "is not a finite float")]
    [InlineData("{\"a.bias\": [1]}", "a bias without a weight tensor for layer 'a'")]
    [InlineData("{\"a.weight\": [[1, 2]], \"b.weight\": [[1, 2]]}", "'b' takes 2 inputs but 'a' before it has 1 outputs")]
    [InlineData("{\"meta\": 3}", "no weight tensors")]
    [InlineData("{\"a.weight\": [[1, 2]], \"a/kernel\": [[1], [2]]}", "layer 'a' has two weight tensors")]
    [InlineData("{\"a.weight\": [[1, NaN]]}", "not valid JSON")]
    [InlineData("{\"a.weight\": 5}", "must be a 2-D array")]
    public void Malformed_files_are_rejected_with_the_key_at_fault(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => WeightsImport.ReadJson(new MemoryStream(Encoding.UTF8.GetBytes(json)), "w.json"));
        Assert.StartsWith("w.json: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Shapes_that_do_not_match_the_declared_model_are_rejected_with_both_shapes()
    {
        var layers = WeightsImport.ReadJson(External("digits-tfjs-keras.json"));
        var narrow = Declared() with { Layers = EquatableArray.Of(Declared().Layers[0] with { Outputs = 16 }, Declared().Layers[1]) };
        var e = Assert.Throws<ArgumentException>(() => WeightsImport.ToModel(narrow, layers));
        Assert.Contains("Layer 0: 'dense_Dense1' in the file is [32 outputs, 64 inputs] but 'Hidden' in 'External' is [16, 64]", e.Message);
        e = Assert.Throws<ArgumentException>(() => WeightsImport.ToModel(Declared(), layers.Take(1).ToArray()));
        Assert.Contains("The file has 1 dense layers", e.Message);
        // Metadata next to the tensors is skipped, and an explicit layout overrides the key names.
        var withMeta = WeightsImport.ReadJson(new MemoryStream(Encoding.UTF8.GetBytes("{\"epoch\": 3, \"a.weight\": [[1, 2, 3]], \"a.num_batches_tracked\": 7}")), "m.json");
        Assert.Equal((3, 1), (withMeta[0].Inputs, withMeta[0].Outputs));
        var transposed = WeightsImport.ReadJson(new MemoryStream(Encoding.UTF8.GetBytes("{\"a.weight\": [[1, 2, 3]]}")), "m.json", WeightLayout.InputsByOutputs);
        Assert.Equal((1, 3), (transposed[0].Inputs, transposed[0].Outputs));
    }
}
