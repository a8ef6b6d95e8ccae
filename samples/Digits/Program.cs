using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FheGen.Samples.Digits;
using FheGen.Training;

// dotnet run --project samples/Digits -c Release [-- --json PATH] [-- --train]
return Cli.Run(args);

static class Cli
{
    public static int Run(string[] args)
    {
        string? json = null;
        bool train = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json" when i + 1 < args.Length:
                    json = args[++i];
                    break;
                case "--train":
                    train = true;
                    break;
                case "-h":
                case "--help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }
        try
        {
            return train ? Train() : Report(json);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    private const string Usage =
        "usage: Digits [--json PATH] | --train\n" +
        "  (no option)  print the circuit report and the float / clear-quantized test accuracy\n" +
        "  --json PATH  also write the report as JSON\n" +
        "  --train      retrain the float MLP (seeded), calibrate, rewrite DigitsMlp.Weights.cs; rebuild afterwards";

    private static int Report(string? jsonPath)
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        var report = DigitsExperiment.Evaluate(test);
        Console.WriteLine($"DigitsMlp: {test.Count} test samples (stratified 75/25 split, seed {DigitsExperiment.Seed})");
        Console.WriteLine();
        Console.WriteLine(DigitsMlp.Circuit.ToTable());
        Console.WriteLine();
        Console.WriteLine($"float accuracy          {report.FloatAccuracy.ToString("P2", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"clear-quantized         {report.ClearAccuracy.ToString("P2", CultureInfo.InvariantCulture)}");
        if (jsonPath is not null)
        {
            var text = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
            File.WriteAllText(jsonPath, text + "\n");
            Console.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    private static int Train()
    {
        var (trainSet, testSet) = DigitsExperiment.LoadSplit();
        var watch = Stopwatch.StartNew();
        var model = MlpTrainer.Train(trainSet, DigitsExperiment.TrainerOptions((epoch, loss, accuracy) =>
        {
            if (epoch % 10 == 0) Console.WriteLine($"epoch {epoch,3}: loss {loss:F4}, train accuracy {accuracy:P2}");
        }));
        Console.WriteLine($"trained in {watch.Elapsed.TotalSeconds:F2} s; float test accuracy {model.Accuracy(testSet):P2}");
        var calibration = ActivationCalibrator.Calibrate(model, trainSet);
        string path = Path.Combine(SourceDirectory(), "DigitsMlp.Weights.cs");
        bool changed = WeightsFileWriter.WriteFile(path, new WeightsFileOptions
        {
            Namespace = "FheGen.Samples.Digits",
            ClassName = "DigitsMlp",
            Accessibility = "public",
            IsStatic = true,
            LayerNames = new[] { "Hidden", "Output" },
            Model = model,
            Calibration = calibration,
            Provenance = "dotnet run --project samples/Digits -c Release -- --train (seed 42, 60 epochs, Adam 1e-3, L2 1e-4)",
        });
        Console.WriteLine(changed ? $"wrote {path}; rebuild to regenerate the circuit" : $"{path} is unchanged");
        return 0;
    }

    private static string SourceDirectory([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
