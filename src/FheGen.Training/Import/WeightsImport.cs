using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using FheGen.Compiler.Model;

namespace FheGen.Training.Import;

/// <summary>How a weight matrix is laid out in the file.</summary>
public enum WeightLayout
{
    /// <summary>Decide from the key names: <c>.weight</c> (PyTorch) is <see cref="OutputsByInputs"/>, <c>/kernel</c> (Keras, TensorFlow) <see cref="InputsByOutputs"/>.</summary>
    Auto = 0,

    /// <summary><c>[outputs][inputs]</c>, as PyTorch's <c>nn.Linear.weight</c> and FheGen's own row-major weights.</summary>
    OutputsByInputs = 1,

    /// <summary><c>[inputs][outputs]</c>, as a Keras or TensorFlow <c>Dense</c> kernel.</summary>
    InputsByOutputs = 2,
}

/// <summary>One dense layer as read from a file: FheGen's row-major <c>[Outputs, Inputs]</c> weights and the bias.</summary>
/// <param name="Name">The layer's key prefix in the file (<c>fc1</c>, <c>dense_1</c>).</param>
/// <param name="Inputs">Fan-in.</param>
/// <param name="Outputs">Neurons.</param>
/// <param name="Weights">Row-major <c>[Outputs, Inputs]</c>, whatever the file's layout.</param>
/// <param name="Bias">One per output; zeros when the file has none for the layer.</param>
public sealed record ImportedLayer(string Name, int Inputs, int Outputs, float[] Weights, float[] Bias);

/// <summary>
/// Reads float weights trained elsewhere, so they can be compiled, calibrated and fine-tuned here: a JSON object of
/// named tensors (a PyTorch <c>state_dict</c> dumped with <c>{k: v.tolist()}</c>, or Keras/TensorFlow weights by
/// name), or CSV matrices. Layers come in the order of their first key in the file; activations are not in such
/// files and come from the model class (<see cref="ToModel"/>).
/// </summary>
public static class WeightsImport
{
    private static readonly string[] WeightSuffixes = { ".weight", "/kernel:0", "/kernel", ".kernel", "_weight", "_kernel" };
    private static readonly string[] BiasSuffixes = { ".bias", "/bias:0", "/bias", "_bias" };

    /// <summary>Reads the dense layers of a JSON weights file.</summary>
    /// <exception cref="InvalidDataException">The file is not a JSON object of numeric tensors forming dense layers; the message names the key.</exception>
    public static IReadOnlyList<ImportedLayer> ReadJson(string path, WeightLayout layout = WeightLayout.Auto)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return ReadJson(stream, Path.GetFileName(path), layout);
    }

    /// <summary>Reads the dense layers of a JSON weights document; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The document is not a JSON object of numeric tensors forming dense layers.</exception>
    public static IReadOnlyList<ImportedLayer> ReadJson(Stream stream, string sourceName, WeightLayout layout = WeightLayout.Auto)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sourceName}: not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{sourceName}: expected a JSON object of named tensors, found {document.RootElement.ValueKind}.");
            }
            var order = new List<string>();
            var weights = new Dictionary<string, (string Key, float[][] Rows, WeightLayout Layout)>(StringComparer.Ordinal);
            var biases = new Dictionary<string, (string Key, float[] Values)>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                string key = property.Name;
                if (Strip(key, WeightSuffixes) is { } weightSuffix)
                {
                    string name = key.Substring(0, key.Length - weightSuffix.Length);
                    var rows = Matrix(property.Value, sourceName, key);
                    var keyLayout = layout != WeightLayout.Auto ? layout
                        : weightSuffix.Contains("kernel", StringComparison.Ordinal) ? WeightLayout.InputsByOutputs : WeightLayout.OutputsByInputs;
                    if (!weights.TryAdd(name, (key, rows, keyLayout))) throw new InvalidDataException($"{sourceName}: layer '{name}' has two weight tensors ('{weights[name].Key}', '{key}').");
                    if (!order.Contains(name)) order.Add(name);
                }
                else if (Strip(key, BiasSuffixes) is { } biasSuffix)
                {
                    string name = key.Substring(0, key.Length - biasSuffix.Length);
                    var values = Vector(property.Value, sourceName, key);
                    if (!biases.TryAdd(name, (key, values))) throw new InvalidDataException($"{sourceName}: layer '{name}' has two bias tensors ('{biases[name].Key}', '{key}').");
                    if (!order.Contains(name)) order.Add(name);
                }
                // Other entries (num_batches_tracked, metadata) are not dense-layer tensors: skipped.
            }
            var layers = new List<ImportedLayer>();
            foreach (string name in order)
            {
                if (!weights.TryGetValue(name, out var w))
                {
                    throw new InvalidDataException($"{sourceName}: '{biases[name].Key}' is a bias without a weight tensor for layer '{name}'.");
                }
                var layer = FromRows(name, w.Rows, w.Layout, biases.TryGetValue(name, out var b) ? b.Values : null, sourceName, w.Key);
                layers.Add(layer);
            }
            if (layers.Count == 0) throw new InvalidDataException($"{sourceName}: no weight tensors (keys ending in .weight or /kernel).");
            CheckChain(layers, sourceName);
            return layers;
        }
    }

    /// <summary>
    /// Reads one dense layer from CSV: <paramref name="weightsPath"/> holds one line per row of the matrix in
    /// <paramref name="layout"/> (not <see cref="WeightLayout.Auto"/>), <paramref name="biasPath"/> (optional) one value per
    /// line or all on one line.
    /// </summary>
    /// <exception cref="InvalidDataException">A value is not a finite number, or the rows are ragged; the message gives the line.</exception>
    public static ImportedLayer ReadCsv(string name, string weightsPath, string? biasPath, WeightLayout layout)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(weightsPath);
        if (layout == WeightLayout.Auto) throw new ArgumentException("A CSV matrix has no key to infer its layout from: pass OutputsByInputs or InputsByOutputs.", nameof(layout));
        var rows = new List<float[]>();
        int number = 0;
        foreach (string line in File.ReadLines(weightsPath))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            rows.Add(line.Split(',').Select((cell, c) => Number(cell, $"{Path.GetFileName(weightsPath)} line {number}, column {c + 1}")).ToArray());
        }
        float[]? bias = null;
        if (biasPath is not null)
        {
            number = 0;
            var values = new List<float>();
            foreach (string line in File.ReadLines(biasPath))
            {
                number++;
                if (line.Trim().Length == 0) continue;
                values.AddRange(line.Split(',').Select((cell, c) => Number(cell, $"{Path.GetFileName(biasPath)} line {number}, column {c + 1}")));
            }
            bias = values.ToArray();
        }
        return FromRows(name, rows.ToArray(), layout, bias, Path.GetFileName(weightsPath), name);
    }

    /// <summary>
    /// The float model <paramref name="spec"/> declares, with the imported weights in layer order: the activations
    /// come from the spec, the shapes must match it. Use <see cref="TrainedModelSpec.WithWeights"/> to compile or
    /// fine-tune it.
    /// </summary>
    /// <exception cref="ArgumentException">The layer count or a layer's shape differs from the spec; the message gives both.</exception>
    public static TrainedMlp ToModel(ModelSpec spec, IReadOnlyList<ImportedLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count != spec.Layers.Count)
        {
            throw new ArgumentException($"The file has {layers.Count} dense layers ({string.Join(", ", layers.Select(l => $"'{l.Name}' [{l.Outputs}, {l.Inputs}]"))}) " +
                $"but '{spec.Name}' declares {spec.Layers.Count}.", nameof(layers));
        }
        var result = new TrainedLayer[layers.Count];
        int inputs = spec.Inputs;
        for (int l = 0; l < layers.Count; l++)
        {
            var declared = spec.Layers[l];
            var layer = layers[l];
            if (layer.Inputs != inputs || layer.Outputs != declared.Outputs)
            {
                throw new ArgumentException($"Layer {l}: '{layer.Name}' in the file is [{layer.Outputs} outputs, {layer.Inputs} inputs] but '{declared.Name}' " +
                    $"in '{spec.Name}' is [{declared.Outputs}, {inputs}].", nameof(layers));
            }
            result[l] = new TrainedLayer(layer.Inputs, layer.Outputs, (float[])layer.Weights.Clone(), (float[])layer.Bias.Clone(), declared.Activation.ToActivation());
            inputs = declared.Outputs;
        }
        return new TrainedMlp(result);
    }

    private static string? Strip(string key, string[] suffixes) => suffixes.FirstOrDefault(s => key.EndsWith(s, StringComparison.Ordinal) && key.Length > s.Length);

    private static ImportedLayer FromRows(string name, float[][] rows, WeightLayout layout, float[]? bias, string source, string key)
    {
        if (rows.Length == 0 || rows[0].Length == 0) throw new InvalidDataException($"{source}: '{key}' is empty.");
        int width = rows[0].Length;
        for (int r = 1; r < rows.Length; r++)
        {
            if (rows[r].Length != width) throw new InvalidDataException($"{source}: '{key}' is ragged: row {r} has {rows[r].Length} values, row 0 has {width}.");
        }
        bool outputsFirst = layout != WeightLayout.InputsByOutputs;
        int outputs = outputsFirst ? rows.Length : width;
        int inputs = outputsFirst ? width : rows.Length;
        var weights = new float[outputs * inputs];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < inputs; i++) weights[o * inputs + i] = outputsFirst ? rows[o][i] : rows[i][o];
        }
        bias ??= new float[outputs];
        if (bias.Length != outputs) throw new InvalidDataException($"{source}: layer '{name}' has {outputs} outputs but its bias has {bias.Length} values.");
        return new ImportedLayer(name, inputs, outputs, weights, bias);
    }

    private static void CheckChain(List<ImportedLayer> layers, string source)
    {
        for (int l = 1; l < layers.Count; l++)
        {
            if (layers[l].Inputs != layers[l - 1].Outputs)
            {
                throw new InvalidDataException($"{source}: layer '{layers[l].Name}' takes {layers[l].Inputs} inputs but '{layers[l - 1].Name}' before it has " +
                    $"{layers[l - 1].Outputs} outputs (a transposed matrix? pass the layout explicitly).");
            }
        }
    }

    private static float[][] Matrix(JsonElement element, string source, string key)
    {
        if (element.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{source}: '{key}' must be a 2-D array, found {element.ValueKind}.");
        return element.EnumerateArray().Select((row, r) => row.ValueKind == JsonValueKind.Array
            ? Vector(row, source, $"{key}[{r}]")
            : throw new InvalidDataException($"{source}: '{key}' must be a 2-D array; row {r} is {row.ValueKind}.")).ToArray();
    }

    private static float[] Vector(JsonElement element, string source, string key)
    {
        if (element.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{source}: '{key}' must be an array of numbers, found {element.ValueKind}.");
        return element.EnumerateArray().Select((v, i) =>
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d)) throw new InvalidDataException($"{source}: '{key}'[{i}] is not a number ({v.ValueKind}).");
            return Finite(d, $"{source}: '{key}'[{i}]");
        }).ToArray();
    }

    private static float Number(string cell, string where)
    {
        if (!double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) throw new InvalidDataException($"{where}: '{cell.Trim()}' is not a number.");
        return Finite(d, where);
    }

    private static float Finite(double d, string where)
    {
        float f = (float)d;
        if (!float.IsFinite(f)) throw new InvalidDataException($"{where}: {d.ToString("R", CultureInfo.InvariantCulture)} is not a finite float.");
        return f;
    }
}
