using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Training.Pruning;
using FheGen.Training.Sweeps;
using FheGen.Training.Tests.Qat;

namespace FheGen.Training.Tests.Sweeps;

/// <summary>A sweep on the 64-16-10 digits model, small enough for CI: 12 points.</summary>
public class SweepTests : IClassFixture<PretrainedDigits>
{
    private readonly PretrainedDigits _digits;

    public SweepTests(PretrainedDigits digits) => _digits = digits;

    private static readonly SweepPoint[] Points = Sweep.Grid(new[] { 3, 4 }, new[] { 4 }, new int?[] { null, 24 }, new int?[] { null, 5 },
        new[] { RoundingKind.Exact, RoundingKind.Approximate }, new[] { Math.Pow(2, -40) }).ToArray();

    [Fact]
    public void Every_point_is_measured_as_the_compiler_compiles_it_and_the_front_is_non_dominated()
    {
        Assert.Equal(12, Points.Length); // 2 weight widths x 2 prunings x (none, exact, approximate)
        Assert.Equal(Points.Length, Points.Select(p => p.Key).Distinct().Count());
        var results = Sweep.Run(_digits.Spec(), _digits.Test, Points);
        Assert.Equal(Points, results.Select(r => r.Point));
        foreach (var r in results)
        {
            Assert.Null(r.Error);
            var plan = CircuitCompiler.Compile(r.Point.Apply(_digits.Spec())).PlanOrThrow();
            Assert.Equal(CircuitAccuracy.Clear(plan, _digits.Test), r.ClearAccuracy);
            Assert.Equal((plan.MaxTluInputBits, plan.PbsCount), (r.MaxTluBits, r.PbsCount));
            if (r.Point.RoundBits is int bits) Assert.True(r.MaxTluBits <= bits);
            // At 2^-40 per lookup the simulated circuit is the clear one on 451 samples, except that approximate
            // rounding reads the accumulator with its noise and can be off by one near a tie.
            if (r.Point.RoundBits is null || r.Point.RoundMethod == RoundingKind.Exact) Assert.Equal(r.ClearAccuracy, r.SimulatedAccuracy);
            else Assert.InRange(r.SimulatedAccuracy, r.ClearAccuracy - 0.05, r.ClearAccuracy + 0.05);
        }
        var front = Sweep.ParetoFront(results);
        Assert.NotEmpty(front);
        Assert.All(front, f => Assert.DoesNotContain(results.Where(r => r.Error is null && r.Encryptable), o => Sweep.Dominates(o, f)));
        // Every result off the front is dominated by one on it (or is not encryptable).
        Assert.All(results.Except(front).Where(r => r.Encryptable), r => Assert.Contains(front, f => Sweep.Dominates(f, r) ||
            (f.SimulatedAccuracy == r.SimulatedAccuracy && f.EstimatedLatencyMs == r.EstimatedLatencyMs)));
        Assert.Equal(front.OrderBy(f => f.EstimatedLatencyMs).Select(f => f.Point), front.Select(f => f.Point));
        Assert.Contains("w4/a4/kall/rnone/p", Sweep.FormatTable(results));
    }

    [Fact]
    public void An_interrupted_sweep_resumes_from_its_checkpoint_without_measuring_again()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "sweep.jsonl");
        using var cts = new CancellationTokenSource();
        var first = new SweepOptions { CheckpointPath = checkpoint, Progress = (_, done, _) => { if (done == 4) cts.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => Sweep.Run(_digits.Spec(), _digits.Test, Points, first, cts.Token));
        Assert.Equal(4, File.ReadAllLines(checkpoint).Length);

        // The 4 finished points come from the file: resumed on another model (hidden weights negated), they keep the
        // first model's figures, and only the 8 others are measured on the new one.
        var spec = _digits.Spec();
        var other = spec with { Layers = EquatableArray.Of(spec.Layers[0] with { Weights = new EquatableArray<float>(spec.Layers[0].Weights.ToArray().Select(w => -w).ToArray()) }, spec.Layers[1]) };
        var resumed = Sweep.Run(other, _digits.Test, Points, new SweepOptions { CheckpointPath = checkpoint });
        Assert.Equal(12, resumed.Count);
        Assert.Equal(12, File.ReadAllLines(checkpoint).Length);
        Assert.Equal(Sweep.Run(spec, _digits.Test, Points.Take(4).ToArray()), resumed.Take(4));
        Assert.Equal(Sweep.Run(other, _digits.Test, Points.Skip(4).ToArray()), resumed.Skip(4));
        Assert.NotEqual(Sweep.Run(other, _digits.Test, Points.Take(1).ToArray())[0].ClearAccuracy, resumed[0].ClearAccuracy);

        File.WriteAllText(checkpoint, "not json\n");
        var e = Assert.Throws<InvalidDataException>(() => Sweep.Run(_digits.Spec(), _digits.Test, Points, new SweepOptions { CheckpointPath = checkpoint }));
        Assert.Contains("line 1: not a sweep checkpoint line", e.Message);
    }

    [Fact]
    public void A_point_that_does_not_compile_is_reported_not_thrown()
    {
        var wide = new[] { new SweepPoint(8, 8, null, null, RoundingKind.Exact, Math.Pow(2, -40)) };
        var result = Assert.Single(Sweep.Run(_digits.Spec(), _digits.Test, wide));
        Assert.NotNull(result.Error);
        Assert.False(result.Encryptable);
        Assert.Empty(Sweep.ParetoFront(new[] { result }));
    }


    [Fact]
    public void The_pruning_axis_removes_neurons_before_the_other_settings_and_folds_means_from_the_given_data()
    {
        var points = Sweep.Grid(new double?[] { null, 0, 0.5 }, new[] { 4 }, new[] { 4 }, new int?[] { 24 }, new int?[] { 5 },
            new[] { RoundingKind.Exact }, new[] { Math.Pow(2, -40) });
        Assert.Equal(new double?[] { null, 0, 0.5 }, points.Select(p => p.PruneFraction));
        var spec = _digits.Spec();
        var results = Sweep.Run(spec, _digits.Test, points, new SweepOptions { PruningData = _digits.Train });

        // Fraction 0 removes nothing: the same circuit as no structured pruning, under another key.
        Assert.Equal(results[0] with { Point = points[1] }, results[1]);

        // Half of the 16 hidden neurons go (by weight norm, means over the training rows folded into the output bias),
        // then the point's bits, MaxActiveInputs and rounding apply to the 8 left.
        var pruned = points[2].Apply(spec, _digits.Train);
        Assert.Equal(new[] { 8, 10 }, pruned.Layers.Select(l => l.Outputs));
        Assert.Equal(64 * 8, pruned.Layers[0].Weights.Count);
        Assert.Equal(8 * 10, pruned.Layers[1].Weights.Count);
        Assert.Equal(new PruneSetting("Hidden", 24), Assert.Single(pruned.Prune));
        var expected = StructuredPruning.Prune(TrainedModelSpec.ToTrainedMlp(spec), 0.5, NeuronCriterion.WeightNorm, _digits.Train).Model;
        Assert.Equal(expected.Layers[1].Bias, pruned.Layers[1].Bias.ToArray());
        var plan = CircuitCompiler.Compile(pruned).PlanOrThrow();
        Assert.Equal((CircuitAccuracy.Clear(plan, _digits.Test), plan.PbsCount, plan.MaxTluInputBits), (results[2].ClearAccuracy, results[2].PbsCount, results[2].MaxTluBits));
        Assert.InRange(results[2].PbsCount, 1, 8);
        Assert.True(results[2].PbsCount < results[0].PbsCount, $"{results[2].PbsCount} PBS pruned, {results[0].PbsCount} not");

        // Without data the removed neurons' outgoing weights are dropped and nothing moves into the bias.
        var dataFree = points[2].Apply(spec);
        Assert.Equal(dataFree.Layers[0].Weights, pruned.Layers[0].Weights);
        Assert.NotEqual(dataFree.Layers[1].Bias, pruned.Layers[1].Bias);
        Assert.Equal(spec.Layers[1].Bias, dataFree.Layers[1].Bias);
    }

    [Fact]
    public void A_fraction_outside_0_1_is_an_argument_out_of_range_error()
    {
        foreach (double bad in new[] { -0.1, 1, 1.5, double.NaN })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sweep.Grid(new double?[] { 0.25, bad }, new[] { 4 }, new[] { 4 },
                new int?[] { null }, new int?[] { null }, new[] { RoundingKind.Exact }, new[] { 1e-3 }));
            Assert.Equal("pruneFractions", e.ParamName);
            Assert.Contains("[0, 1)", e.Message);
            var p = Assert.Throws<ArgumentOutOfRangeException>(() => new SweepPoint(4, 4, null, null, RoundingKind.Exact, 1e-3) { PruneFraction = bad });
            Assert.Equal(nameof(SweepPoint.PruneFraction), p.ParamName);
        }

        using var folder = new TempFolder();
        string checkpoint = folder.File("bad.jsonl", "{\"point\":{\"weight_bits\":4,\"activation_bits\":4,\"max_active_inputs\":null,\"round_bits\":null," +
            "\"round_method\":0,\"p_error\":0.001,\"prune_fraction\":1.5},\"clear_accuracy\":1,\"simulated_accuracy\":1,\"max_tlu_bits\":5," +
            "\"pbs_count\":1,\"estimated_latency_ms\":1,\"encryptable\":true,\"error\":null}\n");
        var invalid = Assert.Throws<InvalidDataException>(() => Sweep.Run(_digits.Spec(), _digits.Test, Points, new SweepOptions { CheckpointPath = checkpoint }));
        Assert.Contains("line 1", invalid.Message);
    }

    [Fact]
    public void Keys_and_checkpoint_lines_of_points_without_a_fraction_are_those_written_before_the_axis()
    {
        var old = new SweepPoint(4, 4, 24, 5, RoundingKind.Approximate, Math.Pow(2, -40));
        Assert.Equal("w4/a4/k24/r5~/p9.094947017729282E-13", old.Key);
        Assert.Equal("{\"weight_bits\":4,\"activation_bits\":4,\"max_active_inputs\":24,\"round_bits\":5,\"round_method\":1,\"p_error\":9.094947017729282E-13}",
            JsonSerializer.Serialize(old));
        var pruned = old with { PruneFraction = 0.25 };
        Assert.Equal("w4/a4/s0.25/k24/r5~/p9.094947017729282E-13", pruned.Key);
        Assert.Equal("w4/a4/s0/k24/r5~/p9.094947017729282E-13", (old with { PruneFraction = 0 }).Key);
        Assert.Equal(pruned, JsonSerializer.Deserialize<SweepPoint>(JsonSerializer.Serialize(pruned)));
        Assert.Contains("\"prune_fraction\":0.25", JsonSerializer.Serialize(pruned));

        // A checkpoint line as the sweep wrote it before pruning fractions (figures made up so that a re-measurement
        // would show) resumes the point without measuring it; a pruned point next to it is measured.
        using var folder = new TempFolder();
        string checkpoint = folder.File("old.jsonl", "{\"point\":{\"weight_bits\":4,\"activation_bits\":4,\"max_active_inputs\":24,\"round_bits\":5," +
            "\"round_method\":1,\"p_error\":9.094947017729282E-13},\"clear_accuracy\":0.125,\"simulated_accuracy\":0.25,\"max_tlu_bits\":5," +
            "\"pbs_count\":99,\"estimated_latency_ms\":1234.5,\"encryptable\":true,\"error\":null}\n");
        var results = Sweep.Run(_digits.Spec(), _digits.Test, new[] { old, pruned }, new SweepOptions { CheckpointPath = checkpoint });
        Assert.Equal(new SweepResult(old, 0.125, 0.25, 5, 99, 1234.5, true, null), results[0]);
        Assert.Equal(pruned, results[1].Point);
        Assert.NotEqual(99, results[1].PbsCount);
        Assert.Equal(2, File.ReadAllLines(checkpoint).Length);
        Assert.Equal(results.ToDictionary(r => r.Point.Key), Sweep.ReadCheckpoint(checkpoint));
        Assert.Empty(Sweep.ReadCheckpoint(Path.Combine(folder.Path, "missing.jsonl")));
        Assert.Contains("w4/a4/s0.25/k24/r5~/p9.094947017729282E-13", Sweep.FormatTable(results));
    }

    [Fact]
    public void The_sweep_report_round_trips_through_its_json()
    {
        var points = Sweep.Grid(new double?[] { null, 0.25 }, new[] { 3, 4 }, new[] { 4 }, new int?[] { 24 }, new int?[] { null, 5 },
            new[] { RoundingKind.Approximate }, new[] { Math.Pow(2, -40) });
        var results = Sweep.Run(_digits.Spec(), _digits.Test, points, new SweepOptions { PruningData = _digits.Train, Seed = 7 })
            .Append(Sweep.Run(_digits.Spec(), _digits.Test, new[] { new SweepPoint(8, 8, null, null, RoundingKind.Exact, 1e-3) })[0]).ToList();
        var report = SweepReport.Create("Digits", results.Count + 3, 7, _digits.Test.Count, results);
        Assert.Equal(Sweep.ParetoFront(results), report.ParetoFront);

        string json = report.ToJson();
        Assert.Contains("\n  \"model\": \"Digits\"", json); // indented
        using (var document = JsonDocument.Parse(json))
        {
            Assert.Equal(results.Count + 3, document.RootElement.GetProperty("grid_size").GetInt32());
            Assert.Equal(7UL, document.RootElement.GetProperty("seed").GetUInt64());
            Assert.Equal(_digits.Test.Count, document.RootElement.GetProperty("test_samples").GetInt32());
            Assert.Equal(results.Count, document.RootElement.GetProperty("results").GetArrayLength());
            Assert.Equal(report.ParetoFront.Count, document.RootElement.GetProperty("pareto_front").GetArrayLength());
        }
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "sweep.json");
        report.Write(path);
        var read = SweepReport.Read(path);
        Assert.Equal((report.Model, report.GridSize, report.Seed, report.TestSamples), (read.Model, read.GridSize, read.Seed, read.TestSamples));
        Assert.Equal(report.Results, read.Results);
        Assert.Equal(report.ParetoFront, read.ParetoFront);
        Assert.NotNull(read.Results[^1].Error);
        Assert.Contains(read.Results, r => r.Point.PruneFraction == 0.25);

        Assert.Throws<ArgumentOutOfRangeException>(() => SweepReport.Create("Digits", results.Count - 1, 7, _digits.Test.Count, results));
        Assert.Contains("x.json: not a sweep report", Assert.Throws<InvalidDataException>(() => SweepReport.Parse("[1]", "x.json")).Message);
        Assert.Contains("missing", Assert.Throws<InvalidDataException>(() => SweepReport.Parse("{}", "x.json")).Message);
    }
}
