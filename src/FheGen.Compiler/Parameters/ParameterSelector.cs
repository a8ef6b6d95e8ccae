using System;
using System.Collections.Concurrent;
using System.Globalization;

namespace FheGen.Compiler.Parameters;


/// <summary>The ranges <see cref="ParameterSelector"/> searches. A value type, so it can key the selector's cache.</summary>
/// <param name="MinLweDimension">Smallest n tried.</param>
/// <param name="MaxLweDimension">Largest n tried.</param>
/// <param name="LweDimensionStep">Step between tried values of n.</param>
/// <param name="MinGlweDimension">Smallest k tried.</param>
/// <param name="MaxGlweDimension">Largest k tried.</param>
/// <param name="MinLog2PolynomialSize">Smallest log2 N tried (raised to p when the lookup needs it).</param>
/// <param name="MaxLog2PolynomialSize">Largest log2 N tried.</param>
/// <param name="MaxPbsLevel">Most PBS decomposition levels tried (every base with base_log·level ≤ 64 is tried).</param>
/// <param name="MaxKsLevel">Most keyswitch decomposition levels tried (every base with base_log·level ≤ 64 is tried).</param>
/// <param name="StdDevMargin">
/// Relative margin above the security curve for both σ (σ = curve minimum · (1 + margin)), so that selected sets are
/// secure without relying on <see cref="Security.RelativeTolerance"/>.
/// </param>
public sealed record ParameterSearchSpace(
    int MinLweDimension = 512,
    int MaxLweDimension = 1400,
    int LweDimensionStep = 1,
    int MinGlweDimension = 1,
    int MaxGlweDimension = 4,
    int MinLog2PolynomialSize = 9,
    int MaxLog2PolynomialSize = 16,
    int MaxPbsLevel = 4,
    int MaxKsLevel = 12,
    double StdDevMargin = 1e-9)
{
    /// <summary>
    /// Default ranges: n ∈ [512, 1400] step 1, k ∈ [1, 4], N ∈ [2^9, 2^16], PBS levels 1..4, keyswitch levels 1..12.
    /// k goes to 4 (not just 1, 2) because small precisions are cheapest with a large k and a small N, as TFHE-rs' 2-bit
    /// set (k = 4, N = 512) shows; n starts at 512, well inside the range where the security curve's linear fit holds.
    /// </summary>
    public static ParameterSearchSpace Default { get; } = new();

    internal void Check()
    {
        if (MinLweDimension < 1 || MaxLweDimension < MinLweDimension || LweDimensionStep < 1)
            throw new ArgumentException($"Invalid LWE dimension range [{MinLweDimension}, {MaxLweDimension}] step {LweDimensionStep}.");
        if (MinGlweDimension < 1 || MaxGlweDimension < MinGlweDimension || MaxGlweDimension > 16)
            throw new ArgumentException($"Invalid GLWE dimension range [{MinGlweDimension}, {MaxGlweDimension}] (1..16).");
        if (MinLog2PolynomialSize < 8 || MaxLog2PolynomialSize > 16 || MaxLog2PolynomialSize < MinLog2PolynomialSize)
            throw new ArgumentException($"Invalid log2 N range [{MinLog2PolynomialSize}, {MaxLog2PolynomialSize}] (8..16).");
        if (MaxPbsLevel < 1 || MaxPbsLevel > 64 || MaxKsLevel < 1 || MaxKsLevel > 64)
            throw new ArgumentException($"Decomposition levels must be in 1..64 (PBS {MaxPbsLevel}, KS {MaxKsLevel}).");
        if (!Numerics.IsFinite(StdDevMargin) || StdDevMargin < 0 || StdDevMargin > 1)
            throw new ArgumentException($"The std-dev margin must be in [0, 1], got {StdDevMargin}.");
    }
}

/// <summary>A selected parameter set with its noise and cost figures.</summary>
/// <param name="Parameters">The set (message bits = p, no carry).</param>
/// <param name="Log2PFail">Its log2 p_fail by <see cref="NoiseModel"/> at <paramref name="Nu"/>.</param>
/// <param name="Cost">Its <see cref="CostModel"/> cost.</param>
/// <param name="Nu">The 2-norm ν the selection was made for.</param>
/// <param name="TargetLog2PFail">The requested log2 p_error.</param>
public sealed record ParameterSelection(TfheParameters Parameters, double Log2PFail, double Cost, double Nu, double TargetLog2PFail);

/// <summary>
/// Finds the cheapest (by <see cref="CostModel"/>) 128-bit-secure parameter set whose per-PBS failure probability
/// (by <see cref="NoiseModel"/>) is at most a target, for table lookups of p bits.
/// </summary>
/// <remarks>
/// <para>
/// Both σ sit on the security curve (times 1 + <see cref="ParameterSearchSpace.StdDevMargin"/>): more noise than the
/// minimum never helps. N ranges over the search space but never below 2^p, the smallest N whose test polynomial holds
/// one coefficient per box (see <see cref="TfheParameters"/>); smaller N beyond that is left to the noise model, which
/// rejects it through the modulus-switch term.
/// </para>
/// <para>
/// The search is exact over the discrete space, not heuristic, which is what makes a larger p_error never cost more.
/// Cost depends on (n, k, N, l_pbs, l_ks) only, not on the bases, so for each (k, N, l_pbs) the PBS base minimizing
/// V_ep is taken, and for each (n, l_ks) the keyswitch base minimizing V_ks (k·N is a pure factor of V_ks). Then, for
/// each (k, N, l_pbs, l_ks), n grows until the set meets the target (the cost grows with n, so the first hit is the
/// cheapest), until it costs more than the best set so far, or until the reads' blind-rotation and fresh noise alone
/// (which grow with n) exceed every allowance. Results are cached per query.
/// </para>
/// </remarks>
public static partial class ParameterSelector
{
    private static readonly ConcurrentDictionary<(int, double, double, ParameterSearchSpace), ParameterSelection?> Cache = new();

    /// <summary>Selects parameters for p-bit lookups with per-PBS error probability at most <paramref name="pError"/>.</summary>
    /// <param name="precisionBits">Lookup input bits p (1..16).</param>
    /// <param name="pError">Target per-PBS error probability, in (0, 1).</param>
    /// <param name="nu">2-norm of the linear combination feeding each PBS (1 by default).</param>
    /// <param name="space">Search ranges (<see cref="ParameterSearchSpace.Default"/> when null).</param>
    /// <exception cref="InvalidOperationException">No set in the search space meets the target.</exception>
    public static ParameterSelection Select(int precisionBits, double pError, double nu = 1, ParameterSearchSpace? space = null)
    {
        if (!(pError > 0 && pError < 1))
            throw new ArgumentOutOfRangeException(nameof(pError), pError, "p_error must be in (0, 1).");
        return SelectForLog2PError(precisionBits, Log2PError(pError), nu, space);
    }

    /// <summary>
    /// log2 of a p_error as every selection takes it. The analyzer's feasibility check and <c>CircuitEncoding.Create</c>
    /// both convert through here, so they search for the very same target.
    /// </summary>
    public static double Log2PError(double pError) => Numerics.Log2(pError);

    /// <summary>As <see cref="Select"/>, with the target given as log2 p_error (e.g. -40), so targets below 2^-1074 work too.</summary>
    public static ParameterSelection SelectForLog2PError(int precisionBits, double log2PError, double nu = 1, ParameterSearchSpace? space = null)
    {
        if (precisionBits < 1 || precisionBits > TfheParameters.MaxPrecisionBits)
            throw new ArgumentOutOfRangeException(nameof(precisionBits), precisionBits,
                $"The lookup precision must be between 1 and {TfheParameters.MaxPrecisionBits} bits.");
        if (double.IsNaN(log2PError) || log2PError >= 0)
            throw new ArgumentOutOfRangeException(nameof(log2PError), log2PError, "log2 p_error must be negative.");
        NoiseModel.CheckNu(nu);
        space ??= ParameterSearchSpace.Default;
        space.Check();

        ParameterSelection? result = Cache.GetOrAdd((precisionBits, log2PError, nu, space), key => Search(key.Item1, key.Item2, key.Item3, key.Item4));
        return result ?? throw new InvalidOperationException(Numerics.Invariant($"No 128-bit-secure parameter set in the search space reaches p_error 2^{log2PError:F2} for {precisionBits}-bit lookups ") +
            Numerics.Invariant($"(nu = {nu}); widen the search space (larger n or N, more levels) or accept a larger p_error."));
    }

    /// <summary>
    /// Selects the cheapest secure set that meets every read of a circuit (see <see cref="NoiseConstraint"/>) at
    /// per-read error probability 2^<paramref name="log2PError"/>: one set for the whole circuit, with N large enough for
    /// its widest table.
    /// </summary>
    /// <param name="constraints">The reads; at least one.</param>
    /// <param name="log2PError">Per-read log2 p_error (negative).</param>
    /// <param name="space">Search ranges (<see cref="ParameterSearchSpace.Default"/> when null).</param>
    /// <returns>The set; <see cref="ParameterSelection.Log2PFail"/> is that of the constraint closest to failing, and
    /// <see cref="ParameterSelection.Nu"/> is NaN (there is no single ν).</returns>
    /// <exception cref="InvalidOperationException">No set in the search space meets every constraint.</exception>
    public static ParameterSelection SelectFor(System.Collections.Generic.IReadOnlyList<NoiseConstraint> constraints, double log2PError, ParameterSearchSpace? space = null)
    {
        var search = SearchShared(constraints, log2PError, space);
        if (search.Parameters is not { } r)
        {
            throw new InvalidOperationException(Numerics.Invariant($"No 128-bit-secure parameter set in the search space meets all {constraints.Count} reads of the circuit at p_error 2^{log2PError:F2} ") +
                Numerics.Invariant($"(hardest: {(search.BindingRead >= 0 ? constraints[search.BindingRead].ToString() : Hardest(constraints))}); round more bits away, lower the weights' norm, or accept a larger p_error."));
        }

        double worst = double.NegativeInfinity;
        foreach (var c in constraints) worst = Math.Max(worst, c.Log2PFail(r));
        return new ParameterSelection(r, worst, CostModel.Cost(r), double.NaN, log2PError);
    }

    /// <summary>
    /// The search behind <see cref="SelectFor"/>: the cheapest secure set meeting every read, or none. When there is
    /// none, the search covered the whole space (its cuts skip only candidates that can be neither feasible nor closer),
    /// so <see cref="SharedSetSearch.Slack"/> is the smallest over the whole space of the tightest read's variance over
    /// its allowance, and <see cref="SharedSetSearch.BindingRead"/> is that read at that candidate: what is needed to
    /// make a set exist.
    /// </summary>
    internal static SharedSetSearch SearchShared(System.Collections.Generic.IReadOnlyList<NoiseConstraint> constraints, double log2PError, ParameterSearchSpace? space = null)
    {
        Numerics.ThrowIfNull(constraints, nameof(constraints));
        if (constraints.Count == 0)
            throw new ArgumentException("At least one constraint is needed.", nameof(constraints));
        if (double.IsNaN(log2PError) || log2PError >= 0)
            throw new ArgumentOutOfRangeException(nameof(log2PError), log2PError, "log2 p_error must be negative.");
        space ??= ParameterSearchSpace.Default;
        space.Check();
        int tableBits = 1;
        foreach (var c in constraints)
        {
            Numerics.ThrowIfNull(c, nameof(c));
            c.Check();
            tableBits = Math.Max(tableBits, c.TableBits);
        }

        var reads = new Read[constraints.Count];
        for (int i = 0; i < reads.Length; i++)
        {
            var c = constraints[i];
            reads[i] = new Read(NoiseModel.MaxVarianceUnchecked(c.PrecisionBits, log2PError), c.BlindRotationWeight + c.ExtractionWeight, c.FreshWeight, c.ThroughBootstrap);
        }

        // A table of 2^t entries with the half-box rotation needs N ≥ 2^(t+1) (TestPolynomial.FromTorusValues).
        var found = Search(tableBits, reads, space, tableBits + 1, out double slack, out int binding);
        return new SharedSetSearch(found, slack, binding);
    }

    /// <summary>What <see cref="SearchShared"/> found.</summary>
    /// <param name="Parameters">The cheapest set meeting every read, or null.</param>
    /// <param name="Slack">The tightest read's variance over its allowance at the best candidate tried (at most 1 when a set was found; +∞ when the space has no candidate).</param>
    /// <param name="BindingRead">Index of that read (-1 when there was no candidate).</param>
    internal readonly record struct SharedSetSearch(TfheParameters? Parameters, double Slack, int BindingRead);

    private static string Hardest(System.Collections.Generic.IReadOnlyList<NoiseConstraint> constraints)
    {
        NoiseConstraint hardest = constraints[0];
        double worst = double.PositiveInfinity;
        foreach (var c in constraints)
        {
            // Smallest allowed variance per unit of scaled noise: the read that squeezes the noise hardest.
            double room = Numerics.ScaleB(1.0, -2 * c.PrecisionBits) / Math.Max(1e-300, c.BlindRotationWeight + c.ExtractionWeight + c.FreshWeight + (c.ThroughBootstrap ? 1 : 0));
            if (room < worst)
            {
                worst = room;
                hardest = c;
            }
        }

        return hardest.ToString();
    }

    private readonly record struct Read(double MaxVariance, double BlindRotationWeight, double FreshWeight, bool ThroughBootstrap);

    private static ParameterSelection? Search(int p, double log2Target, double nu, ParameterSearchSpace s)
    {
        var reads = new[] { new Read(NoiseModel.MaxVariance(p, log2Target), nu * nu, 0, true) };
        if (Search(p, reads, s, p, out _, out _) is not { } r)
            return null;
        return new ParameterSelection(r, NoiseModel.Log2PFail(r, nu), CostModel.Cost(r), nu, log2Target);
    }

    private static TfheParameters? Search(int p, Read[] reads, ParameterSearchSpace s, int minLog2N, out double minSlack, out int binding)
    {
        minSlack = double.PositiveInfinity;
        binding = -1;
        var grid = CandidateGrid.For(s);
        int nCount = grid.LweDimensionCount;
        double[] sigmaLwe = grid.SigmaLwe;
        double[][] ksVar = grid.KeySwitchVariance;
        int[][] ksBase = grid.KeySwitchBaseLog;

        double bestCost = double.PositiveInfinity, bestV = double.PositiveInfinity;
        (int n, int k, int logN, int pbsB, int pbsL, int ksB, int ksL, double sigmaLwe, double sigmaGlwe)? best = null;

        for (int k = s.MinGlweDimension; k <= s.MaxGlweDimension; k++)
        {
            for (int logN = Math.Max(s.MinLog2PolynomialSize, minLog2N); logN <= s.MaxLog2PolynomialSize; logN++)
            {
                int bigN = 1 << logN;
                int kN = k * bigN;
                double sigmaGlwe = grid.SigmaGlwe(kN);
                for (int lpbs = 1; lpbs <= s.MaxPbsLevel; lpbs++)
                {
                    var (pbsB, vep) = CandidateGrid.BestPbsBase(k, bigN, lpbs, sigmaGlwe);
                    if (pbsB == 0)
                        continue;

                    double fresh = sigmaGlwe * sigmaGlwe;
                    for (int lks = 1; lks <= s.MaxKsLevel; lks++)
                    {
                        for (int i = 0; i < nCount; i++)
                        {
                            int n = s.MinLweDimension + i * s.LweDimensionStep;
                            double cost = CostModel.Cost(n, k, bigN, lpbs, lks);
                            if (cost > bestCost)
                                break; // cost grows with n: nothing further along can win

                            double br = n * vep;
                            double through = kN * ksVar[lks][i] + NoiseModel.ModulusSwitchVariance(n, bigN);
                            // Slack of the tightest read, as a variance ratio: at most 1 when every read is met. The
                            // blind-rotation and fresh terms alone bound each read's ratio from below and grow with n:
                            // once that bound fails every read's allowance and cannot beat the closest candidate so far,
                            // no larger n can be feasible or closer (an exact cut, it changes no result).
                            double v = 0, bound = 0;
                            int tightest = 0;
                            for (int ri = 0; ri < reads.Length; ri++)
                            {
                                var read = reads[ri];
                                double growing = read.BlindRotationWeight * br + read.FreshWeight * fresh;
                                bound = Math.Max(bound, growing / read.MaxVariance);
                                double ratio = (growing + (read.ThroughBootstrap ? through : 0)) / read.MaxVariance;
                                if (ratio > v)
                                {
                                    v = ratio;
                                    tightest = ri;
                                }
                            }

                            if (bound > 1 && bound >= minSlack)
                                break;

                            if (v < minSlack)
                            {
                                minSlack = v;
                                binding = tightest;
                            }

                            if (v <= 1)
                            {
                                // Ties on cost go to the set with more noise margin.
                                if (cost < bestCost || v < bestV)
                                {
                                    bestCost = cost;
                                    bestV = v;
                                    best = (n, k, logN, pbsB, lpbs, ksBase[lks][i], lks, sigmaLwe[i], sigmaGlwe);
                                }

                                break; // the smallest feasible n is the cheapest for this (k, N, l_pbs, l_ks)
                            }
                        }
                    }
                }
            }
        }

        if (best is not { } r)
            return null;

        return new TfheParameters(p, 0, r.n, r.k, 1 << r.logN, r.sigmaLwe, r.sigmaGlwe, r.pbsB, r.pbsL, r.ksB, r.ksL);
    }
}
