using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FheGen.Backends;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Samples.FashionMnist;
using FheGen.Training;
using FheGen.Training.Qat;

// dotnet run --project samples/FashionMnist -c Release [-- --json PATH] [--limit N] [--encrypted N [--threads T]] | [-- --train] | [-- --sweep [--out DIR] [--limit N] [--quick]]
return Cli.Run(args);

internal static class Cli
{
    private const string Usage =
        "usage: FashionMnist [--json PATH] [--limit N] [--encrypted N [--threads T]] | --train\n" +
        "       FashionMnist --sweep [--out DIR] [--limit N] [--quick]\n" +
        "  (no option)   print the circuit report and the float / clear-quantized accuracy on the 10,000 test images\n" +
        "  --limit N     ... on the first N test images only\n" +
        "  --encrypted N run the first N test images under TFHE: key generation, per-sample latency (each sample takes about\n" +
        "                a minute on 2 cores), agreement with the clear circuit\n" +
        "    --threads T ... with T worker threads per lookup batch (default: all cores)\n" +
        "  --json PATH   also write the report (and the encrypted run, when run) as JSON (the digits sample's field names)\n" +
        "  --train       retrain (seeded): float MLP, calibration, then quantization-aware fine-tuning for the declared\n" +
        "                attributes; rewrites FashionMnistMlp.Weights.cs; rebuild afterwards (about 3 minutes on 2 cores)\n" +
        FheGen.Plotting.SweepCommand.Usage + "\n" +
        $"data: Debian's dataset-fashion-mnist in {FashionMnistExperiment.DefaultFolder}, or ${FashionMnistExperiment.FolderVariable}";

    public static int Run(string[] args)
    {
        if (args.Contains("--sweep")) return FheGen.Plotting.SweepCommand.Run(FashionMnistSweep.Target, args.Where(a => a != "--sweep").ToArray());
        string? json = null;
        int? limit = null, encrypted = null, threads = null;
        bool train = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json" when i + 1 < args.Length:
                    json = args[++i];
                    break;
                case "--limit" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
                    limit = n;
                    i++;
                    break;
                case "--encrypted" when i + 1 < args.Length && int.TryParse(args[i + 1], out int e) && e > 0:
                    encrypted = e;
                    i++;
                    break;
                case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t >= 1:
                    threads = t;
                    i++;
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
        if (threads is not null && encrypted is null)
        {
            Console.Error.WriteLine($"--threads goes with --encrypted N\n{Usage}");
            return 2;
        }
        if (train && (json is not null || limit is not null || encrypted is not null))
        {
            Console.Error.WriteLine($"--train cannot be combined with other options\n{Usage}");
            return 2;
        }
        try
        {
            return train ? Train() : Report(json, limit, encrypted, threads);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    private static string Percent(double v) => v.ToString("P2", CultureInfo.InvariantCulture);

    private static int Report(string? jsonPath, int? limit, int? encrypted, int? threads)
    {
        var test = FashionMnistExperiment.LoadTest(limit);
        var report = FashionMnistExperiment.Evaluate(test);
        Console.WriteLine($"FashionMnistMlp: {test.Count} test images");
        Console.WriteLine();
        Console.WriteLine(FashionMnistMlp.Circuit.ToTable());
        Console.WriteLine();
        Console.WriteLine($"float accuracy          {Percent(report.FloatAccuracy)}");
        Console.WriteLine($"clear-quantized         {Percent(report.ClearAccuracy)}");
        FheGen.Tfhe.Circuits.EncryptedReport? encryptedReport = null;
        if (encrypted is int count)
        {
            Console.WriteLine();
            encryptedReport = FashionMnistExperiment.RunEncrypted(test, count, threads, Console.Out);
        }
        if (jsonPath is not null)
        {
            // The digits report's layout: the common fields, then an "encrypted" section when it ran.
            var node = JsonSerializer.SerializeToNode(report)!.AsObject();
            if (encryptedReport is not null) node["encrypted"] = JsonSerializer.SerializeToNode(encryptedReport);
            File.WriteAllText(jsonPath, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    private static int Train()
    {
        var (trainSet, testSet) = FashionMnistExperiment.Load();
        var watch = Stopwatch.StartNew();
        var model = MlpTrainer.Train(trainSet, FashionMnistExperiment.TrainerOptions((epoch, loss, accuracy) =>
            Console.WriteLine($"float epoch {epoch,3}: loss {loss:F4}, train accuracy {accuracy:P2}, {watch.Elapsed.TotalSeconds:F0} s")));
        Console.WriteLine($"float: test accuracy {model.Accuracy(testSet):P2}");

        var declared = FashionMnistMlp.Spec with { Trained = EquatableArray<TrainedSetting>.Empty };
        var ptq = TrainedModelSpec.WithWeights(declared, model, ActivationCalibrator.Calibrate(model, trainSet));
        var ptqPlan = CircuitCompiler.Compile(ptq).PlanOrThrow();
        Console.WriteLine($"post-training quantization: test accuracy {CircuitAccuracy.Clear(ptqPlan, testSet):P2}, widest TLU {ptqPlan.MaxTluInputBits} bits");

        watch.Restart();
        var qat = QatTrainer.FineTune(ptq, trainSet, FashionMnistExperiment.QatOptions(e =>
            Console.WriteLine($"QAT epoch {e.Epoch}/{e.Epochs}: loss {e.Loss:F4}, train accuracy {e.TrainAccuracy:P2}, " +
                $"MaxActiveInputs {e.MaxActiveInputs[0]?.ToString(CultureInfo.InvariantCulture) ?? "all"}, {watch.Elapsed.TotalSeconds:F0} s")));
        var plan = CircuitCompiler.Compile(qat.Spec).PlanOrThrow();
        Console.WriteLine($"quantization-aware training: test accuracy {CircuitAccuracy.Clear(plan, testSet):P2}, {plan.PbsCount} PBS, widest TLU {plan.MaxTluInputBits} bits");

        string path = Path.Combine(SourceDirectory(), "FashionMnistMlp.Weights.cs");
        bool changed = WeightsFileWriter.WriteFile(path, new WeightsFileOptions
        {
            Namespace = "FheGen.Samples.FashionMnist",
            ClassName = "FashionMnistMlp",
            Accessibility = "public",
            IsStatic = true,
            LayerNames = new[] { "Hidden", "Output" },
            Model = qat.Model,
            Calibration = qat.Ranges,
            Trained = qat.Settings,
            Provenance = "dotnet run --project samples/FashionMnist -c Release -- --train (float: seed 42, 10 epochs, batch 64, Adam 1e-3, L2 1e-4; " +
                "then QAT: 5 epochs, batch 64, Adam 1e-3 cosine)",
        });
        Console.WriteLine(changed ? $"wrote {path}; rebuild to regenerate the circuit" : $"{path} is unchanged");
        return 0;
    }

    private static string SourceDirectory([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
