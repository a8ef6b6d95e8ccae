using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Bounds;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Pipeline;

/// <summary>The remedies for a layer over budget (FHE0001) or over the 16-bit hard limit (FHE0002).</summary>
/// <param name="Text">The sentences appended to the diagnostic (start with ". ").</param>
/// <param name="RoundLsbs">LSBs that rounding to the target removes (0 for an output layer, which cannot be rounded).</param>
/// <param name="MaxActiveInputs">Largest MaxActiveInputs that fits, exact for these weights, if any fits (offered or not).</param>
/// <param name="WorstCaseMaxActiveInputs">Concrete ML's weight-independent rule.</param>
/// <param name="WeightBits">Largest lower weight width that fits, if any (offered or not).</param>
/// <param name="InputBits">Largest lower input (previous activation) width that fits, if any (offered or not).</param>
public sealed record BudgetAdvice(string Text, int RoundLsbs, int? MaxActiveInputs, long WorstCaseMaxActiveInputs, int? WeightBits, int? InputBits)
{
    /// <summary>The layer whose output width <see cref="InputBits"/> is (the previous layer), or null for the model's inputs.</summary>
    public string? InputLayer { get; init; }

    /// <summary>Whether rounding to the target is offered (every layer with a lookup table).</summary>
    public bool RoundOffered { get; init; }

    /// <summary>Whether <see cref="MaxActiveInputs"/> keeps at least <see cref="BudgetAdvisor.MinKeptWeightMass"/>, so it is offered.</summary>
    public bool PruneOffered { get; init; }

    /// <summary>The share of the layer's |w| mass <see cref="MaxActiveInputs"/> keeps, when one fits.</summary>
    public double? PruneKeptMass { get; init; }

    /// <summary>Whether <see cref="WeightBits"/> keeps at least <see cref="BudgetAdvisor.MinKeptBitShare"/> of the weight bits, so it is offered.</summary>
    public bool WeightBitsOffered { get; init; }

    /// <summary>Whether <see cref="InputBits"/> keeps at least <see cref="BudgetAdvisor.MinKeptBitShare"/> of the input bits, so it is offered.</summary>
    public bool InputBitsOffered { get; init; }
}

/// <summary>
/// Computes exact remedies by recompiling the one layer under changed settings (pruning keeps the largest
/// weights, so the weight scale and bias do not move), and offers only those that keep most of the model:
/// rounding first (it keeps every weight and input bit and only drops accumulator LSBs), then the others by the
/// share they keep. A remedy that fits but keeps less than the thresholds below is named as not offered, with
/// what it would keep, and gets no code fix.
/// </summary>
public static class BudgetAdvisor
{
    /// <summary>
    /// Pruning to the largest fitting <c>MaxActiveInputs</c> is offered only when the kept weights carry at least this
    /// share of the layer's total |w| (summed over all neurons, before quantization). Below it the network loses most
    /// of its signal: <c>MaxActiveInputs = 1</c> on a 64-input layer typically keeps about 5 %.
    /// </summary>
    public const double MinKeptWeightMass = 0.80;

    /// <summary>
    /// A lower <c>WeightBits</c>, <c>InputBits</c> or previous-layer <c>ActivationBits</c> is offered only when it keeps
    /// at least this share of the current bits (4 -> 3 and 8 -> 6 are offered; 4 -> 2 and 4 -> 1 are not: 2-bit weights
    /// are ternary, 1-bit inputs binary).
    /// </summary>
    public const double MinKeptBitShare = 0.75;

    /// <summary>
    /// Remedies that bring layer <paramref name="layer"/> within <paramref name="budget"/> bits: its TLU input, or
    /// for the output layer (no TLU, not roundable) its accumulator.
    /// </summary>
    public static BudgetAdvice Remedies(ModelSpec spec, LayerPlan layer, LayerSettings settings, UniformQuantizer domain, int budget)
    {
        int index = layer.Index;
        string name = layer.Name;
        var offered = new List<(double Kept, string Text)>();
        var rejected = new List<string>();
        double p = spec.GlobalPError is double g ? CircuitPlan.PerTluPError(g, Math.Max(1, layer.PbsCount)) : spec.PError;
        double now = NeuronLatency(layer, p);

        string? roundText = null;
        int roundLsbs = 0;
        if (!layer.IsOutput)
        {
            var rounding = RoundingPlanner.Plan(layer.AccumulatorMin, layer.AccumulatorMax, budget);
            roundLsbs = rounding.Lsbs;
            roundText = $"[RoundAccumulator(\"{name}\", Bits = {budget})] (removes {Text.Count(rounding.Lsbs, "LSB")}{(rounding.ExtraBit ? ", one for the carry at the top of the range" : "")}" +
                RoundingCostNote(layer, rounding.Lsbs, budget, p, now) + ")";
        }

        int? bestK = LargestFittingFanIn(spec, index, settings, domain, budget);
        long worst = IntegerRange.WorstCaseMaxFanIn(budget, settings.WeightBits, domain.Bits);
        double? mass = null;
        bool pruneOffered = false;
        if (bestK is int k)
        {
            int inputs = index == 0 ? spec.Inputs : spec.Layers[index - 1].Outputs;
            double kept = KeptWeightMass(InputDomain.LayerWeights(spec, index).Weights, spec.Layers[index].Outputs, inputs, k);
            mass = kept;
            string prune = $"[Prune(\"{name}\", MaxActiveInputs = {k})]";
            string keeps = $"keeps {Percent(kept)} of |w| mass";
            if (kept >= MinKeptWeightMass)
            {
                pruneOffered = true;
                offered.Add((kept, $"{prune} ({keeps}{CostRatio(Compile(spec, index, settings with { MaxActiveInputs = k }, domain), p, now)}; weight-independent rule: {worst})"));
            }
            else
            {
                rejected.Add($"{prune} {keeps}");
            }
        }
        else
        {
            rejected.Add($"no MaxActiveInputs fits (even one input per neuron needs more than {budget} bits)");
        }

        int? weightBits = null;
        LayerPlan? weightPlan = null;
        for (int w = settings.WeightBits - 1; w >= 2; w--)
        {
            var plan = Compile(spec, index, settings with { WeightBits = w }, domain);
            if (plan is not null && plan.TluInputBits <= budget)
            {
                weightBits = w;
                weightPlan = plan;
                break;
            }
        }
        bool weightOffered = false;
        if (weightBits is int wb)
        {
            double kept = (double)wb / settings.WeightBits;
            string fix = $"[Quantize(\"{name}\", WeightBits = {wb})]";
            string keeps = $"keeps {wb} of {settings.WeightBits} weight bits";
            weightOffered = kept >= MinKeptBitShare;
            if (weightOffered) offered.Add((kept, $"{fix} ({keeps}{CostRatio(weightPlan, p, now)})"));
            else rejected.Add($"{fix} {keeps}");
        }

        int? inputBits = null;
        LayerPlan? inputPlan = null;
        for (int a = domain.Bits - 1; a >= 1; a--)
        {
            var narrower = UniformQuantizer.ForRange(a, domain.Offset, domain.Max);
            var plan = Compile(spec, index, settings, narrower, budget);
            if (plan is not null)
            {
                inputBits = a;
                inputPlan = plan;
                break;
            }
        }
        bool inputOffered = false;
        if (inputBits is int ib)
        {
            double kept = (double)ib / domain.Bits;
            string fix = index == 0
                ? $"[FheModel(InputBits = {ib})]"
                : $"[Quantize(\"{spec.Layers[index - 1].Name}\", ActivationBits = {ib})]";
            string keeps = $"keeps {ib} of {domain.Bits} {(index == 0 ? "input" : "activation")} bits";
            inputOffered = kept >= MinKeptBitShare;
            if (inputOffered) offered.Add((kept, $"{fix} ({keeps}{CostRatio(inputPlan, p, now)})"));
            else rejected.Add($"{fix} {keeps}");
        }

        // Rounding first; the others by what they keep, most first (stable: pruning, weights, inputs on ties).
        var ordered = new List<string>();
        if (roundText is not null) ordered.Add(roundText);
        ordered.AddRange(offered.OrderByDescending(o => o.Kept).Select(o => o.Text)); // OrderBy is stable

        string text = ordered.Count > 0
            ? ". Fits with: " + string.Join("; ", ordered)
            : ". No remedy that fits keeps enough of the model";
        if (rejected.Count > 0)
        {
            text += $". Not offered (they keep less than {Percent(MinKeptWeightMass)} of |w| mass or {Percent(MinKeptBitShare)} of the bits): " +
                string.Join("; ", rejected);
        }
        return new BudgetAdvice(text, roundLsbs, bestK, worst, weightBits, inputBits)
        {
            RoundOffered = roundText is not null,
            PruneOffered = pruneOffered,
            PruneKeptMass = mass,
            WeightBitsOffered = weightOffered,
            InputBitsOffered = inputOffered,
            InputLayer = index == 0 ? null : spec.Layers[index - 1].Name,
        };
    }

    /// <summary>
    /// Adds the code-fix properties of the offered remedies to a diagnostic's properties: <c>RoundBits</c> (the target
    /// width), <c>MaxActiveInputs</c>, <c>WeightBits</c>, <c>InputBits</c> (first layer) and <c>ActivationBits</c> (with <c>ActivationLayer</c>, the previous
    /// layer), each only when that remedy is offered.
    /// </summary>
    public static void AddFixProperties(BudgetAdvice advice, int budget, IDictionary<string, string?> properties)
    {
        if (advice.RoundOffered) properties[CompilerDiagnostic.RoundBitsProperty] = Invariant(budget);
        if (advice.PruneOffered && advice.MaxActiveInputs is int k) properties[CompilerDiagnostic.MaxActiveInputsProperty] = Invariant(k);
        if (advice.WeightBitsOffered && advice.WeightBits is int w) properties[CompilerDiagnostic.WeightBitsProperty] = Invariant(w);
        if (advice.InputBitsOffered && advice.InputBits is int i && advice.InputLayer is null)
        {
            properties[CompilerDiagnostic.InputBitsProperty] = Invariant(i);
        }
        if (advice.InputBitsOffered && advice.InputBits is int a && advice.InputLayer is string previous)
        {
            properties[CompilerDiagnostic.ActivationBitsProperty] = Invariant(a);
            properties[CompilerDiagnostic.ActivationLayerProperty] = previous;
        }
    }

    /// <summary>
    /// The share of the layer's total |w| that the <paramref name="maxActive"/> largest weights of each neuron carry
    /// (1 when nothing is pruned or every weight is zero).
    /// </summary>
    public static double KeptWeightMass(IReadOnlyList<float> weights, int outputs, int inputs, int maxActive)
    {
        var keep = LayerCompiler.Prune(weights, outputs, inputs, maxActive);
        double total = 0, kept = 0;
        for (int i = 0; i < keep.Length; i++)
        {
            double m = Math.Abs((double)weights[i]);
            total += m;
            if (keep[i]) kept += m;
        }
        return total > 0 ? kept / total : 1;
    }

    /// <summary>"83 %", floored so a share just under a threshold never reads as the threshold itself.</summary>
    private static string Percent(double share)
        => Math.Floor(share * 100 + 1e-9).ToString(System.Globalization.CultureInfo.InvariantCulture) + " %";

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One neuron's estimated latency as the layer stands; infinity when it cannot be priced; NaN for the output layer.</summary>
    private static double NeuronLatency(LayerPlan layer, double p)
    {
        if (layer.IsOutput) return double.NaN;
        if (layer.TluInputBits > ModelSpec.HardLimitBits) return double.PositiveInfinity;
        return Cost.CostModel.NeuronLatencyMs(layer.AccumulatorBits, layer.RoundedBits, layer.TluInputBits, p, Cost.CostModel.DefaultRounding(layer));
    }

    /// <summary>"; est. latency x0.4" per neuron against the layer as it stands ("; est. 20.6 ms per neuron" when that is unbounded).</summary>
    private static string CostRatio(LayerPlan? remedied, double p, double now)
    {
        if (remedied is null || remedied.IsOutput || double.IsNaN(now)) return "";
        double after = NeuronLatency(remedied, p);
        if (double.IsInfinity(after)) return "";
        if (double.IsInfinity(now)) return $"; est. {Cost.CostModel.FormatLatency(after)} per neuron";
        double ratio = after / now;
        string r = ratio >= 0.095 ? ratio.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : ratio.ToString("0.00#", System.Globalization.CultureInfo.InvariantCulture);
        return $"; est. latency x{r}";
    }

    /// <summary>
    /// The estimated effect of the suggested rounding on one neuron's lookup: "; est. 232 ms -> 20.6 ms per PBS
    /// (exact), 11.8 ms (approximate)". Empty when the current lookup is too wide to price.
    /// </summary>
    private static string RoundingCostNote(LayerPlan layer, int lsbs, int budget, double p, double now)
    {
        int tlu = IntegerRange.BitsFor(AccumulatorRounding.RoundExact(layer.AccumulatorMin, lsbs), AccumulatorRounding.RoundExact(layer.AccumulatorMax, lsbs));
        if (tlu > budget || lsbs == 0) return "";
        double exact = Cost.CostModel.NeuronLatencyMs(layer.AccumulatorBits, lsbs, tlu, p, RoundingKind.Exact);
        double approximate = Cost.CostModel.NeuronLatencyMs(layer.AccumulatorBits, lsbs, tlu, p, RoundingKind.Approximate);
        return $"; est. {Cost.CostModel.FormatLatency(now)} -> {Cost.CostModel.FormatLatency(exact)} per neuron, " +
            $"{Cost.CostModel.FormatLatency(approximate)} with Method = Rounding.Approximate";
    }

    /// <summary>
    /// The largest <c>MaxActiveInputs</c> below the current one whose TLU input fits <paramref name="budget"/> bits,
    /// exact for these weights. Every k is evaluated (fit is not monotone in k: the input offset's share of the bias
    /// and the rounding both move with it) from prefix sums over each neuron's magnitude order, which pruning keeps,
    /// so the cost is one sort per neuron plus O(outputs x inputs).
    /// </summary>
    public static int? LargestFittingFanIn(ModelSpec spec, int index, LayerSettings settings, UniformQuantizer domain, int budget)
    {
        var layer = spec.Layers[index];
        bool isOutput = index == spec.Layers.Count - 1;
        int inputs = index == 0 ? spec.Inputs : spec.Layers[index - 1].Outputs;
        int limit = Math.Min(inputs, settings.MaxActiveInputs ?? inputs) - 1;
        if (limit < 1) return null;
        var (weights, offsets) = InputDomain.LayerWeights(spec, index);
        float[]? bias = layer.Bias.Count > 0 ? layer.Bias.Items : null;
        // The largest weight of each row survives any k >= 1, so the scales do not depend on k.
        var all = LayerCompiler.Prune(weights, layer.Outputs, inputs, null);
        double[] scales = LayerCompiler.WeightScales(weights, all, layer.Outputs, inputs, settings.WeightBits, settings.PerChannel);
        // Per k and neuron: the accumulator bounds, and whether any weight survives. Which neurons are constant
        // (no weight, or an output that cannot change: LayerCompiler folds those) depends on the output quantizer,
        // which without calibration depends on every neuron's bounds at that k, so the layer range comes after.
        var min = new long[limit + 1][];
        var max = new long[limit + 1][];
        var live = new bool[limit + 1][];
        for (int k = 1; k <= limit; k++)
        {
            min[k] = new long[layer.Outputs];
            max[k] = new long[layer.Outputs];
            live[k] = new bool[layer.Outputs];
        }
        long qmax = domain.MaxLevel;
        try
        {
            for (int j = 0; j < layer.Outputs; j++)
            {
                var order = LayerCompiler.MagnitudeOrder(weights, j, inputs);
                long sumAll = 0, sumPositive = 0, sumNegative = 0;
                // Per-feature offsets as a running sum in magnitude order: the compiler sums them in that order too
                // (LayerCompiler.FeatureOffsetUnits), so the bias rounds identically at every k.
                double featureOffsets = 0;
                int active = 0;
                for (int k = 1; k <= limit; k++)
                {
                    long q = WeightQuantizer.Quantize(weights[j * inputs + order[k - 1]], scales[j], settings.WeightBits);
                    sumAll += q;
                    if (offsets is not null) featureOffsets += q * offsets[order[k - 1]];
                    if (q > 0) sumPositive += q; else sumNegative += q;
                    if (q != 0) active++;
                    long bq = LayerCompiler.IntegerBias(layer.Name, j, bias is null ? 0.0 : bias[j], domain, scales[j], sumAll, featureOffsets);
                    min[k][j] = checked(bq + sumNegative * qmax);
                    max[k][j] = checked(bq + sumPositive * qmax);
                    live[k][j] = active > 0;
                }
            }
        }
        catch (Exception e) when (e is OverflowException || e is CircuitCompilationException)
        {
            return null;
        }
        for (int k = limit; k >= 1; k--)
        {
            var output = isOutput ? null : LayerCompiler.OutputQuantizer(layer.Activation, settings, min[k], max[k], scales, domain.Scale);
            long layerMin = long.MaxValue, layerMax = long.MinValue;
            for (int j = 0; j < layer.Outputs; j++)
            {
                // As in the compiler, a constant neuron widens no TLU (an output layer has none, so there all count).
                if (!isOutput && (!live[k][j] || settings.IsUnread(j) || LayerCompiler.IsConstantOutput(layer.Activation, output!, scales[j] * domain.Scale, min[k][j], max[k][j]))) continue;
                layerMin = Math.Min(layerMin, min[k][j]);
                layerMax = Math.Max(layerMax, max[k][j]);
            }
            if (layerMin > layerMax) layerMin = layerMax = 0;
            var rounding = RoundingPlanner.Plan(layerMin, layerMax, settings.RoundBits);
            long lo = AccumulatorRounding.RoundExact(layerMin, rounding.Lsbs), hi = AccumulatorRounding.RoundExact(layerMax, rounding.Lsbs);
            if (IntegerRange.BitsFor(lo, hi) <= budget) return k;
        }
        return null;
    }

    /// <summary>The layer recompiled under other settings, or null when it cannot be compiled.</summary>
    private static LayerPlan? Compile(ModelSpec spec, int index, LayerSettings settings, UniformQuantizer domain)
    {
        try
        {
            return LayerCompiler.Compile(spec, index, settings, domain, null);
        }
        catch (Exception e) when (e is OverflowException || e is CircuitCompilationException)
        {
            return null;
        }
    }

    /// <summary>The layer recompiled, when its TLU input (or output accumulator) then fits <paramref name="budget"/> bits.</summary>
    private static LayerPlan? Compile(ModelSpec spec, int index, LayerSettings settings, UniformQuantizer domain, int budget)
        => Compile(spec, index, settings, domain) is { } plan && plan.TluInputBits <= budget ? plan : null;
}
