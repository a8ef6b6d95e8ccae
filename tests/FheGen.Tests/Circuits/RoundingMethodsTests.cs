using System;
using System.Linq;
using FheGen.Backends;

namespace FheGen.Tests.Circuits;

/// <summary>Hand-worked rounding examples for both methods: negatives, ties, the top-of-range carry.</summary>
public sealed class RoundingMethodsTests
{
    // t = 2: floor(x / 4 + 1/2).
    //   -7 -> floor(-1.25) = -2;  -5 -> floor(-0.75) = -1;  -3 -> floor(-0.25) = -1;  5 -> floor(1.75) = 1;
    //    7 -> floor(2.25) = 2;   253 -> floor(63.75) = 63;  255 -> floor(64.25) = 64 (the carry into a new top bit).
    private static readonly long[] Values = { -7, -5, -3, 5, 7, 253, 255 };
    private static readonly long[] Rounded = { -2, -1, -1, 1, 2, 63, 64 };

    [Fact]
    public void Exact_rounding_matches_the_hand_worked_values_on_every_backend()
    {
        var step = new RoundingStep(2, -8, 255, Rounding.Exact);
        var clear = Values.ToArray();
        default(ClearBackend).Round(clear, step);
        Assert.Equal(Rounded, clear);
        var simulated = Values.ToArray();
        new SimulatedBackend(0.1, 7).Round(simulated, step);
        Assert.Equal(Rounded, simulated); // exact rounding draws no noise: the error belongs to the lookup
    }

    [Fact]
    public void Ties_round_up_exactly_also_for_negatives()
    {
        // -6 / 4 = -1.5 -> floor(-1) = -1; -2 / 4 = -0.5 -> 0; 2 / 4 -> 1; 6 / 4 -> 2.
        var ties = new long[] { -6, -2, 2, 6 };
        default(ClearBackend).Round(ties, new RoundingStep(2, -8, 8));
        Assert.Equal(new long[] { -1, 0, 1, 2 }, ties);
    }

    [Fact]
    public void Approximate_rounding_is_exact_in_the_clear_and_away_from_ties_with_little_noise()
    {
        var step = new RoundingStep(2, -8, 255, Rounding.Approximate);
        var clear = Values.ToArray();
        default(ClearBackend).Round(clear, step);
        Assert.Equal(Rounded, clear);
        // Every value sits a quarter step from its threshold: at p_error 1e-300 (sigma 0.0135 steps) that is 18 sigma.
        var backend = new SimulatedBackend(1e-300, 3);
        for (int run = 0; run < 200; run++)
        {
            var simulated = Values.ToArray();
            backend.Round(simulated, step);
            Assert.Equal(Rounded, simulated);
            var outputs = new long[Values.Length];
            backend.Lookup(simulated, outputs, Enumerable.Repeat(new LookupTable(0, -2, 8, 8, Enumerable.Range(-2, 67).Select(i => (long)i).ToArray()), Values.Length).ToArray());
            Assert.Equal(Rounded, outputs);
        }
    }

    [Fact]
    public void Approximate_rounding_of_a_tie_goes_either_way_and_never_further()
    {
        var backend = new SimulatedBackend(1e-300, 11);
        var step = new RoundingStep(2, -8, 8, Rounding.Approximate);
        var table = new LookupTable(0, -3, 3, 3, new long[] { -3, -2, -1, 0, 1, 2, 3 });
        int up = 0, down = 0;
        for (int run = 0; run < 2000; run++)
        {
            var v = new long[] { -6 };
            backend.Round(v, step);
            var o = new long[1];
            backend.Lookup(v, o, new[] { table });
            if (o[0] == -1) up++;
            else if (o[0] == -2) down++;
            else Assert.Fail($"a tie at -1.5 rounded to {o[0]}");
        }
        // Half each way: 1000 +- 4 sigma (sigma = sqrt(2000 / 4) = 22.4).
        Assert.InRange(up, 1000 - 90, 1000 + 90);
        Assert.Equal(2000, up + down);
    }
}
