using System;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// The cost model's figures as the analyzer prints them, at the models' default p_error 2^-40. They come from the PBS
/// latencies measured on the machine that last regenerated src/FheGen.Compiler/Cost/MeasuredPbsLatencies.cs, so the
/// tests compute them from <see cref="CostModel"/> instead of hard-coding milliseconds; the shape of each message (which
/// widths and rounding are priced) is still spelled out at the call site.
/// </summary>
internal static class CostText
{
    public static readonly double DefaultPError = Math.Pow(2, -40);

    /// <summary>One unrounded lookup at <paramref name="bits"/> ("unbounded" past 16 bits).</summary>
    public static double Lookup(int bits) => bits > CostModel.MaxBits ? double.PositiveInfinity : CostModel.PbsLatencyMs(bits, DefaultPError);

    /// <summary>One neuron whose <paramref name="accumulatorBits"/>-bit accumulator is exactly rounded by <paramref name="lsbs"/> to a <paramref name="tluBits"/>-bit lookup.</summary>
    public static double Exact(int accumulatorBits, int lsbs, int tluBits)
        => CostModel.NeuronLatencyMs(accumulatorBits, lsbs, tluBits, DefaultPError, RoundingKind.Exact);

    /// <summary>FHE0001's rounding note: "est. NOW -> EXACT per neuron, APPROXIMATE with Method = Rounding.Approximate".</summary>
    public static string RoundingNote(double nowMs, int accumulatorBits, int lsbs, int tluBits)
        => $"est. {CostModel.FormatLatency(nowMs)} -> {CostModel.FormatLatency(Exact(accumulatorBits, lsbs, tluBits))} per neuron, " +
           $"{CostModel.FormatLatency(CostModel.PbsLatencyMs(tluBits, DefaultPError))} with Method = Rounding.Approximate";

    /// <summary>A remedy's cost against the layer as it stands: "; est. latency x0.3" (three decimals under 0.1).</summary>
    public static string Ratio(double afterMs, double nowMs)
    {
        double r = afterMs / nowMs;
        return "; est. latency x" + r.ToString(r >= 0.095 ? "0.0" : "0.00#", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The "Not offered" sentence's head, with the thresholds BudgetAdvisor documents.</summary>
    public const string NotOffered = "Not offered (they keep less than 80 % of |w| mass or 75 % of the bits): ";

    /// <summary>FHE0006's estimate: "est. TOTAL on one core".</summary>
    public static string Summary(double layerMs) => $"est. {CostModel.FormatLatency(layerMs)} on one core";
}
