using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using BenchmarkDotNet.Attributes;
using FheGen.Backends;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FheGen.Benchmarks;

/// <summary>Calls a generated <c>Run&lt;ClearBackend, long&gt;</c>.</summary>
public delegate void ClearRun(ClearBackend backend, ReadOnlySpan<long> inputs, Span<long> outputs);

/// <summary>
/// Clear-circuit latency of the two emission forms of the same model, per inference over <see cref="Samples"/> random
/// inputs: "Unrolled" (straight-line multiply-adds) against "Data" (weights as data, evaluated by
/// <c>PackedCircuit</c>'s loop), for the Digits sample (64-32-10, 1,453 multiply-adds) and the generator benchmark's
/// 784-128-10 model (about 100k). Each form is generated in process with <c>FheGenUnrollLimit</c> (int.MaxValue or 0),
/// compiled with optimizations, loaded, and called through the same delegate type, so only the form differs.
/// </summary>
[MemoryDiagnoser]
public class InferenceFormBenchmarks
{
    /// <summary>Random inputs cycled through per invocation.</summary>
    public const int Samples = 16;

    private ClearRun _run = null!;
    private long[] _inputs = Array.Empty<long>();
    private long[] _outputs = Array.Empty<long>();
    private int _inputCount;

    /// <summary>"Digits" or "Wide784".</summary>
    [Params("Digits", "Wide784")]
    public string Model { get; set; } = "Digits";

    /// <summary>"Unrolled" or "Data".</summary>
    [Params("Unrolled", "Data")]
    public string Form { get; set; } = "Unrolled";

    [GlobalSetup]
    public void Setup()
    {
        var (sources, type, inputBits) = Model == "Digits" ? DigitsSources() : (WideModel.Sources(), "Bench.WideMlp", 4);
        int limit = Form == "Unrolled" ? int.MaxValue : 0;
        var parse = WideModel.ParseOptions;
        var compilation = CSharpCompilation.Create("Form_" + Model + "_" + Form,
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path, Encoding.UTF8)), WideModel.References(), WideModel.CompilationOptions);
        WideModel.Driver(parse, limit).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        if (!emit.Success) throw new InvalidOperationException("The model does not compile: " + string.Join("; ", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
        pe.Position = 0;
        // The default context resolves FheGen to the copy this process already runs, so ClearBackend is the same type.
        var assembly = AssemblyLoadContext.Default.LoadFromStream(pe);
        var model = assembly.GetType(type) ?? throw new InvalidOperationException(type + " not found");
        _inputCount = (int)model.GetField("InputCount")!.GetValue(null)!;
        int outputs = (int)model.GetField("OutputCount")!.GetValue(null)!;
        var run = model.GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => m.Name == "Run" && m.IsGenericMethodDefinition);
        _run = run.MakeGenericMethod(typeof(ClearBackend), typeof(long)).CreateDelegate<ClearRun>();
        var random = new Random(7);
        _inputs = new long[Samples * _inputCount];
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = random.NextInt64(1L << inputBits);
        _outputs = new long[outputs];
        _run(default, _inputs.AsSpan(0, _inputCount), _outputs);
    }

    private static ((string Path, string Text)[] Sources, string Type, int InputBits) DigitsSources()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string sample = System.IO.Path.Combine(dir.FullName, "samples", "Digits");
            if (!File.Exists(System.IO.Path.Combine(sample, "DigitsMlp.cs"))) continue;
            var files = new[] { "DigitsMlp.cs", "DigitsMlp.Weights.cs" }.Select(f => (f, File.ReadAllText(System.IO.Path.Combine(sample, f)))).ToArray();
            return (files, "FheGen.Samples.Digits.DigitsMlp", global::FheGen.Samples.Digits.DigitsMlp.Io.Input.Bits);
        }
        throw new FileNotFoundException("samples/Digits/DigitsMlp.cs not found above the benchmark's folder.");
    }

    /// <summary>One clear inference per input vector.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public long Run()
    {
        long check = 0;
        var run = _run;
        var outputs = _outputs.AsSpan();
        for (int s = 0; s < Samples; s++)
        {
            run(default, new ReadOnlySpan<long>(_inputs, s * _inputCount, _inputCount), outputs);
            check += outputs[0];
        }
        return check;
    }
}
