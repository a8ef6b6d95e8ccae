using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Cli.Infrastructure;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Onnx;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="ImportCommand"/>.</summary>
internal sealed class ImportSettings : JsonSettings
{
    [CommandArgument(0, "<MODEL_ONNX>")]
    [Description("An ONNX MLP (Gemm or MatMul + Add, Relu, Sigmoid, Tanh, LeakyRelu, Flatten, Identity, Reshape; opset 9-21)")]
    public string Model { get; init; } = "";

    [CommandOption("-o|--out <CS>")]
    [Description("The model class to write; its weights go to NAME.Weights.cs beside it")]
    public string Out { get; init; } = "";

    [CommandOption("--name <CLASS>")]
    [Description("The class name (default: the ONNX file's name in PascalCase)")]
    public string? Name { get; init; }

    [CommandOption("--namespace <NAMESPACE>")]
    [Description("The class's namespace (default: the global namespace)")]
    public string? Namespace { get; init; }

    [CommandOption("--calibrate <CSV>")]
    [Description("Representative rows (features, then the label) for the input and activation ranges")]
    public string? Calibrate { get; init; }

    [CommandOption("--header")]
    [Description("The calibration file's first line is a header")]
    public bool Header { get; init; }

    [CommandOption("--input-range <MIN,MAX>")]
    [Description("The model-wide input range (required without --calibrate)")]
    public string? InputRange { get; init; }

    [CommandOption("--per-feature")]
    [Description("One input range per feature, from the calibration rows (FeatureMin/FeatureMax)")]
    public bool PerFeature { get; init; }

    [CommandOption("--input-bits <BITS>")]
    [DefaultValue(4)]
    public int InputBits { get; init; } = 4;

    [CommandOption("--weight-bits <BITS>")]
    [DefaultValue(ModelDefaults.WeightBits)]
    public int WeightBits { get; init; } = ModelDefaults.WeightBits;

    [CommandOption("--activation-bits <BITS>")]
    [DefaultValue(ModelDefaults.ActivationBits)]
    public int ActivationBits { get; init; } = ModelDefaults.ActivationBits;

    [CommandOption("--budget <BITS>")]
    [Description("The PBS budget, PbsBudgetBits")]
    [DefaultValue(ModelDefaults.PbsBudgetBits)]
    public int Budget { get; init; } = ModelDefaults.PbsBudgetBits;

    [CommandOption("--round <BITS|auto|none>")]
    [Description("Round every hidden layer to this TLU width; auto: to the budget with the fewest LSBs (default)")]
    [DefaultValue("auto")]
    public string Round { get; init; } = "auto";

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required: the model class file to write (e.g. -o Models/MyModel.cs).");
        if (Calibrate is null && InputRange is null) return ValidationResult.Error("Give --calibrate CSV, or --input-range MIN,MAX.");
        if (PerFeature && Calibrate is null) return ValidationResult.Error("--per-feature needs --calibrate.");
        if (InputRange is not null && ParseRange(InputRange) is null) return ValidationResult.Error($"--input-range '{InputRange}' is not MIN,MAX with MIN < MAX.");
        if (ParseRound(Round) is null) return ValidationResult.Error($"--round '{Round}' is not a width of 1-16 bits, auto or none.");
        return ValidationResult.Success();
    }

    internal static (double Min, double Max)? ParseRange(string text)
    {
        var parts = text.Split(',');
        return parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double min)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double max)
            && double.IsFinite(min) && double.IsFinite(max) && min < max
            ? (min, max) : null;
    }

    /// <summary>The rounding as OnnxImportOptions takes it: a width, Auto, or 0 for none; null when the text is none of those.</summary>
    internal static int? ParseRound(string text) => text switch
    {
        "auto" => RoundAccumulatorAttribute.Auto,
        "none" => 0,
        _ => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) && bits is >= 1 and <= 16 ? bits : null,
    };
}

/// <summary>
/// <c>fhegen import</c>: an ONNX MLP as an attribute-annotated model class and its weights file (<see cref="OnnxImporter.Import"/>),
/// both written or neither.
/// </summary>
[CliCommand("import", "Write an ONNX MLP as a FheGen model class and its weights file, calibrated on data if given",
    Examples = ["import digits.onnx -o Models/DigitsMlp.cs --calibrate train.csv", "import mlp.onnx -o Mlp.cs --input-range 0,1 --round 6"])]
internal sealed class ImportCommand : Command<ImportSettings>
{
    public override int Execute(CommandContext context, ImportSettings settings, CancellationToken cancellationToken)
    {
        var range = settings.InputRange is null ? null : ImportSettings.ParseRange(settings.InputRange);
        int round = ImportSettings.ParseRound(settings.Round)!.Value;
        var options = new OnnxImportOptions
        {
            ModelPath = settings.Model,
            OutputPath = settings.Out,
            ClassName = settings.Name,
            Namespace = settings.Namespace,
            CalibrationCsv = settings.Calibrate,
            CalibrationHasHeader = settings.Header,
            InputMin = range?.Min,
            InputMax = range?.Max,
            PerFeatureInputRanges = settings.PerFeature,
            InputBits = settings.InputBits,
            WeightBits = settings.WeightBits,
            ActivationBits = settings.ActivationBits,
            PbsBudgetBits = settings.Budget,
            RoundBits = round == 0 ? null : round,
        };
        ImportResult result;
        try
        {
            result = OnnxImporter.Import(options);
        }
        catch (OnnxImportException e)
        {
            throw new InputFileException(settings.Model, StripPath(e.Message, settings.Model), e);
        }
        catch (Exception e) when (settings.Calibrate is not null && e is FormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            && e.Message.Contains(Path.GetFileName(settings.Calibrate), StringComparison.Ordinal))
        {
            throw new InputFileException(settings.Calibrate, StripPath(e.Message, settings.Calibrate), e);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Split(" (Parameter")[0]);
        }
        catch (CircuitCompilationException e)
        {
            throw new ModelException(e.Message);
        }

        if (settings.Json)
        {
            Json.Write(new JsonObject
            {
                ["model"] = settings.Model,
                ["class"] = result.ClassName,
                ["written"] = Json.Array(result.WrittenPaths),
                ["layers"] = result.Layers,
                ["parameters"] = result.Parameters,
                ["calibration_rows"] = result.CalibrationRows,
                ["max_tlu_bits"] = result.MaxTluInputBits,
                ["pbs"] = result.PbsCount,
                ["total_pbs"] = result.TotalPbsCount,
                ["float_accuracy"] = result.FloatAccuracy,
                ["circuit_accuracy"] = result.CircuitAccuracy,
            });
            return CliApp.Ok;
        }
        var output = CliIo.Current.Out;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.ClassName}: {result.Layers} layers, {result.Parameters:N0} parameters, opset {result.Onnx.Opset}; widest TLU {result.MaxTluInputBits} bits, {result.PbsCount} lookups ({result.TotalPbsCount} PBS with rounding)"));
        if (result.FloatAccuracy is double f && result.CircuitAccuracy is double c)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"on the {result.CalibrationRows} calibration rows: float {f:P2}, circuit {c:P2}"));
        }
        foreach (string path in result.WrittenPaths) output.WriteLine("wrote " + path);
        return CliApp.Ok;
    }

    /// <summary>The message without a leading "path: " (the exception for the exit code names the file itself).</summary>
    private static string StripPath(string message, string path)
    {
        foreach (string prefix in new[] { path + ": ", Path.GetFileName(path) + ": " })
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal)) return message[prefix.Length..];
        }
        return message;
    }
}
