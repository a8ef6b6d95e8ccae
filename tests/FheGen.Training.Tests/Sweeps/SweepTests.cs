using System;
using System.IO;
using System.Linq;
using System.Threading;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Training.Sweeps;
using FheGen.Training.Tests.Qat;

namespace FheGen.Training.Tests.Sweeps
{
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
    }
}
