using System;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Plotting;
using FheGen.Training.Sweeps;

namespace FheGen.Samples.Digits;

/// <summary>What <c>--sweep</c> sweeps on the digits model (the command itself is <see cref="SweepCommand"/>).</summary>
public static class DigitsSweep
{
    /// <summary>
    /// The default grid (2,376 points, about a minute on 2 cores), around the declared w4/a4, 40 inputs per neuron and a
    /// 5-bit TLU: structured pruning of none, a quarter, half or three quarters of the 32 hidden neurons; 2- to 4-bit
    /// weights and activations; all inputs or 24 per neuron (the committed weights have at most 40 already); no rounding or
    /// a 7- to 3-bit TLU, exact and approximate; Concrete ML's default p_error and two larger ones.
    /// </summary>
    public static SweepTarget Target => new("DigitsMlp", DigitsMlp.Spec, Test, Sweep.Grid(new double?[] { null, 0.25, 0.5, 0.75 }, new[] { 2, 3, 4 },
        new[] { 2, 3, 4 }, new int?[] { null, 24 }, new int?[] { null, 7, 6, 5, 4, 3 }, new[] { RoundingKind.Exact, RoundingKind.Approximate },
        new[] { Math.Pow(2, -40), 1e-5, 1e-3 }))
    {
        // The declared setting, half of it pruned, and both at a 4-bit TLU: enough for a front of more than one point.
        QuickGrid = Sweep.Grid(new double?[] { null, 0.5 }, new[] { 4 }, new[] { 4 }, new int?[] { 40 }, new int?[] { 5, 4 },
            new[] { RoundingKind.Exact }, new[] { Math.Pow(2, -40) }),
        LoadPruningData = () => DigitsExperiment.LoadSplit().Train,
    };

    private static Training.Dataset Test(int? limit)
    {
        var test = DigitsExperiment.LoadSplit().Test;
        return limit is int n && n < test.Count ? test.Subset(Enumerable.Range(0, n).ToArray()) : test;
    }
}
