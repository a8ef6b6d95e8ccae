using System;
using System.Globalization;
using System.IO;
using System.Linq;
using FheGen.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FheGen.Onnx.Tests;

/// <summary>The committed ONNX files, the digits split they were trained on, and ONNX Runtime as the reference.</summary>
internal static class OnnxTestData
{
    public static string External(string name) => FindUp(Path.Combine("tests", "FheGen.Onnx.Tests", "Data", "external", name));

    public static string FindUp(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(relative + " not found above " + AppContext.BaseDirectory);
    }

    private static readonly Lazy<(Dataset Train, Dataset Test)> LazyDigits = new(() =>
    {
        var digits = Dataset.LoadCsv(FindUp(Path.Combine("samples", "Digits", "Data", "digits.csv.gz")), hasHeader: false);
        var (train, test) = digits.StratifiedSplit(0.25, seed: 42);
        static Dataset Scale(Dataset d) => new(d.X.Select(v => v / 16).ToArray(), d.Y, d.Features, d.Classes);
        return (Scale(train), Scale(test));
    });

    /// <summary>The digits split the external models were trained on (stratified 75/25, seed 42), pixels / 16.</summary>
    public static (Dataset Train, Dataset Test) Digits => LazyDigits.Value;

    /// <summary>Rows of reproducible pseudo-random features in [0, 1).</summary>
    public static Dataset RandomRows(int count, int features, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        return new Dataset(x, new int[count], features, 1);
    }

    /// <summary>ONNX Runtime's outputs for all rows of <paramref name="data"/>, in one batch shaped [rows, sampleShape...].</summary>
    public static float[] OrtOutputs(string path, Dataset data, params int[] sampleShape)
    {
        using var session = new InferenceSession(path);
        string input = session.InputMetadata.Keys.Single();
        int[] dims = new[] { data.Count }.Concat(sampleShape.Length == 0 ? new[] { data.Features } : sampleShape).ToArray();
        var tensor = new DenseTensor<float>((float[])data.X.Clone(), dims);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input, tensor) });
        return results.Single().AsEnumerable<float>().ToArray();
    }

    public static int ArgMax(ReadOnlySpan<float> values) => CircuitAccuracy.ArgMax(values);

    /// <summary>Writes <paramref name="data"/> as a calibration CSV: features, then the label.</summary>
    public static string WriteCsv(Dataset data, string path)
    {
        using var w = new StreamWriter(path);
        for (int i = 0; i < data.Count; i++)
        {
            w.WriteLine(string.Join(",", data.Row(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "," + data.Y[i]);
        }
        return path;
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fhegen-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string[] Files() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
