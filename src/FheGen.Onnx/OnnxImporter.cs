using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Training;
using Google.Protobuf;
using Onnx;

namespace FheGen.Onnx;

/// <summary>
/// Reads an ONNX MLP (Gemm, MatMul + Add, Relu, Sigmoid, Tanh, LeakyRelu, Flatten, Identity, Reshape of a flat input;
/// opset 9..21; float initializers in raw_data or float_data) and writes it as a FheGen model: the attribute-annotated
/// partial class and its weights file.
/// </summary>
public static class OnnxImporter
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Parses the ONNX file at <paramref name="path"/> into a float MLP.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <returns>The layers, their names, the opset and the producer.</returns>
    /// <exception cref="OnnxImportException">The file is not ONNX, or uses an operator, shape, data type or opset outside the supported subset; the message names the node.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static OnnxMlp Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string source = Path.GetFileName(path);
        ModelProto model;
        using (var stream = File.OpenRead(path))
        {
            try
            {
                model = ModelProto.Parser.ParseFrom(stream);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new OnnxImportException($"{source}: not an ONNX model ({e.Message})", inner: e);
            }
        }
        return OnnxGraphReader.Read(model, source);
    }

    /// <summary>
    /// Reads the ONNX model, calibrates it when data is given, compiles the circuit it declares (as the generator will)
    /// and writes the model class to <see cref="OnnxImportOptions.OutputPath"/> and its weights to
    /// <c>&lt;name&gt;.Weights.cs</c> beside it. Both files are written or neither: every check runs before anything
    /// is written, the texts go to temporary files first, and a failure while moving them into place restores what was there.
    /// </summary>
    /// <param name="options">What to read and write.</param>
    /// <returns>The paths written and the model's and circuit's figures.</returns>
    /// <exception cref="OnnxImportException">As <see cref="Read"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent, or the calibration data does not fit the model.</exception>
    /// <exception cref="CircuitCompilationException">The declared circuit does not compile (e.g. a TLU wider than 16 bits).</exception>
    public static ImportResult Import(OnnxImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ModelPath, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.OutputPath, nameof(options));
        CheckRange(options.InputBits, 1, 16, nameof(options.InputBits));
        CheckRange(options.WeightBits, 2, 16, nameof(options.WeightBits));
        CheckRange(options.ActivationBits, 1, 16, nameof(options.ActivationBits));
        CheckRange(options.PbsBudgetBits, 1, 16, nameof(options.PbsBudgetBits));
        if (options.RoundBits is int r && r != RoundAccumulatorAttribute.Auto) CheckRange(r, 1, 16, nameof(options.RoundBits));
        if (options.InputMin.HasValue != options.InputMax.HasValue) throw new ArgumentException("Give both InputMin and InputMax, or neither.", nameof(options));
        if (options.InputMin is double lo && options.InputMax is double hi && !(double.IsFinite(lo) && double.IsFinite(hi) && lo < hi))
        {
            throw new ArgumentException($"The input range [{lo}, {hi}] must be finite with InputMin < InputMax.", nameof(options));
        }
        if (options.PerFeatureInputRanges && options.CalibrationCsv is null) throw new ArgumentException("PerFeatureInputRanges needs CalibrationCsv.", nameof(options));
        if (options.PerFeatureInputRanges && options.InputMin is not null) throw new ArgumentException("PerFeatureInputRanges excludes InputMin and InputMax.", nameof(options));
        if (options.CalibrationCsv is null && options.InputMin is null) throw new ArgumentException("Give InputMin and InputMax, or CalibrationCsv to calibrate the input range.", nameof(options));

        string className = options.ClassName ?? ClassNameFromFile(options.ModelPath);
        if (!CSharpSyntax.IsIdentifier(className)) throw new ArgumentException($"'{className}' is not a valid C# class name; set ClassName.", nameof(options));
        if (options.Namespace is { } ns && !CSharpSyntax.IsQualifiedName(ns)) throw new ArgumentException($"'{ns}' is not a valid namespace.", nameof(options));

        OnnxMlp onnx = Read(options.ModelPath);
        IReadOnlyList<string> layerNames = onnx.LayerNames.Select(n => n == className ? n + "Layer" : n).ToArray();
        TrainedMlp model = onnx.Model;

        Dataset? data = null;
        IReadOnlyList<(double Min, double Max)>? ranges = null;
        (float[] Min, float[] Max)? features = null;
        double inputMin = options.InputMin ?? 0, inputMax = options.InputMax ?? 1;
        if (options.CalibrationCsv is { } csv)
        {
            data = Dataset.LoadCsv(csv, options.CalibrationHasHeader);
            if (data.Features != model.Inputs)
            {
                throw new ArgumentException($"{Path.GetFileName(csv)} has {data.Features} features per row, but the model takes {model.Inputs}.", nameof(options));
            }
            if (model.Layers.Count > 1) ranges = ActivationCalibrator.Calibrate(model, data);
            if (options.PerFeatureInputRanges) features = InputCalibrator.Calibrate(data);
            else if (options.InputMin is null) (inputMin, inputMax) = InputCalibrator.CalibrateModelWide(data);
        }

        ModelSpec spec = Spec(className, model, layerNames, options, inputMin, inputMax, ranges, features);
        CircuitPlan plan = CircuitCompiler.Compile(spec, CompileOptions.Generator).PlanOrThrow();

        string provenance = $"imported by FheGen.Onnx from {Path.GetFileName(options.ModelPath)} ({Producer(onnx)}, opset {onnx.Opset})"
            + (data is null ? "" : $", calibrated on {Path.GetFileName(options.CalibrationCsv)} ({data.Count} rows)");
        string classText = ModelClassText(className, options, onnx, layerNames, model, inputMin, inputMax, features is not null, provenance);
        string weightsText = WeightsFileWriter.ToSource(new WeightsFileOptions
        {
            Namespace = options.Namespace,
            ClassName = className,
            LayerNames = layerNames,
            Model = model,
            Calibration = ranges,
            FeatureRanges = features,
            Provenance = provenance,
        });

        string classPath = Path.GetFullPath(options.OutputPath);
        string weightsPath = Path.Combine(Path.GetDirectoryName(classPath)!, Path.GetFileNameWithoutExtension(classPath) + ".Weights.cs");
        if (string.Equals(classPath, weightsPath, StringComparison.OrdinalIgnoreCase)) throw new ArgumentException("OutputPath must not end in .Weights.cs.", nameof(options));
        AtomicFiles.WriteAll([(classPath, Utf8NoBom.GetBytes(classText)), (weightsPath, Utf8NoBom.GetBytes(weightsText))]);

        return new ImportResult
        {
            WrittenPaths = [classPath, weightsPath],
            Onnx = onnx,
            Spec = spec,
            ClassName = className,
            Layers = model.Layers.Count,
            Parameters = model.Layers.Sum(l => (long)l.Weights.Length + l.Bias.Length),
            Calibrated = data is not null,
            CalibrationRows = data?.Count ?? 0,
            MaxTluInputBits = plan.MaxTluInputBits,
            PbsCount = plan.PbsCount,
            TotalPbsCount = plan.TotalPbsCount,
            FloatAccuracy = data is null ? null : model.Accuracy(data),
            CircuitAccuracy = data is null ? null : FheGen.Training.CircuitAccuracy.Clear(plan, data),
        };
    }

    /// <summary>The spec the written class declares, as the generator will extract it: the same compiler input, so the same circuit.</summary>
    internal static ModelSpec Spec(string className, TrainedMlp model, IReadOnlyList<string> layerNames, OnnxImportOptions options,
        double inputMin, double inputMax, IReadOnlyList<(double Min, double Max)>? ranges, (float[] Min, float[] Max)? features)
    {
        var layers = new LayerSpec[model.Layers.Count];
        for (int l = 0; l < layers.Length; l++)
        {
            TrainedLayer layer = model.Layers[l];
            layers[l] = new LayerSpec
            {
                Name = layerNames[l],
                Outputs = layer.Outputs,
                Activation = layer.Activation.ToKind(),
                Weights = new EquatableArray<float>((float[])layer.Weights.Clone()),
                Bias = new EquatableArray<float>((float[])layer.Bias.Clone()),
            };
        }
        var spec = new ModelSpec
        {
            Name = className,
            Inputs = model.Inputs,
            InputBits = options.InputBits,
            InputMin = inputMin,
            InputMax = inputMax,
            PbsBudgetBits = options.PbsBudgetBits,
            PError = ModelDefaults.PError,
            Layers = new EquatableArray<LayerSpec>(layers),
            Quantize = EquatableArray.Of(new QuantizeSetting(null, options.WeightBits, options.ActivationBits, null)),
            Round = options.RoundBits is int bits && model.Layers.Count > 1 ? EquatableArray.Of(new RoundSetting(null, bits)) : EquatableArray<RoundSetting>.Empty,
        };
        if (ranges is not null) spec = TrainedModelSpec.WithRanges(spec, ranges);
        if (features is { } f) spec = TrainedModelSpec.WithFeatureRanges(spec, f.Min, f.Max);
        return spec;
    }

    private static string ModelClassText(string className, OnnxImportOptions options, OnnxMlp onnx, IReadOnlyList<string> layerNames, TrainedMlp model,
        double inputMin, double inputMax, bool perFeature, string provenance)
    {
        var w = new StringBuilder();
        w.Append("// Model class ").Append(provenance.Replace('\n', ' ').Replace('\r', ' ')).Append(".\n");
        w.Append("// The weights, activation ranges and any per-feature input ranges are in ").Append(className).Append(".Weights.cs, which an import rewrites;\n");
        w.Append("// the attributes here are yours to tune (pruning, rounding, bits): the build reports each layer's TLU width (FHE0006).\n");
        w.Append("using FheGen;\n");
        if (options.Namespace is not null) w.Append("\nnamespace ").Append(options.Namespace).Append(";\n");
        w.Append('\n');
        w.Append("[FheModel(Inputs = ").Append(model.Inputs).Append(", InputBits = ").Append(options.InputBits);
        if (!perFeature) w.Append(", InputMin = ").Append(Literal(inputMin)).Append(", InputMax = ").Append(Literal(inputMax));
        w.Append(", PbsBudgetBits = ").Append(options.PbsBudgetBits).Append(")]\n");
        w.Append("[Quantize(WeightBits = ").Append(options.WeightBits).Append(", ActivationBits = ").Append(options.ActivationBits).Append(")]\n");
        for (int l = 0; l < model.Layers.Count; l++)
        {
            TrainedLayer layer = model.Layers[l];
            w.Append("[Dense(\"").Append(layerNames[l]).Append("\", ").Append(layer.Outputs);
            if (layer.Activation != Activation.Identity) w.Append(", Activation = Activation.").Append(layer.Activation);
            w.Append(")]").Append(l == 0 ? $"   // {onnx.Inputs} -> {layer.Outputs}" : "").Append('\n');
        }
        if (options.RoundBits is int bits && model.Layers.Count > 1)
        {
            w.Append("[RoundAccumulator(Bits = ").Append(bits == RoundAccumulatorAttribute.Auto ? "RoundAccumulatorAttribute.Auto" : bits.ToString(CultureInfo.InvariantCulture)).Append(")]\n");
        }
        w.Append("public static partial class ").Append(className).Append("\n{\n}\n");
        return w.ToString();
    }

    private static string Literal(double value)
    {
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') ? s : s + ".0";
    }

    private static string Producer(OnnxMlp onnx) =>
        onnx.ProducerName.Length == 0 ? "no producer" : (onnx.ProducerVersion.Length == 0 ? onnx.ProducerName : $"{onnx.ProducerName} {onnx.ProducerVersion}");

    private static void CheckRange(int value, int min, int max, string name)
    {
        if (value < min || value > max) throw new ArgumentException($"{name} is {value}; it must be in {min}..{max}.", "options");
    }

    /// <summary><c>digits-gemm-relu.onnx</c> gives <c>DigitsGemmRelu</c>.</summary>
    internal static string ClassNameFromFile(string path)
    {
        string name = OnnxGraphReader.FromInitializer(Path.GetFileNameWithoutExtension(path));
        return name.Length > 0 && char.IsDigit(name[0]) ? "Model" + name : name;
    }
}
