using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Tests.Circuits;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Parameters;

/// <summary>
/// Selection of one parameter set per key set (<see cref="ParameterSelector.SelectKeySets"/>): the multi-set noise
/// formula against the one-set formula, feasibility and cost against one shared set, and the joint optimum of a small
/// search space found by brute force over every pair of candidates.
/// </summary>
public sealed class KeySetSelectionTests(ITestOutputHelper output)
{
    private const double Log2Target = -40;

    [Fact]
    public void With_every_key_set_equal_the_multi_set_variance_is_the_one_set_variance()
    {
        var rng = new Random(5);
        var sets = new[] { 2, 4, 6 }.Select(p => ParameterSelector.SelectForLog2PError(p, Log2Target).Parameters).ToArray();
        for (int i = 0; i < 200; i++)
        {
            var c = new NoiseConstraint(rng.Next(0, 7), rng.Next(0, 5), rng.NextDouble() * 100, rng.NextDouble() * 1e4, rng.Next(2) == 0, "random",
                rng.NextDouble() * 10, rng.Next(3), rng.Next(3), rng.Next(3));
            var p = sets[rng.Next(sets.Length)];
            double one = c.Variance(p), many = c.Variance(new[] { p, p, p });
            Assert.Equal(one, many, one * 1e-12);
        }
    }

    [Fact]
    public void One_key_set_is_the_single_set_selection()
    {
        var encoding = CircuitEncoding.Create(ExactRoundedModel.Interpreter.Plan, setPerWidth: false);
        var single = ParameterSelector.SelectFor(encoding.Constraints, Log2Target).Parameters;
        var selection = ParameterSelector.SelectKeySets(encoding.Constraints, 1, Log2Target);
        Assert.Equal(single, Assert.Single(selection.KeySets));
        Assert.Equal(selection.SingleSetCost, selection.Cost);
    }

    [Fact]
    public void A_larger_p_error_never_costs_more_with_two_key_sets()
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        double previous = double.PositiveInfinity;
        foreach (double log2 in new[] { -60.0, -40, -30, -20, -10 })
        {
            var selection = CircuitEncoding.Create(plan, Math.Pow(2, log2)).Selection;
            output.WriteLine($"2^{log2}: cost {selection.Cost:G4} (one set {selection.SingleSetCost:G4}): {string.Join(" ; ", selection.KeySets.Select(p => p.Id))}");
            Assert.True(selection.Cost <= previous, $"2^{log2}: {selection.Cost} > {previous}");
            Assert.True(selection.Log2PFail <= log2 + 1e-9);
            previous = selection.Cost;
        }
    }

    [Fact]
    public void Bad_key_indices_are_rejected()
    {
        var c = new NoiseConstraint(2, 2, 1, 0, true, "read", InputKey: 0, ReadKey: 2, OutputKey: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterSelector.SelectKeySets(new[] { c }, 2, Log2Target));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterSelector.SelectKeySets(new[] { c }, 0, Log2Target));
        Assert.Throws<ArgumentException>(() => c.Variance(new[] { ParameterSelector.SelectForLog2PError(2, Log2Target).Parameters }));
    }

    /// <summary>
    /// On a small grid (n step 40, k ≤ 2, N ≤ 2^12, one or two PBS levels, up to six keyswitch levels) every pair of
    /// candidates for the two key sets of <see cref="TwoWidthModel"/> is tried: the descent's result must be feasible
    /// and cost no more than the cheapest feasible pair.
    /// </summary>
    [Fact]
    public void Descent_finds_the_joint_optimum_of_a_small_grid()
    {
        var space = new ParameterSearchSpace(MinLweDimension: 560, MaxLweDimension: 1040, LweDimensionStep: 40, MaxGlweDimension: 2,
            MaxLog2PolynomialSize: 12, MaxPbsLevel: 2, MaxKsLevel: 6);
        var encoding = CircuitEncoding.Create(TwoWidthModel.Interpreter.Plan, Math.Pow(2, Log2Target), space);
        var constraints = encoding.Constraints;
        var selection = encoding.Selection;
        Assert.Equal(2, selection.KeySets.Count);

        var candidates = Candidates(space).ToArray();

        double best = double.PositiveInfinity;
        TfheParameters[]? bestPair = null;
        var pair = new TfheParameters[2];
        foreach (var a in candidates)
        {
            pair[0] = a;
            foreach (var b in candidates)
            {
                pair[1] = b;
                double cost = Cost(constraints, pair);
                if (cost >= best) continue;
                if (constraints.All(c => c.Log2PFail(pair) <= Log2Target + 1e-9 && (!c.ThroughBootstrap || pair[c.OutputKey].PolynomialSize >= 2 << c.TableBits)))
                {
                    best = cost;
                    bestPair = (TfheParameters[])pair.Clone();
                }
            }
        }

        Assert.NotNull(bestPair);
        output.WriteLine($"brute force: {best:G6} with {bestPair![0].Id} ; {bestPair[1].Id}");
        output.WriteLine($"descent:     {selection.Cost:G6} with {selection.KeySets[0].Id} ; {selection.KeySets[1].Id} (one set {selection.SingleSetCost:G6})");
        Assert.All(constraints, c => Assert.True(c.Log2PFail(selection.KeySets) <= Log2Target + 1e-9, c.ToString()));
        Assert.Equal(Cost(constraints, selection.KeySets), selection.Cost, selection.Cost * 1e-12);
        Assert.True(selection.Cost <= best * (1 + 1e-12), $"descent {selection.Cost} > optimum {best}");
    }

    private static double Cost(IReadOnlyList<NoiseConstraint> constraints, IReadOnlyList<TfheParameters> sets)
    {
        double total = 0;
        foreach (var c in constraints)
        {
            if (!c.ThroughBootstrap) continue;
            var input = sets[c.InputKey];
            var read = sets[c.ReadKey];
            var target = sets[c.OutputKey];
            total += c.Count * (CostModel.KeySwitchCost(read.LweDimension, input.GlweDimension, input.PolynomialSize, read.KsLevel)
                              + CostModel.BlindRotationCost(read.LweDimension, target.GlweDimension, target.PolynomialSize, target.PbsLevel));
        }

        return total;
    }

    /// <summary>Every grid point with σ on the security curve and, per level, the base of lowest variance.</summary>
    private static IEnumerable<TfheParameters> Candidates(ParameterSearchSpace s)
    {
        double margin = 1 + s.StdDevMargin;
        for (int k = s.MinGlweDimension; k <= s.MaxGlweDimension; k++)
        {
            for (int logN = s.MinLog2PolynomialSize; logN <= s.MaxLog2PolynomialSize; logN++)
            {
                int bigN = 1 << logN;
                double sigmaGlwe = Security.MinimumStdDev(k * bigN) * margin;
                for (int lpbs = 1; lpbs <= s.MaxPbsLevel; lpbs++)
                {
                    int pbsBase = Enumerable.Range(1, 64 / lpbs).MinBy(b => NoiseModel.ExternalProductVariance(k, bigN, b, lpbs, sigmaGlwe));
                    for (int lks = 1; lks <= s.MaxKsLevel; lks++)
                    {
                        for (int n = s.MinLweDimension; n <= s.MaxLweDimension; n += s.LweDimensionStep)
                        {
                            double sigmaLwe = Security.MinimumStdDev(n) * margin;
                            int ksBase = Enumerable.Range(1, 64 / lks).MinBy(b => NoiseModel.KeySwitchVariancePerInputCoefficient(b, lks, sigmaLwe, n));
                            yield return new TfheParameters(1, 0, n, k, bigN, sigmaLwe, sigmaGlwe, pbsBase, lpbs, ksBase, lks);
                        }
                    }
                }
            }
        }
    }
}
