using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CsCheck;
using FheGen.Search;

namespace FheGen.Tests.Search;

public class PErrorSearchTests
{
    /// <summary>Noise-free accuracy that drops linearly, crossing reference − tolerance exactly at <paramref name="threshold"/>.</summary>
    private static Func<double, ulong, double> Linear(double threshold, double tolerance = 0.01) =>
        (p, _) => 1 - p * (tolerance / threshold);

    /// <summary>Uniform in [−amplitude, amplitude], from the seed's top 53 bits, so it is fixed by the seed.</summary>
    private static double Noise(ulong seed, double amplitude) => amplitude * (2 * ((seed >> 11) * (1.0 / (1UL << 53))) - 1);

    /// <summary>Maps every seed the search can hand out (reference and steps 0..63) back to its (step, run).</summary>
    private static Dictionary<ulong, (int Step, int Run)> SeedTable(int seed, int runs)
    {
        var table = new Dictionary<ulong, (int, int)>();
        for (int step = PErrorSearch.ReferenceStepIndex; step < 64; step++)
        {
            for (int run = 0; run < runs; run++)
            {
                table.Add(PErrorSearch.DeriveSeed(seed, step, run), (step, run));
            }
        }

        return table;
    }

    private static void AssertStepsInsideBounds(PErrorSearchResult result, PErrorSearchOptions options)
    {
        Assert.All(result.Steps, s => Assert.InRange(s.PError, options.Lower, options.Upper));
        Assert.InRange(result.PError, options.Lower, options.Upper);
    }

    private sealed class ListProgress : IProgress<PErrorSearchStep>
    {
        public List<PErrorSearchStep> Steps { get; } = new();

        public void Report(PErrorSearchStep value) => Steps.Add(value);
    }

    [Fact]
    public void Noise_free_converges_to_the_analytical_threshold_within_the_requested_precision()
    {
        const double threshold = 1e-3; // 1 - 10 p >= 0.99 <=> p <= 1e-3.
        var options = new PErrorSearchOptions { MaxIterations = 30 };
        int referenceCalls = 0;

        PErrorSearchResult result = PErrorSearch.Run((p, s) =>
        {
            if (p == 0)
            {
                referenceCalls++;
            }

            return Linear(threshold)(p, s);
        }, options);

        Assert.True(result.Converged, result.Warning);
        Assert.Null(result.Warning);
        Assert.Equal(1, referenceCalls);
        Assert.Equal(1.0, result.ReferenceMetric);
        Assert.InRange(result.PError, threshold / (1 + options.RelativePrecision), threshold);
        Assert.Equal(1 - 10 * result.PError, result.Metric, 12);
        PErrorSearchStep last = result.Steps[^1];
        Assert.True(last.Upper / last.Lower <= 1 + options.RelativePrecision);
        Assert.Equal(result.PError, last.Lower);
        Assert.True(last.Upper > threshold);
        AssertStepsInsideBounds(result, options);
    }

    [Fact]
    public void Noise_free_any_threshold_and_precision_is_bracketed_to_that_precision()
    {
        Gen.Select(Gen.Double[-8.5, -0.5], Gen.Double[0.001, 0.5]).Sample((log10Threshold, precision) =>
        {
            double threshold = Math.Pow(10, log10Threshold);
            var options = new PErrorSearchOptions { MaxIterations = 60, RelativePrecision = precision, SimulationsPerStep = 1 };

            PErrorSearchResult result = PErrorSearch.Run(Linear(threshold), options);

            Assert.True(result.Converged, result.Warning);
            Assert.InRange(result.PError, threshold / (1 + precision), threshold * (1 + 1e-9));
            AssertStepsInsideBounds(result, options);
        }, iter: 300);
    }

    [Fact]
    public void Bisection_halves_the_bracket_in_log_space_every_step()
    {
        var options = new PErrorSearchOptions { MaxIterations = 6, RelativePrecision = 1e-6, SimulationsPerStep = 1 };

        PErrorSearchResult result = PErrorSearch.Run(Linear(3e-4), options);

        double initialDecades = Math.Log10(options.Upper / options.Lower);
        for (int k = 1; k <= 6; k++)
        {
            PErrorSearchStep step = result.Steps[1 + k];
            Assert.Equal(initialDecades / (1 << k), Math.Log10(step.Upper / step.Lower), 9);
        }
    }

    [Theory]
    [InlineData(PErrorSearchStrategy.All)]
    [InlineData(PErrorSearchStrategy.Mean)]
    [InlineData(PErrorSearchStrategy.Median)]
    public void Seeded_noise_converges_inside_the_band_the_noise_allows(PErrorSearchStrategy strategy)
    {
        // Each run sees 1 - 10 p + noise with |noise| <= a, so its own threshold lies in [(0.01 - a)/10, (0.01 + a)/10]
        // and any aggregate of runs crosses inside that band too.
        const double a = 0.002;
        var options = new PErrorSearchOptions { Strategy = strategy, MaxIterations = 30, Seed = 7 };

        PErrorSearchResult result = PErrorSearch.Run((p, seed) => p == 0 ? 1 : 1 - 10 * p + Noise(seed, a), options);

        Assert.True(result.Converged, result.Warning);
        Assert.InRange(result.PError, (0.01 - a) / 10 / (1 + options.RelativePrecision), (0.01 + a) / 10);
        Assert.Contains(result.Steps, s => s.Metrics.Distinct().Count() == options.SimulationsPerStep); // The noise is real.
        AssertStepsInsideBounds(result, options);
    }

    [Fact]
    public void Upper_bound_passes_is_returned_immediately()
    {
        int calls = 0;
        var options = new PErrorSearchOptions();

        PErrorSearchResult result = PErrorSearch.Run((p, _) => { calls++; return 1 - 0.001 * p; }, options);

        Assert.Equal(options.Upper, result.PError);
        Assert.True(result.Converged);
        Assert.Contains("upper bound", result.Warning);
        PErrorSearchStep step = Assert.Single(result.Steps);
        Assert.True(step.Passed);
        Assert.Equal(1 + options.SimulationsPerStep, calls);
        Assert.Equal(1 - 0.0005, result.Metric, 12);
    }

    [Fact]
    public void Lower_bound_fails_returns_lower_with_a_warning()
    {
        var options = new PErrorSearchOptions { Lower = 1e-7 };

        PErrorSearchResult result = PErrorSearch.Run((p, _) => p == 0 ? 0.9 : 0.85, options);

        Assert.Equal(1e-7, result.PError);
        Assert.False(result.Converged);
        Assert.Contains("lower bound", result.Warning);
        Assert.Contains("loses more than the tolerance", result.Warning);
        Assert.Equal(2, result.Steps.Count);
        Assert.Equal(new[] { options.Upper, options.Lower }, result.Steps.Select(s => s.PError));
        Assert.All(result.Steps, s => Assert.False(s.Passed));
        Assert.Equal(0.85, result.Metric);
        Assert.Equal((0.0, 1e-7), (result.Steps[1].Lower, result.Steps[1].Upper));
    }

    [Fact]
    public void Strategies_decide_differently_on_runs_that_disagree()
    {
        const int seed = 3;
        var runOf = SeedTable(seed, 5);

        // Up to 1e-6 every run is perfect; up to 1e-4 run 0 alone drops 3 points (mean 0.994 passes, min fails);
        // up to 1e-2 runs 0 and 1 drop 10 points (median 1 passes, mean 0.96 fails); beyond, all runs collapse.
        double Metric(double p, ulong s)
        {
            int run = runOf[s].Run;
            return p < 1e-6 ? 1.0
                : p < 1e-4 ? (run == 0 ? 0.97 : 1.0)
                : p < 1e-2 ? (run <= 1 ? 0.9 : 1.0)
                : 0.5;
        }

        PErrorSearchResult Search(PErrorSearchStrategy strategy) =>
            PErrorSearch.Run(Metric, new PErrorSearchOptions { Strategy = strategy, Seed = seed, MaxIterations = 30 });

        PErrorSearchResult all = Search(PErrorSearchStrategy.All), mean = Search(PErrorSearchStrategy.Mean), median = Search(PErrorSearchStrategy.Median);

        Assert.InRange(all.PError, 1e-6 / 1.1, 1e-6);
        Assert.InRange(mean.PError, 1e-4 / 1.1, 1e-4);
        Assert.InRange(median.PError, 1e-2 / 1.1, 1e-2);
        Assert.All(new[] { all, mean, median }, r => Assert.True(r.Converged, r.Warning));

        // The same runs, aggregated three ways, at a p_error where only run 0 misbehaves.
        PErrorSearchStep allStep = all.Steps.First(s => s.PError >= 1e-6 && s.PError < 1e-4);
        Assert.Equal(new[] { 0.97, 1, 1, 1, 1 }, allStep.Metrics);
        Assert.Equal(0.97, allStep.Aggregate);
        Assert.False(allStep.Passed);
        PErrorSearchStep meanStep = mean.Steps.First(s => s.PError >= 1e-6 && s.PError < 1e-4);
        Assert.Equal(0.994, meanStep.Aggregate, 12);
        Assert.True(meanStep.Passed);
    }

    [Fact]
    public void Median_of_an_even_number_of_runs_averages_the_middle_two()
    {
        const int seed = 11;
        var runOf = SeedTable(seed, 4);
        double[] byRun = { 1.0, 0.9, 0.95, 0.8 }; // Sorted 0.8, 0.9, 0.95, 1.0: median 0.925, mean 0.9125, min 0.8.
        var options = new PErrorSearchOptions { Strategy = PErrorSearchStrategy.Median, SimulationsPerStep = 4, Seed = seed, ReferenceMetric = 1, Tolerance = 0.1 };

        PErrorSearchResult result = PErrorSearch.Run((_, s) => byRun[runOf[s].Run], options);

        Assert.Equal(0.925, result.Steps[0].Aggregate, 12);
        Assert.True(result.Steps[0].Passed); // Drop 0.075 <= 0.1, whereas All (drop 0.2) would fail.
        Assert.False(PErrorSearch.Run((_, s) => byRun[runOf[s].Run], new PErrorSearchOptions
        {
            Strategy = PErrorSearchStrategy.All, SimulationsPerStep = 4, Seed = seed, ReferenceMetric = 1, Tolerance = 0.1,
        }).Steps[0].Passed);
    }

    [Fact]
    public void Same_seed_gives_identical_steps_and_seeds_distinct_across_runs()
    {
        List<(double P, ulong Seed)> Record(int seed, out PErrorSearchResult result)
        {
            var calls = new List<(double, ulong)>();
            result = PErrorSearch.Run((p, s) =>
            {
                calls.Add((p, s));
                return p == 0 ? 1 : 1 - 10 * p + Noise(s, 0.003);
            }, new PErrorSearchOptions { Seed = seed, Strategy = PErrorSearchStrategy.Mean });
            return calls;
        }

        var first = Record(42, out PErrorSearchResult a);
        var second = Record(42, out PErrorSearchResult b);
        var other = Record(43, out _);

        Assert.Equal(a.Steps, b.Steps); // Record equality compares the run metrics element-wise.
        Assert.Equal(first, second);
        Assert.Equal(first.Count, first.Select(c => c.Seed).Distinct().Count());
        Assert.Empty(first.Select(c => c.Seed).Intersect(other.Select(c => c.Seed)));

        // The seeds are exactly the documented derivation, so any run can be replayed alone.
        Assert.Equal(PErrorSearch.DeriveSeed(42, PErrorSearch.ReferenceStepIndex, 0), first[0].Seed);
        int i = 1;
        foreach (PErrorSearchStep step in a.Steps)
        {
            for (int run = 0; run < step.Metrics.Count; run++, i++)
            {
                Assert.Equal((step.PError, PErrorSearch.DeriveSeed(42, step.Index, run)), first[i]);
            }
        }

        Assert.Equal(first.Count, i);
    }

    [Fact]
    public void Derive_seed_is_injective_over_its_domain_sample()
    {
        var seen = new HashSet<ulong>();
        foreach (int seed in new[] { 0, 1, -1, int.MaxValue, int.MinValue })
        {
            for (int step = -1; step < 40; step++)
            {
                for (int run = 0; run < 50; run++)
                {
                    Assert.True(seen.Add(PErrorSearch.DeriveSeed(seed, step, run)), $"collision at ({seed}, {step}, {run})");
                }
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => PErrorSearch.DeriveSeed(0, -2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PErrorSearch.DeriveSeed(0, 0, -1));
    }

    [Fact]
    public void Max_iterations_spent_reports_not_converged_with_a_widebracket()
    {
        var options = new PErrorSearchOptions { MaxIterations = 2 };

        PErrorSearchResult result = PErrorSearch.Run(Linear(1e-3), options);

        Assert.Equal(2 + 2, result.Steps.Count);
        Assert.False(result.Converged);
        Assert.Contains("MaxIterations = 2", result.Warning);
        PErrorSearchStep last = result.Steps[^1];
        Assert.True(last.Upper / last.Lower > 1 + options.RelativePrecision);
        Assert.Equal(last.Lower, result.PError);
        Assert.True(result.PError <= 1e-3); // Still a passing p_error, just not the largest.
    }

    [Fact]
    public void Zero_iterations_checks_only_the_bounds()
    {
        PErrorSearchResult result = PErrorSearch.Run(Linear(1e-3), new PErrorSearchOptions { MaxIterations = 0 });

        Assert.Equal(2, result.Steps.Count);
        Assert.Equal(1e-9, result.PError);
        Assert.False(result.Converged);
    }

    [Fact]
    public void Tight_bracket_stops_before_max_iterations()
    {
        PErrorSearchResult coarse = PErrorSearch.Run(Linear(1e-3), new PErrorSearchOptions { MaxIterations = 100, RelativePrecision = 1 });
        PErrorSearchResult fine = PErrorSearch.Run(Linear(1e-3), new PErrorSearchOptions { MaxIterations = 100, RelativePrecision = 1e-3 });

        // 8.70 decades down to log10(2) = 0.301 and log10(1.001) = 4.34e-4: ceil(log2(28.9)) = 5 and
        // ceil(log2(20035)) = 15 halvings.
        Assert.Equal(2 + 5, coarse.Steps.Count);
        Assert.Equal(2 + 15, fine.Steps.Count);
        Assert.True(coarse.Converged && fine.Converged);
    }

    [Fact]
    public void Given_reference_is_not_evaluated_and_is_used_as_is()
    {
        var ps = new List<double>();

        PErrorSearchResult result = PErrorSearch.Run((p, _) => { ps.Add(p); return 0.9 - p; }, new PErrorSearchOptions { ReferenceMetric = 0.9, MaxIterations = 30 });

        Assert.DoesNotContain(0.0, ps);
        Assert.Equal(0.9, result.ReferenceMetric);
        Assert.InRange(result.PError, 0.01 / 1.1, 0.01);
    }

    [Fact]
    public void Drop_of_exactly_the_tolerance_passes_and_a_hair_more_fails()
    {
        var exact = PErrorSearch.Run((p, _) => p == 0 ? 0.97 : 0.96);
        var more = PErrorSearch.Run((p, _) => p == 0 ? 0.97 : 0.9599);

        Assert.True(exact.Steps[0].Passed);
        Assert.False(more.Steps[0].Passed);
    }

    [Fact]
    public void Progress_receives_every_step_in_order()
    {
        var progress = new ListProgress();

        PErrorSearchResult result = PErrorSearch.Run(Linear(1e-5), new PErrorSearchOptions { Progress = progress });

        Assert.Equal(result.Steps, progress.Steps);
        Assert.Equal(Enumerable.Range(0, result.Steps.Count), progress.Steps.Select(s => s.Index));
    }

    public static TheoryData<string, Func<PErrorSearchOptions>> InvalidOptions => new()
    {
        { "Lower", () => new PErrorSearchOptions { Lower = 0 } },
        { "Lower", () => new PErrorSearchOptions { Lower = -1e-9 } },
        { "Lower", () => new PErrorSearchOptions { Lower = double.NaN } },
        { "Upper", () => new PErrorSearchOptions { Upper = 1 } },
        { "Upper", () => new PErrorSearchOptions { Upper = double.NaN } },
        { "Upper", () => new PErrorSearchOptions { Lower = 1e-3, Upper = 1e-3 } },
        { "Upper", () => new PErrorSearchOptions { Lower = 1e-3, Upper = 1e-4 } },
        { "SimulationsPerStep", () => new PErrorSearchOptions { SimulationsPerStep = 0 } },
        { "SimulationsPerStep", () => new PErrorSearchOptions { SimulationsPerStep = PErrorSearchOptions.SimulationsPerStepLimit + 1 } },
        { "MaxIterations", () => new PErrorSearchOptions { MaxIterations = -1 } },
        { "MaxIterations", () => new PErrorSearchOptions { MaxIterations = PErrorSearchOptions.MaxIterationsLimit + 1 } },
        { "Tolerance", () => new PErrorSearchOptions { Tolerance = -0.01 } },
        { "Tolerance", () => new PErrorSearchOptions { Tolerance = double.PositiveInfinity } },
        { "Strategy", () => new PErrorSearchOptions { Strategy = (PErrorSearchStrategy)7 } },
        { "ReferenceMetric", () => new PErrorSearchOptions { ReferenceMetric = double.NaN } },
        { "RelativePrecision", () => new PErrorSearchOptions { RelativePrecision = 0 } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_options_throw_argument_exception_naming_the_option(string name, Func<PErrorSearchOptions> options)
    {
        int calls = 0;

        var ex = Assert.Throws<ArgumentException>(() => PErrorSearch.Run((_, _) => { calls++; return 1; }, options()));

        Assert.Equal(name, ex.ParamName);
        Assert.StartsWith(name + " ", ex.Message);
        Assert.Equal(0, calls);
    }

    [Fact]
    public void Default_options_are_valid_and_null_means_defaults()
    {
        new PErrorSearchOptions().Validate();
        Assert.Equal(PErrorSearch.Run(Linear(1e-3), null).Steps, PErrorSearch.Run(Linear(1e-3), new PErrorSearchOptions()).Steps);
        Assert.Throws<ArgumentNullException>(() => PErrorSearch.Run(null!));
    }

    [Fact]
    public void Na_n_metric_throws_naming_the_p_error()
    {
        double firstMidpoint = Math.Sqrt(1e-9 * 0.5);

        var ex = Assert.Throws<InvalidOperationException>(() =>
            PErrorSearch.Run((p, _) => p == firstMidpoint ? double.NaN : Linear(1e-3)(p, 0)));

        Assert.Contains("NaN", ex.Message);
        Assert.Contains($"p_error = {firstMidpoint:R}", ex.Message);
        Assert.Contains("step 2, run 0", ex.Message);
    }

    [Fact]
    public void Infinite_reference_throws_naming_p_error_zero()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => PErrorSearch.Run((p, _) => p == 0 ? double.PositiveInfinity : 1));

        Assert.Contains("p_error = 0 ", ex.Message);
        Assert.Contains("reference", ex.Message);
    }

    [Fact]
    public void Cancellation_before_start_evaluates_nothing()
    {
        int calls = 0;
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => PErrorSearch.Run((_, _) => { calls++; return 1; }, null, cts.Token));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void Cancellation_mid_search_stops_at_the_next_evaluation()
    {
        int calls = 0;
        using var cts = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => PErrorSearch.Run((p, s) =>
        {
            if (++calls == 13)
            {
                cts.Cancel(); // Mid-way through step 2's runs (1 reference + 5 + 5 + 2).
            }

            return Linear(1e-3)(p, s);
        }, null, cts.Token));
        Assert.Equal(13, calls);
    }

    [Fact]
    public void Format_table_has_one_aligned_row_per_step()
    {
        PErrorSearchResult result = PErrorSearch.Run(Linear(1e-3), new PErrorSearchOptions { MaxIterations = 3 });

        string[] lines = result.FormatTable().Split('\n');

        Assert.Equal(result.Steps.Count + 2, lines.Length);
        Assert.Contains("p_error", lines[0]);
        Assert.Single(lines.Select(l => l.Length).Distinct());
        Assert.Contains("5.000e-01", lines[2]);
        Assert.Contains("no", lines[2]);
        Assert.Contains("1.000e-09", lines[3]);
        string text = result.ToString();
        Assert.Contains("NOT converged", text);
        Assert.Contains("warning: " + result.Warning, text);
        Assert.EndsWith(result.FormatTable(), text);
    }

    [Fact]
    public void Step_equality_compares_metrics_by_value_and_copies_them()
    {
        var metrics = new List<double> { 0.9, 0.95 };
        var a = new PErrorSearchStep(2, 1e-4, metrics, 0.9, true, 1e-4, 1e-3);
        var b = new PErrorSearchStep(2, 1e-4, new[] { 0.9, 0.95 }, 0.9, true, 1e-4, 1e-3);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        metrics[0] = 0.1;
        Assert.Equal(0.9, a.Metrics[0]);
        Assert.NotEqual(a, new PErrorSearchStep(2, 1e-4, new[] { 0.9, 0.96 }, 0.9, true, 1e-4, 1e-3));
        Assert.Contains("[0.9, 0.95]", a.ToString());
    }
}
