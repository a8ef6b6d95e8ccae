using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Cli.Infrastructure;
using FheGen.Compiler.Model;
using FheGen.Plotting;
using FheGen.Training.Sweeps;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="SweepCliCommand"/>: the data, the output folder and the grid's axes.</summary>
internal sealed class SweepSettings : ModelSettings
{
    [CommandOption("-d|--data <CSV>")]
    [Description("Labelled test rows each point is measured on (required)")]
    public string? Data { get; init; }

    [CommandOption("--train <CSV>")]
    [Description("Labelled training rows whose means structured pruning folds into the next bias (data-free pruning without)")]
    public string? Train { get; init; }

    [CommandOption("--header")]
    [Description("The CSV files' first line is a header")]
    public bool Header { get; init; }

    [CommandOption("-o|--out <DIR>")]
    [Description("Output folder: sweep.jsonl (checkpoint: a rerun resumes), sweep.json, pareto.png")]
    [DefaultValue("sweep-out")]
    public string Out { get; init; } = "sweep-out";

    [CommandOption("--limit <N>")]
    [Description("Measure on the first N test rows only")]
    public int? Limit { get; init; }

    [CommandOption("--quick")]
    [Description("Two points only (the first value of each axis, and the second rounding width): a smoke run")]
    public bool Quick { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the simulated TLU errors")]
    [DefaultValue(42UL)]
    public ulong Seed { get; init; } = 42;

    [CommandOption("--prune <LIST>")]
    [Description("Structured-pruning fractions, 'none' for no pruning")]
    [DefaultValue("none")]
    public string Prune { get; init; } = "none";

    [CommandOption("--weight-bits <LIST>")]
    [DefaultValue("4,3")]
    public string WeightBits { get; init; } = "4,3";

    [CommandOption("--activation-bits <LIST>")]
    [DefaultValue("4,3")]
    public string ActivationBits { get; init; } = "4,3";

    [CommandOption("--max-active-inputs <LIST>")]
    [Description("Unstructured pruning: inputs kept per neuron, 'all' for none")]
    [DefaultValue("all")]
    public string MaxActiveInputs { get; init; } = "all";

    [CommandOption("--round-bits <LIST>")]
    [Description("TLU widths the hidden layers are rounded to, 'none' for no rounding")]
    [DefaultValue("6,5,4,none")]
    public string RoundBits { get; init; } = "6,5,4,none";

    [CommandOption("--rounding <LIST>")]
    [Description("Rounding methods: exact, approximate")]
    [DefaultValue("exact,approximate")]
    public string Rounding { get; init; } = "exact,approximate";

    [CommandOption("--p-error <LIST>")]
    [Description("Per-TLU error probabilities")]
    [DefaultValue("9.094947017729282E-13,1E-05,0.001")]
    public string PError { get; init; } = "9.094947017729282E-13,1E-05,0.001";

    public override ValidationResult Validate()
    {
        var baseResult = base.Validate();
        if (!baseResult.Successful) return baseResult;
        if (Data is null) return ValidationResult.Error("--data TEST.csv is required: the points are measured on it.");
        if (Limit is <= 0) return ValidationResult.Error($"--limit takes a positive number of rows, not {Limit}.");
        return ValidationResult.Success();
    }

    /// <summary>The grid of the axis options (every combination, as <see cref="Sweep.Grid(IEnumerable{double?}, IEnumerable{int}, IEnumerable{int}, IEnumerable{int?}, IEnumerable{int?}, IEnumerable{RoundingKind}, IEnumerable{double})"/>).</summary>
    public IReadOnlyList<SweepPoint> Grid(bool quick)
    {
        var prune = List("--prune", Prune, s => s == "none" ? null : (double?)Number("--prune", s));
        var weights = List("--weight-bits", WeightBits, s => Bits("--weight-bits", s));
        var activations = List("--activation-bits", ActivationBits, s => Bits("--activation-bits", s));
        var active = List("--max-active-inputs", MaxActiveInputs, s => s == "all" ? null : (int?)Bits("--max-active-inputs", s, 1, int.MaxValue));
        var rounds = List("--round-bits", RoundBits, s => s == "none" ? null : (int?)Bits("--round-bits", s));
        var methods = List("--rounding", Rounding, s => s switch
        {
            "exact" => RoundingKind.Exact,
            "approximate" => RoundingKind.Approximate,
            _ => throw new UsageException($"--rounding: '{s}' is neither exact nor approximate."),
        });
        var errors = List("--p-error", PError, s => Number("--p-error", s) is var p and > 0 and < 1 ? p : throw new UsageException($"--p-error: {s} is not in (0, 1)."));
        if (quick)
        {
            prune = prune.Take(1).ToList();
            weights = weights.Take(1).ToList();
            activations = activations.Take(1).ToList();
            active = active.Take(1).ToList();
            rounds = rounds.Take(2).ToList();
            methods = methods.Take(1).ToList();
            errors = errors.Take(1).ToList();
        }
        try
        {
            return Sweep.Grid(prune, weights, activations, active, rounds, methods, errors);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UsageException("--prune: " + e.Message.Split(Environment.NewLine)[0]);
        }
    }

    private static List<T> List<T>(string option, string text, Func<string, T> parse)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => parse(s.ToLowerInvariant())).ToList();
        return items.Count > 0 ? items : throw new UsageException($"{option}: give at least one value.");
    }

    private static double Number(string option, string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : throw new UsageException($"{option}: '{s}' is not a number.");

    private static int Bits(string option, string s, int min = 1, int max = ModelSpec.HardLimitBits) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max ? v : throw new UsageException($"{option}: '{s}' is not a whole number in [{min}, {max}].");
}

/// <summary>
/// <c>fhegen sweep</c>: the samples' sweep (<see cref="SweepCommand"/>) over any model, its grid from options: clear and
/// simulated accuracy, TLU bits, PBS, estimated latency and encryptability per point, the Pareto front, and
/// <c>sweep.jsonl</c>, <c>sweep.json</c> and <c>pareto.png</c> in the output folder. Ctrl+C stops after the current point;
/// the same command resumes.
/// </summary>
[CliCommand("sweep", "Sweep bits, pruning, rounding and p_error over a grid: accuracy, latency, the Pareto front (sweep.json, pareto.png)",
    Examples = ["sweep --assembly Digits.dll --data test.csv --train train.csv --out sweep-out", "sweep --source Model.cs --data test.csv --round-bits 5,4 --p-error 1e-3 --json"])]
internal sealed class SweepCliCommand : Command<SweepSettings>
{
    public override int Execute(CommandContext context, SweepSettings settings, CancellationToken cancellationToken)
    {
        var io = CliIo.Current;
        var grid = settings.Grid(quick: false);
        var quickGrid = settings.Grid(quick: true);
        var spec = ModelLoader.Load(settings, cancellationToken).RequireSpec();
        int inputs = spec.Inputs, outputs = spec.Layers[^1].Outputs;
        // The files are read before the sweep starts, so a bad file is an error naming it, not a half-made output folder.
        var test = DataFiles.LoadLabelled(settings.Data!, settings.Header, inputs, outputs);
        var train = settings.Train is { } t ? DataFiles.LoadLabelled(t, settings.Header, inputs, outputs) : null;
        var target = new SweepTarget(spec.Name, spec, limit => limit is int n && n < test.Count ? test.Subset(Enumerable.Range(0, n).ToArray()) : test, grid)
        {
            QuickGrid = quickGrid,
            LoadPruningData = train is null ? null : () => train,
            Seed = settings.Seed,
        };
        var args = new List<string> { "--out", settings.Out };
        if (settings.Limit is int limit) args.AddRange(["--limit", limit.ToString(CultureInfo.InvariantCulture)]);
        if (settings.Quick) args.Add("--quick");

        // With --json the per-point lines are progress, so they go to standard error and the summary is the output.
        int code = SweepCommand.Run(target, args, settings.Json ? io.Error : io.Out, io.Error, cancellationToken);
        if (code != 0 || !settings.Json) return code;
        var report = SweepReport.Read(Path.Combine(settings.Out, SweepCommand.ReportFile));
        Json.Write(new JsonObject
        {
            ["model"] = report.Model,
            ["grid_size"] = report.GridSize,
            ["test_samples"] = report.TestSamples,
            ["seed"] = report.Seed,
            ["report"] = Path.Combine(settings.Out, SweepCommand.ReportFile),
            ["plot"] = File.Exists(Path.Combine(settings.Out, SweepCommand.PlotFile)) ? Path.Combine(settings.Out, SweepCommand.PlotFile) : null,
            ["pareto_front"] = new JsonArray(report.ParetoFront.Select(r => (JsonNode)new JsonObject
            {
                ["key"] = r.Point.Key,
                ["clear_accuracy"] = r.ClearAccuracy,
                ["simulated_accuracy"] = r.SimulatedAccuracy,
                ["max_tlu_bits"] = r.MaxTluBits,
                ["pbs"] = r.PbsCount,
                ["estimated_latency_ms"] = r.EstimatedLatencyMs,
            }).ToArray()),
        });
        return code;
    }
}
