using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace FheGen.Compiler.Parameters;

/// <summary>Parameter sets selected for a circuit, one per key set (a circuit's distinct TLU widths), with their figures.</summary>
/// <param name="KeySets">The parameter set of each key set.</param>
/// <param name="Cost">Per-inference cost (<see cref="CostModel"/> units): Σ over reads of count × (keyswitch + blind rotation).</param>
/// <param name="SingleSetCost">The same circuit's cost when every key set shares the cheapest single set meeting every read.</param>
/// <param name="Log2PFail">log2 p_fail of the read closest to failing.</param>
/// <param name="TargetLog2PFail">The requested per-read log2 p_error.</param>
public sealed record CircuitParameterSelection(IReadOnlyList<TfheParameters> KeySets, double Cost, double SingleSetCost, double Log2PFail, double TargetLog2PFail)
{
    /// <summary>Distinct parameter sets among <see cref="KeySets"/>.</summary>
    public int DistinctSets => KeySets.Distinct().Count();
}

/// <summary>What a read needs of one key set, reduced to the numbers the noise and cost formulas use.</summary>
internal readonly record struct KeyFigures(int LweDimension, int GlweDimension, int PolynomialSize, double GlweVariance, double ExternalProductVariance, double KeySwitchPerCoefficient, int PbsLevel, int KsLevel)
{
    public int BigLweDimension => GlweDimension * PolynomialSize;

    public static KeyFigures Of(TfheParameters p) => new(
        p.LweDimension, p.GlweDimension, p.PolynomialSize, p.GlweNoiseStdDev * p.GlweNoiseStdDev,
        NoiseModel.ExternalProductVariance(p.GlweDimension, p.PolynomialSize, p.PbsBaseLog, p.PbsLevel, p.GlweNoiseStdDev),
        NoiseModel.KeySwitchVariancePerInputCoefficient(p.KsBaseLog, p.KsLevel, p.LweNoiseStdDev, p.LweDimension), p.PbsLevel, p.KsLevel);

    /// <summary>The read's variance (see <see cref="NoiseConstraint"/>).</summary>
    public static double Variance(NoiseConstraint c, KeyFigures input, KeyFigures read, KeyFigures output)
    {
        double v = (c.BlindRotationWeight * input.LweDimension + c.ExtractionWeight * read.LweDimension) * input.ExternalProductVariance
                 + c.FreshWeight * input.GlweVariance;
        if (c.ThroughBootstrap)
            v += input.BigLweDimension * read.KeySwitchPerCoefficient + NoiseModel.ModulusSwitchVariance(read.LweDimension, output.PolynomialSize);
        return v;
    }

    /// <summary>The read's cost per inference: count × (keyswitch into the read set + blind rotation into the output set).</summary>
    public static double Cost(NoiseConstraint c, KeyFigures input, KeyFigures read, KeyFigures output) => c.ThroughBootstrap
        ? c.Count * (CostModel.KeySwitchCost(read.LweDimension, input.GlweDimension, input.PolynomialSize, read.KsLevel)
                   + CostModel.BlindRotationCost(read.LweDimension, output.GlweDimension, output.PolynomialSize, output.PbsLevel))
        : 0;
}

/// <summary>The search's discrete candidates: σ per dimension on the security curve and the best gadget base per level.</summary>
internal sealed class CandidateGrid
{
    private static readonly ConcurrentDictionary<ParameterSearchSpace, CandidateGrid> Cache = new();

    private CandidateGrid(ParameterSearchSpace s)
    {
        Space = s;
        Margin = 1 + s.StdDevMargin;
        LweDimensionCount = (s.MaxLweDimension - s.MinLweDimension) / s.LweDimensionStep + 1;
        SigmaLwe = new double[LweDimensionCount];
        for (int i = 0; i < LweDimensionCount; i++)
            SigmaLwe[i] = Security.MinimumStdDev(LweDimension(i)) * Margin;

        // Best keyswitch base per (level, n): lowest V_ks per input coefficient (k·N is a pure factor of V_ks).
        KeySwitchVariance = new double[s.MaxKsLevel + 1][];
        KeySwitchBaseLog = new int[s.MaxKsLevel + 1][];
        for (int lks = 1; lks <= s.MaxKsLevel; lks++)
        {
            KeySwitchVariance[lks] = new double[LweDimensionCount];
            KeySwitchBaseLog[lks] = new int[LweDimensionCount];
            for (int i = 0; i < LweDimensionCount; i++)
            {
                double lowest = double.PositiveInfinity;
                int bestBase = 0;
                for (int b = 1; b * lks <= TfheParameters.NativeCiphertextModulusLog; b++)
                {
                    double v = NoiseModel.KeySwitchVariancePerInputCoefficient(b, lks, SigmaLwe[i], LweDimension(i));
                    if (v < lowest)
                    {
                        lowest = v;
                        bestBase = b;
                    }
                }

                KeySwitchVariance[lks][i] = lowest;
                KeySwitchBaseLog[lks][i] = bestBase;
            }
        }
    }

    public ParameterSearchSpace Space { get; }

    public double Margin { get; }

    public int LweDimensionCount { get; }

    public double[] SigmaLwe { get; }

    public double[][] KeySwitchVariance { get; }

    public int[][] KeySwitchBaseLog { get; }

    public static CandidateGrid For(ParameterSearchSpace s) => Cache.GetOrAdd(s, key => new CandidateGrid(key));

    public int LweDimension(int i) => Space.MinLweDimension + i * Space.LweDimensionStep;

    public double SigmaGlwe(int kN) => Security.MinimumStdDev(kN) * Margin;

    /// <summary>The PBS base log with the lowest external-product variance for (k, N, level); 0 when none fits.</summary>
    public static (int BaseLog, double Variance) BestPbsBase(int k, int bigN, int level, double sigmaGlwe)
    {
        double vep = double.PositiveInfinity;
        int pbsB = 0;
        for (int b = 1; b * level <= TfheParameters.NativeCiphertextModulusLog; b++)
        {
            double v = NoiseModel.ExternalProductVariance(k, bigN, b, level, sigmaGlwe);
            if (v < vep)
            {
                vep = v;
                pbsB = b;
            }
        }

        return (pbsB, vep);
    }
}

public static partial class ParameterSelector
{
    private const int MaxDescentRounds = 8;

    /// <summary>
    /// Selects a parameter set per key set for a circuit whose reads (<see cref="NoiseConstraint"/>, with their key
    /// indices) run at several sets, minimizing the per-inference cost Σ count × (keyswitch + blind rotation) subject
    /// to every read meeting per-read p_error 2^<paramref name="log2PError"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The reads couple the sets (a read's input noise comes from the set its ciphertext is under, its keyswitch and
    /// blind rotation from the read and output sets), so the sets are searched jointly by exact coordinate descent: with
    /// the other sets fixed, one set is replaced by the cheapest candidate of the search space that keeps every read
    /// touching it feasible (the same exhaustive grid as <see cref="SelectFor"/>), until no replacement lowers the
    /// cost. Descent starts from two points: every set equal to the single set meeting every read (always feasible,
    /// so the result never costs more than one shared set) and every set chosen for its own reads alone; the
    /// cheapest feasible end point wins.
    /// </para>
    /// </remarks>
    /// <param name="constraints">The reads, key indices in [0, <paramref name="keyCount"/>).</param>
    /// <param name="keyCount">Number of key sets.</param>
    /// <param name="log2PError">Per-read log2 p_error (negative).</param>
    /// <param name="space">Search ranges (<see cref="ParameterSearchSpace.Default"/> when null).</param>
    /// <exception cref="InvalidOperationException">No secure set in the search space meets every read.</exception>
    public static CircuitParameterSelection SelectKeySets(IReadOnlyList<NoiseConstraint> constraints, int keyCount, double log2PError, ParameterSearchSpace? space = null)
    {
        Numerics.ThrowIfNull(constraints, nameof(constraints));
        if (keyCount < 1)
            throw new ArgumentOutOfRangeException(nameof(keyCount), keyCount, "At least one key set is needed.");
        foreach (var c in constraints)
        {
            Numerics.ThrowIfNull(c, nameof(c));
            if (c.InputKey >= keyCount || c.ReadKey >= keyCount || c.OutputKey >= keyCount)
                throw new ArgumentOutOfRangeException(nameof(constraints), $"{c.Label}: key sets {c.InputKey}->{c.ReadKey}->{c.OutputKey}, but there are {keyCount}.");
        }

        space ??= ParameterSearchSpace.Default;
        // One shared set meeting every read: always feasible when anything is (it throws otherwise), and the fallback.
        var single = SelectFor(constraints, log2PError, space).Parameters;
        var shared = Enumerable.Repeat(single, keyCount).ToArray();
        var problem = new KeySetProblem(constraints, keyCount, log2PError, CandidateGrid.For(space));
        double sharedCost = problem.Cost(shared);

        var best = shared;
        double bestCost = sharedCost;
        if (keyCount > 1)
        {
            foreach (var start in new[] { shared, problem.Independent(single, space, log2PError) })
            {
                var end = problem.Descend(start);
                double cost = problem.Cost(end);
                if (problem.Feasible(end) && cost < bestCost)
                {
                    best = end;
                    bestCost = cost;
                }
            }
        }

        double worst = double.NegativeInfinity;
        foreach (var c in constraints) worst = Math.Max(worst, c.Log2PFail(best));
        return new CircuitParameterSelection(best, bestCost, sharedCost, worst, log2PError);
    }

    /// <summary>The reads of a circuit over several key sets, and the per-set search.</summary>
    private sealed class KeySetProblem(IReadOnlyList<NoiseConstraint> constraints, int keyCount, double log2PError, CandidateGrid grid)
    {
        private readonly double[] _maxVariance = constraints.Select(c => NoiseModel.MaxVarianceUnchecked(c.PrecisionBits, log2PError)).ToArray();

        public double Cost(IReadOnlyList<TfheParameters> sets)
        {
            var f = sets.Select(KeyFigures.Of).ToArray();
            double total = 0;
            foreach (var c in constraints) total += KeyFigures.Cost(c, f[c.InputKey], f[c.ReadKey], f[c.OutputKey]);
            return total;
        }

        public bool Feasible(IReadOnlyList<TfheParameters> sets)
        {
            var f = sets.Select(KeyFigures.Of).ToArray();
            for (int i = 0; i < constraints.Count; i++)
            {
                var c = constraints[i];
                if (KeyFigures.Variance(c, f[c.InputKey], f[c.ReadKey], f[c.OutputKey]) > _maxVariance[i]) return false;
                if (c.ThroughBootstrap && f[c.OutputKey].PolynomialSize < 2 << c.TableBits) return false;
            }

            return true;
        }

        /// <summary>Each set selected for the reads touching it as if every set were the same (may be jointly infeasible).</summary>
        public TfheParameters[] Independent(TfheParameters fallback, ParameterSearchSpace space, double log2)
        {
            var sets = new TfheParameters[keyCount];
            for (int g = 0; g < keyCount; g++)
            {
                var own = constraints.Where(c => c.ReadKey == g).ToArray();
                try
                {
                    sets[g] = own.Length == 0 ? fallback : SelectFor(own, log2, space).Parameters;
                }
                catch (InvalidOperationException)
                {
                    sets[g] = fallback;
                }
            }

            return sets;
        }

        public TfheParameters[] Descend(IReadOnlyList<TfheParameters> start)
        {
            var sets = start.ToArray();
            for (int round = 0; round < MaxDescentRounds; round++)
            {
                bool changed = false;
                for (int g = 0; g < keyCount; g++)
                {
                    if (Search(g, sets) is not { } candidate || candidate.Equals(sets[g])) continue;
                    var trial = (TfheParameters[])sets.Clone();
                    trial[g] = candidate;
                    // Accept a cheaper set, or any set that repairs reads the current one fails (an infeasible start).
                    if (Cost(trial) < Cost(sets) || !Feasible(sets))
                    {
                        sets = trial;
                        changed = true;
                    }
                }

                if (!changed) break;
            }

            return sets;
        }

        /// <summary>The cheapest set for key set <paramref name="g"/> with the others fixed, or null if none keeps its reads feasible.</summary>
        private TfheParameters? Search(int g, TfheParameters[] sets)
        {
            var relevant = new List<int>();
            int minLog2N = grid.Space.MinLog2PolynomialSize, tableBits = 1;
            for (int i = 0; i < constraints.Count; i++)
            {
                var c = constraints[i];
                bool outputs = c.ThroughBootstrap && c.OutputKey == g;
                if (c.InputKey == g || (c.ThroughBootstrap && c.ReadKey == g) || outputs)
                    relevant.Add(i);
                if (outputs)
                {
                    minLog2N = Math.Max(minLog2N, c.TableBits + 1);
                    tableBits = Math.Max(tableBits, c.TableBits);
                }
            }

            var s = grid.Space;
            var fixedFigures = sets.Select(KeyFigures.Of).ToArray();
            var figures = (KeyFigures[])fixedFigures.Clone();
            double bestCost = double.PositiveInfinity, bestV = double.PositiveInfinity;
            TfheParameters? best = null;
            for (int k = s.MinGlweDimension; k <= s.MaxGlweDimension; k++)
            {
                for (int logN = minLog2N; logN <= s.MaxLog2PolynomialSize; logN++)
                {
                    int bigN = 1 << logN;
                    double sigmaGlwe = grid.SigmaGlwe(k * bigN);
                    for (int lpbs = 1; lpbs <= s.MaxPbsLevel; lpbs++)
                    {
                        var (pbsB, vep) = CandidateGrid.BestPbsBase(k, bigN, lpbs, sigmaGlwe);
                        if (pbsB == 0) continue;
                        for (int lks = 1; lks <= s.MaxKsLevel; lks++)
                        {
                            for (int i = 0; i < grid.LweDimensionCount; i++)
                            {
                                int n = grid.LweDimension(i);
                                figures[g] = new KeyFigures(n, k, bigN, sigmaGlwe * sigmaGlwe, vep, grid.KeySwitchVariance[lks][i], lpbs, lks);
                                double cost = 0, v = 0;
                                foreach (int r in relevant)
                                {
                                    var c = constraints[r];
                                    cost += KeyFigures.Cost(c, figures[c.InputKey], figures[c.ReadKey], figures[c.OutputKey]);
                                }

                                if (cost > bestCost)
                                    break; // cost does not fall as n grows: nothing further along can win

                                foreach (int r in relevant)
                                {
                                    var c = constraints[r];
                                    if (c.ThroughBootstrap && figures[c.OutputKey].PolynomialSize < 2 << c.TableBits)
                                    {
                                        v = double.PositiveInfinity;
                                        break;
                                    }

                                    v = Math.Max(v, KeyFigures.Variance(c, figures[c.InputKey], figures[c.ReadKey], figures[c.OutputKey]) / _maxVariance[r]);
                                }

                                if (v <= 1)
                                {
                                    if (cost < bestCost || v < bestV)
                                    {
                                        bestCost = cost;
                                        bestV = v;
                                        best = new TfheParameters(tableBits, 0, n, k, bigN, grid.SigmaLwe[i], sigmaGlwe, pbsB, lpbs, grid.KeySwitchBaseLog[lks][i], lks);
                                    }

                                    break; // the smallest feasible n is the cheapest for this (k, N, l_pbs, l_ks)
                                }
                            }
                        }
                    }
                }
            }

            return best;
        }
    }
}
