using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Training.Pruning;
using ParameterFeasibility = FheGen.Compiler.Parameters.ParameterFeasibility;

namespace FheGen.Training.Sweeps;

/// <summary>
/// One configuration of a sweep: structured pruning (<see cref="PruneFraction"/>), model-wide bits and unstructured
/// pruning, every hidden layer's rounding, and the per-TLU p_error.
/// </summary>
/// <param name="WeightBits">Weight bits of every layer.</param>
/// <param name="ActivationBits">Activation bits of every hidden layer.</param>
/// <param name="MaxActiveInputs">Unstructured pruning of every hidden layer; null for none.</param>
/// <param name="RoundBits">TLU width every hidden layer is rounded to; null for no rounding.</param>
/// <param name="RoundMethod">How the rounding is computed.</param>
/// <param name="PError">Per-TLU error probability.</param>
public sealed record SweepPoint(
    [property: JsonPropertyName("weight_bits")] int WeightBits,
    [property: JsonPropertyName("activation_bits")] int ActivationBits,
    [property: JsonPropertyName("max_active_inputs")] int? MaxActiveInputs,
    [property: JsonPropertyName("round_bits")] int? RoundBits,
    [property: JsonPropertyName("round_method")] RoundingKind RoundMethod,
    [property: JsonPropertyName("p_error")] double PError)
{
    private readonly double? _pruneFraction;

    /// <summary>
    /// The share of every hidden layer's neurons removed by structured pruning (<see cref="StructuredPruning"/>,
    /// weight-norm criterion) before the other settings apply, in [0, 1); null for none. Not written to JSON when null,
    /// so points without it read and write as they did before the axis existed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    [JsonPropertyName("prune_fraction")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? PruneFraction
    {
        get => _pruneFraction;
        init
        {
            if (value is double f && !(f >= 0 && f < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(PruneFraction), f, "The structured-pruning fraction must be in [0, 1): 0 removes nothing, and at least one neuron per layer must stay.");
            }
            _pruneFraction = value;
        }
    }

    /// <summary>
    /// A stable text key, used to resume a sweep from its checkpoint; <c>s</c> and the fraction follow the bits only when
    /// <see cref="PruneFraction"/> is set, so keys of points without it are those older checkpoints hold.
    /// </summary>
    [JsonIgnore]
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"w{WeightBits}/a{ActivationBits}/{(PruneFraction is double f ? string.Create(CultureInfo.InvariantCulture, $"s{f:R}/") : "")}k{MaxActiveInputs?.ToString(CultureInfo.InvariantCulture) ?? "all"}/r{RoundBits?.ToString(CultureInfo.InvariantCulture) ?? "none"}{(RoundMethod == RoundingKind.Approximate ? "~" : "")}/p{PError:R}");

    /// <summary>
    /// <paramref name="spec"/> structurally pruned by <see cref="PruneFraction"/> (when set), then with this point's
    /// settings in place of its quantization, unstructured pruning, rounding and p_error.
    /// </summary>
    /// <param name="spec">A spec with weights (<see cref="TrainedModelSpec.WithWeights"/>, or a model class's <c>Spec</c>).</param>
    /// <param name="pruningData">
    /// Rows whose mean hidden activations replace the neurons structured pruning removes (folded into the next layer's
    /// bias); null drops them with their outgoing weights. Use training data: the means are fitted to it.
    /// </param>
    /// <exception cref="ArgumentException">Structured pruning is set and the spec has no readable weights, or the data does not fit.</exception>
    public ModelSpec Apply(ModelSpec spec, Dataset? pruningData = null) => ApplySettings(ApplyPruning(spec, pruningData));

    /// <summary>The structured-pruning step of <see cref="Apply"/> alone: <paramref name="spec"/> itself without a fraction.</summary>
    internal ModelSpec ApplyPruning(ModelSpec spec, Dataset? pruningData)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (PruneFraction is not double fraction) return spec;
        var pruned = StructuredPruning.Prune(TrainedModelSpec.ToTrainedMlp(spec), fraction, NeuronCriterion.WeightNorm, pruningData);
        // The declared activation ranges stay: a pruned layer's kept neurons lie within its old range, and the mean
        // folding keeps the next layer's pre-activations where they were on average. Recalibrating here would make a
        // 0 fraction differ from no pruning whenever the declared ranges came from another calibration (QAT's).
        return StructuredPruning.WithArchitecture(spec, pruned.Model);
    }

    /// <summary>The settings step of <see cref="Apply"/>: everything but structured pruning.</summary>
    internal ModelSpec ApplySettings(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var hidden = spec.Layers.Take(spec.Layers.Count - 1).Select(l => l.Name).ToArray();
        return spec with
        {
            Quantize = EquatableArray.Of(new QuantizeSetting(null, WeightBits, ActivationBits, null)),
            Prune = MaxActiveInputs is int k ? new EquatableArray<PruneSetting>(hidden.Select(n => new PruneSetting(n, k)).ToArray()) : EquatableArray<PruneSetting>.Empty,
            Round = RoundBits is int r ? new EquatableArray<RoundSetting>(hidden.Select(n => new RoundSetting(n, r) { Method = RoundMethod }).ToArray()) : EquatableArray<RoundSetting>.Empty,
            PError = PError,
            GlobalPError = null,
            Trained = EquatableArray<TrainedSetting>.Empty,
        };
    }
}

/// <summary>What one sweep point measured; <see cref="Error"/> is set (and the figures are zero) when it does not compile.</summary>
/// <param name="Point">The configuration.</param>
/// <param name="ClearAccuracy">Accuracy of the circuit in the clear.</param>
/// <param name="SimulatedAccuracy">Accuracy with TLU errors at the point's p_error (<see cref="FheGen.Backends.SimulatedBackend"/>).</param>
/// <param name="MaxTluBits">Widest lookup input.</param>
/// <param name="PbsCount">Lookups per inference.</param>
/// <param name="EstimatedLatencyMs">The cost model's single-core estimate.</param>
/// <param name="Encryptable">Whether a 128-bit-secure TFHE parameter set exists at the point's p_error (FHE0008's check).</param>
/// <param name="Error">Why the point did not compile, or null.</param>
public sealed record SweepResult(
    [property: JsonPropertyName("point")] SweepPoint Point,
    [property: JsonPropertyName("clear_accuracy")] double ClearAccuracy,
    [property: JsonPropertyName("simulated_accuracy")] double SimulatedAccuracy,
    [property: JsonPropertyName("max_tlu_bits")] int MaxTluBits,
    [property: JsonPropertyName("pbs_count")] int PbsCount,
    [property: JsonPropertyName("estimated_latency_ms")] double EstimatedLatencyMs,
    [property: JsonPropertyName("encryptable")] bool Encryptable,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>How a sweep runs.</summary>
public sealed record SweepOptions
{
    /// <summary>Seed of the simulated TLU errors.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>
    /// A JSON-lines file that receives each result as it is measured; points already in it are not measured again,
    /// so an interrupted sweep resumes where it stopped. Null for none.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Called after each point with the result and how many points are done out of how many.</summary>
    public Action<SweepResult, int, int>? Progress { get; init; }

    /// <summary>
    /// Rows whose mean hidden activations replace the neurons that <see cref="SweepPoint.PruneFraction"/> removes,
    /// folded into the next layer's bias (what makes structured pruning cheap in accuracy; README); null prunes
    /// data-free. Pass training rows, not the test set the sweep measures on. The checkpoint does not record it: resume
    /// with the same data.
    /// </summary>
    public Dataset? PruningData { get; init; }
}

/// <summary>
/// Sweeps a model's optimization settings: each point recompiles the spec with the compiler core and measures the
/// circuit with the plan interpreter (clear and simulated) and the cost model, and checks encryptability as FHE0008 does.
/// </summary>
public static class Sweep
{
    /// <summary>Every combination of the given values without structured pruning, in order (the last list varies fastest).</summary>
    public static IReadOnlyList<SweepPoint> Grid(IEnumerable<int> weightBits, IEnumerable<int> activationBits, IEnumerable<int?> maxActiveInputs,
        IEnumerable<int?> roundBits, IEnumerable<RoundingKind> methods, IEnumerable<double> pErrors) =>
        Grid(new double?[] { null }, weightBits, activationBits, maxActiveInputs, roundBits, methods, pErrors);

    /// <summary>
    /// Every combination of the given values, in order (the last list varies fastest): structured-pruning fractions
    /// (null for none) first, so a fraction's points are contiguous.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is outside [0, 1).</exception>
    public static IReadOnlyList<SweepPoint> Grid(IEnumerable<double?> pruneFractions, IEnumerable<int> weightBits, IEnumerable<int> activationBits,
        IEnumerable<int?> maxActiveInputs, IEnumerable<int?> roundBits, IEnumerable<RoundingKind> methods, IEnumerable<double> pErrors)
    {
        ArgumentNullException.ThrowIfNull(pruneFractions);
        var fractions = pruneFractions.ToArray();
        foreach (double? f in fractions)
        {
            if (f is double v && !(v >= 0 && v < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(pruneFractions), v, "A structured-pruning fraction must be in [0, 1): 0 removes nothing, and at least one neuron per layer must stay.");
            }
        }
        // Each list is read once: an inner one is walked for every value of the outer ones.
        var widths = weightBits.ToArray();
        var activations = activationBits.ToArray();
        var prunings = maxActiveInputs.ToArray();
        var roundings = roundBits.ToArray();
        var roundingMethods = methods.ToArray();
        var errors = pErrors.ToArray();
        var points = new List<SweepPoint>();
        foreach (double? f in fractions)
            foreach (int w in widths)
                foreach (int a in activations)
                    foreach (int? k in prunings)
                        foreach (int? r in roundings)
                            foreach (var m in r is null ? new[] { RoundingKind.Exact } : roundingMethods)
                                foreach (double p in errors)
                                    points.Add(new SweepPoint(w, a, k, r, m, p) { PruneFraction = f });
        return points.DistinctBy(p => p.Key).ToList();
    }

    /// <summary>Measures every point on <paramref name="test"/>, resuming from the checkpoint when one is given.</summary>
    /// <exception cref="InvalidDataException">The checkpoint file exists but is not a sweep checkpoint.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished points are in the checkpoint.</exception>
    public static IReadOnlyList<SweepResult> Run(ModelSpec spec, Dataset test, IReadOnlyList<SweepPoint> points, SweepOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(points);
        options ??= new SweepOptions();
        var done = options.CheckpointPath is { } path ? ReadCheckpointFile(path) : new Dictionary<string, SweepResult>();
        var results = new List<SweepResult>(points.Count);
        // One pruned model per fraction: the weight-norm choice and the folded means do not depend on the other settings.
        var pruned = new Dictionary<double, ModelSpec>();
        int finished = 0;
        foreach (var point in points)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!done.TryGetValue(point.Key, out var result))
            {
                var source = spec;
                if (point.PruneFraction is double fraction && !pruned.TryGetValue(fraction, out source))
                {
                    source = point.ApplyPruning(spec, options.PruningData);
                    pruned[fraction] = source;
                }
                result = Measure(point.ApplySettings(source), point, test, options.Seed);
                if (options.CheckpointPath is { } checkpoint)
                {
                    File.AppendAllText(checkpoint, JsonSerializer.Serialize(result) + "\n");
                }
            }
            results.Add(result);
            options.Progress?.Invoke(result, ++finished, points.Count);
        }
        return results;
    }

    /// <summary>
    /// The results no other compiling, encryptable result dominates (at least as accurate simulated and at most as slow, better in
    /// one: <see cref="Dominates"/>), by increasing estimated latency.
    /// </summary>
    public static IReadOnlyList<SweepResult> ParetoFront(IEnumerable<SweepResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var candidates = results.Where(r => r.Error is null && r.Encryptable).ToList();
        return candidates.Where(r => !candidates.Any(o => Dominates(o, r)))
            .OrderBy(r => r.EstimatedLatencyMs).ThenByDescending(r => r.SimulatedAccuracy).ToList();
    }

    /// <summary>Whether <paramref name="a"/> is at least as good as <paramref name="b"/> everywhere and better somewhere.</summary>
    public static bool Dominates(SweepResult a, SweepResult b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        bool noWorse = a.SimulatedAccuracy >= b.SimulatedAccuracy && a.EstimatedLatencyMs <= b.EstimatedLatencyMs;
        bool better = a.SimulatedAccuracy > b.SimulatedAccuracy || a.EstimatedLatencyMs < b.EstimatedLatencyMs;
        return noWorse && better;
    }

    /// <summary>The results as a text table, one line each.</summary>
    public static string FormatTable(IEnumerable<SweepResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        static string P(double v) => v.ToString("P2", CultureInfo.InvariantCulture);
        var rows = results.ToList();
        // Keys with a pruning fraction are longer than the 34 characters the others fit in.
        int width = rows.Select(r => r.Point.Key.Length).Append(34).Max();
        var lines = new List<string> { $"{"point".PadRight(width)} {"clear",8} {"simulated",10} {"TLU",4} {"PBS",5} {"est. latency",13} {"secure",7}" };
        foreach (var r in rows)
        {
            string key = r.Point.Key.PadRight(width);
            lines.Add(r.Error is not null
                ? $"{key} does not compile: {r.Error}"
                : $"{key} {P(r.ClearAccuracy),8} {P(r.SimulatedAccuracy),10} {r.MaxTluBits,4} {r.PbsCount,5} {CostModel.FormatLatency(r.EstimatedLatencyMs),13} {(r.Encryptable ? "yes" : "no"),7}");
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static SweepResult Measure(ModelSpec spec, SweepPoint point, Dataset test, ulong seed)
    {
        var compiled = CircuitCompiler.Compile(spec);
        if (compiled.Plan is not { } plan)
        {
            string error = string.Join("; ", compiled.Diagnostics.Where(d => d.Severity == Compiler.Diagnostics.Severity.Error).Select(d => d.Message));
            return new SweepResult(point, 0, 0, 0, 0, 0, false, error);
        }
        double clear = CircuitAccuracy.Clear(plan, test);
        double simulated = CircuitAccuracy.Simulated(plan, test, seed);
        bool encryptable = ParameterFeasibility.Check(plan).Feasible;
        return new SweepResult(point, clear, simulated, plan.MaxTluInputBits, plan.PbsCount,
            CostModel.Estimate(plan, plan.PError).TotalLatencyMs, encryptable, null);
    }

    /// <summary>
    /// The results a checkpoint file holds, by <see cref="SweepPoint.Key"/> (a later line for the same key wins); empty
    /// when the file does not exist. What <see cref="Run"/> resumes from.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a sweep checkpoint.</exception>
    public static IReadOnlyDictionary<string, SweepResult> ReadCheckpoint(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ReadCheckpointFile(path);
    }

    private static Dictionary<string, SweepResult> ReadCheckpointFile(string path)
    {
        var done = new Dictionary<string, SweepResult>(StringComparer.Ordinal);
        if (!File.Exists(path)) return done;
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            SweepResult? result;
            try
            {
                result = JsonSerializer.Deserialize<SweepResult>(line);
            }
            catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException)
            {
                throw new InvalidDataException($"{path} line {number}: not a sweep checkpoint line ({e.Message}).", e);
            }
            if (result?.Point is null) throw new InvalidDataException($"{path} line {number}: not a sweep checkpoint line.");
            done[result.Point.Key] = result;
        }
        return done;
    }
}
