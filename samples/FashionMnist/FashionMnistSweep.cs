using System;
using FheGen.Compiler.Model;
using FheGen.Plotting;
using FheGen.Training.Sweeps;

namespace FheGen.Samples.FashionMnist;

/// <summary>What <c>--sweep</c> sweeps on the Fashion-MNIST model (the command itself is <see cref="SweepCommand"/>).</summary>
public static class FashionMnistSweep
{
    /// <summary>Training images whose mean activations structured pruning folds into the output bias: enough for stable means.</summary>
    public const int PruningSamples = 10_000;

    /// <summary>
    /// The default grid (1,080 points), around the declared w4/a4, 64 inputs per neuron and a 6-bit TLU: structured pruning
    /// of none, an eighth, a quarter, half or three quarters of the 128 hidden neurons; 3- and 4-bit weights and
    /// activations; the weights' own sparsity (at most 64 inputs per neuron) or 32; no rounding or a 7- to 4-bit TLU, exact
    /// and approximate; Concrete ML's default p_error, 10^-5 and 10^-3.
    /// </summary>
    public static SweepTarget Target => new("FashionMnistMlp", FashionMnistMlp.Spec, FashionMnistExperiment.LoadTest, Sweep.Grid(
        new double?[] { null, 0.125, 0.25, 0.5, 0.75 }, new[] { 3, 4 }, new[] { 3, 4 }, new int?[] { null, 32 }, new int?[] { null, 7, 6, 5, 4 },
        new[] { RoundingKind.Exact, RoundingKind.Approximate }, new[] { Math.Pow(2, -40), 1e-5, 1e-3 }))
    {
        QuickGrid = Sweep.Grid(new double?[] { null, 0.5 }, new[] { 4 }, new[] { 4 }, new int?[] { null }, new int?[] { 6, 5 },
            new[] { RoundingKind.Exact }, new[] { Math.Pow(2, -40) }),
        LoadPruningData = () => FashionMnistExperiment.LoadTrain(PruningSamples),
    };
}
