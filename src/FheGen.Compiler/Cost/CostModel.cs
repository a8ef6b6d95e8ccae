using System;
using System.Collections.Generic;
using System.Globalization;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Cost
{
    /// <summary>How the rounding of a layer's accumulator is charged by <see cref="CostModel"/>.</summary>
    public enum RoundingCostKind
    {
        /// <summary>
        /// No rounding: the lookup reads the whole accumulator, so one PBS at <see cref="LayerPlan.AccumulatorBits"/>.
        /// For a layer that is not rounded this is its actual cost; for a rounded layer it is the "had we not rounded"
        /// counterfactual (and unbounded when the accumulator is wider than 16 bits).
        /// </summary>
        None = 0,

        /// <summary>
        /// Exact rounding: each removed bit is isolated by one extra PBS before the lookup at the rounded width
        /// (Concrete: "each bit removal is a PBS"). See <see cref="CostModel.RoundingStepLatencyMs"/>.
        /// </summary>
        Exact = 1,

        /// <summary>
        /// Approximate rounding: the lookup at the rounded width reads the accumulator's top bits directly and the
        /// removed bits act as noise, so no extra PBS.
        /// </summary>
        Approximate = 2,
    }

    /// <summary>
    /// A first, published-figures cost model of TFHE programmable bootstrapping (PBS), until the project's own PBS
    /// measurements replace it. Everything here is pure arithmetic over small static tables (it runs inside the
    /// analyzer on every keystroke).
    /// </summary>
    /// <remarks>
    /// <para><b>Per-precision latency, one core, at the reference p_error 2^-64.</b> The shape is Concrete's
    /// "complexity" of a single-TLU circuit by input width (docs, optimize-table-lookups: 2..8 bits =
    /// 29,944,416; 42,154,798; 61,979,934; 99,198,195; 230,210,706; 535,706,740; 1,217,510,420). Concrete publishes
    /// no 1-, 9- or 10-bit figure there, so those steps take concrete-optimizer's v0 reference costs
    /// (<c>v0-parameters/ref/v0_2024-6-18_128</c>, 128-bit security, p_error 6.3e-5, log norm2 0; by precision 1..10:
    /// 30, 34, 46, 76, 102, 236, 546, 1761, 3959, 8919): 1 bit = 2 bits x 30/34, 9 = 8 x 3959/1761,
    /// 10 = 9 x 8919/3959. Precisions 11..16 are extrapolated geometrically from the last two points (x 8919/3959 per
    /// bit): no source covers them. The shape is scaled to milliseconds by one anchor, TFHE-rs' 4-bit PBS: 11.8 ms on
    /// one AVX-512 core at p_fail 2^-64. Concrete's own timings (19.8 .. 318.8 ms) were not used for the scale because
    /// they include encryption and decryption (a ~20 ms floor at 2..4 bits) and are taken at Concrete's default
    /// p_error 1e-5.</para>
    /// <para><b>Known gap.</b> The Concrete shape grows more slowly than TFHE-rs' 2^-64 parameter sets (8 bits / 4 bits:
    /// 19.6x vs 55x), so at 2^-64 this table reads 0.64x, 0.43x and 0.36x of TFHE-rs' 2-, 6- and 8-bit anchors
    /// (8.9, 102, 649 ms). concrete-optimizer's own tables show the same thing: the precision curve steepens as the
    /// p_error target tightens (8/4 bits: 23x at 6.3e-5, 37x at 2^-128). Ratios between nearby precisions are the
    /// trustworthy output; absolute figures are good to a factor of about 3.</para>
    /// <para><b>p_error.</b> A multiplicative factor <c>(p / 2^-64)^-a</c>, a power law through Concrete's two end
    /// points (docs, p-error: complexity 294,773,524 at 1e-6 and 184,144,972 at 1e-2, so
    /// <c>a = ln(294.77/184.14) / ln(10^4) = 0.0511</c>). The reference (factor 1) is 2^-64 because that is the
    /// anchor's p_fail and the target of the parameter sets the project's own backend starts from; it is also the
    /// strict end of the clamp, so every factor is at most 1. p_error is clamped to [2^-64, 0.5]; 0 means "as strict
    /// as the reference or stricter" and costs the table itself. The factor is the same at every precision (real
    /// parameter searches are not) and, extrapolated 14 decades beyond Concrete's measured range, it overstates the
    /// gain from loosening p_error: at 2^-40 it gives 0.43 (the noise margin argument and concrete-optimizer's tables
    /// suggest about 0.8), at 1e-2 it gives 0.13.</para>
    /// <para><b>Rounding.</b> See <see cref="RoundingStepLatencyMs"/> and <see cref="NeuronLatencyMs"/>.</para>
    /// </remarks>
    public static class CostModel
    {
        /// <summary>Widest TLU input the table covers (the compiler's hard limit).</summary>
        public const int MaxBits = ModelSpec.HardLimitBits;

        /// <summary>The anchor: TFHE-rs' 4-bit PBS, 11.8 ms on one core at p_fail 2^-64.</summary>
        public const double AnchorMs = 11.8;

        /// <summary>Precision of the anchor.</summary>
        public const int AnchorBits = 4;

        /// <summary>The p_error the table corresponds to (the anchor's p_fail, 2^-64): the factor is 1 there.</summary>
        public static readonly double ReferencePError = Math.Pow(2, -64);

        /// <summary>The loosest p_error the model distinguishes; larger values cost the same as this one.</summary>
        public const double MaxPError = 0.5;

        /// <summary>
        /// Exponent <c>a</c> of the p_error power law <c>(p / 2^-64)^-a</c>, fitted through Concrete's complexities at
        /// 1e-6 (294,773,524) and 1e-2 (184,144,972).
        /// </summary>
        public static readonly double PErrorExponent = Math.Log(294_773_524.0 / 184_144_972.0) / Math.Log(1e4);

        /// <summary>Where every number comes from, one line each, for reports.</summary>
        public static string Source { get; } =
            "PBS cost model (one core, sequential):\n" +
            "- shape: Concrete docs 'optimize-table-lookups', single-TLU complexity at 2..8 bits (29.9M, 42.2M, 62.0M, 99.2M, 230M, 536M, 1.22G; Concrete default p_error 1e-5);\n" +
            "- 1, 9, 10 bits: concrete-optimizer v0-parameters/ref/v0_2024-6-18_128 cost ratios (p_error 6.3e-5, log norm2 0: 30/34, 3959/1761, 8919/3959);\n" +
            "- 11..16 bits: geometric extrapolation of the 9 -> 10 bit step (no source);\n" +
            "- scale: TFHE-rs 4-bit PBS, 11.8 ms on one AVX-512 core at p_fail 2^-64 (the table's reference p_error);\n" +
            "- p_error: factor (p / 2^-64)^-0.0511, power law through Concrete docs 'p-error' (294.8M at 1e-6, 184.1M at 1e-2), p clamped to [2^-64, 0.5];\n" +
            "- exact rounding: one 1-bit PBS per removed bit whose output carries the accumulator's width, priced by v0's 1-bit costs by log norm2 = width - 1;\n" +
            "- approximate rounding: no extra PBS (Concrete docs 'rounding').\n" +
            "Figures are estimates within about 3x of TFHE-rs' published 2..8-bit latencies; the p_error gain is optimistic far from 1e-6..1e-2.";

        // Concrete's single-TLU complexities, index = bits (2..8).
        private static readonly double[] ConcreteComplexity =
        {
            0, 0, 29_944_416, 42_154_798, 61_979_934, 99_198_195, 230_210_706, 535_706_740, 1_217_510_420,
        };

        // concrete-optimizer v0 costs at log norm2 0, index = bits (1..10).
        private static readonly double[] V0Cost = { 0, 30, 34, 46, 76, 102, 236, 546, 1761, 3959, 8919 };

        // concrete-optimizer v0 costs of a 1-bit PBS by log norm2 0..30 (same file): the price of a 1-bit lookup whose
        // output noise must be 2^lognorm2 times smaller. No solution exists beyond 30.
        private static readonly int[] V0OneBitByLogNorm2 =
        {
            30, 30, 36, 36, 37, 43, 45, 52, 52, 52, 54, 69, 69, 71, 74, 74, 74, 76, 96, 96, 96, 98, 117, 121, 139, 147,
            176, 213, 270, 361, 556,
        };

        // Milliseconds at the reference p_error, index = bits (1..16); built once, read-only afterwards.
        private static readonly double[] TableMs = BuildTable();

        private static readonly double LogReferencePError = Math.Log(ReferencePError);

        private static double[] BuildTable()
        {
            var c = new double[MaxBits + 1];
            for (int b = 2; b <= 8; b++) c[b] = ConcreteComplexity[b];
            c[1] = c[2] * V0Cost[1] / V0Cost[2];
            c[9] = c[8] * V0Cost[9] / V0Cost[8];
            c[10] = c[9] * V0Cost[10] / V0Cost[9];
            double step = V0Cost[10] / V0Cost[9];
            for (int b = 11; b <= MaxBits; b++) c[b] = c[b - 1] * step;
            double msPerUnit = AnchorMs / c[AnchorBits];
            var ms = new double[MaxBits + 1];
            for (int b = 1; b <= MaxBits; b++) ms[b] = c[b] * msPerUnit;
            return ms;
        }

        /// <summary>
        /// The multiplicative p_error factor: 1 at or below 2^-64 (including 0), <c>(p / 2^-64)^-a</c> above, constant
        /// from 0.5 on. Never increases with <paramref name="pError"/>.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="pError"/> is NaN or negative.</exception>
        public static double PErrorFactor(double pError)
        {
            if (double.IsNaN(pError) || pError < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(pError), pError, "p_error must be a probability.");
            }
            if (pError <= ReferencePError) return 1.0;
            double p = pError > MaxPError ? MaxPError : pError;
            return Math.Exp(-PErrorExponent * (Math.Log(p) - LogReferencePError));
        }

        /// <summary>
        /// Estimated latency in milliseconds of one PBS whose lookup input has <paramref name="bits"/> bits, on one core,
        /// at per-TLU error probability <paramref name="pError"/>: the table (see the type's remarks and
        /// <see cref="Source"/>) times <see cref="PErrorFactor"/>. Non-decreasing in bits, non-increasing in p_error.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="bits"/> is outside 1..16, or p_error is NaN or negative.</exception>
        public static double PbsLatencyMs(int bits, double pError)
        {
            if (bits < 1 || bits > MaxBits)
            {
                throw new ArgumentOutOfRangeException(nameof(bits), bits, $"A TLU input has 1..{MaxBits} bits.");
            }
            return TableMs[bits] * PErrorFactor(pError);
        }

        /// <summary>
        /// Cost of one PBS relative to a 4-bit PBS at the reference p_error 2^-64 (the anchor, so
        /// <c>PbsRelativeCost(4, 0) == 1</c>); unit-free, so it survives a change of anchor.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">As <see cref="PbsLatencyMs"/>.</exception>
        public static double PbsRelativeCost(int bits, double pError) => PbsLatencyMs(bits, pError) / AnchorMs;

        /// <summary>
        /// Latency of one exact-rounding step: the PBS that isolates the lowest bit of a <paramref name="width"/>-bit
        /// accumulator so it can be subtracted.
        /// </summary>
        /// <remarks>
        /// <para>Why this price: concrete-optimizer models each removed bit (<c>add_truncate_1_bit</c>) as a lookup
        /// whose input is the lowest bit shifted to the top (1 bit of content, so a small polynomial suffices) and whose
        /// output is "a ciphertext of same precision as input": it is subtracted from the <c>width</c>-bit accumulator
        /// and the next bit is shifted up by 2^(width-2), so its output noise must be about 2^(width-1) times smaller
        /// than a plain 1-bit lookup's. v0's reference table prices exactly that: a 1-bit PBS at log norm2
        /// <c>width - 1</c> (30, 30, 36, 36, 37, 43, 45, 52, ... by log norm2 0, 1, 2, ...). So a step costs the model's
        /// 1-bit PBS times <c>v0[width-1] / v0[0]</c>: 1.2x at 3..5 bits, 1.4x at 6, 1.7x at 8..10, 2.5x at 16 (v0
        /// has no solution past log norm2 30; wider accumulators reuse its last entry, an underestimate).</para>
        /// <para>Costing the steps at the full accumulator width (mono-parameter Concrete) would make exact rounding
        /// never pay, and at 1 bit would make it nearly free; neither matches Concrete. Check against Concrete's docs
        /// (round-truncate, a 10-bit input with overflow protection, so steps start at 11 bits): for 3..9 removed bits
        /// the model's totals are within 15% of the published complexities 1.59G, 848M, 526M, 358M, 373M, 401M,
        /// 439M. Not reproduced: the published 6-bit timing speed-ups (1.00, 1.20, 2.17, 3.75, 2.64, 2.61x): the model
        /// gives about 1.00, 1.68, 1.74, 1.59, 1.41, 1.23x. That benchmark used multi-parameters, overflow protection
        /// (so 1 removed bit still left a 6-bit lookup yet ran 1.2x faster) and a 12-bit output, effects a
        /// precision-only model cannot express; the docs add that such speed-ups "vary from system to system".</para>
        /// </remarks>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is below 1, or p_error is NaN or negative.</exception>
        public static double RoundingStepLatencyMs(int width, double pError)
        {
            if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "An accumulator has at least 1 bit.");
            int logNorm2 = Math.Min(width - 1, V0OneBitByLogNorm2.Length - 1);
            return TableMs[1] * V0OneBitByLogNorm2[logNorm2] / V0OneBitByLogNorm2[0] * PErrorFactor(pError);
        }

        /// <summary>
        /// Latency of one neuron's lookup, rounding included: an <paramref name="accumulatorBits"/>-bit accumulator with
        /// <paramref name="removedBits"/> low bits rounded away before a <paramref name="tluBits"/>-bit lookup.
        /// </summary>
        /// <remarks>
        /// With nothing removed, one PBS at <paramref name="tluBits"/> whatever the kind. Otherwise:
        /// <see cref="RoundingCostKind.Exact"/> adds one <see cref="RoundingStepLatencyMs"/> per removed bit, at widths
        /// <c>L, L-1, ..., L-t+1</c> (each step leaves one bit less); <see cref="RoundingCostKind.Approximate"/> adds
        /// nothing; <see cref="RoundingCostKind.None"/> prices the unrounded lookup at <paramref name="accumulatorBits"/>
        /// and returns positive infinity when that exceeds 16 bits (it cannot be bootstrapped).
        /// </remarks>
        /// <exception cref="ArgumentOutOfRangeException">A width is out of range, <paramref name="removedBits"/> is negative, or p_error is NaN or negative.</exception>
        public static double NeuronLatencyMs(int accumulatorBits, int removedBits, int tluBits, double pError, RoundingCostKind rounding)
        {
            if (removedBits < 0) throw new ArgumentOutOfRangeException(nameof(removedBits), removedBits, "Cannot remove a negative number of bits.");
            if (removedBits == 0) return PbsLatencyMs(tluBits, pError);
            switch (rounding)
            {
                case RoundingCostKind.None:
                    if (accumulatorBits < 1) throw new ArgumentOutOfRangeException(nameof(accumulatorBits), accumulatorBits, "An accumulator has at least 1 bit.");
                    return accumulatorBits > MaxBits ? double.PositiveInfinity : PbsLatencyMs(accumulatorBits, pError);
                case RoundingCostKind.Approximate:
                    return PbsLatencyMs(tluBits, pError);
                case RoundingCostKind.Exact:
                    double ms = PbsLatencyMs(tluBits, pError);
                    for (int i = 0; i < removedBits; i++) ms += RoundingStepLatencyMs(accumulatorBits - i, pError);
                    return ms;
                default:
                    throw new ArgumentOutOfRangeException(nameof(rounding), rounding, "Unknown rounding kind.");
            }
        }

        /// <summary>
        /// The cost of one layer on one core, its PBS run one after another: <c>PbsCount x</c>
        /// <see cref="NeuronLatencyMs"/>. Constant neurons are not in <see cref="LayerPlan.PbsCount"/> and cost nothing;
        /// the output layer has no lookup and costs 0 (its accumulators are decrypted client side).
        /// </summary>
        /// <param name="layer">The compiled layer.</param>
        /// <param name="pError">Per-TLU error probability (see <see cref="PErrorFactor"/>).</param>
        /// <param name="rounding">How to charge the layer's rounding (irrelevant when it removes no bit).</param>
        /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The layer's lookup is wider than 16 bits, or p_error is NaN or negative.</exception>
        public static LayerCost EstimateLayer(LayerPlan layer, double pError, RoundingCostKind rounding)
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            if (layer.IsOutput) return new LayerCost(layer.Name, 0, 0, 0, 0);
            int t = layer.RoundedBits;
            int tluBits = rounding == RoundingCostKind.None && t > 0 ? layer.AccumulatorBits : layer.TluInputBits;
            int n = layer.PbsCount;
            if (n == 0) return new LayerCost(layer.Name, 0, 0, tluBits, 0);
            double perNeuron = NeuronLatencyMs(layer.AccumulatorBits, t, layer.TluInputBits, pError, rounding);
            int roundingPbs = rounding == RoundingCostKind.Exact ? ExactRounding.PbsPerNeuron(t, layer.TluInputBits) * n : 0;
            return new LayerCost(layer.Name, n, roundingPbs, tluBits, n * perNeuron);
        }

        /// <summary>
        /// The cost of a whole circuit on one core: every layer's <see cref="EstimateLayer"/>, summed.
        /// </summary>
        /// <param name="plan">The compiled circuit.</param>
        /// <param name="pError">Per-TLU error probability, usually <see cref="CircuitPlan.PError"/>.</param>
        /// <param name="roundingOfLayer">
        /// How to charge layer <c>i</c>'s rounding; by default each rounded layer as its own
        /// <see cref="LayerPlan.RoundingMethod"/> says (Exact unless declared Approximate), unrounded layers as None.
        /// </param>
        /// <exception cref="ArgumentNullException"><paramref name="plan"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">As <see cref="EstimateLayer"/>.</exception>
        public static CircuitCost Estimate(CircuitPlan plan, double pError, Func<int, RoundingCostKind>? roundingOfLayer = null)
        {
            if (plan is null) throw new ArgumentNullException(nameof(plan));
            var layers = new LayerCost[plan.Layers.Count];
            double total = 0;
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = plan.Layers[i];
                var kind = roundingOfLayer is null ? DefaultRounding(layer) : roundingOfLayer(i);
                layers[i] = EstimateLayer(layer, pError, kind);
                total += layers[i].LatencyMs;
            }
            return new CircuitCost(layers, total);
        }

        /// <summary>The rounding charge <see cref="Estimate"/> uses when none is given: the layer's declared method.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
        public static RoundingCostKind DefaultRounding(LayerPlan layer)
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            if (layer.RoundedBits <= 0) return RoundingCostKind.None;
            return layer.RoundingMethod == RoundingKind.Approximate ? RoundingCostKind.Approximate : RoundingCostKind.Exact;
        }

        /// <summary>
        /// Formats a latency the way reports print it, to three significant digits with a unit that keeps the number
        /// small: "~5.70 ms", "~456 ms", "~1.23 s", "~2.05 min", "~1.50 h"; "0 ms" for nothing, "unbounded" for infinity.
        /// </summary>
        public static string FormatLatency(double ms)
        {
            if (double.IsNaN(ms)) return "n/a";
            if (double.IsPositiveInfinity(ms)) return "unbounded";
            if (ms <= 0) return "0 ms";
            // Round first so 999.7 ms reads "~1.00 s", not "~1000 ms".
            if (Sig3(ms) < 1000) return "~" + Sig3Text(ms) + " ms";
            double s = ms / 1000;
            if (Sig3(s) < 60) return "~" + Sig3Text(s) + " s";
            double min = s / 60;
            if (Sig3(min) < 60) return "~" + Sig3Text(min) + " min";
            return "~" + Sig3Text(min / 60) + " h";
        }

        private static int Decimals(double x) => x >= 100 ? 0 : x >= 10 ? 1 : x >= 1 ? 2 : 3;

        private static double Sig3(double x) => Math.Round(x, Decimals(x));

        private static string Sig3Text(double x)
        {
            double r = Sig3(x);
            // Rounding can cross a decade (9.996 -> 10.00): format with the rounded value's own decimals.
            return r.ToString("F" + Decimals(r).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The estimated cost of one layer on one core.</summary>
    /// <param name="Name">Layer name.</param>
    /// <param name="PbsCount">Lookups: one per non-constant neuron (0 for the output layer).</param>
    /// <param name="RoundingPbsCount">Extra PBS of exact rounding: removed bits x <paramref name="PbsCount"/>.</param>
    /// <param name="TluBits">Width of each lookup as charged (0 for the output layer).</param>
    /// <param name="LatencyMs">Milliseconds on one core with every PBS run in sequence (0 for the output layer).</param>
    public sealed record LayerCost(string Name, int PbsCount, int RoundingPbsCount, int TluBits, double LatencyMs)
    {
        /// <summary>All bootstrappings of the layer: lookups plus rounding.</summary>
        public int TotalPbsCount => PbsCount + RoundingPbsCount;
    }

    /// <summary>The estimated cost of a circuit on one core.</summary>
    /// <param name="Layers">Per-layer costs in evaluation order.</param>
    /// <param name="TotalLatencyMs">Sum of the layers' latencies: one core, sequential.</param>
    public sealed record CircuitCost(IReadOnlyList<LayerCost> Layers, double TotalLatencyMs)
    {
        /// <summary>All bootstrappings of the circuit: lookups plus rounding.</summary>
        public int TotalPbsCount
        {
            get
            {
                int n = 0;
                foreach (var l in Layers) n += l.TotalPbsCount;
                return n;
            }
        }

        /// <summary>The total latency as reports print it ("~1.23 s", "~456 ms"); see <see cref="CostModel.FormatLatency"/>.</summary>
        public string FormatLatency() => CostModel.FormatLatency(TotalLatencyMs);
    }
}
