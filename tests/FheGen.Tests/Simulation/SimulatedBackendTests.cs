using System;
using System.Linq;
using CsCheck;
using FheGen.Backends;
using FheGen.Circuits;
using static FheGen.Tests.Simulation.SimulationTestSupport;

namespace FheGen.Tests.Simulation;

public sealed class SimulatedBackendTests
{
    private static readonly LookupTable Identity = new(0, -8, 5, 5, Enumerable.Range(-8, 17).Select(i => (long)i).ToArray());

    private static RoundingStep Approximate(int lsbs) => new(lsbs, -1024, 1024, Rounding.Approximate);

    [Theory]
    [InlineData(null, false)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    public void Exact_backend_is_the_clear_backend_on_a_compiled_plan(int? roundBits, bool approximate)
    {
        var plan = RandomPlan(3, 8, new[] { 12, 6, 3 }, roundBits, approximate);
        if (roundBits is not null) Assert.Contains(plan.Layers, l => l.RoundedBits > 0);
        var interpreter = new PlanInterpreter(plan);
        var backend = new SimulatedBackend(0, 1);
        int runs = 0;
        Gen.Long[0, 7].Array[8].Sample(inputs =>
        {
            var simulated = new long[3];
            interpreter.Run<SimulatedBackend, long>(backend, inputs, simulated);
            runs++;
            Assert.Equal(interpreter.RunClear(inputs), simulated);
        }, iter: 300, threads: 1); // one backend, so one thread
        Assert.Equal(0, backend.RandomDraws);
        Assert.Equal(0, backend.TluErrorCount);
        Assert.Equal((long)runs * PbsCount(plan), backend.TluCount);
    }

    [Fact]
    public void Exact_backend_rounds_approximate_steps_exactly()
    {
        var backend = new SimulatedBackend(0, 1);
        var values = new long[] { 2, -2, 6, -6, 255, -1, 0, 4, 12 };
        var expected = (long[])values.Clone();
        default(ClearBackend).Round(expected, new RoundingStep(2, -6, 255));
        backend.Round(values, new RoundingStep(2, -6, 255, Rounding.Approximate));
        Assert.Equal(expected, values);
        // Nothing is pending: a second Round is allowed, and the Lookup is an ordinary (exact) one.
        backend.Round(new long[] { 1 }, Approximate(2));
        Assert.Equal(0, backend.FusedTluCount + backend.ApproximateRoundingCount + backend.RandomDraws);
    }

    [Fact]
    public void Constant_and_multiply_add_are_exact()
    {
        var backend = new SimulatedBackend(0.5, 9);
        long a = backend.Constant(-7);
        backend.MultiplyAdd(ref a, 5, -3);
        backend.MultiplyAdd(ref a, 1L << 40, 2);
        Assert.Equal(-7 - 15 + (2L << 40), a);
        Assert.Equal(0, backend.RandomDraws);
    }

    [Fact]
    public void Same_seed_replays_and_other_seeds_differ()
    {
        var interpreter = new PlanInterpreter(RandomPlan(5, 8, new[] { 16, 8, 4 }));
        var random = new SimulationRandom(99);
        var inputs = Enumerable.Range(0, 300).Select(_ => Enumerable.Range(0, 8).Select(_ => (long)(random.NextUInt64() % 8)).ToArray()).ToArray();
        long[][] RunAll(SimulatedBackend backend) => inputs.Select(x =>
        {
            var y = new long[4];
            interpreter.Run<SimulatedBackend, long>(backend, x, y);
            return y;
        }).ToArray();

        var first = new SimulatedBackend(0.1, 1234);
        var a = RunAll(first);
        var b = RunAll(new SimulatedBackend(0.1, 1234));
        Assert.Equal(a, b);
        first.Reseed(1234);
        Assert.Equal(a, RunAll(first));
        Assert.Equal(1234UL, first.Seed);
        var c = RunAll(new SimulatedBackend(0.1, 1235));
        Assert.NotEqual(a, c);
        // Errors did happen, and the clear result differs from at least one noisy run.
        Assert.True(first.TluErrorCount > 0);
        Assert.Contains(Enumerable.Range(0, inputs.Length), i => !interpreter.RunClear(inputs[i]).SequenceEqual(a[i]));
    }

    [Fact]
    public void Shared_model_gives_the_same_stream_as_a_fresh_one()
    {
        var model = new ErrorModel(0.3);
        var x = new long[64];
        var y1 = new long[64];
        var y2 = new long[64];
        var tables = Enumerable.Repeat(Identity, 64).ToArray();
        new SimulatedBackend(model, 77).Lookup(x, y1, tables);
        new SimulatedBackend(0.3, 77).Lookup(x, y2, tables);
        Assert.Equal(y1, y2);
    }

    [Fact]
    public void Exact_input_outside_the_table_throws_as_in_the_clear()
    {
        var backend = new SimulatedBackend(0.1, 1);
        var outputs = new long[1];
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Lookup(new long[] { 9 }, outputs, new[] { Identity }));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Lookup(new long[] { -9 }, outputs, new[] { Identity }));
        Assert.Throws<ArgumentException>(() => backend.Lookup(new long[2], outputs, new[] { Identity, Identity }));
    }

    [Fact]
    public void Noisy_reads_clamp_to_the_table_edges()
    {
        // p_error 0.5: sigma 0.74, so offsets of 2 and 3 are common enough to run past a 3-entry table.
        var table = new LookupTable(0, -1, 2, 9, new long[] { 100, 200, 300 });
        var backend = new SimulatedBackend(0.5, 2024);
        const int n = 20_000;
        var inputs = new long[n];
        var outputs = new long[n];
        var tables = Enumerable.Repeat(table, n).ToArray();

        Array.Fill(inputs, -1);
        backend.Lookup(inputs, outputs, tables);
        Assert.All(outputs, o => Assert.Contains(o, new long[] { 100, 200, 300 }));
        // Every k <= 0 reads the bottom entry.
        AssertBinomial(outputs.Count(o => o == 100), n, 1 - 0.25, "bottom edge reads the edge entry");
        var histogram = backend.GetOffsetHistogram();
        Assert.Contains(histogram.Keys, k => k <= -2); // drawn offsets are recorded before clamping

        Array.Fill(inputs, 1);
        backend.Lookup(inputs, outputs, tables);
        AssertBinomial(outputs.Count(o => o == 300), n, 1 - 0.25, "top edge reads the edge entry");

        Array.Fill(inputs, 0);
        backend.Lookup(inputs, outputs, tables);
        var model = backend.Model;
        double below = 0.25;
        AssertBinomial(outputs.Count(o => o == 100), n, below, "middle: any negative offset reads the bottom entry");
        AssertBinomial(outputs.Count(o => o == 200), n, model.Probability(0), "middle: no error");
    }

    [Fact]
    public void Approximate_round_fuses_with_the_next_lookup()
    {
        var backend = new SimulatedBackend(0.1, 42);
        var random = new SimulationRandom(3);
        var values = Enumerable.Range(0, 500).Select(_ => (long)(random.NextUInt64() % 96) - 48).ToArray();
        var exact = (long[])values.Clone();
        default(ClearBackend).Round(exact, Approximate(3));
        var tables = Enumerable.Repeat(Identity, values.Length).ToArray();
        var outputs = new long[values.Length];

        backend.Round(values, Approximate(3));
        Assert.Equal(values.Length, backend.RandomDraws);
        Assert.Equal(values.Length, backend.ApproximateRoundingCount);
        Assert.Equal(values.Zip(exact).Count(p => p.First != p.Second), backend.ApproximateRoundingErrorCount);
        Assert.True(backend.ApproximateRoundingErrorCount > 0);

        backend.Lookup(values, outputs, tables);
        // The fused read draws nothing more and adds no TLU error: the noise was the rounding's.
        Assert.Equal(values.Length, backend.RandomDraws);
        Assert.Equal(0, backend.TluErrorCount);
        Assert.Equal(values.Length, backend.FusedTluCount);
        Assert.Equal(values.Length, backend.TluCount);
        Assert.Equal(values.Select(v => Math.Clamp(v, -8, 8)), outputs);

        // The flag is consumed: the next Lookup is an ordinary noisy read with its own draws.
        backend.Lookup(exact, outputs, tables);
        Assert.Equal(2 * values.Length, backend.RandomDraws);
        Assert.Equal(values.Length, backend.FusedTluCount);
    }

    [Fact]
    public void Approximate_layers_fuse_through_the_plan_interpreter()
    {
        var plan = RandomPlan(8, 6, new[] { 10, 5, 2 }, roundBits: 3, approximate: true);
        var rounded = plan.Layers.Where(l => !l.IsOutput && l.RoundedBits > 0).ToArray();
        Assert.NotEmpty(rounded);
        Assert.All(rounded, l => Assert.Equal(FheGen.Compiler.Model.RoundingKind.Approximate, l.RoundingMethod));
        var interpreter = new PlanInterpreter(plan);
        var backend = new SimulatedBackend(0.05, 3);
        const int runs = 200;
        for (int i = 0; i < runs; i++) interpreter.Run<SimulatedBackend, long>(backend, new long[] { 1, 2, 3, 4, 5, 6 }, new long[2]);
        long fused = (long)runs * rounded.Sum(l => l.PbsCount);
        Assert.Equal(fused, backend.FusedTluCount);
        Assert.Equal(fused, backend.ApproximateRoundingCount);
        // Still one draw per TLU: the rounding's for fused reads, the lookup's for the others.
        Assert.Equal((long)runs * PbsCount(plan), backend.TluCount);
        Assert.Equal(backend.TluCount, backend.RandomDraws);
        Assert.Equal(backend.TluCount - fused, backend.GetOffsetHistogram().Values.Sum());
    }

    [Fact]
    public void Exact_rounding_leaves_the_error_to_the_lookup()
    {
        var backend = new SimulatedBackend(0.1, 42);
        var values = Enumerable.Range(-40, 80).Select(i => (long)i).ToArray();
        backend.Round(values, new RoundingStep(3, -40, 40));
        Assert.Equal(0, backend.RandomDraws);
        backend.Lookup(values, new long[values.Length], Enumerable.Repeat(Identity, values.Length).ToArray());
        Assert.Equal(values.Length, backend.RandomDraws);
        Assert.Equal(0, backend.FusedTluCount);
    }

    [Fact]
    public void Fused_reads_are_checked_like_their_exact_values()
    {
        var table = new LookupTable(0, 0, 2, 4, new long[] { 10, 11, 12, 13 });
        var backend = new SimulatedBackend(0.5, 8);
        // 13 rounds (t = 2) to 3, the top entry, from 3/4 of a step above its lower threshold: noise of 1/4 step
        // pushes it to 4, past the table, which must read the edge.
        const int n = 2000;
        var values = Enumerable.Repeat(13L, n).ToArray();
        backend.Round(values, Approximate(2));
        Assert.Contains(4L, values);
        var outputs = new long[n];
        backend.Lookup(values, outputs, Enumerable.Repeat(table, n).ToArray());
        Assert.Equal(values.Select(v => 10 + Math.Clamp(v, 0, 3)), outputs);

        // 18 rounds exactly to 5: outside the table whatever the noise, so the bounds were violated.
        var bad = new long[] { 18 };
        backend.Round(bad, Approximate(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Lookup(bad, new long[1], new[] { table }));
    }

    [Fact]
    public void Fused_read_protocol_is_enforced()
    {
        var backend = new SimulatedBackend(0.1, 1);
        var values = new long[] { 1, 2, 3 };
        backend.Round(values, Approximate(1));
        Assert.Throws<InvalidOperationException>(() => backend.Round(new long[] { 1 }, new RoundingStep(1, 0, 4)));
        Assert.Throws<InvalidOperationException>(() => backend.Lookup(new long[2], new long[2], new[] { Identity, Identity }));
        // Reseeding abandons the pending read.
        backend.Reseed(1);
        backend.Lookup(new long[2], new long[2], new[] { Identity, Identity });
        Assert.Equal(0, backend.FusedTluCount);
    }

    [Fact]
    public void Plan_interpreter_calls_count_one_draw_per_tlu()
    {
        var plan = RandomPlan(8, 6, new[] { 10, 5, 2 }, roundBits: 4);
        var interpreter = new PlanInterpreter(plan);
        var backend = new SimulatedBackend(0.05, 3);
        for (int i = 0; i < 100; i++) interpreter.Run<SimulatedBackend, long>(backend, new long[] { 1, 2, 3, 4, 5, 6 }, new long[2]);
        Assert.Equal(100L * PbsCount(plan), backend.TluCount);
        Assert.Equal(backend.TluCount, backend.RandomDraws);
        var histogram = backend.GetOffsetHistogram();
        Assert.Equal(backend.TluCount, histogram.Values.Sum());
        Assert.Equal(backend.TluErrorCount, histogram.Where(e => e.Key != 0).Sum(e => e.Value));

        backend.ResetCounters();
        Assert.Equal(0, backend.TluCount + backend.TluErrorCount + backend.RandomDraws + backend.FusedTluCount + backend.ApproximateRoundingCount);
        Assert.Empty(backend.GetOffsetHistogram());
        Assert.Empty(backend.GetRoundingOffsetHistogram());
    }
}
