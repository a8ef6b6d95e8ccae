using System.Linq;
using FheGen.Backends;

namespace FheGen.Tests.Simulation;

public sealed class SimulationRandomTests
{
    [Fact]
    public void Sequences_are_pinned()
    {
        // Cross-version contract: these come from an independent implementation of splitmix64 + xoshiro256**.
        ulong state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, SimulationRandom.SplitMix64(ref state));
        var zero = new SimulationRandom(0);
        Assert.Equal(new[] { 0x99EC5F36CB75F2B4UL, 0xBF6E1F784956452AUL, 0x1A5F849D4933E6E0UL, 0x6AA594F1262D2D2CUL },
            Enumerable.Range(0, 4).Select(_ => zero.NextUInt64()).ToArray());
        var answer = new SimulationRandom(42);
        Assert.Equal(new[] { 0x15780B2E0C2EC716UL, 0x6104D9866D113A7EUL, 0xAE17533239E499A1UL, 0xECB8AD4703B360A1UL },
            Enumerable.Range(0, 4).Select(_ => answer.NextUInt64()).ToArray());
    }

    [Fact]
    public void Doubles_are_in_the_unit_interval_with_a_plausible_mean()
    {
        var random = new SimulationRandom(7);
        double sum = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            double u = random.NextDouble();
            Assert.InRange(u, 0.0, 0.9999999999999999);
            sum += u;
        }
        // Mean of n uniforms: sd sqrt(1/12n).
        Assert.InRange(sum / n, 0.5 - 4 * System.Math.Sqrt(1.0 / (12 * n)), 0.5 + 4 * System.Math.Sqrt(1.0 / (12 * n)));
    }
}
