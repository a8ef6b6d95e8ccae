using System;
using System.Linq;
using FheGen.Backends;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Tests.Simulation;

/// <summary>Models to compile and statistical bounds shared by the simulation tests.</summary>
internal static class SimulationTestSupport
{
    public const double TwoTo64 = 18446744073709551616.0;

    /// <summary>
    /// A random dense ReLU network (3-bit inputs, 4-bit weights, 3-bit activations) compiled by the real compiler,
    /// optionally with every hidden layer rounded to <paramref name="roundBits"/>, exactly or approximately.
    /// </summary>
    public static CircuitPlan RandomPlan(ulong seed, int inputs, int[] widths, int? roundBits = null, bool approximate = false)
    {
        var random = new SimulationRandom(seed);
        var layers = new LayerSpec[widths.Length];
        int fanIn = inputs;
        for (int l = 0; l < widths.Length; l++)
        {
            bool last = l == widths.Length - 1;
            var weights = Enumerable.Range(0, widths[l] * fanIn).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
            var bias = Enumerable.Range(0, widths[l]).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            layers[l] = new LayerSpec
            {
                Name = "L" + l,
                Outputs = widths[l],
                Activation = last ? ActivationKind.Identity : ActivationKind.Relu,
                Weights = new EquatableArray<float>(weights),
                Bias = new EquatableArray<float>(bias),
            };
            fanIn = widths[l];
        }
        var spec = new ModelSpec
        {
            Name = "Random",
            Inputs = inputs,
            InputBits = 3,
            InputMin = 0,
            InputMax = 1,
            PbsBudgetBits = 16,
            PError = 0,
            Layers = new EquatableArray<LayerSpec>(layers),
            Quantize = EquatableArray.Of(new QuantizeSetting(null, 4, 3, null)),
            Round = roundBits is int b
                ? EquatableArray.Of(new RoundSetting(null, b) { Method = approximate ? RoundingKind.Approximate : RoundingKind.Exact })
                : EquatableArray<RoundSetting>.Empty,
        };
        return CircuitCompiler.Compile(spec).PlanOrThrow();
    }

    /// <summary>Number of TLUs one run of <paramref name="plan"/> evaluates.</summary>
    public static int PbsCount(CircuitPlan plan) => plan.Layers.Sum(l => l.PbsCount);

    /// <summary>Asserts that <paramref name="count"/> successes in <paramref name="trials"/> are within 4 binomial standard deviations of rate <paramref name="p"/>.</summary>
    public static void AssertBinomial(long count, long trials, double p, string what)
    {
        double mean = trials * p;
        double sd = Math.Sqrt(trials * p * (1 - p));
        // A floor of one count keeps the bound meaningful when the expected count is far below one.
        double bound = Math.Max(4 * sd, 1.0);
        Assert.True(Math.Abs(count - mean) <= bound,
            $"{what}: {count} of {trials} (rate {(double)count / trials:G6}), expected {mean:G6} ± {bound:G4} (4 sigma, p = {p:G6}).");
    }

    /// <summary>
    /// Upper 4-sigma-equivalent point of a chi-square with <paramref name="df"/> degrees of freedom (Wilson-Hilferty:
    /// the cube root of chi^2/df is nearly normal), so the test fails with probability about 3e-5 under the model.
    /// </summary>
    public static double ChiSquareBound(int df)
    {
        double v = 2.0 / (9 * df);
        double c = 1 - v + 4 * Math.Sqrt(v);
        return df * c * c * c;
    }
}
