using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using FheGen.Training.Sweeps;
using ScottPlot;

namespace FheGen.Plotting;

/// <summary>
/// The picture of a sweep: simulated accuracy against the cost model's estimated latency, one marker per point that
/// compiled, with the Pareto front (<see cref="Sweep.ParetoFront"/>) drawn as a line over them and points without a
/// secure parameter set drawn apart, as crosses. Points that did not compile have no figures and are left out.
/// </summary>
public static class ParetoPlot
{
    /// <summary>Default picture width in pixels.</summary>
    public const int DefaultWidth = 1000;

    /// <summary>Default picture height in pixels.</summary>
    public const int DefaultHeight = 640;

    /// <summary>Draws <paramref name="results"/> and writes the picture to <paramref name="path"/> as a PNG file.</summary>
    /// <exception cref="ArgumentException">There is nothing to draw (no results, or none compiled), or the size is not positive.</exception>
    public static void Save(IReadOnlyList<SweepResult> results, string path, string title, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, Render(results, title, width, height));
    }

    /// <summary>Draws <paramref name="results"/> and returns the PNG file's bytes.</summary>
    /// <exception cref="ArgumentException">There is nothing to draw (no results, or none compiled), or the size is not positive.</exception>
    public static byte[] Render(IReadOnlyList<SweepResult> results, string title, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(title);
        if (width <= 0 || height <= 0) throw new ArgumentException($"The picture must be at least 1x1 pixels, not {width}x{height}.", nameof(width));
        if (results.Count == 0) throw new ArgumentException("There is nothing to draw: the sweep has no results.", nameof(results));
        var compiled = results.Where(r => r.Error is null).ToList();
        if (compiled.Count == 0) throw new ArgumentException($"There is nothing to draw: none of the {results.Count} points compiled.", nameof(results));

        var front = Sweep.ParetoFront(compiled);
        var onFront = new HashSet<SweepResult>(front);
        // Latencies of a sweep span orders of magnitude (a 2-bit TLU against an unrounded 8-bit one), which a linear axis
        // squeezes into its left corner; a log axis needs every value positive.
        double min = compiled.Min(r => r.EstimatedLatencyMs), max = compiled.Max(r => r.EstimatedLatencyMs);
        bool log = min > 0 && max / min >= 10;
        double X(SweepResult r) => log ? Math.Log10(r.EstimatedLatencyMs) : r.EstimatedLatencyMs / 1000;
        static double Y(SweepResult r) => r.SimulatedAccuracy * 100;

        using var plot = new Plot();
        var secure = compiled.Where(r => r.Encryptable && !onFront.Contains(r)).ToList();
        var insecure = compiled.Where(r => !r.Encryptable).ToList();
        if (secure.Count > 0)
        {
            var points = plot.Add.ScatterPoints(secure.Select(X).ToArray(), secure.Select(Y).ToArray(), Colors.SteelBlue.WithAlpha(0.6));
            points.MarkerShape = MarkerShape.FilledCircle;
            points.MarkerSize = 6;
            points.LegendText = $"encryptable ({secure.Count})";
        }
        if (insecure.Count > 0)
        {
            var points = plot.Add.ScatterPoints(insecure.Select(X).ToArray(), insecure.Select(Y).ToArray(), Colors.Gray.WithAlpha(0.7));
            points.MarkerShape = MarkerShape.Eks;
            points.MarkerSize = 7;
            points.LegendText = $"no secure parameters ({insecure.Count})";
        }
        if (front.Count > 0)
        {
            var line = plot.Add.Scatter(front.Select(X).ToArray(), front.Select(Y).ToArray(), Colors.OrangeRed);
            line.MarkerShape = MarkerShape.FilledDiamond;
            line.MarkerSize = 10;
            line.LineWidth = 2;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LegendText = $"Pareto front ({front.Count})";
        }
        int skipped = results.Count - compiled.Count;
        plot.Title(title);
        plot.XLabel(log ? "estimated latency (cost model, one core; log scale)" : "estimated latency, s (cost model, one core)");
        plot.YLabel("simulated accuracy, %");
        if (skipped > 0)
        {
            var note = plot.Add.Annotation($"{skipped} of {results.Count} points did not compile (not drawn)", Alignment.UpperLeft);
            note.LabelFontSize = 12;
        }
        if (log)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = x => FormatMs(Math.Pow(10, x)),
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
            };
        }
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>A latency tick label: milliseconds below a second, else seconds.</summary>
    private static string FormatMs(double ms) => ms < 1000
        ? ms.ToString(ms < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " ms"
        : (ms / 1000).ToString(ms < 10_000 ? "0.#" : "0", CultureInfo.InvariantCulture) + " s";
}
