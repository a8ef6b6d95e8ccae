using System;
using System.IO;
using System.Linq;
using FheGen.Training;
using Onnx;
using Xunit.Abstractions;
using static FheGen.Onnx.Tests.OnnxBuilder;

namespace FheGen.Onnx.Tests;

/// <summary>Every supported operator and attribute against ONNX Runtime, and the errors for what is not supported.</summary>
public class OperatorTests
{
    private readonly ITestOutputHelper _output;

    public OperatorTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// [N, 2, 3] -> Flatten -> Gemm(alpha, beta, C [1, 5], float_data) -> LeakyRelu(0.01) -> MatMul (B from a Constant
    /// node) -> Add(bias, x) -> Sigmoid -> Identity -> Reshape([0, -1]) -> Gemm(transB, no C) -> Tanh.
    /// </summary>
    private static ModelProto EveryOperator(long opset)
    {
        var graph = new GraphProto { Name = "every" };
        graph.Input.Add(Value("x", "N", 2, 3));
        graph.Output.Add(Value("y", "N", 3));
        graph.Initializer.Add(Floats("g1.B", [6, 5], Random(30, 11), raw: false));
        graph.Initializer.Add(Floats("g1.C", [1, 5], Random(5, 12), raw: false));
        graph.Initializer.Add(Floats("m.bias", [4], Random(4, 14)));
        graph.Initializer.Add(Int64s("shape", 0, -1));
        graph.Initializer.Add(Floats("g2.B", [3, 4], Random(12, 15)));
        graph.Node.Add(Node("Flatten", "flatten", ["x"], "f", Int("axis", 1)));
        graph.Node.Add(Node("Gemm", "g1", ["f", "g1.B", "g1.C"], "g1.out", Float("alpha", 1.5f), Float("beta", 0.5f)));
        graph.Node.Add(Node("LeakyRelu", "leaky", ["g1.out"], "l", Float("alpha", 0.01f)));
        graph.Node.Add(Node("Constant", "m.B", [], "m.B.value", Tensor("value", Floats("m.B.value", [5, 4], Random(20, 13)))));
        graph.Node.Add(Node("MatMul", "m", ["l", "m.B.value"], "m.out"));
        graph.Node.Add(Node("Add", "m.add", ["m.bias", "m.out"], "m.biased"));
        graph.Node.Add(Node("Sigmoid", "sigmoid", ["m.biased"], "s"));
        graph.Node.Add(Node("Identity", "identity", ["s"], "i"));
        graph.Node.Add(Node("Reshape", "reshape", ["i", "shape"], "r"));
        graph.Node.Add(Node("Gemm", "g2", opset >= 11 ? ["r", "g2.B"] : ["r", "g2.B", "m.bias3"], "g2.out", Int("transB", 1)));
        if (opset < 11) graph.Initializer.Add(Floats("m.bias3", [3], Random(3, 16)));
        graph.Node.Add(Node("Tanh", "tanh", ["g2.out"], "y"));
        return Model(graph, opset);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    [InlineData(21)]
    public void Every_supported_operator_matches_ONNX_Runtime(long opset)
    {
        using var folder = new TempFolder();
        string path = Save(EveryOperator(opset), folder.File("every.onnx"));
        OnnxMlp onnx = OnnxImporter.Read(path);
        Assert.Equal(opset, onnx.Opset);
        Assert.Equal(6, onnx.Inputs);
        Assert.Equal(new[] { Activation.LeakyRelu, Activation.Sigmoid, Activation.Tanh }, onnx.Model.Layers.Select(l => l.Activation));
        Assert.Equal(new[] { "G1B", "MBValue", "G2B" }, onnx.LayerNames);
        var data = OnnxTestData.RandomRows(50, 6, seed: 3);
        float[] ort = OnnxTestData.OrtOutputs(path, data, 2, 3);
        double maxDiff = 0;
        for (int i = 0; i < data.Count; i++)
        {
            float[] ours = onnx.Model.Forward(data.Row(i));
            for (int o = 0; o < 3; o++) maxDiff = Math.Max(maxDiff, Math.Abs(ours[o] - ort[i * 3 + o]));
        }
        _output.WriteLine($"opset {opset}: max |ours - ORT| = {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-5, $"max abs difference {maxDiff}");
    }

    public static TheoryData<string, Action<ModelProto>, string> Broken => new()
    {
        { "unsupported operator", m => m.Graph.Node[1].OpType = "Softmax", "node '/relu/Relu' (Softmax): unsupported operator" },
        { "opset too old", m => m.OpsetImport[0].Version = 8, "opset 8 is not supported; FheGen reads opsets 9 to 21" },
        { "opset too new", m => m.OpsetImport[0].Version = 22, "opset 22 is not supported" },
        { "no opset", m => m.OpsetImport[0].Domain = "com.microsoft", "imports no default-domain (ai.onnx) opset" },
        { "wrong weight shape", m => m.Graph.Initializer[2] = Floats("fc2.weight", [2, 4], Random(8, 3)),
            "node '/fc2/Gemm' (Gemm): B ('fc2.weight') has shape [2, 4], which takes 4 inputs, but the layer receives 3" },
        { "wrong bias shape", m => m.Graph.Initializer[1] = Floats("fc1.bias", [2], Random(2, 3)),
            "node '/fc1/Gemm' (Gemm): C ('fc1.bias') has shape [2]; [3], [1, 3] or a scalar is expected" },
        { "missing initializer", m => m.Graph.Initializer.RemoveAt(0),
            "node '/fc1/Gemm' (Gemm): B ('fc1.weight') is not an initializer or Constant" },
        { "double weights", m => m.Graph.Initializer[0].DataType = (int)TensorProto.Types.DataType.Double,
            "node '/fc1/Gemm' (Gemm): tensor 'fc1.weight' has data type DOUBLE; only FLOAT weights are supported" },
        { "truncated raw data", m => m.Graph.Initializer[0].RawData = Google.Protobuf.ByteString.CopyFrom(new byte[10]),
            "tensor 'fc1.weight' has 10 bytes of raw_data for 12 floats" },
        { "external data", m => m.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External,
            "tensor 'fc1.weight' keeps its data in an external file, which is not supported" },
        { "LeakyRelu slope", m => m.Graph.Node[1] = Node("LeakyRelu", "/act/LeakyRelu", ["h"], "a", Float("alpha", 0.2f)),
            "node '/act/LeakyRelu' (LeakyRelu): alpha = 0.2, but FheGen's LeakyRelu has the slope 0.01" },
        { "transA", m => m.Graph.Node[0].Attribute.Add(Int("transA", 1)), "node '/fc1/Gemm' (Gemm): transA = 1 is not supported" },
        { "int input", m => m.Graph.Input[0].Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Int64,
            "graph input 'x' has data type INT64; FLOAT is expected" },
        { "symbolic feature count", m => m.Graph.Input[0].Type.TensorType.Shape.Dim[1] = new TensorShapeProto.Types.Dimension { DimParam = "F" },
            "graph input 'x' dimension 1 is" },
        { "branch", m => m.Graph.Node[2].Input[0] = "h", "node '/fc2/Gemm' (Gemm): reads 'h', but the chain's current value is 'a'" },
        { "two activations", m => m.Graph.Node.Insert(2, Node("Tanh", "/tanh", ["a"], "a2")), "node '/tanh' (Tanh): an activation must follow a Gemm or MatMul layer" },
        { "Flatten axis", m => m.Graph.Node.Insert(0, Node("Flatten", "/flat", ["x"], "x2", Int("axis", 0))), "node '/flat' (Flatten): axis = 0 is not supported" },
        { "unflattened input", m => m.Graph.Input[0] = Value("x", "batch", 2, 2), "node '/fc1/Gemm' (Gemm): its input has shape [batch, 2, 2]; Flatten or Reshape it" },
        { "custom domain", m => m.Graph.Node[1].Domain = "com.microsoft", "node '/relu/Relu' (Relu): operator domain 'com.microsoft' is not supported" },
        { "output not at the end", m => m.Graph.Output[0].Name = "h", "the graph output 'h' is not the end of the layer chain ('y')" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void An_unsupported_model_is_a_clear_error_and_nothing_is_written(string what, Action<ModelProto> breakIt, string message)
    {
        using var folder = new TempFolder();
        var model = Small();
        breakIt(model);
        string path = Save(model, folder.File("broken.onnx"));
        var read = Assert.Throws<OnnxImportException>(() => OnnxImporter.Read(path));
        Assert.Contains(message, read.Message);
        Assert.StartsWith("broken.onnx: ", read.Message);

        // An existing model class is left as it was, and no temporary file remains.
        File.WriteAllText(folder.File("Model.cs"), "// before");
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new OnnxImportOptions
        {
            ModelPath = path, OutputPath = folder.File("Model.cs"), InputMin = 0, InputMax = 1,
        }));
        Assert.Equal(read.Message, e.Message);
        Assert.Equal(new[] { "Model.cs", "broken.onnx" }, folder.Files());
        Assert.Equal("// before", File.ReadAllText(folder.File("Model.cs")));
        _output.WriteLine($"{what}: {e.Message}");
        if (e.NodeName is not null) Assert.Contains($"node '{e.NodeName}' ({e.OpType})", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_ONNX_is_a_clear_error()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("model.onnx"), "this is not a protobuf message \u00ff\u00fe");
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Read(folder.File("model.onnx")));
        Assert.StartsWith("model.onnx: ", e.Message);
    }

    [Fact]
    public void Options_are_checked_before_anything_is_read_or_written()
    {
        using var folder = new TempFolder();
        string path = Save(Small(), folder.File("small.onnx"));
        var options = new OnnxImportOptions { ModelPath = path, OutputPath = folder.File("Model.cs"), InputMin = 0, InputMax = 1 };
        Assert.Contains("Give InputMin and InputMax, or CalibrationCsv", Assert.Throws<ArgumentException>(() => OnnxImporter.Import(options with { InputMin = null, InputMax = null })).Message);
        Assert.Contains("WeightBits is 1", Assert.Throws<ArgumentException>(() => OnnxImporter.Import(options with { WeightBits = 1 })).Message);
        Assert.Contains("PerFeatureInputRanges needs CalibrationCsv", Assert.Throws<ArgumentException>(() => OnnxImporter.Import(options with { PerFeatureInputRanges = true, InputMin = null, InputMax = null })).Message);
        Assert.Contains("'class' is not a valid C# class name", Assert.Throws<ArgumentException>(() => OnnxImporter.Import(options with { ClassName = "class" })).Message);
        string csv = folder.File("wrong.csv");
        File.WriteAllText(csv, "0.1,0.2,0\n0.3,0.4,1\n");
        Assert.Contains("wrong.csv has 2 features per row, but the model takes 4", Assert.Throws<ArgumentException>(() => OnnxImporter.Import(options with { CalibrationCsv = csv })).Message);
        Assert.Equal(new[] { "small.onnx", "wrong.csv" }, folder.Files());
    }

    [Fact]
    public void Layer_names_come_from_the_initializers_and_stay_clear_of_generated_members()
    {
        Assert.Equal(new[] { "Fc1", "Dense1", "Layers0" }, OnnxGraphReader.LayerNames(["fc1.weight", "dense_1/kernel", "layers.0.weight"]));
        Assert.Equal(new[] { "Layer1", "Layer2", "Layer3", "Layer4" }, OnnxGraphReader.LayerNames(["Spec", "123", "", "W"]));
        Assert.Equal(new[] { "Fc", "Layer2" }, OnnxGraphReader.LayerNames(["fc.weight", "fc.kernel"]));
        Assert.Equal("DigitsGemmRelu", OnnxImporter.ClassNameFromFile("/x/digits-gemm-relu.onnx"));
        Assert.Equal("Model784Mlp", OnnxImporter.ClassNameFromFile("784-mlp.onnx"));
    }
}
