using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Backends;
using FheGen.Circuits;
using Xunit.Abstractions;
using static FheGen.Tests.Simulation.SimulationTestSupport;

namespace FheGen.Tests.Simulation;

/// <summary>
/// Sampled frequencies against the model, over fixed seeds (so each run is deterministic), with 4-sigma bounds
/// computed from the actual counts. Sized to finish in a few seconds so CI runs them too.
/// </summary>
[Trait("Category", "Statistical")]
public sealed class SimulatedBackendStatisticalTests
{
    private static readonly ulong[] Seeds = { 1, 2, 3, 4 };
    private readonly ITestOutputHelper _output;

    public SimulatedBackendStatisticalTests(ITestOutputHelper output) => _output = output;

    private static RoundingStep Approximate(int lsbs) => new(lsbs, -4096, 4096, Rounding.Approximate);

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Error_rate_and_offset_distribution_match_the_model(double pError)
    {
        // An identity table wide enough that no read reaches an edge, so each output is x + k.
        var table = new LookupTable(0, -32, 6, 6, Enumerable.Range(-32, 64).Select(i => (long)i).ToArray());
        const int batch = 1000, batches = 250;
        var tables = Enumerable.Repeat(table, batch).ToArray();
        var inputs = new long[batch];
        var outputs = new long[batch];
        var counts = new SortedDictionary<int, long>();
        var histogram = new SortedDictionary<int, long>();
        long n = 0, counted = 0;
        var model = new ErrorModel(pError);
        foreach (ulong seed in Seeds)
        {
            var backend = new SimulatedBackend(model, seed);
            for (int b = 0; b < batches; b++)
            {
                backend.Lookup(inputs, outputs, tables);
                foreach (long o in outputs) counts[(int)o] = counts.GetValueOrDefault((int)o) + 1;
            }
            n += backend.TluCount;
            counted += backend.TluErrorCount;
            foreach (var (k, c) in backend.GetOffsetHistogram()) histogram[k] = histogram.GetValueOrDefault(k) + c;
        }
        long errors = n - counts[0];
        // The backend's own counters agree with what the outputs show.
        Assert.Equal(errors, counted);
        Assert.Equal(counts, histogram);
        _output.WriteLine($"p_error {pError}: {errors} errors in {n} TLUs, rate {(double)errors / n:G6} (sigma {model.Sigma:G6}, K = {model.MaxOffset})");
        AssertBinomial(errors, n, pError, "error rate");

        // Per offset, and a chi-square over the bins with at least 5 expected (the rest pooled).
        double chi2 = 0, restExpected = 0;
        long restObserved = 0;
        int bins = 0;
        for (int k = -model.MaxOffset; k <= model.MaxOffset; k++)
        {
            double expected = n * model.Probability(k);
            long observed = counts.GetValueOrDefault(k);
            _output.WriteLine($"  k = {k,2}: {observed,8} observed, {expected,12:F3} expected, frequency {(double)observed / n:G6} vs {model.Probability(k):G6}");
            if (expected >= 5)
            {
                AssertBinomial(observed, n, model.Probability(k), $"offset {k}");
                chi2 += (observed - expected) * (observed - expected) / expected;
                bins++;
            }
            else
            {
                restExpected += expected;
                restObserved += observed;
            }
        }
        Assert.Equal(n, counts.Values.Sum()); // no offset beyond the support
        if (restExpected >= 5)
        {
            chi2 += (restObserved - restExpected) * (restObserved - restExpected) / restExpected;
            bins++;
        }
        else
        {
            // Poisson with a small mean: 4 sigma plus slack for the skew.
            Assert.True(restObserved <= restExpected + 4 * Math.Sqrt(restExpected) + 3, $"{restObserved} rare offsets, {restExpected:G3} expected");
        }
        _output.WriteLine($"  chi-square {chi2:F3} on {bins - 1} df (bound {ChiSquareBound(Math.Max(1, bins - 1)):F2}); rare offsets {restObserved} vs {restExpected:G3} expected");
        if (bins > 1) Assert.True(chi2 <= ChiSquareBound(bins - 1), $"chi-square {chi2:F2} on {bins - 1} df");

        // Symmetry: given |k|, the sign is a fair coin.
        for (int k = 1; k <= model.MaxOffset; k++)
        {
            long plus = counts.GetValueOrDefault(k), minus = counts.GetValueOrDefault(-k);
            if (plus + minus >= 20) AssertBinomial(plus, plus + minus, 0.5, $"sign of |k| = {k}");
        }
    }

    [Fact]
    public void Concrete_default_p_error_gives_no_errors_in_a_million_tlus()
    {
        // 2^-40 per TLU: a million reads expect 1e-6 errors.
        var backend = new SimulatedBackend(Math.Pow(2, -40), 1);
        var tables = Enumerable.Repeat(new LookupTable(0, 0, 1, 1, new long[] { 0, 1 }), 1000).ToArray();
        var outputs = new long[1000];
        for (int b = 0; b < 1000; b++) backend.Lookup(new long[1000], outputs, tables);
        Assert.Equal(1_000_000, backend.TluCount);
        Assert.Equal(0, backend.TluErrorCount);
        Assert.Equal(backend.TluCount, backend.RandomDraws);
    }

    [Theory]
    [InlineData(1e-12, 1)]
    [InlineData(1e-300, 3)]
    public void Tiny_p_error_rounds_exactly_except_at_ties(double pError, int lsbs)
    {
        // Exact except at ties needs every non-tie residue many sigmas from its threshold: with t = 1 the only
        // other residue is on the grid (flips with p_error); with t = 3 the nearest sits 1/8 step away, which
        // p_error 1e-300 (sigma 0.0135) clears but 1e-12 (sigma 0.070) does not (see the next test).
        var backend = new SimulatedBackend(pError, 17);
        long half = 1L << (lsbs - 1);
        var values = Enumerable.Range(-64, 128).Select(i => (long)i).ToArray();
        bool IsTie(long x) => ((x + half) & ((1L << lsbs) - 1)) == 0;
        long ties = 0, down = 0;
        var rounded = new long[values.Length];
        var exact = values.Select(x => FheGen.Compiler.Quantization.AccumulatorRounding.RoundExact(x, lsbs)).ToArray();
        var tables = Enumerable.Repeat(new LookupTable(0, -64, 8, 8, new long[129]), values.Length).ToArray();
        for (int rep = 0; rep < 2000; rep++)
        {
            values.CopyTo(rounded, 0);
            backend.Round(rounded, Approximate(lsbs));
            backend.Lookup(rounded, new long[values.Length], tables);
            for (int i = 0; i < values.Length; i++)
            {
                if (!IsTie(values[i]))
                {
                    Assert.Equal(exact[i], rounded[i]);
                    continue;
                }
                ties++;
                if (rounded[i] == exact[i] - 1) down++;
                else Assert.Equal(exact[i], rounded[i]);
            }
        }
        _output.WriteLine($"p_error {pError}, t = {lsbs}: ties rounded down {down} of {ties} ({(double)down / ties:G5}); {backend.ApproximateRoundingErrorCount} changed values in all");
        AssertBinomial(down, ties, 0.5, "ties rounded down");
        Assert.Equal(down, backend.ApproximateRoundingErrorCount);
        Assert.Equal(0, backend.TluErrorCount);
    }

    [Theory]
    [InlineData(0.1, 4)]
    [InlineData(1e-12, 3)]
    public void Off_by_one_rate_is_phi_of_the_distance_to_the_threshold(double pError, int lsbs)
    {
        var backend = new SimulatedBackend(pError, 5);
        double sigma = backend.Model.Sigma;
        int residues = 1 << lsbs;
        const int perResidue = 20_000;
        for (int m = 0; m < residues; m++)
        {
            // Values with residue m, spread over several rounded results; f = m / 2^t is the distance (in output
            // steps) above the lower threshold and 1 - f below the upper one.
            double f = m / (double)residues;
            var values = Enumerable.Range(0, perResidue).Select(i => (long)((i % 40 - 20) * residues + m - residues / 2)).ToArray();
            var exact = values.Select(x => FheGen.Compiler.Quantization.AccumulatorRounding.RoundExact(x, lsbs)).ToArray();
            backend.Round(values, Approximate(lsbs));
            backend.Reseed(backend.Seed + 1000); // drops the pending fused read; these values are not looked up
            long down = 0, up = 0, far = 0;
            for (int i = 0; i < values.Length; i++)
            {
                long j = values[i] - exact[i];
                if (j < 0) down++;
                if (j > 0) up++;
                if (Math.Abs(j) >= 2) far++;
            }
            double pDown = StandardNormal.Cdf(-f / sigma), pUp = StandardNormal.Cdf(-(1 - f) / sigma);
            double pFar = Enumerable.Range(2, 20).Sum(j => backend.Model.RoundingOffsetProbability(f, -j) + backend.Model.RoundingOffsetProbability(f, j));
            _output.WriteLine($"p_error {pError}, t = {lsbs}, f = {f:F4}: down {(double)down / perResidue:G4} vs Phi(-f/sigma) {pDown:G4}, up {(double)up / perResidue:G4} vs {pUp:G4}, |j|>=2 {far} vs {perResidue * pFar:G3} expected");
            AssertBinomial(down, perResidue, pDown, $"f = {f}: rounded down");
            AssertBinomial(up, perResidue, pUp, $"f = {f}: rounded up");
            AssertBinomial(far, perResidue, pFar, $"f = {f}: off by two or more");
        }
    }

    [Fact]
    public void Whole_circuit_error_rate_matches_p_error()
    {
        var plan = RandomPlan(21, 10, new[] { 24, 12, 4 }, roundBits: 5);
        var interpreter = new PlanInterpreter(plan);
        var random = new SimulationRandom(8);
        var backend = new SimulatedBackend(0.1, 6);
        var inputs = new long[10];
        var outputs = new long[4];
        const int runs = 5000;
        long differing = 0;
        for (int r = 0; r < runs; r++)
        {
            for (int i = 0; i < inputs.Length; i++) inputs[i] = (long)(random.NextUInt64() % 8);
            interpreter.Run<SimulatedBackend, long>(backend, inputs, outputs);
            if (!interpreter.RunClear(inputs).SequenceEqual(outputs)) differing++;
        }
        Assert.Equal((long)runs * PbsCount(plan), backend.TluCount);
        _output.WriteLine($"circuit with {PbsCount(plan)} TLUs: {backend.TluErrorCount} errors in {backend.TluCount} TLUs ({(double)backend.TluErrorCount / backend.TluCount:G5}); {differing} of {runs} outputs differ from the clear run");
        AssertBinomial(backend.TluErrorCount, backend.TluCount, 0.1, "circuit TLU error rate");
        Assert.True(differing > 0);
    }
}
