using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FheGen.Samples.Digits;
using FheGen.Training;
using FheGen.Training.Qat;

// dotnet run --project samples/Digits -c Release [-- --json PATH] [--sweep-rounding] [--search-perror] [--compare-qat] [--compare-pruning] [--encrypted N [--tlu-bits B] [--approximate] [--threads T] [--p-error P]] | [-- --train] | [-- --sweep [--out DIR] [--limit N] [--quick]]
return Cli.Run(args);

internal static class Cli
{
    public static int Run(string[] args)
    {
        if (args.Contains("--sweep")) return FheGen.Plotting.SweepCommand.Run(DigitsSweep.Target, args.Where(a => a != "--sweep").ToArray());
        string? json = null;
        bool train = false, sweep = false, search = false, approximate = false, compareQat = false, comparePruning = false;
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
                case "--compare-qat":
                    compareQat = true;
                    break;
                case "--compare-pruning":
                    comparePruning = true;
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
            if (train && (sweep || search || compareQat || comparePruning || encrypted is not null || json is not null))
            {
                Console.Error.WriteLine($"--train cannot be combined with other options\n{Usage}");
                return 2;
            }
            var encryptedOptions = encrypted is int count
                ? new DigitsEncrypted.Options(count, tluBits, approximate ? FheGen.Compiler.Model.RoundingKind.Approximate : FheGen.Compiler.Model.RoundingKind.Exact, threads, pError)
                : null;
            return train ? Train() : Report(json, sweep, search, compareQat, comparePruning, encryptedOptions);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    private const string Usage =
        "usage: Digits [--json PATH] [--sweep-rounding] [--search-perror] [--compare-qat] [--compare-pruning] [--encrypted N [--tlu-bits B] [--approximate] [--threads T] [--p-error P]] | --train\n" +
        "       Digits --sweep [--out DIR] [--limit N] [--quick]\n" +
        "  (no option)       print the circuit report and the float / clear-quantized test accuracy\n" +
        "  --sweep-rounding  TLU bits 8..2 (exact and approximate rounding): clear and simulated accuracy, estimated latency\n" +
        "  --search-perror   bisection for the largest p_error within 1 point of the exact circuit's accuracy\n" +
        "  --compare-qat     per setting (bits, pruning, TLU width): test accuracy after post-training quantization and after\n" +
        "                    quantization-aware training (5 seeds), from the same float model (about 40 s)\n" +
        "  --compare-pruning structured pruning of the hidden layer (25/50/75 %, two criteria), then QAT (about 15 s)\n" +
        "  --encrypted N     run the first N test samples under TFHE: key generation, per-sample latency, agreement with the clear circuit\n" +
        "    --tlu-bits B    ... on a variant whose hidden layer is rounded to a B-bit TLU (interpreter), --approximate for approximate rounding\n" +
        "    --threads T     ... with T worker threads per lookup batch (default: all cores)\n" +
        "    --p-error P     ... with parameters chosen for p_error P per PBS (0 < P < 1; default the model's, 2^-40), and the\n" +
        "                    simulated accuracy at P on the same samples for comparison\n" +
        "  --json PATH       also write the report (and the sweep, search and encrypted run, when run) as JSON\n" +
        "  --train      retrain (seeded): float MLP, calibration, then quantization-aware fine-tuning for the declared\n" +
        "               attributes; rewrites DigitsMlp.Weights.cs (weights, ranges, [TrainedWith]); rebuild afterwards\n" +
        FheGen.Plotting.SweepCommand.Usage;

    private static int Report(string? jsonPath, bool sweep, bool search, bool compareQat, bool comparePruning, DigitsEncrypted.Options? encrypted)
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
        if (compareQat)
        {
            Console.WriteLine();
            Console.WriteLine("post-training quantization vs quantization-aware training (float model retrained as --train does; test accuracy of the clear circuit; QAT with seed 42, and over seeds 42..46):");
            var (trainSet, _) = DigitsExperiment.LoadSplit();
            var rows = DigitsQat.Compare(trainSet, test, seeds: 5, progress: r => Console.WriteLine($"  {r.Setting}: PTQ {Percent(r.PtqAccuracy)}, QAT {Percent(r.QatMean)} (mean of {r.QatSeeds} seeds)"));
            Console.WriteLine(DigitsQat.FormatTable(rows));
            report = report with { QatComparison = rows };
        }
        if (comparePruning)
        {
            Console.WriteLine();
            Console.WriteLine("structured pruning of 'Hidden' (float model retrained as --train does; removed neurons' means folded into the output bias), then QAT:");
            var (trainSet, _) = DigitsExperiment.LoadSplit();
            var rows = DigitsQat.ComparePruning(trainSet, test, progress: r => Console.WriteLine($"  {r.Fraction:P0} by {r.Criterion}: QAT {Percent(r.QatAccuracy)}"));
            Console.WriteLine(DigitsQat.FormatTable(rows));
            report = report with { PruningComparison = rows };
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
            if (epoch % 10 == 0) Console.WriteLine($"float epoch {epoch,3}: loss {loss:F4}, train accuracy {accuracy:P2}");
        }));
        Console.WriteLine($"float: trained in {watch.Elapsed.TotalSeconds:F2} s; test accuracy {model.Accuracy(testSet):P2}");

        // Post-training quantization first (calibrated float weights under the declared attributes), for comparison.
        var declared = DigitsMlp.Spec with { Trained = FheGen.Compiler.Model.EquatableArray<FheGen.Compiler.Model.TrainedSetting>.Empty };
        var ptq = TrainedModelSpec.WithWeights(declared, model, ActivationCalibrator.Calibrate(model, trainSet));
        var ptqPlan = FheGen.Compiler.Pipeline.CircuitCompiler.Compile(ptq).PlanOrThrow();
        Console.WriteLine($"post-training quantization: test accuracy {CircuitAccuracy.Clear(ptqPlan, testSet):P2}, {ptqPlan.PbsCount} PBS, " +
            $"widest TLU {ptqPlan.MaxTluInputBits} bits");

        watch.Restart();
        var qat = QatTrainer.FineTune(ptq, trainSet, DigitsExperiment.QatOptions(e =>
        {
            if (e.Epoch % 5 == 0) Console.WriteLine($"QAT epoch {e.Epoch,3}/{e.Epochs}: loss {e.Loss:F4}, train accuracy {e.TrainAccuracy:P2}, " +
                $"MaxActiveInputs {string.Join("/", e.MaxActiveInputs.Select(k => k?.ToString(CultureInfo.InvariantCulture) ?? "all"))}");
        }));
        var qatPlan = FheGen.Compiler.Pipeline.CircuitCompiler.Compile(qat.Spec).PlanOrThrow();
        Console.WriteLine($"quantization-aware training: {watch.Elapsed.TotalSeconds:F2} s; test accuracy {CircuitAccuracy.Clear(qatPlan, testSet):P2}, " +
            $"{qatPlan.PbsCount} PBS, widest TLU {qatPlan.MaxTluInputBits} bits");

        string path = Path.Combine(SourceDirectory(), "DigitsMlp.Weights.cs");
        bool changed = WeightsFileWriter.WriteFile(path, new WeightsFileOptions
        {
            Namespace = "FheGen.Samples.Digits",
            ClassName = "DigitsMlp",
            Accessibility = "public",
            IsStatic = true,
            LayerNames = new[] { "Hidden", "Output" },
            Model = qat.Model,
            Calibration = qat.Ranges,
            Trained = qat.Settings,
            Provenance = "dotnet run --project samples/Digits -c Release -- --train (float: seed 42, 60 epochs, Adam 1e-3, L2 1e-4; " +
                "then QAT: 30 epochs, Adam 3e-3 cosine, pruning ramp 40 %)",
        });
        Console.WriteLine(changed ? $"wrote {path}; rebuild to regenerate the circuit" : $"{path} is unchanged");
        return 0;
    }

    private static string SourceDirectory([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
