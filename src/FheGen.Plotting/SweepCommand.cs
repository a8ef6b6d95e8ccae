using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;
using FheGen.Training;
using FheGen.Training.Sweeps;

namespace FheGen.Plotting;

/// <summary>What a sample sweeps: its model, its data and its grids.</summary>
/// <param name="Name">The model's name, for messages and the report.</param>
/// <param name="Spec">The model's spec with its weights (a model class's <c>Spec</c>).</param>
/// <param name="LoadTest">Loads the test rows, the first N when given a limit.</param>
/// <param name="Grid">The default grid.</param>
public sealed record SweepTarget(string Name, ModelSpec Spec, Func<int?, Dataset> LoadTest, IReadOnlyList<SweepPoint> Grid)
{
    /// <summary>A few points for <c>--quick</c> (a smoke run), or null when the sample has none.</summary>
    public IReadOnlyList<SweepPoint>? QuickGrid { get; init; }

    /// <summary>
    /// Loads the training rows whose means structured pruning folds into the next bias (<see cref="SweepOptions.PruningData"/>);
    /// called only when the grid has a pruning fraction. Null prunes data-free.
    /// </summary>
    public Func<Dataset>? LoadPruningData { get; init; }

    /// <summary>Seed of the simulated TLU errors.</summary>
    public ulong Seed { get; init; } = 42;
}

/// <summary>
/// The samples' <c>--sweep</c> command: runs <see cref="Sweep.Run"/> over a sample's grid with a checkpoint, prints
/// progress and the Pareto front, and writes <c>sweep.jsonl</c> (the checkpoint), <c>sweep.json</c>
/// (<see cref="SweepReport"/>) and <c>pareto.png</c> (<see cref="ParetoPlot"/>). Ctrl+C stops after the current
/// point; the same command resumes.
/// </summary>
public static class SweepCommand
{
    /// <summary>The options, for a sample's usage text.</summary>
    public const string Usage =
        "  --sweep           sweep bits, structured pruning, MaxActiveInputs, rounding and p_error: clear and simulated accuracy,\n" +
        "                    TLU bits, PBS, estimated latency and encryptability per point, and the Pareto front\n" +
        "    --out DIR       ... writing DIR/sweep.jsonl (checkpoint: a rerun resumes), sweep.json and pareto.png (default sweep-out)\n" +
        "    --limit N       ... on the first N test samples\n" +
        "    --quick         ... on a few points only (a smoke run)";

    /// <summary>Checkpoint file name in the output folder.</summary>
    public const string CheckpointFile = "sweep.jsonl";

    /// <summary>Report file name in the output folder.</summary>
    public const string ReportFile = "sweep.json";

    /// <summary>Picture file name in the output folder.</summary>
    public const string PlotFile = "pareto.png";

    /// <summary>
    /// What the checkpoint was measured on, next to it: a rerun on other data (another model, <c>--limit</c> or seed)
    /// would otherwise mix figures from both into one front.
    /// </summary>
    public const string SettingsFile = "sweep-settings.json";

    /// <summary>The exit code after Ctrl+C, as a shell reports a program ended by SIGINT.</summary>
    public const int CancelledExitCode = 130;

    /// <summary>
    /// Runs the command with <paramref name="args"/> (the options after <c>--sweep</c>), on the console, stopping
    /// cleanly on Ctrl+C (a second one ends the process at once).
    /// </summary>
    /// <returns>0 when done, 1 on an error, 2 on bad arguments, <see cref="CancelledExitCode"/> when stopped.</returns>
    public static int Run(SweepTarget target, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (cancel.IsCancellationRequested) return; // the second Ctrl+C ends the process
            e.Cancel = true;
            Console.Error.WriteLine("stopping after the current point (Ctrl+C again to end now)...");
            cancel.Cancel();
        }
        Console.CancelKeyPress += OnCancel;
        try
        {
            return Run(target, args, Console.Out, Console.Error, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>Runs the command with <paramref name="args"/>, writing to the given streams, until done or cancelled.</summary>
    /// <returns>0 when done, 1 on an error, 2 on bad arguments, <see cref="CancelledExitCode"/> when cancelled.</returns>
    public static int Run(SweepTarget target, IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string folder = "sweep-out";
        int? limit = null;
        bool quick = false;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Count && args[i + 1].Length > 0 && !args[i + 1].StartsWith("--", StringComparison.Ordinal):
                    folder = args[++i];
                    break;
                case "--limit" when i + 1 < args.Count:
                    if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n <= 0)
                    {
                        error.WriteLine($"--limit takes a positive number of test samples, not '{args[i + 1]}'\n{Usage}");
                        return 2;
                    }
                    limit = n;
                    i++;
                    break;
                case "--quick":
                    quick = true;
                    break;
                default:
                    error.WriteLine($"--sweep: unknown or incomplete argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }
        var grid = quick ? target.QuickGrid : target.Grid;
        if (grid is null || grid.Count == 0)
        {
            error.WriteLine($"--sweep: {target.Name} has no {(quick ? "quick " : "")}grid");
            return 2;
        }
        try
        {
            return RunSweep(target, grid, folder, limit, output, cancellationToken);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    private sealed record Settings(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("test_samples")] int TestSamples,
        [property: JsonPropertyName("seed")] ulong Seed);

    private static int RunSweep(SweepTarget target, IReadOnlyList<SweepPoint> grid, string folder, int? limit, TextWriter output, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(folder);
        string checkpoint = Path.Combine(folder, CheckpointFile);
        var test = target.LoadTest(limit);
        // Only pruned points read the training rows.
        var pruningData = target.LoadPruningData is { } load && grid.Any(p => p.PruneFraction is not null) ? load() : null;
        CheckSettings(Path.Combine(folder, SettingsFile), new Settings(target.Name, test.Count, target.Seed));

        var done = Sweep.ReadCheckpoint(checkpoint);
        int resumed = grid.Count(p => done.ContainsKey(p.Key));
        output.WriteLine($"sweep of {target.Name}: {grid.Count} points on {test.Count} test samples (simulated TLU errors seed {target.Seed}" +
            (pruningData is null ? "" : $"; pruned neurons' means over {pruningData.Count} training samples") + $") into {folder}");
        if (resumed > 0) output.WriteLine($"resuming: {resumed} of {grid.Count} points are in {checkpoint}");

        int measured = 0;
        var options = new SweepOptions
        {
            Seed = target.Seed,
            CheckpointPath = checkpoint,
            PruningData = pruningData,
            Progress = (r, n, total) =>
            {
                if (done.ContainsKey(r.Point.Key)) return;
                measured++;
                string figures = r.Error is not null
                    ? "does not compile"
                    : $"simulated {Percent(r.SimulatedAccuracy),8}  clear {Percent(r.ClearAccuracy),8}  {CostModel.FormatLatency(r.EstimatedLatencyMs),10}{(r.Encryptable ? "" : "  not encryptable")}";
                output.WriteLine($"[{n.ToString(CultureInfo.InvariantCulture).PadLeft(total.ToString(CultureInfo.InvariantCulture).Length)}/{total}] {r.Point.Key,-44} {figures}  {Seconds(watch.Elapsed)}");
            },
        };
        IReadOnlyList<SweepResult> results;
        try
        {
            results = Sweep.Run(target.Spec, test, grid, options, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine($"stopped after {Seconds(watch.Elapsed)}: {resumed + measured} of {grid.Count} points are in {checkpoint}; run the same command again to resume");
            return CancelledExitCode;
        }

        var report = SweepReport.Create(target.Name, grid.Count, target.Seed, test.Count, results);
        string reportPath = Path.Combine(folder, ReportFile);
        report.Write(reportPath);
        string plotPath = Path.Combine(folder, PlotFile);
        bool plotted = results.Any(r => r.Error is null);
        if (plotted) ParetoPlot.Save(results, plotPath, $"{target.Name}: {grid.Count} sweep points on {test.Count} test samples");

        output.WriteLine();
        int failed = results.Count(r => r.Error is not null), insecure = results.Count(r => r.Error is null && !r.Encryptable);
        output.WriteLine($"Pareto front: {report.ParetoFront.Count} of {grid.Count} points ({failed} do not compile, {insecure} have no secure parameters; " +
            "simulated accuracy against estimated latency):");
        output.WriteLine(Sweep.FormatTable(report.ParetoFront));
        if (report.ParetoFront.Count > 0)
        {
            var best = report.ParetoFront.MaxBy(r => r.SimulatedAccuracy)!;
            var fast = report.ParetoFront.First(r => r.SimulatedAccuracy >= best.SimulatedAccuracy - 0.01);
            output.WriteLine($"most accurate: {best.Point.Key} ({Percent(best.SimulatedAccuracy)}, {CostModel.FormatLatency(best.EstimatedLatencyMs)}); " +
                $"fastest within 1 point of it: {fast.Point.Key} ({Percent(fast.SimulatedAccuracy)}, {CostModel.FormatLatency(fast.EstimatedLatencyMs)})");
        }
        output.WriteLine($"measured {measured} points, resumed {resumed}, in {Seconds(watch.Elapsed)}");
        output.WriteLine($"wrote {checkpoint}, {reportPath}" + (plotted ? $", {plotPath}" : $" (no {PlotFile}: no point compiled)"));
        return 0;
    }

    /// <summary>Writes the settings next to a new checkpoint, or checks that an existing one was measured the same way.</summary>
    private static void CheckSettings(string path, Settings settings)
    {
        if (File.Exists(path))
        {
            Settings? previous;
            try
            {
                previous = JsonSerializer.Deserialize<Settings>(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not a sweep settings file ({e.Message}).", e);
            }
            if (previous != settings)
            {
                throw new InvalidDataException($"{Path.GetDirectoryName(path)} holds a sweep measured otherwise ({Describe(previous)}; this run: {Describe(settings)}): " +
                    "resuming would mix the two; use another --out folder or delete this one.");
            }
            return;
        }
        File.WriteAllText(path, JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static string Describe(Settings? s) => s is null ? "unknown" :
        $"{s.Model} on {s.TestSamples} test samples, seed {s.Seed}";

    private static string Percent(double v) => v.ToString("P2", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";
}
