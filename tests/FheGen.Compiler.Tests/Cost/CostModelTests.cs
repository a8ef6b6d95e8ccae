using System;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using Xunit.Abstractions;

namespace FheGen.Compiler.Tests.Cost;

public class CostModelTests
{
    private static readonly double P40 = Math.Pow(2, -40);

    // TFHE-rs' published one-core latencies at p_fail 2^-64 (docs/tfhe-reference.md), printed next to the measurements for reference.
    private static readonly (int Bits, double Ms)[] TfheRs = { (2, 8.9), (4, 11.8), (6, 102), (8, 649) };

    private readonly ITestOutputHelper _out;

    public CostModelTests(ITestOutputHelper output) => _out = output;

    private static string F(double x, string format = "0.00") => x.ToString(format, CultureInfo.InvariantCulture);

    private static void Close(double expected, double actual, double relative = 1e-12)
        => Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    private static double P(double log2) => Math.Pow(2, log2);

    private static double Measured(int bits, double log2PError)
        => CostModel.Measurements.Single(m => m.Bits == bits && m.Log2PError == log2PError).MedianMs;

    private static double[] Grid => CostModel.MeasuredLog2PErrors.ToArray();

    // ---- the measured table ----

    [Fact]
    public void Measurements_cover_every_width_up_to_the_widest_at_every_p_error_point()
    {
        int max = CostModel.MeasuredMaxBits;
        Assert.InRange(max, 2, CostModel.MaxBits);
        Assert.NotEmpty(Grid);
        Assert.Equal(Grid.OrderBy(g => g), Grid);
        Assert.Equal(max * Grid.Length, CostModel.Measurements.Count);
        foreach (var m in CostModel.Measurements)
        {
            Assert.InRange(m.Bits, 1, max);
            Assert.Contains(m.Log2PError, Grid);
            Assert.True(m.MedianMs > 0 && !double.IsInfinity(m.MedianMs), $"{m.Bits} bits: median {m.MedianMs}");
            Assert.InRange(m.MinMs, double.Epsilon, m.MedianMs);
            Assert.True(m.Runs >= 1);
            Assert.StartsWith($"m{m.Bits}c0-", m.ParameterSet); // a plain lookup: message bits = width, no carry
            Assert.True(m.BootstrapKeyBytes > 0 && m.KeySwitchKeyBytes > 0);
        }
        Assert.Equal(CostModel.Measurements.Count, CostModel.Measurements.Select(m => (m.Bits, m.Log2PError)).Distinct().Count());

        var sb = new StringBuilder("bits | " + string.Join(" | ", Grid.Select(g => $"2^{g} measured (model)")) + "\n");
        for (int b = 1; b <= CostModel.MaxBits; b++)
        {
            sb.Append($"{b,4}");
            foreach (double g in Grid)
            {
                sb.Append(b <= max ? $" | {F(Measured(b, g)),8} ({F(CostModel.PbsLatencyMs(b, P(g)))})" : $" | {"-",8} ({F(CostModel.PbsLatencyMs(b, P(g)))})");
            }
            sb.Append('\n');
        }
        _out.WriteLine(sb.ToString());
        _out.WriteLine(CostModel.Source);
        // Published TFHE-rs figures at 2^-64 on an AVX-512 server core, for the eye only: the ratio depends on this machine.
        if (Grid.Contains(-64))
        {
            foreach (var (bits, ms) in TfheRs.Where(a => a.Bits <= max))
            {
                _out.WriteLine($"{bits} bits at 2^-64: measured {F(Measured(bits, -64))} ms, TFHE-rs {F(ms)} ms, ratio {F(Measured(bits, -64) / ms)}");
            }
        }
    }

    [Fact]
    public void Wider_lookups_measure_much_slower_on_any_machine()
    {
        // From 1 to 8 bits the selected polynomial grows from 2^9 to 2^15 coefficients: whatever the machine, the
        // widest measured lookup costs several times the narrowest. A table that says otherwise was not measured right.
        if (CostModel.MeasuredMaxBits < 8) return;
        foreach (double g in Grid)
        {
            Assert.True(Measured(8, g) > 4 * Measured(1, g), $"at 2^{g}: 8 bits {Measured(8, g)} ms, 1 bit {Measured(1, g)} ms");
        }
    }

    [Fact]
    public void At_a_measured_point_the_latency_is_the_median_raised_to_any_smaller_set_s()
    {
        foreach (var m in CostModel.Measurements)
        {
            // The monotone envelope: the slowest of the sets that are no wider and no stricter.
            double envelope = CostModel.Measurements.Where(x => x.Bits <= m.Bits && x.Log2PError >= m.Log2PError).Max(x => x.MedianMs);
            double model = CostModel.PbsLatencyMs(m.Bits, P(m.Log2PError));
            Close(envelope, model, 1e-9);
            Assert.True(model >= m.MedianMs * (1 - 1e-12)); // exp(log(x)) may lose an ulp
            if (model > m.MedianMs * 1.001)
            {
                _out.WriteLine($"{m.Bits} bits at 2^{m.Log2PError}: measured {F(m.MedianMs)} ms, raised to {F(model)} ms");
            }
        }
    }

    [Fact]
    public void Between_measured_points_the_log_latency_is_linear_in_log2_p_error()
    {
        var grid = Grid;
        for (int b = 1; b <= CostModel.MaxBits; b++)
        {
            for (int j = 0; j + 1 < grid.Length; j++)
            {
                double lo = CostModel.PbsLatencyMs(b, P(grid[j])), hi = CostModel.PbsLatencyMs(b, P(grid[j + 1]));
                // Midpoint: the geometric mean; a quarter of the way: lo^(3/4) hi^(1/4).
                Close(Math.Sqrt(lo * hi), CostModel.PbsLatencyMs(b, P((grid[j] + grid[j + 1]) / 2)), 1e-9);
                Close(Math.Pow(lo, 0.75) * Math.Pow(hi, 0.25), CostModel.PbsLatencyMs(b, P(0.75 * grid[j] + 0.25 * grid[j + 1])), 1e-9);
            }
        }
    }

    [Fact]
    public void Outside_the_measured_points_the_nearest_one_applies()
    {
        double strict = Grid[0], loose = Grid[^1];
        for (int b = 1; b <= CostModel.MaxBits; b++)
        {
            double atStrict = CostModel.PbsLatencyMs(b, P(strict));
            // p_error 0 (an exact circuit) and anything stricter cost the strictest measurement: no extrapolated penalty.
            Assert.Equal(atStrict, CostModel.PbsLatencyMs(b, 0));
            Assert.Equal(atStrict, CostModel.PbsLatencyMs(b, double.Epsilon));
            Assert.Equal(atStrict, CostModel.PbsLatencyMs(b, P(strict - 30)));
            // Looser than the loosest: no extrapolated gain.
            double atLoose = CostModel.PbsLatencyMs(b, P(loose));
            Assert.Equal(atLoose, CostModel.PbsLatencyMs(b, P(loose / 2)));
            Assert.Equal(atLoose, CostModel.PbsLatencyMs(b, 0.9));
            Assert.Equal(atLoose, CostModel.PbsLatencyMs(b, 1));
        }
    }

    [Fact]
    public void Wider_than_measured_continues_the_last_measured_step()
    {
        int max = CostModel.MeasuredMaxBits;
        var grid = Grid;
        for (int b = max + 1; b <= CostModel.MaxBits; b++)
        {
            for (int j = 0; j < grid.Length; j++)
            {
                // The step between the two widest widths, continued at each p_error point; then the slowest of the
                // looser points, so a steeper step at a looser p_error cannot make it cost more than a stricter one.
                double expected = 0;
                for (int k = j; k < grid.Length; k++)
                {
                    double top = CostModel.PbsLatencyMs(max, P(grid[k])), step = top / CostModel.PbsLatencyMs(max - 1, P(grid[k]));
                    expected = Math.Max(expected, top * Math.Pow(step, b - max));
                }
                Close(expected, CostModel.PbsLatencyMs(b, P(grid[j])), 1e-9);
            }
        }
    }

    [Fact]
    public void Latency_is_monotone_in_bits_and_in_p_error()
    {
        var logP = Gen.Double[Math.Log(1e-25), Math.Log(0.4)];
        Gen.Select(Gen.Int[1, 16], logP, logP).Sample((bits, a, b) =>
        {
            double lo = Math.Exp(Math.Min(a, b)), hi = Math.Exp(Math.Max(a, b));
            double strict = CostModel.PbsLatencyMs(bits, lo), loose = CostModel.PbsLatencyMs(bits, hi);
            Assert.True(loose <= strict, $"{bits} bits: {loose} at {hi} > {strict} at {lo}");
            Assert.True(strict > 0 && strict <= CostModel.PbsLatencyMs(bits, 0));
            if (bits < 16) Assert.True(CostModel.PbsLatencyMs(bits + 1, lo) >= strict, $"{bits + 1} bits cheaper than {bits} at {lo}");
            if (bits < 16) Assert.True(CostModel.PbsLatencyMs(bits + 1, hi) >= loose);
        }, iter: 5000);
    }

    [Fact]
    public void Invalid_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.PbsLatencyMs(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.PbsLatencyMs(17, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.PbsLatencyMs(4, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.PbsLatencyMs(4, -1e-9));
        Assert.Throws<ArgumentOutOfRangeException>(() => CostModel.NeuronLatencyMs(8, -1, 4, 0, RoundingKind.Exact));
        Assert.Throws<ArgumentNullException>(() => CostModel.Estimate(null!, 0));
    }

    // ---- rounding ----

    [Fact]
    public void Exact_rounding_adds_its_extraction_bootstrappings_at_the_lookup_width_and_approximate_none()
    {
        double p = P40;
        // 10-bit accumulator, 4 bits removed, 6-bit lookup: one 4-bit chunk (sign + identity lookup), so 3 lookups at 6 bits.
        Close(3 * CostModel.PbsLatencyMs(6, p), CostModel.NeuronLatencyMs(10, 4, 6, p, RoundingKind.Exact));
        // One removed bit: the sign bootstrapping alone.
        Close(2 * CostModel.PbsLatencyMs(5, p), CostModel.NeuronLatencyMs(6, 1, 5, p, RoundingKind.Exact));
        // 8 bits removed before a 3-bit lookup: chunks of at most 4 bits, so two of 4, two bootstrappings each.
        Close(5 * CostModel.PbsLatencyMs(3, p), CostModel.NeuronLatencyMs(12, 8, 3, p, RoundingKind.Exact));
        // 10 bits before a 2-bit lookup: chunks 3, 3, 2, 2, eight bootstrappings (ExactRounding's own example).
        Close(9 * CostModel.PbsLatencyMs(2, p), CostModel.NeuronLatencyMs(12, 10, 2, p, RoundingKind.Exact));
        // The accumulator's width no longer matters to exact rounding: every extraction reads at most tluBits + 1 bits.
        Assert.Equal(CostModel.NeuronLatencyMs(10, 4, 6, p, RoundingKind.Exact), CostModel.NeuronLatencyMs(11, 4, 6, p, RoundingKind.Exact));

        Close(CostModel.PbsLatencyMs(6, p), CostModel.NeuronLatencyMs(10, 4, 6, p, RoundingKind.Approximate));
        Close(CostModel.PbsLatencyMs(10, p), CostModel.NeuronLatencyMs(10, 4, 6, p, rounding: null));
        Assert.Equal(double.PositiveInfinity, CostModel.NeuronLatencyMs(20, 12, 8, p, rounding: null));
        // Nothing removed: every kind is the plain lookup.
        foreach (var kind in new RoundingKind?[] { null, RoundingKind.Exact, RoundingKind.Approximate })
        {
            Close(CostModel.PbsLatencyMs(5, p), CostModel.NeuronLatencyMs(5, 0, 5, p, kind));
        }
    }

    /// <summary>The model's speed-up of a t-LSB rounding of a <paramref name="inputBits"/>-bit input, without overflow.</summary>
    private static double SpeedUp(int inputBits, int t, RoundingKind? kind, double pError)
        => CostModel.PbsLatencyMs(inputBits, pError) / CostModel.NeuronLatencyMs(inputBits, t, inputBits - t, pError, kind);

    [Fact]
    public void Rounding_a_6_bit_input_exact_costs_2_to_6_lookups_approximate_one()
    {
        double[] concrete = { 1.00, 1.20, 2.17, 3.75, 2.64, 2.61 };
        // Lookups per neuron under exact rounding of t bits before a (6 - t)-bit lookup: the lookup plus the
        // extraction's bootstrappings (t = 1: sign; 2, 3: one chunk, sign + identity; 4: two chunks of 2; 5: 2, 2, 1).
        int[] lookups = { 1, 2, 3, 3, 5, 6 };
        double p = P40;
        _out.WriteLine("6-bit input, t LSBs removed -> (6-t)-bit lookup: speed-up over the 6-bit lookup at 2^-40");
        _out.WriteLine("t | Concrete (published, exact) | model exact | model approximate");
        double previousApproximate = 0;
        for (int t = 0; t < 6; t++)
        {
            double exact = SpeedUp(6, t, RoundingKind.Exact, p), approximate = SpeedUp(6, t, RoundingKind.Approximate, p);
            _out.WriteLine($"{t} | {F(concrete[t]),27} | {F(exact),11} | {F(approximate),17}");
            Close(lookups[t], approximate / exact, 1e-9);
            // Fewer bits, never a slower lookup: approximate rounding never loses as more bits go.
            Assert.True(approximate >= previousApproximate);
            previousApproximate = approximate;
        }
        Assert.Equal(1.0, SpeedUp(6, 0, RoundingKind.Exact, p));
    }

    // ---- layers and circuits ----

    /// <summary>8 inputs in [0, 15], weights 1.0: hidden accumulator [0, 840] (10 bits); its second neuron is constant.</summary>
    private static ModelSpec Spec(int? roundTo = null, RoundingKind method = RoundingKind.Exact, bool allConstant = false)
    {
        var hidden = new float[3 * 8];
        for (int i = 0; i < 8; i++)
        {
            hidden[i] = allConstant ? 0 : 1;
            hidden[2 * 8 + i] = allConstant ? 0 : 0.5f;
        }
        var spec = SpecBuilder.Create(8).InputBits(4).InputRange(0, 15).Budget(16)
            .Dense("hidden", 3, hidden, new float[] { 0, 1, 0 }, ActivationKind.Relu, 0, 4)
            .Dense("out", 1, new float[] { 1, 1, 1 }, null, ActivationKind.Identity)
            .Build();
        return roundTo is int bits
            ? spec with { Round = EquatableArray.Of(new RoundSetting("hidden", bits) { Method = method }) }
            : spec;
    }

    private static CircuitPlan Compile(ModelSpec spec) => CircuitCompiler.Compile(spec).PlanOrThrow();

    [Fact]
    public void EstimateLayer_is_PbsCount_times_the_lookup_plus_rounding()
    {
        var plan = Compile(Spec(roundTo: 6));
        var hidden = plan.Layers[0];
        Assert.Equal(2, hidden.PbsCount); // the constant neuron needs no PBS
        Assert.Equal(3, hidden.Outputs);
        // [0, 840] is 10 bits; rounding to 6 removes 4, extracted as one chunk: sign + identity lookup per neuron.
        Assert.Equal((10, 4, 6), (hidden.AccumulatorBits, hidden.RoundedBits, hidden.TluInputBits));

        double pError = P40;
        double lookup = CostModel.PbsLatencyMs(6, pError);
        var exact = CostModel.EstimateLayer(hidden, pError, RoundingKind.Exact);
        Close(2 * 3 * lookup, exact.LatencyMs);
        Assert.Equal(new LayerCost("hidden", 2, 4, 6, exact.LatencyMs), exact);
        Assert.Equal(6, exact.TotalPbsCount);
        Assert.Equal(hidden.RoundingPbsCount, exact.RoundingPbsCount); // the plan counts what the model charges

        var approximate = CostModel.EstimateLayer(hidden, pError, RoundingKind.Approximate);
        Assert.Equal(new LayerCost("hidden", 2, 0, 6, 2 * lookup), approximate);

        var none = CostModel.EstimateLayer(hidden, pError, rounding: null);
        Assert.Equal(new LayerCost("hidden", 2, 0, 10, 2 * CostModel.PbsLatencyMs(10, pError)), none);

        Assert.True(approximate.LatencyMs < exact.LatencyMs);
    }

    [Fact]
    public void Output_layer_and_constant_neurons_cost_nothing()
    {
        var plan = Compile(Spec(roundTo: 6));
        foreach (var kind in new RoundingKind?[] { null, RoundingKind.Exact, RoundingKind.Approximate })
        {
            Assert.Equal(new LayerCost("out", 0, 0, 0, 0), CostModel.EstimateLayer(plan.Layers[1], 0, kind));
        }

        // Every hidden neuron constant: no PBS, no rounding PBS, whatever the rounding.
        var constant = Compile(Spec(allConstant: true)).Layers[0];
        Assert.Equal(0, constant.PbsCount);
        foreach (var kind in new RoundingKind?[] { null, RoundingKind.Exact, RoundingKind.Approximate })
        {
            var cost = CostModel.EstimateLayer(constant, 0, kind);
            Assert.Equal(0, cost.LatencyMs);
            Assert.Equal(0, cost.TotalPbsCount);
        }

        // One constant neuron among three: the layer costs exactly two lookups.
        var unrounded = Compile(Spec()).Layers[0];
        Assert.Equal(0, unrounded.RoundedBits);
        Close(2 * CostModel.PbsLatencyMs(unrounded.TluInputBits, 0), CostModel.EstimateLayer(unrounded, 0, RoundingKind.Exact).LatencyMs);
    }

    [Fact]
    public void Estimate_totals_the_layers_of_a_compiled_plan()
    {
        var plan = Compile(Spec(roundTo: 5));
        var cost = CostModel.Estimate(plan, plan.PError);
        Assert.Equal(plan.Layers.Count, cost.Layers.Count);
        Close(cost.Layers.Sum(l => l.LatencyMs), cost.TotalLatencyMs);
        Assert.Equal(0, cost.Layers[1].LatencyMs);
        // Default: the hidden layer is rounded exactly, as declared.
        Assert.Equal(CostModel.EstimateLayer(plan.Layers[0], plan.PError, RoundingKind.Exact), cost.Layers[0]);
        // 10 bits rounded to 5: one 5-bit chunk, two extraction bootstrappings for each of the two neurons.
        Assert.Equal(4, cost.Layers[0].RoundingPbsCount);
        Assert.Equal(plan.TotalPbsCount, cost.TotalPbsCount);
        Close(6 * CostModel.PbsLatencyMs(5, plan.PError), cost.TotalLatencyMs);
        Assert.True(cost.TotalLatencyMs > 0);
        _out.WriteLine($"{plan.Name}: {cost.FormatLatency()} ({cost.TotalPbsCount} PBS)");

        // A caller's choice overrides the default, layer by layer.
        var approximate = CostModel.Estimate(plan, plan.PError, i => RoundingKind.Approximate);
        Assert.Equal(0, approximate.Layers[0].RoundingPbsCount);
        Assert.True(approximate.TotalLatencyMs < cost.TotalLatencyMs);

        // A layer declared approximate is charged as such by default.
        var declared = Compile(Spec(roundTo: 5, method: RoundingKind.Approximate));
        Assert.Equal(approximate.TotalLatencyMs, CostModel.Estimate(declared, plan.PError).TotalLatencyMs);
        Assert.Equal(RoundingKind.Approximate, CostModel.DefaultRounding(declared.Layers[0]));
        Assert.Null(CostModel.DefaultRounding(Compile(Spec()).Layers[0]));

        // Looser p_error, never a dearer circuit; across the measured range, a cheaper one (the selected 5-bit set
        // shrinks, N included, between 2^-64 and 2^-5).
        Assert.True(CostModel.Estimate(plan, 1e-3).TotalLatencyMs <= CostModel.Estimate(plan, 0).TotalLatencyMs);
        if (Grid.Length > 1 && Grid[0] <= -40 && Grid[^1] >= -10)
        {
            Assert.True(CostModel.Estimate(plan, P(Grid[^1])).TotalLatencyMs < CostModel.Estimate(plan, 0).TotalLatencyMs);
        }
    }

    [Theory]
    [InlineData(0, "0 ms")]
    [InlineData(5.7012, "~5.70 ms")]
    [InlineData(43.83, "~43.8 ms")]
    [InlineData(456.2, "~456 ms")]
    [InlineData(999.7, "~1.00 s")]
    [InlineData(1234, "~1.23 s")]
    [InlineData(45_600, "~45.6 s")]
    [InlineData(123_000, "~2.05 min")]
    [InlineData(5_400_000, "~1.50 h")]
    [InlineData(double.PositiveInfinity, "unbounded")]
    public void FormatLatency_prints_three_significant_digits(double ms, string expected)
    {
        Assert.Equal(expected, CostModel.FormatLatency(ms));
        Assert.Equal(expected, new CircuitCost(Array.Empty<LayerCost>(), ms).FormatLatency());
    }

    [Fact]
    public void Source_names_every_figure_the_model_rests_on()
    {
        foreach (var needle in new[] { "measured", "--measure-pbs", "MeasuredPbsLatencies.cs", "ParameterSelector", "interpolation", "extrapolated", "ExactRounding.PbsPerNeuron", "approximate" })
        {
            Assert.Contains(needle, CostModel.Source, StringComparison.OrdinalIgnoreCase);
        }
    }
}
