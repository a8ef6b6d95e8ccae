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
using ParameterFeasibility = FheGen.Compiler.Parameters.ParameterFeasibility;
using FheGen.Compiler.Pipeline;

namespace FheGen.Training.Sweeps
{
    /// <summary>One configuration of a sweep: model-wide bits and pruning, the first hidden layer's rounding, and the per-TLU p_error.</summary>
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
        /// <summary>A stable text key, used to resume a sweep from its checkpoint.</summary>
        [JsonIgnore]
        public string Key => string.Create(CultureInfo.InvariantCulture,
            $"w{WeightBits}/a{ActivationBits}/k{MaxActiveInputs?.ToString(CultureInfo.InvariantCulture) ?? "all"}/r{RoundBits?.ToString(CultureInfo.InvariantCulture) ?? "none"}{(RoundMethod == RoundingKind.Approximate ? "~" : "")}/p{PError:R}");

        /// <summary><paramref name="spec"/> with this point's settings in place of its quantization, pruning, rounding and p_error.</summary>
        public ModelSpec Apply(ModelSpec spec)
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
    }

    /// <summary>
    /// Sweeps a model's optimization settings: each point recompiles the spec with the compiler core and measures the
    /// circuit with the plan interpreter (clear and simulated) and the cost model, and checks encryptability as FHE0008 does.
    /// </summary>
    public static class Sweep
    {
        /// <summary>Every combination of the given values, in order (the last list varies fastest).</summary>
        public static IReadOnlyList<SweepPoint> Grid(IEnumerable<int> weightBits, IEnumerable<int> activationBits, IEnumerable<int?> maxActiveInputs,
            IEnumerable<int?> roundBits, IEnumerable<RoundingKind> methods, IEnumerable<double> pErrors)
        {
            // Each list is read once: an inner one is walked for every value of the outer ones.
            var activations = activationBits.ToArray();
            var prunings = maxActiveInputs.ToArray();
            var roundings = roundBits.ToArray();
            var roundingMethods = methods.ToArray();
            var errors = pErrors.ToArray();
            var points = new List<SweepPoint>();
            foreach (int w in weightBits)
                foreach (int a in activations)
                    foreach (int? k in prunings)
                        foreach (int? r in roundings)
                            foreach (var m in r is null ? new[] { RoundingKind.Exact } : roundingMethods)
                                foreach (double p in errors)
                                    points.Add(new SweepPoint(w, a, k, r, m, p));
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
            var done = options.CheckpointPath is { } path ? ReadCheckpoint(path) : new Dictionary<string, SweepResult>();
            var results = new List<SweepResult>(points.Count);
            int finished = 0;
            foreach (var point in points)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!done.TryGetValue(point.Key, out var result))
                {
                    result = Measure(point.Apply(spec), point, test, options.Seed);
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
        /// The results no other compiling, encryptable result dominates (at least as accurate, in the clear and simulated, and at most as
        /// slow, better in one), by increasing estimated latency.
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
            static string P(double v) => v.ToString("P2", CultureInfo.InvariantCulture);
            var lines = new List<string> { $"{"point",-34} {"clear",8} {"simulated",10} {"TLU",4} {"PBS",5} {"est. latency",13} {"secure",7}" };
            foreach (var r in results)
            {
                lines.Add(r.Error is not null
                    ? $"{r.Point.Key,-34} does not compile: {r.Error}"
                    : $"{r.Point.Key,-34} {P(r.ClearAccuracy),8} {P(r.SimulatedAccuracy),10} {r.MaxTluBits,4} {r.PbsCount,5} {CostModel.FormatLatency(r.EstimatedLatencyMs),13} {(r.Encryptable ? "yes" : "no"),7}");
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

        private static Dictionary<string, SweepResult> ReadCheckpoint(string path)
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
                catch (JsonException e)
                {
                    throw new InvalidDataException($"{path} line {number}: not a sweep checkpoint line ({e.Message}).", e);
                }
                if (result?.Point is null) throw new InvalidDataException($"{path} line {number}: not a sweep checkpoint line.");
                done[result.Point.Key] = result;
            }
            return done;
        }
    }
}
