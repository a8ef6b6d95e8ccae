using System;
using System.Collections.Generic;
using FheGen.Backends;
using static FheGen.Tests.Simulation.SimulationTestSupport;

namespace FheGen.Tests.Simulation;

public sealed class ErrorModelTests
{
    [Theory]
    [InlineData(-1e-300)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Rejects_p_error_outside_zero_to_one(double pError)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ErrorModel(pError));
        Assert.Equal("pError", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedBackend(pError, 1));
    }

    [Fact]
    public void Sigma_makes_the_noise_exceed_half_a_step_with_probability_p_error()
    {
        var model = new ErrorModel(0.01);
        // z = Phi^-1(0.995) = 2.5758293035489007538 (mpmath).
        Assert.Equal(2.5758293035489007538, model.Z, 1e-13);
        Assert.Equal(0.5 / 2.5758293035489, model.Sigma, 1e-13);
        Assert.True(Math.Abs(2 * StandardNormal.UpperTail(0.5 / model.Sigma) / 0.01 - 1) < 1e-13);
    }

    [Theory]
    [InlineData(9.094947017729282e-13)] // 2^-40, Concrete ML's default
    [InlineData(1e-6)]
    [InlineData(1e-3)]
    [InlineData(0.01)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Neighbour_probabilities_sum_to_p_error(double pError)
    {
        var model = new ErrorModel(pError);
        double sum = 0;
        // Smallest terms first, so they are not lost against P(+-1).
        for (int k = model.MaxOffset + 20; k >= 1; k--) sum += model.Probability(k) + model.Probability(-k);
        Assert.True(Math.Abs(sum / pError - 1) < 1e-12, $"sum {sum:R} vs p_error {pError:R}");
        Assert.Equal(1 - pError, model.Probability(0));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Probability_is_the_design_formula_and_symmetric(double pError)
    {
        var model = new ErrorModel(pError);
        for (int k = -6; k <= 6; k++)
        {
            double formula = StandardNormal.Cdf((k + 0.5) / model.Sigma) - StandardNormal.Cdf((k - 0.5) / model.Sigma);
            Assert.True(Math.Abs(model.Probability(k) - formula) < 1e-15, $"k = {k}: {model.Probability(k):R} vs {formula:R}");
            Assert.Equal(model.Probability(k), model.Probability(-k));
            if (k > 0) Assert.True(model.Probability(k) < model.Probability(k - 1));
        }
    }

    [Theory]
    [InlineData(9.094947017729282e-13, 1)]
    [InlineData(0.01, 2)]
    [InlineData(0.1, 3)]
    [InlineData(0.5, 7)]
    public void Support_stops_where_the_tail_is_below_the_draw_resolution(double pError, int expected)
    {
        var model = new ErrorModel(pError);
        Assert.Equal(expected, model.MaxOffset);
        int k = model.MaxOffset;
        Assert.True(StandardNormal.UpperTail((2 * k + 1) * model.Z) * TwoTo64 < 0.5);
        if (k > 1) Assert.True(StandardNormal.UpperTail((2 * k - 1) * model.Z) * TwoTo64 >= 0.5);
    }

    [Theory]
    [InlineData(9.094947017729282e-13)]
    [InlineData(0.01)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Each_offset_covers_its_probability_of_the_draw_space(double pError)
    {
        // Exact, not statistical: the map from a 64-bit draw to k is monotone on the error interval
        // [0, T) (-K .. -1, then 1 .. K) and 0 above it, so bucket widths can be found by bisection.
        var model = new ErrorModel(pError);
        ulong errorUnits = FirstDraw(0, ulong.MaxValue, d => model.OffsetFromDraw(d) == 0);
        Assert.True(Math.Abs(errorUnits / TwoTo64 - pError) <= 2 / TwoTo64 + 1e-15 * pError);
        Assert.Equal(0, model.OffsetFromDraw(ulong.MaxValue));
        Assert.Equal(-model.MaxOffset, model.OffsetFromDraw(0));
        Assert.Equal(model.MaxOffset, model.OffsetFromDraw(errorUnits - 1));
        var starts = new List<(int K, ulong Start)>();
        for (int k = -model.MaxOffset; k <= model.MaxOffset; k++)
        {
            if (k == 0) continue;
            starts.Add((k, FirstDraw(0, errorUnits, d => model.OffsetFromDraw(d) >= k)));
        }
        var widths = new Dictionary<int, ulong>();
        for (int i = 0; i < starts.Count; i++)
        {
            ulong end = i + 1 < starts.Count ? starts[i + 1].Start : errorUnits;
            int k = starts[i].K;
            widths[k] = end - starts[i].Start;
            double width = widths[k] / TwoTo64;
            // The extreme buckets also hold the truncated tail, which is below 2^-65.
            Assert.True(Math.Abs(width - model.Probability(k)) <= 2 / TwoTo64 + 1e-15 * pError, $"k = {k}: {width:R} vs {model.Probability(k):R}");
        }
        // The two halves mirror each other draw for draw.
        for (int k = 1; k <= model.MaxOffset; k++) Assert.Equal(widths[-k], widths[k]);
    }

    /// <summary>Smallest draw in [lo, hi) where the monotone <paramref name="predicate"/> holds (hi if none).</summary>
    private static ulong FirstDraw(ulong lo, ulong hi, Func<ulong, bool> predicate)
    {
        while (lo < hi)
        {
            ulong mid = lo + (hi - lo) / 2;
            if (predicate(mid)) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    [Fact]
    public void Extreme_p_errors_stay_well_defined()
    {
        // Below the draw grid (2^-65) a TLU never errs, but approximate ties still split.
        var tiny = new ErrorModel(1e-25);
        Assert.Equal(1, tiny.MaxOffset);
        Assert.Equal(0, tiny.OffsetFromDraw(0));
        Assert.Equal(-1, tiny.RoundingOffsetFromDraw(2, 2, 0));
        Assert.Equal(1e-25, tiny.Probability(1) + tiny.Probability(-1), 1e-38);

        // Near 1 the noise is far wider than any table: the support stops at the cap and the mass beyond it is
        // folded into the extreme offsets (which read the same edge entries as anything further out).
        var wide = new ErrorModel(1 - 1e-9);
        Assert.Equal(ErrorModel.OffsetLimit, wide.MaxOffset);
        var random = new SimulationRandom(1);
        int atCap = 0;
        for (int i = 0; i < 1000; i++)
        {
            int k = wide.Sample(ref random);
            Assert.InRange(k, -ErrorModel.OffsetLimit, ErrorModel.OffsetLimit);
            if (Math.Abs(k) == ErrorModel.OffsetLimit) atCap++;
        }
        Assert.True(atCap > 990, $"{atCap} of 1000 at the cap");
        var backend = new SimulatedBackend(wide, 2);
        var outputs = new long[3];
        backend.Lookup(new long[] { -8, 0, 8 }, outputs, new[] { Identity, Identity, Identity });
        Assert.All(outputs, o => Assert.Contains(o, new long[] { -8, 8 }));
    }

    private static readonly LookupTable Identity = new(0, -8, 5, 5, new long[] { -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8 });

    [Fact]
    public void Exact_model_never_draws()
    {
        var model = new ErrorModel(0);
        Assert.True(model.IsExact);
        Assert.Equal(0, model.Sigma);
        Assert.Equal(0, model.MaxOffset);
        Assert.Equal(1, model.Probability(0));
        Assert.Equal(0, model.Probability(1));
        var random = new SimulationRandom(5);
        var copy = random;
        Assert.Equal(0, model.Sample(ref random));
        Assert.Equal(0, model.SampleRoundingOffset(12, 3, ref random));
        Assert.Equal(copy.NextUInt64(), random.NextUInt64());
        Assert.Equal(0, model.RoundingOffsetProbability(0.0, -1));
        Assert.Equal(1, model.RoundingOffsetProbability(0.0, 0));
    }

    [Fact]
    public void Rounding_offset_probabilities_follow_the_distance_to_the_thresholds()
    {
        var model = new ErrorModel(0.1);
        foreach (double f in new[] { 0.0, 0.125, 0.5, 0.9375 })
        {
            double total = 0;
            for (int j = -10; j <= 10; j++) total += model.RoundingOffsetProbability(f, j);
            Assert.Equal(1.0, total, 1e-14);
            // Moving down needs noise below -f, up needs noise of at least 1 - f (in output steps).
            double down = 0, up = 0;
            for (int j = 1; j <= 10; j++)
            {
                down += model.RoundingOffsetProbability(f, -j);
                up += model.RoundingOffsetProbability(f, j);
            }
            Assert.Equal(StandardNormal.Cdf(-f / model.Sigma), down, 1e-14);
            Assert.Equal(StandardNormal.Cdf(-(1 - f) / model.Sigma), up, 1e-14);
        }
        // On the grid (f = 1/2) approximate rounding errs exactly as often as a TLU read.
        Assert.Equal(0.1, 1 - model.RoundingOffsetProbability(0.5, 0), 1e-14);
        // At a tie (f = 0) it goes down half the time.
        Assert.Equal(0.5, model.RoundingOffsetProbability(0, -1) + model.RoundingOffsetProbability(0, -2) + model.RoundingOffsetProbability(0, -3), 1e-14);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.RoundingOffsetProbability(1.0, 0));
    }

    [Fact]
    public void Rounding_offset_from_draw_splits_ties_at_the_middle_draw()
    {
        var model = new ErrorModel(1e-12);
        // t = 3: 4 is a tie (4/8 + 1/2 = 1 exactly), 0 sits on the grid.
        Assert.Equal(-1, model.RoundingOffsetFromDraw(4, 3, (1UL << 63) - 1));
        Assert.Equal(0, model.RoundingOffsetFromDraw(4, 3, 1UL << 63));
        Assert.Equal(0, model.RoundingOffsetFromDraw(4, 3, ulong.MaxValue));
        Assert.Equal(-1, model.RoundingOffsetFromDraw(-4, 3, 0));
        Assert.Equal(-1, model.RoundingOffsetFromDraw(0, 3, 0));
        Assert.Equal(1, model.RoundingOffsetFromDraw(0, 3, ulong.MaxValue));
        Assert.Equal(0, model.RoundingOffsetFromDraw(0, 3, 1UL << 63));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.RoundingOffsetFromDraw(0, 63, 0));
    }

    [Theory]
    [InlineData(0.5, 3)]
    [InlineData(0.5, 14)]
    [InlineData(0.01, 4)]
    public void Each_rounding_offset_covers_its_probability_of_the_draw_space(double pError, int lsbs)
    {
        // As for TLU offsets, but the map from draw to rounding offset is monotone over all 2^64 draws.
        var model = new ErrorModel(pError);
        long step = 1L << lsbs;
        foreach (long residue in new[] { 0, step / 8, step / 2, step - 1 })
        {
            double f = residue / (double)step;
            long value = 5 * step + residue - step / 2; // position f above the lower threshold of 5
            Assert.Equal(5, FheGen.Compiler.Quantization.AccumulatorRounding.RoundExact(value, lsbs));
            for (int j = -4; j <= 4; j++)
            {
                ulong start = FirstDraw(0, ulong.MaxValue, d => model.RoundingOffsetFromDraw(value, lsbs, d) >= j);
                ulong end = FirstDraw(0, ulong.MaxValue, d => model.RoundingOffsetFromDraw(value, lsbs, d) >= j + 1);
                double width = (end - start) / TwoTo64, expected = model.RoundingOffsetProbability(f, j);
                Assert.True(Math.Abs(width - expected) <= 4 / TwoTo64 + 1e-13 * expected, $"f = {f}, j = {j}: {width:R} vs {expected:R}");
            }
        }
    }

    [Fact]
    public void Cached_and_direct_rounding_cuts_agree()
    {
        // lsbs <= 12 uses cached cut points, wider steps compute them per value: same fraction, same offset.
        var model = new ErrorModel(0.2);
        var random = new SimulationRandom(11);
        for (int i = 0; i < 20_000; i++)
        {
            long x = (long)(random.NextUInt64() % 4096) - 2048;
            ulong draw = random.NextUInt64();
            Assert.Equal(model.RoundingOffsetFromDraw(x, 4, draw), model.RoundingOffsetFromDraw(x << 10, 14, draw));
        }
    }
}
