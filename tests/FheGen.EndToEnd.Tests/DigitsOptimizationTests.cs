using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using FheGen.Samples.Digits;

namespace FheGen.EndToEnd.Tests;

/// <summary>The rounding and p_error levers on the digits sample: the targets, measured.</summary>
public sealed class DigitsOptimizationTests
{
    [Fact]
    public void Some_rounding_keeps_accuracy_within_a_point_and_cuts_estimated_latency_at_least_threefold()
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        var rows = DigitsOptimization.SweepRounding(test);
        var unrounded = rows[0];
        Assert.Equal("none", unrounded.Method);
        Assert.Equal(0, unrounded.RoundedBits);
        Assert.Equal(Enumerable.Range(2, 7).Reverse().SelectMany(b => new[] { b, b }), rows.Skip(1).Select(r => r.TluBits));
        Assert.Contains(rows.Skip(1), r => unrounded.ClearAccuracy - r.ClearAccuracy <= 0.01 && unrounded.EstimatedLatencyMs / r.EstimatedLatencyMs >= 3);
        // Clear evaluation is exact whatever the method: both methods share the clear accuracy at every width.
        foreach (var pair in rows.Skip(1).Chunk(2)) Assert.Equal(pair[0].ClearAccuracy, pair[1].ClearAccuracy);
        // Approximate rounding is never estimated slower than exact rounding.
        foreach (var pair in rows.Skip(1).Chunk(2)) Assert.True(pair[1].EstimatedLatencyMs <= pair[0].EstimatedLatencyMs);
        // At the model's tiny p_error, simulating exact rounding changes nothing.
        Assert.All(rows.Where(r => r.Method != "approximate"), r => Assert.Equal(r.ClearAccuracy, r.SimulatedAccuracy));
    }

    [Fact]
    public void The_p_error_search_finds_at_least_1e_4_within_a_point_reproducibly()
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        var result = DigitsOptimization.SearchPError(test);
        Assert.True(result.PError >= 1e-4, $"p_error {result.PError}");
        Assert.True(result.ReferenceMetric - result.Metric <= 0.01 + 1e-12, $"{result.Metric} vs {result.ReferenceMetric}");
        Assert.Equal(DigitsExperiment.Evaluate(test).ClearAccuracy, result.ReferenceMetric);
        Assert.NotEmpty(result.Steps);
        Assert.All(result.Steps, s => Assert.InRange(s.PError, 1e-9, 0.5));
        var again = DigitsOptimization.SearchPError(test);
        Assert.Equal(result.PError, again.PError);
        Assert.Equal(result.Steps, again.Steps);
    }

    [Fact]
    public void Command_line_writes_the_sweep_and_the_search_to_json()
    {
        string json = SampleProcess.TempJson("digits-opt");
        try
        {
            var (exit, stdout, stderr) = SampleProcess.Run($"--sweep-rounding --search-perror --json \"{json}\"", 300_000);
            Assert.True(exit == 0, stderr);
            Assert.Contains("rounding sweep", stdout);
            Assert.Contains("p_error search", stdout);

            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var root = doc.RootElement;
            var sweep = root.GetProperty("rounding_sweep").EnumerateArray().ToArray();
            Assert.Equal(15, sweep.Length);
            foreach (var key in new[] { "tlu_bits", "clear_accuracy", "simulated_accuracy", "estimated_latency_ms" })
            {
                Assert.True(sweep[1].TryGetProperty(key, out _), key);
            }
            var search = root.GetProperty("perror_search");
            foreach (var key in new[] { "p_error", "accuracy", "reference_accuracy", "steps" })
            {
                Assert.True(search.TryGetProperty(key, out _), key);
            }
            Assert.True(search.GetProperty("p_error").GetDouble() >= 1e-4);
            Assert.True(root.GetProperty("estimated_latency_ms").GetDouble() > 0);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
