extern alias gen;
using System;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Pipeline;
using FheGen.Onnx;
using FheGen.Samples.Digits;
using FheGen.Training;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.ML.OnnxRuntime;
using FheModelGenerator = gen::FheGen.Generators.FheModelGenerator;

namespace FheGen.Benchmarks;

/// <summary>
/// The generated clear circuit against ONNX Runtime on the same ONNX file: the file is imported with
/// <see cref="OnnxImporter.Import"/>, the written class is compiled with the FheGen generator (in-process, Roslyn, optimized)
/// and its <c>Run</c> and <c>Predict</c> are called through delegates; ORT runs the file itself in an
/// <see cref="InferenceSession"/> on one thread with pre-bound input and output buffers. Single: one sample per call
/// (64 different rows per invocation); Batch: 64 samples, one ORT call on a [64, features] tensor against 64 circuit calls.
/// Means are per sample; ratios are against ORT in each category.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class OnnxRuntimeBenchmarks
{
    /// <summary>Samples per invocation (the rows cycled through, and the ORT batch size).</summary>
    public const int Samples = 64;

    private delegate void RunClear(ClearBackend backend, ReadOnlySpan<long> inputs, Span<long> outputs);
    private delegate void PredictInto(ReadOnlySpan<float> features, Span<float> outputs);

    /// <summary>Which committed ONNX file (tests/FheGen.Onnx.Tests/Data/external).</summary>
    [Params("digits-64-32-10", "mlp-784-128-10")]
    public string Model { get; set; } = "digits-64-32-10";

    private int _inputs, _outputs;
    private float[] _features = Array.Empty<float>();
    private long[] _quantized = Array.Empty<long>();
    private long[] _accumulators = Array.Empty<long>();
    private float[] _predicted = Array.Empty<float>();
    private RunClear _run = null!;
    private PredictInto _predict = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _rowInputs = Array.Empty<OrtValue>();
    private OrtValue _rowOutput = null!, _batchInput = null!, _batchOutput = null!;
    private float[] _rowLogits = Array.Empty<float>(), _batchLogits = Array.Empty<float>();
    private string[] _inputNames = Array.Empty<string>(), _outputNames = Array.Empty<string>();
    private string _folder = "";

    [GlobalSetup]
    public void Setup()
    {
        bool digits = Model.StartsWith("digits", StringComparison.Ordinal);
        string onnxPath = FindUp(Path.Combine("tests", "FheGen.Onnx.Tests", "Data", "external", digits ? "digits-gemm-relu.onnx" : "mlp-784-128-10.onnx"));
        Dataset calibration, rows;
        if (digits)
        {
            var (train, test) = DigitsExperiment.LoadSplit(DigitsData.Path());
            static Dataset Scale(Dataset d) => new(d.X.Select(v => v / 16).ToArray(), d.Y, d.Features, d.Classes);
            calibration = Scale(train);
            rows = Scale(test);
        }
        else
        {
            // The 784 model is untrained (see the data README); random pixels in [0, 1] calibrate it and are its inputs.
            var random = new Random(42);
            calibration = new Dataset(Enumerable.Range(0, 256 * 784).Select(_ => (float)random.NextDouble()).ToArray(), new int[256], 784, 10);
            rows = calibration;
        }

        _folder = Path.Combine(Path.GetTempPath(), "fhegen-bench-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        string csv = Path.Combine(_folder, "calibration.csv");
        File.WriteAllLines(csv, Enumerable.Range(0, calibration.Count).Select(i =>
            string.Join(",", calibration.Row(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "," + calibration.Y[i]));
        var import = OnnxImporter.Import(new OnnxImportOptions
        {
            ModelPath = onnxPath,
            OutputPath = Path.Combine(_folder, "Model.cs"),
            ClassName = "Imported",
            Namespace = "Bench",
            CalibrationCsv = csv,
        });
        Type type = CompileGenerated(import.WrittenPaths).GetType("Bench.Imported") ?? throw new InvalidOperationException("Bench.Imported was not generated.");
        _run = type.GetMethods().Single(m => m.Name == "Run" && m.IsGenericMethodDefinition)
            .MakeGenericMethod(typeof(ClearBackend), typeof(long)).CreateDelegate<RunClear>();
        _predict = type.GetMethods().Single(m => m.Name == "Predict" && m.GetParameters().Length == 2).CreateDelegate<PredictInto>();

        _inputs = rows.Features;
        _outputs = import.Onnx.Outputs;
        _features = new float[Samples * _inputs];
        _quantized = new long[Samples * _inputs];
        _accumulators = new long[_outputs];
        _predicted = new float[_outputs];
        var plan = CircuitCompiler.Compile(import.Spec).PlanOrThrow();
        var io = CircuitIo.FromPlan(plan);
        var interpreter = new PlanInterpreter(plan);
        var viaInterpreter = new long[_outputs];
        for (int s = 0; s < Samples; s++)
        {
            rows.Row(s).CopyTo(_features.AsSpan(s * _inputs, _inputs));
            io.QuantizeInputs(rows.Row(s), _quantized.AsSpan(s * _inputs, _inputs));
            // The generated circuit must be the interpreter's, or this measures some other circuit.
            _run(default, _quantized.AsSpan(s * _inputs, _inputs), _accumulators);
            interpreter.Run<ClearBackend, long>(default, _quantized.AsSpan(s * _inputs, _inputs), viaInterpreter);
            if (!viaInterpreter.AsSpan().SequenceEqual(_accumulators)) throw new InvalidOperationException($"Sample {s}: generated circuit and interpreter disagree.");
        }

        // One thread, as the circuit runs on one: the comparison is per core.
        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(onnxPath, options);
        _runOptions = new RunOptions();
        _inputNames = new[] { import.Onnx.InputName };
        _outputNames = new[] { import.Onnx.OutputName };
        long[] sampleShape = import.Onnx.InputShape.ToArray();
        _rowInputs = Enumerable.Range(0, Samples).Select(s => OrtValue.CreateTensorValueFromMemory(
            _features.AsSpan(s * _inputs, _inputs).ToArray(), new long[] { 1 }.Concat(sampleShape).ToArray())).ToArray();
        _rowLogits = new float[_outputs];
        _rowOutput = OrtValue.CreateTensorValueFromMemory(_rowLogits, new long[] { 1, _outputs });
        _batchInput = OrtValue.CreateTensorValueFromMemory((float[])_features.Clone(), new long[] { Samples }.Concat(sampleShape).ToArray());
        _batchLogits = new float[Samples * _outputs];
        _batchOutput = OrtValue.CreateTensorValueFromMemory(_batchLogits, new long[] { Samples, _outputs });

        // Same file, same numbers: the imported float model must give ORT's logits.
        OrtBatch();
        for (int s = 0; s < Samples; s++)
        {
            float[] ours = import.Onnx.Model.Forward(_features.AsSpan(s * _inputs, _inputs));
            for (int o = 0; o < _outputs; o++)
            {
                if (Math.Abs(ours[o] - _batchLogits[s * _outputs + o]) > 1e-4) throw new InvalidOperationException($"Sample {s}: float logits differ from ORT's.");
            }
        }
        Console.WriteLine($"// {Model}: {import.MaxTluInputBits}-bit TLU, {import.PbsCount} PBS, {import.Parameters} parameters");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var v in _rowInputs) v.Dispose();
        _rowOutput?.Dispose();
        _batchInput?.Dispose();
        _batchOutput?.Dispose();
        _runOptions?.Dispose();
        _session?.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>ORT, one sample per <c>Run</c>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Samples), BenchmarkCategory("Single")]
    public float OrtSingle()
    {
        float check = 0;
        var outputs = new[] { _rowOutput };
        for (int s = 0; s < Samples; s++)
        {
            _session.Run(_runOptions, _inputNames, new[] { _rowInputs[s] }, _outputNames, outputs);
            check += _rowLogits[s % _outputs];
        }
        return check;
    }

    /// <summary>The generated circuit's <c>Predict</c>: float features in, float outputs out (quantize, circuit, dequantize), as ORT.</summary>
    [Benchmark(OperationsPerInvoke = Samples), BenchmarkCategory("Single")]
    public float GeneratedPredictSingle()
    {
        float check = 0;
        for (int s = 0; s < Samples; s++)
        {
            _predict(new ReadOnlySpan<float>(_features, s * _inputs, _inputs), _predicted);
            check += _predicted[s % _outputs];
        }
        return check;
    }

    /// <summary>The generated circuit's <c>Run</c> on pre-quantized inputs (what a server runs; the client quantizes).</summary>
    [Benchmark(OperationsPerInvoke = Samples), BenchmarkCategory("Single")]
    public long GeneratedRunSingle()
    {
        long check = 0;
        for (int s = 0; s < Samples; s++)
        {
            _run(default, new ReadOnlySpan<long>(_quantized, s * _inputs, _inputs), _accumulators);
            check += _accumulators[s % _outputs];
        }
        return check;
    }

    /// <summary>ORT, one <c>Run</c> on all samples as a [64, features] batch.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Samples), BenchmarkCategory("Batch")]
    public float OrtBatch()
    {
        _session.Run(_runOptions, _inputNames, new[] { _batchInput }, _outputNames, new[] { _batchOutput });
        return _batchLogits[0];
    }

    /// <summary>The generated <c>Predict</c> on the same 64 samples, one after the other (the circuit has no batch form).</summary>
    [Benchmark(OperationsPerInvoke = Samples), BenchmarkCategory("Batch")]
    public float GeneratedPredictBatch() => GeneratedPredictSingle();

    /// <summary>The FheGen model class the import wrote, compiled with the generator as a build would (Release).</summary>
    private static Assembly CompileGenerated(System.Collections.Generic.IReadOnlyList<string> paths)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = paths.Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), parse, path: p)).ToArray();
        var compilation = CSharpCompilation.Create("ImportedBench", trees, WideModel.References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new[] { new FheModelGenerator().AsSourceGenerator() }, parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        if (!emit.Success || output.SyntaxTrees.Count() != trees.Length + 1)
        {
            throw new InvalidOperationException("The imported model did not compile: " + string.Join("; ", diagnostics.Concat(emit.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
        }
        return Assembly.Load(stream.ToArray());
    }

    private static string FindUp(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, relative))) return Path.Combine(d.FullName, relative);
        }
        throw new FileNotFoundException(relative + " not found above " + AppContext.BaseDirectory);
    }
}
