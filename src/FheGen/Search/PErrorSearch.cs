using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace FheGen.Search;

/// <summary>
/// Finds the largest table-lookup error probability (p_error) whose metric stays within a tolerance of the
/// reference, by bisection in log10(p_error) between two bounds, evaluating several seeded simulations per step.
/// </summary>
/// <remarks>
/// Order of evaluation: the reference (unless given), the upper bound (returned at once if it passes), the
/// lower bound (returned with a warning if it fails), then bisection keeping a passing lower end and a failing
/// upper end until the bracket is within <see cref="PErrorSearchOptions.RelativePrecision"/> or
/// <see cref="PErrorSearchOptions.MaxIterations"/> is spent. The metric is assumed to decrease (weakly, up to
/// noise) as p_error grows; bisection needs nothing more.
/// </remarks>
public static class PErrorSearch
{
    /// <summary>The step index whose seeds <see cref="DeriveSeed"/> uses for the reference evaluation at p_error = 0.</summary>
    public const int ReferenceStepIndex = -1;

    /// <summary>Runs the search.</summary>
    /// <param name="metric">
    /// <c>(pError, seed) =&gt; metric</c>, higher is better (e.g. accuracy of a simulation where each lookup fails
    /// with probability <c>pError</c>, drawing its errors from <c>seed</c>). Called sequentially; must return a
    /// finite number.
    /// </param>
    /// <param name="options">Settings; null uses the defaults.</param>
    /// <returns>The chosen p_error, whether it converged, and every step.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The metric returned NaN or an infinity.</exception>
    public static PErrorSearchResult Run(Func<double, ulong, double> metric, PErrorSearchOptions? options = null) =>
        Run(metric, options, CancellationToken.None);

    /// <summary>Runs the search, checking <paramref name="cancellationToken"/> before every metric evaluation.</summary>
    /// <param name="metric">
    /// <c>(pError, seed) =&gt; metric</c>, higher is better. Called sequentially; must return a finite number.
    /// </param>
    /// <param name="options">Settings; null uses the defaults.</param>
    /// <param name="cancellationToken">Stops the search between evaluations.</param>
    /// <returns>The chosen p_error, whether it converged, and every step.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The metric returned NaN or an infinity.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static PErrorSearchResult Run(Func<double, ulong, double> metric, PErrorSearchOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metric);
        options ??= new PErrorSearchOptions();
        options.Validate();

        double reference = options.ReferenceMetric
            ?? Evaluate(metric, 0.0, ReferenceStepIndex, 0, options.Seed, cancellationToken);
        var steps = new List<PErrorSearchStep>();

        // Upper bound first: if the cheapest parameters are already good enough there is nothing to search.
        PErrorSearchStep upper = Step(metric, options, reference, steps.Count, options.Upper, knownLower: 0, knownUpper: options.Upper, cancellationToken);
        steps.Add(upper);
        if (upper.Passed)
        {
            return new PErrorSearchResult(upper.PError, upper.Aggregate, reference, converged: true,
                Invariant($"The upper bound {options.Upper:G4} already passes, so it was returned without searching; a larger p_error may pass too (raise Upper to look)."),
                steps);
        }

        PErrorSearchStep lower = Step(metric, options, reference, steps.Count, options.Lower, knownLower: 0, knownUpper: options.Upper, cancellationToken);
        steps.Add(lower);
        if (!lower.Passed)
        {
            return new PErrorSearchResult(lower.PError, lower.Aggregate, reference, converged: false,
                Invariant($"Even the lower bound {options.Lower:G4} loses more than the tolerance ({reference - lower.Aggregate:G4} > {options.Tolerance:G4}); it was returned anyway. Lower it, or check the model and the reference."),
                steps);
        }

        double lo = options.Lower, hi = options.Upper, loMetric = lower.Aggregate;
        bool converged = IsTight(lo, hi, options.RelativePrecision);
        for (int iteration = 0; iteration < options.MaxIterations && !converged; iteration++)
        {
            // The geometric mean is the midpoint in log10 space, computed without the rounding of Log10/Pow.
            double mid = Math.Sqrt(lo * hi);
            if (!(mid > lo && mid < hi))
            {
                // Adjacent doubles: the bracket cannot shrink further, so it is as tight as it can be.
                converged = true;
                break;
            }

            PErrorSearchStep step = Step(metric, options, reference, steps.Count, mid, lo, hi, cancellationToken);
            steps.Add(step);
            if (step.Passed)
            {
                lo = mid;
                loMetric = step.Aggregate;
            }
            else
            {
                hi = mid;
            }

            converged = IsTight(lo, hi, options.RelativePrecision);
        }

        string? warning = converged
            ? null
            : Invariant($"Stopped after MaxIterations = {options.MaxIterations} bisection steps with the bracket [{lo:G4}, {hi:G4}] still wider than requested (upper/lower = {hi / lo:G4} > 1 + RelativePrecision = {1 + options.RelativePrecision:G4}); the returned p_error passes but a larger one may too. Raise MaxIterations or RelativePrecision.");
        return new PErrorSearchResult(lo, loMetric, reference, converged, warning, steps);
    }

    /// <summary>
    /// The seed given to the metric for run <paramref name="run"/> of step <paramref name="stepIndex"/>
    /// (<see cref="ReferenceStepIndex"/> for the reference), so a single run can be reproduced outside the search.
    /// </summary>
    /// <param name="seed">The base seed, <see cref="PErrorSearchOptions.Seed"/>.</param>
    /// <param name="stepIndex">The step's <see cref="PErrorSearchStep.Index"/>, or <see cref="ReferenceStepIndex"/>; in <c>[-1, 4094]</c>.</param>
    /// <param name="run">The run within the step, in <c>[0, 2^20)</c>.</param>
    /// <returns>A well-mixed 64-bit seed, distinct for distinct arguments.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepIndex"/> or <paramref name="run"/> is out of range.</exception>
    public static ulong DeriveSeed(int seed, int stepIndex, int run)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepIndex, ReferenceStepIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stepIndex, 4094);
        ArgumentOutOfRangeException.ThrowIfNegative(run);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(run, 1 << 20);

        // Packing (seed, step, run) into disjoint bit fields is injective and the SplitMix64 finalizer is a
        // bijection, so distinct runs can never share a seed, yet nearby runs get unrelated seeds.
        ulong z = ((ulong)(uint)seed << 32) | ((ulong)(uint)(stepIndex + 1) << 20) | (uint)run;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Evaluates every run at <paramref name="pError"/>, reduces them, and narrows the bracket known before the
    /// step (largest pass, 0 if none; smallest fail, or the upper bound) by the verdict.
    /// </summary>
    private static PErrorSearchStep Step(
        Func<double, ulong, double> metric, PErrorSearchOptions options, double reference, int index, double pError,
        double knownLower, double knownUpper, CancellationToken cancellationToken)
    {
        var runs = new double[options.SimulationsPerStep];
        for (int r = 0; r < runs.Length; r++)
        {
            runs[r] = Evaluate(metric, pError, index, r, options.Seed, cancellationToken);
        }

        double aggregate = Aggregate(options.Strategy, runs);
        bool passed = Passes(aggregate, reference, options.Tolerance);
        var step = passed
            ? new PErrorSearchStep(index, pError, runs, aggregate, true, pError, knownUpper)
            : new PErrorSearchStep(index, pError, runs, aggregate, false, knownLower, pError);
        options.Progress?.Report(step);
        return step;
    }

    private static double Evaluate(Func<double, ulong, double> metric, double pError, int stepIndex, int run, int seed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ulong runSeed = DeriveSeed(seed, stepIndex, run);
        double value = metric(pError, runSeed);
        if (!double.IsFinite(value))
        {
            string where = stepIndex == ReferenceStepIndex ? "the reference evaluation" : Invariant($"step {stepIndex}, run {run}");
            throw new InvalidOperationException(Invariant(
                $"The metric returned {value} at p_error = {pError:R} ({where}, seed {runSeed}); it must return a finite number."));
        }

        return value;
    }

    /// <summary>Reduces the runs of a step as the strategy says.</summary>
    internal static double Aggregate(PErrorSearchStrategy strategy, IReadOnlyList<double> runs)
    {
        switch (strategy)
        {
            case PErrorSearchStrategy.All:
                // "Every run passes" is the same test as "the worst run passes".
                double min = double.PositiveInfinity;
                foreach (double v in runs)
                {
                    min = Math.Min(min, v);
                }

                return min;
            case PErrorSearchStrategy.Mean:
                double sum = 0;
                foreach (double v in runs)
                {
                    sum += v;
                }

                return sum / runs.Count;
            case PErrorSearchStrategy.Median:
                var sorted = new double[runs.Count];
                for (int i = 0; i < sorted.Length; i++)
                {
                    sorted[i] = runs[i];
                }

                Array.Sort(sorted);
                int half = sorted.Length / 2;
                return sorted.Length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
            default:
                throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown PErrorSearchStrategy.");
        }
    }

    /// <summary>Whether the drop below the reference is within the tolerance.</summary>
    internal static bool Passes(double aggregate, double reference, double tolerance)
    {
        // A hair of slack so an accuracy exactly one tolerance below the reference (0.97 vs 0.96 at 0.01)
        // passes despite the rounding of the subtraction.
        double slack = 1e-12 * Math.Max(1, Math.Abs(reference));
        return reference - aggregate <= tolerance + slack;
    }

    private static bool IsTight(double lo, double hi, double relativePrecision) => hi <= lo * (1 + relativePrecision);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
