using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace FheGen.Search;

/// <summary>
/// One p_error tried by <see cref="PErrorSearch"/>: the upper-bound check, the lower-bound check, or a
/// bisection step, in that order.
/// </summary>
public sealed record PErrorSearchStep
{
    /// <summary>Creates a step; <paramref name="metrics"/> is copied.</summary>
    /// <param name="index">0-based position in the search; also the step index of its seeds.</param>
    /// <param name="pError">The p_error evaluated.</param>
    /// <param name="metrics">The metric of every run, in run order.</param>
    /// <param name="aggregate">The runs reduced by the strategy.</param>
    /// <param name="passed">Whether the aggregate stayed within the tolerance.</param>
    /// <param name="lower">Largest p_error known to pass after this step (0 if none has).</param>
    /// <param name="upper">Smallest p_error known to fail after this step (the search's upper bound if none has).</param>
    public PErrorSearchStep(int index, double pError, IReadOnlyList<double> metrics, double aggregate, bool passed, double lower, double upper)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Index = index;
        PError = pError;
        Metrics = Array.AsReadOnly(metrics.ToArray());
        Aggregate = aggregate;
        Passed = passed;
        Lower = lower;
        Upper = upper;
    }

    /// <summary>0-based position in the search: 0 is the upper-bound check, 1 the lower-bound check, then bisection.</summary>
    public int Index { get; }

    /// <summary>The p_error evaluated.</summary>
    public double PError { get; }

    /// <summary>The metric of every run, in run order.</summary>
    public IReadOnlyList<double> Metrics { get; }

    /// <summary>
    /// The runs reduced by the strategy: the minimum for <see cref="PErrorSearchStrategy.All"/>, else the mean
    /// or the median.
    /// </summary>
    public double Aggregate { get; }

    /// <summary>Whether <see cref="Aggregate"/> is at most the tolerance below the reference.</summary>
    public bool Passed { get; }

    /// <summary>Lower end of the bracket after this step: the largest p_error known to pass, 0 if none has yet.</summary>
    public double Lower { get; }

    /// <summary>
    /// Upper end of the bracket after this step: the smallest p_error known to fail, or the search's upper bound
    /// while none has.
    /// </summary>
    public double Upper { get; }

    /// <summary>Value equality, comparing <see cref="Metrics"/> element by element (records compare lists by reference).</summary>
    /// <param name="other">The step to compare with.</param>
    /// <returns>Whether every field, and every run's metric, is equal.</returns>
    public bool Equals(PErrorSearchStep? other) =>
        other is not null
        && Index == other.Index
        && PError.Equals(other.PError)
        && Aggregate.Equals(other.Aggregate)
        && Passed == other.Passed
        && Lower.Equals(other.Lower)
        && Upper.Equals(other.Upper)
        && Metrics.SequenceEqual(other.Metrics);

    /// <summary>Hash consistent with <see cref="Equals(PErrorSearchStep?)"/>.</summary>
    /// <returns>A hash of every field and of the run metrics.</returns>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Index);
        hash.Add(PError);
        hash.Add(Aggregate);
        hash.Add(Passed);
        hash.Add(Lower);
        hash.Add(Upper);
        foreach (double m in Metrics)
        {
            hash.Add(m);
        }

        return hash.ToHashCode();
    }

    /// <summary>One line with every field; the runs are listed, not the list's type name.</summary>
    /// <returns>For example <c>#2 p_error=3.2e-05 aggregate=0.99 passed [0.99, 1] bracket [3.2e-05, 5.6e-03]</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"#{Index} p_error={PError:G4} aggregate={Aggregate:G6} {(Passed ? "passed" : "failed")} [{string.Join(", ", Metrics.Select(m => m.ToString("G6", CultureInfo.InvariantCulture)))}] bracket [{Lower:G4}, {Upper:G4}]");
}
