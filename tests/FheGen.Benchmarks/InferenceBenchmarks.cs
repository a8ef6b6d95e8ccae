using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Samples.Digits;
using FheGen.Training;

namespace FheGen.Benchmarks;

/// <summary>
/// Per-sample latency of one clear inference of the Digits sample (64-32-10, see samples/Digits/DigitsMlp.cs) over
/// the first <see cref="Samples"/> rows of its test split. Every invocation runs all of them, and
/// <c>OperationsPerInvoke</c> makes the reported mean (and allocation) per sample.
/// </summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    /// <summary>Test samples cycled through per invocation.</summary>
    public const int Samples = 64;

    private const int Inputs = DigitsMlp.InputCount;
    private const int Outputs = DigitsMlp.OutputCount;

    private float[] _features = Array.Empty<float>();
    private long[] _quantized = Array.Empty<long>();
    private readonly long[] _accumulators = new long[Outputs];
    private readonly float[] _outputs = new float[Outputs];
    private PlanInterpreter _interpreter = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (_, test) = DigitsExperiment.LoadSplit(DigitsData.Path());
        if (test.Count < Samples) throw new InvalidOperationException($"The test split has {test.Count} rows; {Samples} are needed.");
        if (test.Features != Inputs) throw new InvalidOperationException($"Expected {Inputs} features, got {test.Features}.");

        _features = new float[Samples * Inputs];
        _quantized = new long[Samples * Inputs];
        for (int s = 0; s < Samples; s++)
        {
            test.Row(s).CopyTo(_features.AsSpan(s * Inputs, Inputs));
            DigitsMlp.Io.QuantizeInputs(test.Row(s), _quantized.AsSpan(s * Inputs, Inputs));
        }

        // Builds the spec, compiles the plan and the float reference once, outside the measurements.
        _interpreter = DigitsMlp.Interpreter;
        _ = DigitsMlp.PredictFloat(test.Row(0));

        // The generated circuit and the interpreter must agree exactly, or the comparison is meaningless.
        Span<long> viaInterpreter = stackalloc long[Outputs];
        for (int s = 0; s < Samples; s++)
        {
            var q = _quantized.AsSpan(s * Inputs, Inputs);
            DigitsMlp.Run<ClearBackend, long>(default, q, _accumulators);
            _interpreter.Run<ClearBackend, long>(default, q, viaInterpreter);
            if (!viaInterpreter.SequenceEqual(_accumulators))
            {
                throw new InvalidOperationException($"Sample {s}: the generated circuit and the interpreter disagree.");
            }
        }
    }

    /// <summary>The generated, unrolled clear circuit on pre-quantized inputs.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Samples)]
    public long GeneratedCircuit()
    {
        long check = 0;
        var acc = _accumulators.AsSpan();
        for (int s = 0; s < Samples; s++)
        {
            DigitsMlp.Run<ClearBackend, long>(default, new ReadOnlySpan<long>(_quantized, s * Inputs, Inputs), acc);
            check += acc[s % Outputs];
        }
        return check;
    }

    /// <summary>The plan interpreter, same backend and same pre-quantized inputs.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public long Interpreter()
    {
        long check = 0;
        var acc = _accumulators.AsSpan();
        var interpreter = _interpreter;
        for (int s = 0; s < Samples; s++)
        {
            interpreter.Run<ClearBackend, long>(default, new ReadOnlySpan<long>(_quantized, s * Inputs, Inputs), acc);
            check += acc[s % Outputs];
        }
        return check;
    }

    /// <summary>The unquantized float reference (<c>DigitsMlp.PredictFloat</c>, which returns a new array).</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float FloatReference()
    {
        float check = 0;
        for (int s = 0; s < Samples; s++)
        {
            var y = DigitsMlp.PredictFloat(new ReadOnlySpan<float>(_features, s * Inputs, Inputs));
            check += y[s % Outputs];
        }
        return check;
    }

    /// <summary>The whole clear path from float features: quantize, generated circuit, dequantize.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float PredictEndToEnd()
    {
        float check = 0;
        var y = _outputs.AsSpan();
        for (int s = 0; s < Samples; s++)
        {
            DigitsMlp.Predict(new ReadOnlySpan<float>(_features, s * Inputs, Inputs), y);
            check += y[s % Outputs];
        }
        return check;
    }
}

/// <summary>Finds the Digits data file: next to the executable, else in the sample's source folder.</summary>
internal static class DigitsData
{
    public static string Path()
    {
        // BenchmarkDotNet runs each benchmark from a generated project with its own output folder; the data file
        // is copied there transitively, but fall back to the repository copy when it is not.
        string[] candidates =
        {
            DigitsExperiment.DataPath,
            System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(DigitsMlp).Assembly.Location) ?? ".", "Data", "digits.csv.gz"),
        };
        foreach (var c in candidates)
        {
            if (File.Exists(c)) return c;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string c = System.IO.Path.Combine(dir.FullName, "samples", "Digits", "Data", "digits.csv.gz");
            if (File.Exists(c)) return c;
        }
        throw new FileNotFoundException("digits.csv.gz not found next to the benchmarks nor under samples/Digits/Data.");
    }
}
