using System;
using System.IO;
using System.Linq;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using Xunit.Abstractions;

namespace FheGen.Onnx.Tests;

/// <summary>What <see cref="OnnxImporter.Import"/> writes: two files that the generator compiles without errors into the circuit the import reports.</summary>
public class ImportTests
{
    private readonly ITestOutputHelper _output;

    public ImportTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("digits-gemm-relu.onnx", false, "Fc1,Fc2")]
    [InlineData("digits-matmul-tanh.onnx", true, "Dense1,Dense2")]
    public void The_written_class_compiles_with_the_generator_into_the_reported_circuit(string file, bool perFeature, string layers)
    {
        using var folder = new TempFolder();
        var result = OnnxImporter.Import(new OnnxImportOptions
        {
            ModelPath = OnnxTestData.External(file),
            OutputPath = folder.File("Model.cs"),
            Namespace = "Imported.Models",
            CalibrationCsv = OnnxTestData.WriteCsv(OnnxTestData.Digits.Train, folder.File("train.csv")),
            PerFeatureInputRanges = perFeature,
        });
        Assert.Equal(new[] { "Model.Weights.cs", "Model.cs", "train.csv" }, folder.Files());
        Assert.Equal(new[] { folder.File("Model.cs"), folder.File("Model.Weights.cs") }, result.WrittenPaths);
        Assert.Equal(layers.Split(','), result.Onnx.LayerNames);
        Assert.Equal(64 * 32 + 32 + 32 * 10 + 10, result.Parameters);
        Assert.Equal(2, result.Layers);
        Assert.True(result.Calibrated);
        string className = file.Contains("gemm") ? "DigitsGemmRelu" : "DigitsMatmulTanh";
        Assert.Equal(className, result.ClassName);
        string weights = File.ReadAllText(folder.File("Model.Weights.cs"));
        Assert.Contains("[global::FheGen.ActivationRange(\"" + result.Onnx.LayerNames[0] + "\"", weights);
        Assert.Equal(perFeature, weights.Contains("FeatureMin"));
        _output.WriteLine(File.ReadAllText(folder.File("Model.cs")));
        _output.WriteLine($"{result.MaxTluInputBits}-bit TLU, {result.PbsCount} PBS ({result.TotalPbsCount} with rounding), float {result.FloatAccuracy:P2}, circuit {result.CircuitAccuracy:P2} on the calibration rows");

        var compiled = GeneratedCompilation.Of(folder.File("Model.cs"), folder.File("Model.Weights.cs"));
        Assert.True(compiled.Errors.Length == 0, string.Join("\n", compiled.Errors.Select(d => d.ToString())));
        Assert.Equal(1, compiled.GeneratedFiles);
        Assert.NotNull(compiled.Assembly);
        foreach (var d in compiled.Diagnostics.Where(d => d.Id.StartsWith("FHE", StringComparison.Ordinal))) _output.WriteLine(d.ToString());

        // The generated class rebuilds the very spec the import compiled, so its circuit is the one reported.
        string type = "Imported.Models." + className;
        var spec = compiled.Static<ModelSpec>(type, "Spec");
        var plan = CircuitCompiler.Compile(result.Spec).PlanOrThrow();
        Assert.Equal(CircuitInfo.FromPlan(plan), compiled.Static<CircuitInfo>(type, "Circuit"));
        Assert.Equal(CircuitInfo.FromPlan(plan), CircuitInfo.FromPlan(CircuitCompiler.Compile(spec).PlanOrThrow()));
        Assert.Equal(result.MaxTluInputBits, plan.MaxTluInputBits);
        Assert.Equal(result.PbsCount, plan.PbsCount);
    }

    [Fact]
    public void Without_calibration_the_given_input_range_is_declared_and_no_activation_range_is_written()
    {
        using var folder = new TempFolder();
        var result = OnnxImporter.Import(new OnnxImportOptions
        {
            ModelPath = OnnxTestData.External("digits-gemm-relu.onnx"),
            OutputPath = folder.File("Digits.cs"),
            ClassName = "Digits",
            InputMin = 0,
            InputMax = 1,
            InputBits = 3,
            WeightBits = 3,
            ActivationBits = 3,
            RoundBits = 6,
        });
        string model = File.ReadAllText(folder.File("Digits.cs"));
        Assert.Contains("[FheModel(Inputs = 64, InputBits = 3, InputMin = 0.0, InputMax = 1.0, PbsBudgetBits = 8)]", model);
        Assert.Contains("[Quantize(WeightBits = 3, ActivationBits = 3)]", model);
        Assert.Contains("[Dense(\"Fc1\", 32, Activation = Activation.Relu)]", model);
        Assert.Contains("[RoundAccumulator(Bits = 6)]", model);
        Assert.DoesNotContain("ActivationRange", File.ReadAllText(folder.File("Digits.Weights.cs")));
        Assert.False(result.Calibrated);
        Assert.Null(result.CircuitAccuracy);
        Assert.True(result.MaxTluInputBits <= 6);
        var compiled = GeneratedCompilation.Of(folder.File("Digits.cs"), folder.File("Digits.Weights.cs"));
        Assert.True(compiled.Errors.Length == 0, string.Join("\n", compiled.Errors.Select(d => d.ToString())));
        Assert.Equal(CircuitInfo.FromPlan(CircuitCompiler.Compile(result.Spec).PlanOrThrow()), compiled.Static<CircuitInfo>("Digits", "Circuit"));
    }

    [Fact]
    public void Importing_again_replaces_both_files()
    {
        using var folder = new TempFolder();
        var options = new OnnxImportOptions { ModelPath = OnnxTestData.External("digits-gemm-relu.onnx"), OutputPath = folder.File("M.cs"), InputMin = 0, InputMax = 1 };
        OnnxImporter.Import(options);
        string first = File.ReadAllText(folder.File("M.Weights.cs"));
        OnnxImporter.Import(options with { ModelPath = OnnxTestData.External("digits-matmul-tanh.onnx"), ClassName = "DigitsGemmRelu" });
        Assert.NotEqual(first, File.ReadAllText(folder.File("M.Weights.cs")));
        Assert.Contains("Activation.Tanh", File.ReadAllText(folder.File("M.cs")));
        Assert.Equal(new[] { "M.Weights.cs", "M.cs" }, folder.Files());
    }
    [Fact]
    public void The_784_128_10_model_imports_into_a_class_the_generator_compiles_without_errors()
    {
        using var folder = new TempFolder();
        var result = OnnxImporter.Import(new OnnxImportOptions
        {
            ModelPath = OnnxTestData.External("mlp-784-128-10.onnx"),
            OutputPath = folder.File("Wide.cs"),
            CalibrationCsv = OnnxTestData.WriteCsv(OnnxTestData.RandomRows(128, 784, seed: 5), folder.File("random.csv")),
        });
        Assert.Equal("Mlp78412810", result.ClassName);
        Assert.Equal(new[] { "Layers0", "Layers1" }, result.Onnx.LayerNames);
        Assert.Equal(784 * 128 + 128 + 128 * 10 + 10, result.Parameters);
        var compiled = GeneratedCompilation.Of(result.WrittenPaths.ToArray());
        Assert.True(compiled.Errors.Length == 0, string.Join("\n", compiled.Errors.Select(d => d.ToString())));
        Assert.Equal(CircuitInfo.FromPlan(CircuitCompiler.Compile(result.Spec).PlanOrThrow()), compiled.Static<CircuitInfo>("Mlp78412810", "Circuit"));
        _output.WriteLine($"{result.MaxTluInputBits}-bit TLU, {result.PbsCount} PBS");
    }

    [Fact]
    public void A_failure_while_moving_the_files_into_place_restores_what_was_there()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("Model.cs"), "// before");
        Directory.CreateDirectory(folder.File("Model.Weights.cs")); // the second move cannot replace a folder
        Assert.ThrowsAny<IOException>(() => OnnxImporter.Import(new OnnxImportOptions
        {
            ModelPath = OnnxTestData.External("digits-gemm-relu.onnx"), OutputPath = folder.File("Model.cs"), InputMin = 0, InputMax = 1,
        }));
        Assert.Equal("// before", File.ReadAllText(folder.File("Model.cs")));
        Assert.Equal(new[] { "Model.cs" }, folder.Files());
        Assert.Empty(Directory.GetFileSystemEntries(folder.File("Model.Weights.cs")));
    }
}
