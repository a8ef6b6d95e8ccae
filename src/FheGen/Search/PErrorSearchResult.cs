using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace FheGen.Search;

/// <summary>Outcome of a <see cref="PErrorSearch"/>: the chosen p_error and the steps that led to it.</summary>
public sealed class PErrorSearchResult
{
    internal PErrorSearchResult(double pError, double metric, double referenceMetric, bool converged, string? warning, IReadOnlyList<PErrorSearchStep> steps)
    {
        PError = pError;
        Metric = metric;
        ReferenceMetric = referenceMetric;
        Converged = converged;
        Warning = warning;
        Steps = steps;
    }

    /// <summary>
    /// The chosen p_error: the largest one that passed, or the search's lower bound when even that failed
    /// (see <see cref="Warning"/>).
    /// </summary>
    public double PError { get; }

    /// <summary>The aggregated metric measured at <see cref="PError"/>.</summary>
    public double Metric { get; }

    /// <summary>The metric the tolerance is measured from (given, or evaluated at p_error = 0).</summary>
    public double ReferenceMetric { get; }

    /// <summary>
    /// Whether <see cref="PError"/> is trustworthy to the requested precision: the bracket closed, or the upper
    /// bound itself passed. False when the iterations ran out or even the lower bound failed.
    /// </summary>
    public bool Converged { get; }

    /// <summary>Why the result deserves a second look (bounds problems, iterations exhausted), or null.</summary>
    public string? Warning { get; }

    /// <summary>Every step in evaluation order.</summary>
    public IReadOnlyList<PErrorSearchStep> Steps { get; }

    /// <summary>
    /// The steps as a fixed-width table, one line per step: p_error, aggregate, drop below the reference,
    /// worst and best run, verdict, and the bracket after the step.
    /// </summary>
    /// <returns>Header, separator and one row per step, lines joined by <c>\n</c>.</returns>
    public string FormatTable()
    {
        var sb = new StringBuilder();
        sb.Append(Row("step", "p_error", "aggregate", "drop", "worst run", "best run", "pass", "lower", "upper")).Append('\n');
        sb.Append(new string('-', Row("", "", "", "", "", "", "", "", "").Length)).Append('\n');
        for (int i = 0; i < Steps.Count; i++)
        {
            PErrorSearchStep s = Steps[i];
            sb.Append(Row(
                Num(s.Index, "D"),
                Num(s.PError, "0.000e+00"),
                Num(s.Aggregate, "F6"),
                Num(ReferenceMetric - s.Aggregate, "+0.000000;-0.000000;0.000000"),
                Num(s.Metrics.Min(), "F6"),
                Num(s.Metrics.Max(), "F6"),
                s.Passed ? "yes" : "no",
                Num(s.Lower, "0.000e+00"),
                Num(s.Upper, "0.000e+00")));
            if (i < Steps.Count - 1)
            {
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>A summary line, the warning if any, then <see cref="FormatTable"/>.</summary>
    /// <returns>Multi-line text for console output.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(string.Create(
            CultureInfo.InvariantCulture,
            $"p_error = {PError:0.000e+00}: metric {Metric:F6} vs reference {ReferenceMetric:F6} (drop {ReferenceMetric - Metric:F6}), {(Converged ? "converged" : "NOT converged")} after {Steps.Count} steps"));
        sb.Append('\n');
        if (Warning is not null)
        {
            sb.Append("warning: ").Append(Warning).Append('\n');
        }

        sb.Append(FormatTable());
        return sb.ToString();
    }

    // Fixed widths align the columns for metrics below 1e4 in magnitude; a wider value shifts its row rather
    // than being cut, so nothing is lost.
    private static string Row(string step, string p, string aggregate, string drop, string worst, string best, string pass, string lower, string upper) =>
        $"{step,4}  {p,10}  {aggregate,12}  {drop,12}  {worst,12}  {best,12}  {pass,4}  {lower,10}  {upper,10}";

    private static string Num(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Num(int value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
