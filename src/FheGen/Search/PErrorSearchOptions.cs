using System;

namespace FheGen.Search;

/// <summary>Settings of <see cref="PErrorSearch.Run(Func{double, ulong, double}, PErrorSearchOptions?)"/>.</summary>
public sealed class PErrorSearchOptions
{
    /// <summary>Most bisection steps <see cref="MaxIterations"/> may be set to; far beyond what doubles can resolve.</summary>
    public const int MaxIterationsLimit = 1000;

    /// <summary>Most runs <see cref="SimulationsPerStep"/> may be set to; keeps the derived seeds distinct.</summary>
    public const int SimulationsPerStepLimit = 1_000_000;

    /// <summary>Smallest p_error considered, in <c>(0, Upper)</c>. Default 1e-9.</summary>
    public double Lower { get; init; } = 1e-9;

    /// <summary>Largest p_error considered, in <c>(Lower, 1)</c>. Default 0.5.</summary>
    public double Upper { get; init; } = 0.5;

    /// <summary>Most bisection steps after the two bound checks, in <c>[0, 1000]</c>. Default 12.</summary>
    public int MaxIterations { get; init; } = 12;

    /// <summary>Metric evaluations (each with its own seed) per step, in <c>[1, 1 000 000]</c>. Default 5.</summary>
    public int SimulationsPerStep { get; init; } = 5;

    /// <summary>How the runs of a step decide pass/fail. Default <see cref="PErrorSearchStrategy.All"/>.</summary>
    public PErrorSearchStrategy Strategy { get; init; } = PErrorSearchStrategy.All;

    /// <summary>
    /// Largest absolute drop of the metric below the reference that still passes, non-negative. Default 0.01,
    /// one point of accuracy when the metric is a fraction.
    /// </summary>
    public double Tolerance { get; init; } = 0.01;

    /// <summary>
    /// The metric to compare against. Null (the default) evaluates the metric once at p_error = 0, the exact
    /// circuit.
    /// </summary>
    public double? ReferenceMetric { get; init; }

    /// <summary>
    /// Base seed; run <c>r</c> of step <c>i</c> gets <see cref="PErrorSearch.DeriveSeed"/><c>(Seed, i, r)</c>, so
    /// the whole search is reproducible. Default 0.
    /// </summary>
    public int Seed { get; init; }

    /// <summary>Receives every step as soon as it is decided. Default none.</summary>
    public IProgress<PErrorSearchStep>? Progress { get; init; }

    /// <summary>
    /// The search has converged once the bracket's <c>upper / lower</c> is at most <c>1 + RelativePrecision</c>;
    /// positive. Default 0.1.
    /// </summary>
    public double RelativePrecision { get; init; } = 0.1;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message says which and why.</exception>
    public void Validate()
    {
        if (!(Lower > 0 && Lower < 1))
        {
            throw new ArgumentException($"Lower is {Lower}; it must be a probability in (0, 1) (p_error = 0 is the exact circuit, not a search bound).", nameof(Lower));
        }

        if (!(Upper < 1))
        {
            throw new ArgumentException($"Upper is {Upper}; it must be below 1 (p_error is a probability).", nameof(Upper));
        }

        if (!(Upper > Lower))
        {
            throw new ArgumentException($"Upper is {Upper}; it must be greater than Lower ({Lower}).", nameof(Upper));
        }

        if (MaxIterations < 0 || MaxIterations > MaxIterationsLimit)
        {
            throw new ArgumentException($"MaxIterations is {MaxIterations}; it must be in [0, {MaxIterationsLimit}].", nameof(MaxIterations));
        }

        if (SimulationsPerStep < 1 || SimulationsPerStep > SimulationsPerStepLimit)
        {
            throw new ArgumentException($"SimulationsPerStep is {SimulationsPerStep}; it must be in [1, {SimulationsPerStepLimit}].", nameof(SimulationsPerStep));
        }

        if (!Enum.IsDefined(Strategy))
        {
            throw new ArgumentException($"Strategy {(int)Strategy} is not a defined PErrorSearchStrategy.", nameof(Strategy));
        }

        if (!(Tolerance >= 0 && double.IsFinite(Tolerance)))
        {
            throw new ArgumentException($"Tolerance is {Tolerance}; it must be non-negative and finite.", nameof(Tolerance));
        }

        if (ReferenceMetric is double reference && !double.IsFinite(reference))
        {
            throw new ArgumentException($"ReferenceMetric is {reference}; it must be finite (or null to evaluate it at p_error = 0).", nameof(ReferenceMetric));
        }

        if (!(RelativePrecision > 0 && double.IsFinite(RelativePrecision)))
        {
            throw new ArgumentException($"RelativePrecision is {RelativePrecision}; it must be positive and finite.", nameof(RelativePrecision));
        }
    }
}
