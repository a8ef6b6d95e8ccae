using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Search;
using FheGen.Training;

namespace FheGen.Samples.Digits;

/// <summary>
/// The two latency levers of the sample, measured: rounding the hidden accumulator (a sweep over TLU widths) and
/// the TLU error probability (a bisection search). Both recompile <see cref="DigitsMlp.Spec"/> with the compiler
/// core and evaluate the plans with <see cref="PlanInterpreter"/> or the generated circuit, without rebuilding.
/// </summary>
public static class DigitsOptimization
{
    /// <summary>Seed of every simulation run (each run derives its own seed from it).</summary>
    public const ulong SimulationSeed = 42;

    /// <summary>
    /// For TLU widths 8 down to 2 and both rounding methods: clear accuracy, simulated accuracy at the model's p_error,
    /// and estimated latency; the first row is the unrounded circuit, for reference.
    /// </summary>
    public static IReadOnlyList<RoundingSweepRow> SweepRounding(Dataset test, ulong seed = SimulationSeed)
    {
        var rows = new List<RoundingSweepRow> { Evaluate(test, DigitsMlp.Spec with { Round = EquatableArray<RoundSetting>.Empty }, "none", seed) };
        for (int bits = 8; bits >= 2; bits--)
        {
            foreach (var method in new[] { RoundingKind.Exact, RoundingKind.Approximate })
            {
                var spec = DigitsMlp.Spec with { Round = EquatableArray.Of(new RoundSetting("Hidden", bits) { Method = method }) };
                rows.Add(Evaluate(test, spec, method == RoundingKind.Exact ? "exact" : "approximate", seed));
            }
        }
        return rows;
    }

    private static RoundingSweepRow Evaluate(Dataset test, ModelSpec spec, string method, ulong seed)
    {
        var plan = CircuitCompiler.Compile(spec).PlanOrThrow();
        var interpreter = new PlanInterpreter(plan);
        var io = CircuitIo.FromPlan(plan);
        double clear = DigitsExperiment.Accuracy(test, io, (q, acc) => interpreter.Run<ClearBackend, long>(default, q, acc));
        var backend = new SimulatedBackend(plan.PError, seed);
        double simulated = DigitsExperiment.Accuracy(test, io, (q, acc) => interpreter.Run<SimulatedBackend, long>(backend, q, acc));
        var hidden = plan.Layers[0];
        return new RoundingSweepRow(hidden.TluInputBits, hidden.RoundedBits, method, clear, simulated,
            CostModel.Estimate(plan, plan.PError).TotalLatencyMs);
    }

    /// <summary>
    /// The largest per-TLU p_error whose simulated accuracy (the generated circuit on <see cref="SimulatedBackend"/>)
    /// stays within one point of the exact circuit's, by bisection.
    /// </summary>
    public static PErrorSearchResult SearchPError(Dataset test, IProgress<PErrorSearchStep>? progress = null)
    {
        var io = DigitsMlp.Io;
        return PErrorSearch.Run((p, seed) =>
        {
            var backend = new SimulatedBackend(p, seed);
            return DigitsExperiment.Accuracy(test, io, (q, acc) => DigitsMlp.Run<SimulatedBackend, long>(backend, q, acc));
        }, new PErrorSearchOptions
        {
            Lower = 1e-9,
            Upper = 0.5,
            MaxIterations = 12,
            SimulationsPerStep = 5,
            Strategy = PErrorSearchStrategy.All,
            Tolerance = 0.01,
            Seed = (int)SimulationSeed,
            Progress = progress,
        });
    }

    /// <summary>The JSON form of a search result.</summary>
    public static PErrorSearchReport ToReport(PErrorSearchResult result) => new(
        result.PError, result.Metric, result.ReferenceMetric, result.Converged, result.Warning,
        result.Steps.Select(s => new PErrorSearchStepReport(s.Index, s.PError, s.Metrics.ToArray(), s.Aggregate, s.Passed, s.Lower, s.Upper)).ToArray());
}

/// <summary>One row of the rounding sweep.</summary>
public sealed record RoundingSweepRow(
    [property: JsonPropertyName("tlu_bits")] int TluBits,
    [property: JsonPropertyName("rounded_bits")] int RoundedBits,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("clear_accuracy")] double ClearAccuracy,
    [property: JsonPropertyName("simulated_accuracy")] double SimulatedAccuracy,
    [property: JsonPropertyName("estimated_latency_ms")] double EstimatedLatencyMs);

/// <summary>The p_error search, as written to JSON.</summary>
public sealed record PErrorSearchReport(
    [property: JsonPropertyName("p_error")] double PError,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("reference_accuracy")] double ReferenceAccuracy,
    [property: JsonPropertyName("converged")] bool Converged,
    [property: JsonPropertyName("warning")] string? Warning,
    [property: JsonPropertyName("steps")] IReadOnlyList<PErrorSearchStepReport> Steps);

/// <summary>One step of the search.</summary>
public sealed record PErrorSearchStepReport(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("p_error")] double PError,
    [property: JsonPropertyName("accuracies")] IReadOnlyList<double> Accuracies,
    [property: JsonPropertyName("aggregate")] double Aggregate,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("lower")] double Lower,
    [property: JsonPropertyName("upper")] double Upper);
