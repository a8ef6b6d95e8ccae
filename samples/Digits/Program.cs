using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FheGen.Samples.Digits;
using FheGen.Training;

// dotnet run --project samples/Digits -c Release [-- --json PATH] [--sweep-rounding] [--search-perror] [--encrypted N [--tlu-bits B] [--approximate] [--threads T] [--p-error P]] | [-- --train]
return Cli.Run(args);

static class Cli
{
    public static int Run(string[] args)
    {
        string? json = null;
        bool train = false, sweep = false, search = false, approximate = false;
        int? encrypted = null, tluBits = null, threads = null;
        double? pError = null;
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
                case "--sweep-rounding":
                    sweep = true;
                    break;
                case "--search-perror":
                    search = true;
                    break;
                case "--encrypted" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
                    encrypted = n;
                    i++;
                    break;
                case "--tlu-bits" when i + 1 < args.Length && int.TryParse(args[i + 1], out int b) && b >= 1 && b <= 16:
                    tluBits = b;
                    i++;
                    break;
                case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t >= 1:
                    threads = t;
                    i++;
                    break;
                case "--approximate":
                    approximate = true;
                    break;
                case "--p-error" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double pe) && pe > 0 && pe < 1:
                    pError = pe;
                    i++;
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
            if ((tluBits is not null || approximate || threads is not null || pError is not null) && encrypted is null)
            {
                Console.Error.WriteLine($"--tlu-bits, --approximate, --threads and --p-error go with --encrypted N\n{Usage}");
                return 2;
            }
            if (approximate && tluBits is null)
            {
                Console.Error.WriteLine($"--approximate needs --tlu-bits B (the declared model rounds exactly)\n{Usage}");
                return 2;
            }
            if (train && (sweep || search || encrypted is not null || json is not null))
            {
                Console.Error.WriteLine($"--train cannot be combined with other options\n{Usage}");
                return 2;
            }
            var encryptedOptions = encrypted is int count
                ? new DigitsEncrypted.Options(count, tluBits, approximate ? FheGen.Compiler.Model.RoundingKind.Approximate : FheGen.Compiler.Model.RoundingKind.Exact, threads, pError)
                : null;
            return train ? Train() : Report(json, sweep, search, encryptedOptions);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    private const string Usage =
        "usage: Digits [--json PATH] [--sweep-rounding] [--search-perror] [--encrypted N [--tlu-bits B] [--approximate] [--threads T] [--p-error P]] | --train\n" +
        "  (no option)       print the circuit report and the float / clear-quantized test accuracy\n" +
        "  --sweep-rounding  TLU bits 8..2 (exact and approximate rounding): clear and simulated accuracy, estimated latency\n" +
        "  --search-perror   bisection for the largest p_error within 1 point of the exact circuit's accuracy\n" +
        "  --encrypted N     run the first N test samples under TFHE: key generation, per-sample latency, agreement with the clear circuit\n" +
        "    --tlu-bits B    ... on a variant whose hidden layer is rounded to a B-bit TLU (interpreter), --approximate for approximate rounding\n" +
        "    --threads T     ... with T worker threads per lookup batch (default: all cores)\n" +
        "    --p-error P     ... with parameters chosen for p_error P per PBS (0 < P < 1; default the model's, 2^-40), and the\n" +
        "                    simulated accuracy at P on the same samples for comparison\n" +
        "  --json PATH       also write the report (and the sweep, search and encrypted run, when run) as JSON\n" +
        "  --train      retrain the float MLP (seeded), calibrate, rewrite DigitsMlp.Weights.cs; rebuild afterwards";

    private static int Report(string? jsonPath, bool sweep, bool search, DigitsEncrypted.Options? encrypted)
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        var report = DigitsExperiment.Evaluate(test);
        Console.WriteLine($"DigitsMlp: {test.Count} test samples (stratified 75/25 split, seed {DigitsExperiment.Seed})");
        Console.WriteLine();
        Console.WriteLine(DigitsMlp.Circuit.ToTable());
        Console.WriteLine();
        Console.WriteLine($"float accuracy          {Percent(report.FloatAccuracy)}");
        Console.WriteLine($"clear-quantized         {Percent(report.ClearAccuracy)}");
        if (sweep)
        {
            Console.WriteLine();
            Console.WriteLine($"rounding sweep of 'Hidden' (simulated at the model's p_error, seed {DigitsOptimization.SimulationSeed}; latency: FheGen.Compiler.Cost.CostModel):");
            var rows = DigitsOptimization.SweepRounding(test);
            Console.WriteLine($"{"TLU bits",8} {"LSBs",5} {"method",-12} {"clear",8} {"simulated",10} {"est. latency",13} {"speed-up",9}");
            double baseline = rows[0].EstimatedLatencyMs;
            foreach (var r in rows)
            {
                Console.WriteLine($"{r.TluBits,8} {r.RoundedBits,5} {r.Method,-12} {Percent(r.ClearAccuracy),8} {Percent(r.SimulatedAccuracy),10} " +
                    $"{FheGen.Compiler.Cost.CostModel.FormatLatency(r.EstimatedLatencyMs),13} {(baseline / r.EstimatedLatencyMs).ToString("F1", CultureInfo.InvariantCulture) + "x",9}");
            }
            report = report with { RoundingSweep = rows };
        }
        if (search)
        {
            Console.WriteLine();
            Console.WriteLine("p_error search (generated circuit on SimulatedBackend, 5 runs per step, all within 1 point):");
            var watch = Stopwatch.StartNew();
            var result = DigitsOptimization.SearchPError(test);
            Console.WriteLine(result.FormatTable());
            Console.WriteLine($"p_error {result.PError.ToString("G3", CultureInfo.InvariantCulture)} per TLU: accuracy {Percent(result.Metric)} " +
                $"(exact circuit {Percent(result.ReferenceMetric)}), {(result.Converged ? "converged" : "NOT converged")} in {watch.Elapsed.TotalSeconds:F1} s");
            if (result.Warning is not null) Console.WriteLine("warning: " + result.Warning);
            var plan = FheGen.Compiler.Pipeline.CircuitCompiler.Compile(DigitsMlp.Spec).PlanOrThrow();
            Console.WriteLine($"estimated latency: {FheGen.Compiler.Cost.CostModel.FormatLatency(FheGen.Compiler.Cost.CostModel.Estimate(plan, plan.PError).TotalLatencyMs)} at the model's p_error, " +
                $"{FheGen.Compiler.Cost.CostModel.FormatLatency(FheGen.Compiler.Cost.CostModel.Estimate(plan, result.PError).TotalLatencyMs)} at the one found");
            report = report with { PErrorSearch = DigitsOptimization.ToReport(result) };
        }
        if (encrypted is not null)
        {
            Console.WriteLine();
            report = report with { Encrypted = DigitsEncrypted.Run(test, encrypted, Console.Out) };
        }
        if (jsonPath is not null)
        {
            var text = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
            File.WriteAllText(jsonPath, text + "\n");
            Console.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    private static string Percent(double v) => v.ToString("P2", CultureInfo.InvariantCulture);

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
