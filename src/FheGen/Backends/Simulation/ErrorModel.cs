using System;
using System.Threading;

namespace FheGen.Backends;

/// <summary>
/// The per-TLU error model of p_error (README, Semantics): the bootstrapping reads its table at <c>x + noise</c>, with
/// Gaussian noise of standard deviation <see cref="Sigma"/> chosen so that <c>P(|noise| &gt; 1/2) = p_error</c>,
/// and returns entry <c>x + k</c> where <c>k</c> is the noise rounded to the nearest integer. So
/// <c>sigma = 1 / (2 z)</c> with <c>z = Phi^-1(1 - p_error / 2)</c>, and offset <c>k</c> has probability
/// <c>Phi((k + 1/2) / sigma) - Phi((k - 1/2) / sigma)</c>. Immutable and thread-safe; share one across backends.
/// </summary>
/// <remarks>
/// <para>
/// Sampling uses one 64-bit draw <c>r</c> per TLU, read as the uniform <c>r / 2^64</c>: the error event is the
/// integer compare <c>r &lt; p_error 2^64</c>, so at <c>2^-40</c> almost every TLU costs one draw and one compare.
/// Only on an error is the offset looked up, by binary search in precomputed cut points. The error interval is
/// split into a negative half and a mirrored positive half of equal size, so the sampled distribution is exactly
/// symmetric in <c>k</c>, and each offset's probability is that of the model rounded to the 2^-64 grid of the draw
/// (so a p_error below 2^-65 never fires). Approximate rounding (<see cref="RoundingOffsetFromDraw"/>) also takes
/// one draw per value, compared against cut points cached per residue; only offsets of 2 or more evaluate a quantile.
/// </para>
/// <para>
/// The support is truncated at <see cref="MaxOffset"/>: the smallest <c>K</c> whose remaining tail
/// <c>P(noise &gt;= K + 1/2)</c> is below half a grid step (2^-65), so truncation is invisible to the draw, capped at
/// <see cref="OffsetLimit"/> (reached only for p_error above about 0.99994). The extreme offsets <c>+-K</c>
/// absorb the remaining mass; reads clamp at the table edges anyway, and a TLU has at most 2^16 entries.
/// </para>
/// </remarks>
public sealed class ErrorModel
{
    /// <summary>The largest offset ever sampled; beyond it a read clamps to the edge of any 16-bit table anyway.</summary>
    public const int OffsetLimit = 1 << 16;

    /// <summary>Lsbs up to which approximate-rounding cut points are cached per residue (2^12 residues, 128 KiB).</summary>
    private const int MaxCachedLsbs = 12;

    private const double TwoTo64 = 18446744073709551616.0;

    private readonly ulong _half;        // P(noise < -1/2) on the 2^-64 grid
    private readonly ulong _errorUnits;  // 2 * _half: r below it is an error
    private readonly ulong[] _cuts;      // _cuts[j] = P(noise >= j + 1/2) on the grid; _cuts[0] = _half, _cuts[K] = 0
    private readonly RoundingCut[]?[] _roundingCache = new RoundingCut[]?[MaxCachedLsbs + 1];

    /// <summary>Builds the model and its sampling tables for <paramref name="pError"/>.</summary>
    /// <param name="pError">Probability that one TLU returns a neighbour entry: 0 for exact evaluation.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pError"/> is not in [0, 1).</exception>
    public ErrorModel(double pError)
    {
        if (!(pError >= 0 && pError < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pError), pError, "p_error is a probability per TLU and must lie in [0, 1): 0 means exact, 1 would mean every TLU fails.");
        }
        PError = pError;
        if (pError == 0)
        {
            Z = double.PositiveInfinity;
            Sigma = 0;
            _cuts = new ulong[] { 0, 0 };
            MaxOffset = 0;
            return;
        }
        // z from the tail itself: Phi^-1(1 - p/2) would have rounded p away for small p.
        Z = StandardNormal.UpperTailQuantile(pError / 2);
        Sigma = 0.5 / Z;
        _half = ToUnits(pError / 2);
        _errorUnits = 2 * _half;
        int k = 1;
        while (k < OffsetLimit && ToUnits(StandardNormal.UpperTail((2.0 * k + 1) * Z)) > 0) k++;
        MaxOffset = k;
        _cuts = new ulong[k + 1];
        _cuts[0] = _half;
        for (int j = 1; j < k; j++)
        {
            _cuts[j] = Math.Min(ToUnits(StandardNormal.UpperTail((2.0 * j + 1) * Z)), _cuts[j - 1]);
        }
    }

    /// <summary>Probability that one TLU returns a neighbour entry.</summary>
    public double PError { get; }

    /// <summary>Standard deviation of the read noise, in table steps: <c>1 / (2 z)</c>; 0 when exact.</summary>
    public double Sigma { get; }

    /// <summary><c>z = Phi^-1(1 - p_error / 2) = 1 / (2 sigma)</c>: the half step in standard deviations; infinite when exact.</summary>
    public double Z { get; }

    /// <summary>Whether p_error is 0: nothing random happens and no draws are made.</summary>
    public bool IsExact => PError == 0;

    /// <summary>The largest <c>|k|</c> that <see cref="Sample"/> can return (0 when exact).</summary>
    public int MaxOffset { get; }

    /// <summary>
    /// The model probability that a TLU reads entry <c>x + k</c>: <c>Phi((k + 1/2)/sigma) - Phi((k - 1/2)/sigma)</c>,
    /// computed from the tails so it stays relatively accurate when tiny.
    /// </summary>
    public double Probability(int k)
    {
        if (k == 0) return 1.0 - PError;
        if (IsExact) return 0;
        double j = Math.Abs((double)k);
        // The inner edge of |k| = 1 is 1/2, where the tail is p/2 by the definition of sigma.
        double inner = j == 1 ? PError / 2 : StandardNormal.UpperTail((2 * j - 1) * Z);
        return inner - StandardNormal.UpperTail((2 * j + 1) * Z);
    }

    /// <summary>
    /// The model probability that approximate rounding moves a value by <paramref name="offset"/> from its exact
    /// rounding: <c>P(floor(f + noise) = offset)</c>, where <paramref name="fraction"/> <c>f</c> in [0, 1) is the
    /// value's position above its lower rounding threshold in output steps (<c>x / 2^t + 1/2 - round(x)</c>).
    /// </summary>
    public double RoundingOffsetProbability(double fraction, int offset)
    {
        if (!(fraction >= 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction lies in [0, 1).");
        if (IsExact) return offset == 0 ? 1 : 0;
        return StandardNormal.Interval(2 * (offset - fraction) * Z, 2 * (offset + 1 - fraction) * Z);
    }

    /// <summary>Draws the offset <c>k</c> of one TLU read: one draw, or none when exact.</summary>
    public int Sample(ref SimulationRandom random) => IsExact ? 0 : OffsetFromDraw(random.NextUInt64());

    /// <summary>
    /// The offset a 64-bit draw selects: 0 unless <c>draw &lt; p_error 2^64</c>. Deterministic, so tools can map
    /// their own random bits; <see cref="Sample"/> is this applied to the next draw.
    /// </summary>
    public int OffsetFromDraw(ulong draw)
    {
        if (draw >= _errorUnits) return 0;
        bool negative = draw < _half;
        // Both halves count from their far tail, mirrored, so +k and -k cover the same number of draws.
        ulong v = negative ? draw : _errorUnits - 1 - draw;
        int lo = 1, hi = MaxOffset;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (v >= _cuts[mid]) hi = mid;
            else lo = mid + 1;
        }
        return negative ? -lo : lo;
    }

    /// <summary>
    /// Draws how far approximate rounding of <paramref name="value"/> by <paramref name="lsbs"/> bits lands from the
    /// exact <c>floor(value / 2^t + 1/2)</c>: <c>floor(f + noise)</c> with the same noise as a TLU read (see
    /// <see cref="RoundingOffsetProbability"/>). One draw, or none when exact or <paramref name="lsbs"/> is 0.
    /// </summary>
    public int SampleRoundingOffset(long value, int lsbs, ref SimulationRandom random)
        => IsExact || lsbs <= 0 ? 0 : RoundingOffsetFromDraw(value, lsbs, random.NextUInt64());

    /// <summary>The rounding offset a 64-bit draw selects (see <see cref="SampleRoundingOffset"/>).</summary>
    public int RoundingOffsetFromDraw(long value, int lsbs, ulong draw)
    {
        if (IsExact || lsbs <= 0) return 0;
        if (lsbs > 62) throw new ArgumentOutOfRangeException(nameof(lsbs), lsbs, "At most 62 bits can be rounded away.");
        long residue = (value + (1L << (lsbs - 1))) & ((1L << lsbs) - 1);
        RoundingCut cut = lsbs <= MaxCachedLsbs ? CutsFor(lsbs)[residue] : RoundingCutFor(residue / (double)(1L << lsbs));
        // Inverse-CDF sampling of the noise: below `Down` it is under -f (j <= -1), below `Down2` under -1 - f
        // (j <= -2); symmetrically from the top of the draw range. Only |j| >= 2, rare, needs a quantile.
        if (draw < cut.Down)
        {
            if (draw >= cut.Down2) return -1;
            double fraction = residue / (double)(1L << lsbs);
            double noise = StandardNormal.Quantile((draw + 0.5) / TwoTo64) / (2 * Z);
            return (int)Math.Min(-2.0, Math.Floor(fraction + Math.Max(noise, -OffsetLimit)));
        }
        ulong fromTop = ~draw;
        if (fromTop < cut.Up)
        {
            if (fromTop >= cut.Up2) return 1;
            double fraction = residue / (double)(1L << lsbs);
            double noise = StandardNormal.UpperTailQuantile((fromTop + 0.5) / TwoTo64) / (2 * Z);
            return (int)Math.Max(2.0, Math.Floor(fraction + Math.Min(noise, OffsetLimit)));
        }
        return 0;
    }

    private RoundingCut[] CutsFor(int lsbs)
    {
        var cached = Volatile.Read(ref _roundingCache[lsbs]);
        if (cached is not null) return cached;
        int n = 1 << lsbs;
        var built = new RoundingCut[n];
        for (int m = 0; m < n; m++) built[m] = RoundingCutFor(m / (double)n);
        // Racing builders compute identical tables; keep whichever was published first.
        return Interlocked.CompareExchange(ref _roundingCache[lsbs], built, null) ?? built;
    }

    private RoundingCut RoundingCutFor(double fraction) => new(
        ToUnits(StandardNormal.Cdf(-2 * fraction * Z)),
        ToUnits(StandardNormal.Cdf(-2 * (1 + fraction) * Z)),
        ToUnits(StandardNormal.UpperTail(2 * (1 - fraction) * Z)),
        ToUnits(StandardNormal.UpperTail(2 * (2 - fraction) * Z)));

    /// <summary>A probability on the 2^-64 grid of a draw, saturating below 2^64.</summary>
    private static ulong ToUnits(double probability)
    {
        double scaled = Math.Round(probability * TwoTo64);
        if (!(scaled > 0)) return 0;
        return scaled >= TwoTo64 ? ulong.MaxValue : (ulong)scaled;
    }

    /// <summary>Draw-grid cut points of one residue: P(j &lt;= -1), P(j &lt;= -2), P(j &gt;= 1), P(j &gt;= 2).</summary>
    private readonly record struct RoundingCut(ulong Down, ulong Down2, ulong Up, ulong Up2);
}
