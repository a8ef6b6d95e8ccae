using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using CsCheck;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;

namespace FheGen.Compiler.Tests;

public class BudgetTests
{
    /// <summary>8 inputs in [0, 15], two neurons of weights 1.0 (4-bit: q = 7): accumulator [0, 840], 10 bits.</summary>
    private static ModelSpec OverBudget(int budget = 8) => SpecBuilder.Create(8).InputBits(4).InputRange(0, 15).Budget(budget)
        .Dense("h", 2, SpecBuilder.Fill(16, 1), null, ActivationKind.Relu, 0, 4)
        .Dense("out", 1, new float[] { 1, 1 }, null, ActivationKind.Identity)
        .Build();

    /// <summary>
    /// The rounding remedy's cost note, from the cost model: the unrounded lookup now, then exact and approximate
    /// rounding of <paramref name="lsbs"/> LSBs to a <paramref name="tluBits"/>-bit lookup, per neuron.
    /// </summary>
    private static string CostNote(int accBits, int nowTluBits, int lsbs, int tluBits, double? pError = null)
    {
        string F(double ms) => FheGen.Compiler.Cost.CostModel.FormatLatency(ms);
        double p = pError ?? Math.Pow(2, -40); // SpecBuilder's default
        double now = FheGen.Compiler.Cost.CostModel.PbsLatencyMs(nowTluBits, p);
        double exact = FheGen.Compiler.Cost.CostModel.NeuronLatencyMs(accBits, lsbs, tluBits, p, FheGen.Compiler.Model.RoundingKind.Exact);
        double approximate = FheGen.Compiler.Cost.CostModel.PbsLatencyMs(tluBits, p);
        Assert.True(exact < now && approximate < exact);
        return $"; est. {F(now)} -> {F(exact)} per neuron, {F(approximate)} with Method = Rounding.Approximate";
    }

    /// <summary>
    /// Whether the layer does not fit its budget: FHE0001, or the hard-limit error when a change (pruning with an input
    /// offset can widen the range) pushes it past 16 bits, which replaces the warning.
    /// </summary>
    private static bool HasOverBudget(ModelSpec spec, int layer)
        => CircuitCompiler.Compile(spec, CompileOptions.Analysis).Diagnostics.Any(d =>
            (d.Id == DiagnosticIds.OverBudget || d.Id == DiagnosticIds.OverHardLimit) && d.Target.Index == layer);

    [Fact]
    public void Over_budget_is_a_warning_with_exact_advice()
    {
        var result = CircuitCompiler.Compile(OverBudget(), CompileOptions.Analysis);
        Assert.NotNull(result.Plan);
        Assert.False(result.HasErrors);
        var d = Assert.Single(result.WithId(DiagnosticIds.OverBudget));
        Assert.Equal(Severity.Warning, d.Severity);
        Assert.Equal(new DiagnosticTarget(TargetKind.Dense, 0), d.Target);
        Assert.Equal(
            "layer 'h': accumulator range [0, 840] needs 10 bits; budget is 8 bits. Fits with: " +
            "[RoundAccumulator(\"h\", Bits = 8)] (removes 2 LSBs" + CostNote(10, 10, 2, 8) + "). " +
            // Each of these fits too, but keeps too little of the model to be offered (no code fix either).
            "Not offered (they keep less than 80 % of |w| mass or 75 % of the bits): " +
            "[Prune(\"h\", MaxActiveInputs = 2)] keeps 25 % of |w| mass; " +
            "[Quantize(\"h\", WeightBits = 2)] keeps 2 of 4 weight bits; " +
            "[FheModel(InputBits = 2)] keeps 2 of 4 input bits",
            d.Message);
        Assert.Equal("h", d.Properties[CompilerDiagnostic.LayerProperty]);
        Assert.Equal("8", d.Properties[CompilerDiagnostic.RoundBitsProperty]);
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.MaxActiveInputsProperty));
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.WeightBitsProperty));
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.InputBitsProperty));

        // The advice works, and is the best: 3 active inputs reach 3 * 7 * 15 = 315 > 255.
        Assert.False(HasOverBudget(OverBudget().WithRound("h", 8), 0));
        Assert.False(HasOverBudget(OverBudget().WithPrune("h", 2), 0));
        Assert.True(HasOverBudget(OverBudget().WithPrune("h", 3), 0));
        Assert.False(HasOverBudget(OverBudget().WithQuantize("h", weightBits: 2), 0));
        Assert.True(HasOverBudget(OverBudget().WithQuantize("h", weightBits: 3), 0));
        Assert.False(HasOverBudget(OverBudget() with { InputBits = 2 }, 0));
        Assert.True(HasOverBudget(OverBudget() with { InputBits = 3 }, 0));
    }

    /// <summary>
    /// 12 inputs in [0, 15], one neuron: one weight 1.0 (4-bit q = 7) and eleven of 0.15 (q = 1): [0, 18 * 15] = [0, 270],
    /// 9 bits over a budget of 8. Dropping one small weight (k = 11) gives 17 * 15 = 255 and keeps 2.5 / 2.65 = 94 % of |w|.
    /// </summary>
    private static ModelSpec MostlyOneWeight() => SpecBuilder.Create(12).InputBits(4).InputRange(0, 15).Budget(8)
        .Dense("h", 1, new float[] { 1, 0.15f, 0.15f, 0.15f, 0.15f, 0.15f, 0.15f, 0.15f, 0.15f, 0.15f, 0.15f, 0.15f }, null, ActivationKind.Relu, 0, 4)
        .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
        .Build();

    [Fact]
    public void Remedies_that_keep_most_of_the_model_are_offered_after_rounding_by_what_they_keep_with_their_cost()
    {
        var spec = MostlyOneWeight();
        var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
        var d = Assert.Single(result.WithId(DiagnosticIds.OverBudget));
        Assert.StartsWith("layer 'h': accumulator range [0, 270] needs 9 bits; budget is 8 bits. Fits with: [RoundAccumulator(\"h\", Bits = 8)] (removes 1 LSB", d.Message);
        // One decimal, or three for ratios under 0.1 (an 8 -> 6-bit lookup is x0.032 here, not x0.0).
        string F(double ratio) => ratio.ToString(ratio >= 0.095 ? "0.0" : "0.00#", CultureInfo.InvariantCulture);
        double p = Math.Pow(2, -40);
        // Each remedy but rounding leaves an unrounded lookup, narrower than the 9-bit one: the cost is their ratio.
        string Cost(int bits) => "; est. latency x" + F(FheGen.Compiler.Cost.CostModel.PbsLatencyMs(bits, p) / FheGen.Compiler.Cost.CostModel.PbsLatencyMs(9, p));
        string prune = "[Prune(\"h\", MaxActiveInputs = 11)] (keeps 94 % of |w| mass" + Cost(8) + "; weight-independent rule: 1)";
        // 3-bit weights: q = 3 and round(0.45) = 0: [0, 45], 6 bits. 3-bit inputs: 18 * 7 = 126, 7 bits.
        string weights = "[Quantize(\"h\", WeightBits = 3)] (keeps 3 of 4 weight bits" + Cost(6) + ")";
        string inputs = "[FheModel(InputBits = 3)] (keeps 3 of 4 input bits" + Cost(7) + ")";
        Assert.True(d.Message.EndsWith("; " + prune + "; " + weights + "; " + inputs, StringComparison.Ordinal), d.Message);
        Assert.DoesNotContain("Not offered", d.Message);
        Assert.Equal("8", d.Properties[CompilerDiagnostic.RoundBitsProperty]);
        Assert.Equal("11", d.Properties[CompilerDiagnostic.MaxActiveInputsProperty]);
        Assert.Equal("3", d.Properties[CompilerDiagnostic.WeightBitsProperty]);
        Assert.Equal("3", d.Properties[CompilerDiagnostic.InputBitsProperty]);
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.ActivationBitsProperty));
        Assert.Equal(0.94, BudgetAdvisor.KeptWeightMass(spec.Layers[0].Weights.ToArray(), 1, 12, 11), 2);

        Assert.False(HasOverBudget(spec.WithPrune("h", 11), 0));
        Assert.True(HasOverBudget(spec.WithPrune("h", 12), 0));
        Assert.False(HasOverBudget(spec.WithQuantize("h", weightBits: 3), 0));
        Assert.False(HasOverBudget(spec with { InputBits = 3 }, 0));
    }

    [Fact]
    public void The_thresholds_are_what_the_documentation_says()
    {
        Assert.Equal(0.80, BudgetAdvisor.MinKeptWeightMass);
        Assert.Equal(0.75, BudgetAdvisor.MinKeptBitShare);
        // MaxActiveInputs = 1 of 64 equal weights keeps 1/64 of the mass.
        Assert.Equal(1.0 / 64, BudgetAdvisor.KeptWeightMass(SpecBuilder.Fill(64 * 2, 1), 2, 64, 1), 12);
        Assert.Equal(1.0, BudgetAdvisor.KeptWeightMass(new float[] { 0, 0 }, 1, 2, 1));
    }

    [Fact]
    public void An_output_layer_over_16_bits_gets_the_remedies_that_fit_and_keep_enough()
    {
        // 2 inputs of 10 bits (0..1023), weights 1.0 on 8 bits (q = 127): [0, 2 * 127 * 1023] = [0, 259842], 18 bits.
        var spec = SpecBuilder.Create(2).InputBits(10).InputRange(0, 1)
            .Dense("out", 1, new float[] { 1, 1 }, null, ActivationKind.Identity)
            .Quantize("out", 8, null, null)
            .Build();
        var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
        Assert.Null(result.Plan);
        var d = Assert.Single(result.WithId(DiagnosticIds.OverHardLimit));
        Assert.Equal(
            "output layer 'out': accumulator range [0, 259842] needs 18 bits; a ciphertext holds at most 16 bits. Fits with: " +
            // 8-bit inputs: 2 * 127 * 255 = 64770 <= 65535 (9 bits give 129794). 6-bit weights: 2 * 31 * 1023 = 63426
            // (7 bits: 2 * 63 * 1023 = 128898). No rounding: the output layer has no lookup.
            "[FheModel(InputBits = 8)] (keeps 8 of 10 input bits); [Quantize(\"out\", WeightBits = 6)] (keeps 6 of 8 weight bits). " +
            "Not offered (they keep less than 80 % of |w| mass or 75 % of the bits): " +
            // One input alone is 127 * 1023 = 129921, 17 bits.
            "no MaxActiveInputs fits (even one input per neuron needs more than 16 bits)",
            d.Message);
        Assert.Equal("out", d.Properties[CompilerDiagnostic.LayerProperty]);
        Assert.Equal("6", d.Properties[CompilerDiagnostic.WeightBitsProperty]);
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.RoundBitsProperty));
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.MaxActiveInputsProperty));

        // Both remedies compile; one more bit of either does not.
        Assert.NotNull(CircuitCompiler.Compile(spec with { InputBits = 8 }).Plan);
        Assert.Null(CircuitCompiler.Compile(spec with { InputBits = 9 }).Plan);
        Assert.NotNull(CircuitCompiler.Compile(spec.WithQuantize("out", weightBits: 6)).Plan);
        Assert.Null(CircuitCompiler.Compile(spec.WithQuantize("out", weightBits: 7)).Plan);
    }

    private static ModelSpec WithLayerBudget(ModelSpec spec, int layer, int? budget)
    {
        var layers = spec.Layers.ToArray();
        layers[layer] = layers[layer] with { PbsBudgetBits = budget };
        return spec with { Layers = new EquatableArray<LayerSpec>(layers) };
    }

    [Fact]
    public void A_layer_budget_overrides_the_model_budget_both_ways()
    {
        // The 10-bit layer fits a layer budget of 10 although the model's budget is 8...
        Assert.False(HasOverBudget(WithLayerBudget(OverBudget(8), 0, 10), 0));
        // ...and a layer budget of 6 is enforced, with advice computed for 6 bits, under a model budget of 12.
        var result = CircuitCompiler.Compile(WithLayerBudget(OverBudget(12), 0, 6), CompileOptions.Analysis);
        var d = Assert.Single(result.WithId(DiagnosticIds.OverBudget));
        Assert.StartsWith("layer 'h': accumulator range [0, 840] needs 10 bits; budget is 6 bits. Fits with: " +
            "[RoundAccumulator(\"h\", Bits = 6)] (removes 4 LSBs" + CostNote(10, 10, 4, 6) + ")", d.Message);
        Assert.Equal("6", d.Properties[CompilerDiagnostic.RoundBitsProperty]);
        // The suggested rounding resolves it.
        Assert.False(HasOverBudget(WithLayerBudget(OverBudget(12), 0, 6).WithRound("h", 6), 0));
        // Specs with different layer budgets are different specs (the generator must not reuse a cached output).
        Assert.NotEqual(WithLayerBudget(OverBudget(), 0, 6), WithLayerBudget(OverBudget(), 0, 7));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(17)]
    public void A_layer_budget_outside_1_to_16_is_invalid(int budget)
    {
        var result = CircuitCompiler.Compile(WithLayerBudget(OverBudget(), 0, budget));
        Assert.Null(result.Plan);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidAttribute, d.Id);
        Assert.Equal(new DiagnosticTarget(TargetKind.Dense, 0, "PbsBudgetBits"), d.Target);
        Assert.Equal($"layer 'h': PbsBudgetBits must be between 1 and 16; it is {budget}", d.Message);
    }

    [Fact]
    public void Over_budget_without_advice_has_the_facts_only()
    {
        var result = CircuitCompiler.Compile(OverBudget(), CompileOptions.Generator);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticIds.OverBudget, d.Id);
        Assert.Equal("layer 'h': accumulator range [0, 840] needs 10 bits; budget is 8 bits", d.Message);
        Assert.Equal("h", d.Properties[CompilerDiagnostic.LayerProperty]);
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.RoundBitsProperty));
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.MaxActiveInputsProperty));
        Assert.NotNull(result.Plan);
    }

    [Fact]
    public void Rounding_above_the_budget_is_reported_with_the_rounded_width()
    {
        var spec = OverBudget().WithRound("h", 9);
        var d = Assert.Single(CircuitCompiler.Compile(spec).Diagnostics);
        Assert.Equal("layer 'h': accumulator range [0, 840] needs 10 bits; rounded by 1 LSB, the TLU input still needs 9 bits; budget is 8 bits", d.Message);
        Assert.Empty(CircuitCompiler.Compile(OverBudget(9).WithRound("h", 9)).Diagnostics);
    }

    [Fact]
    public void Carry_at_the_top_of_the_range_is_explained()
    {
        // Two inputs with weights 1.0 (q = 7) and 4-bit inputs: [0, 210] needs 8 bits; to 6 bits t = 2 gives
        // round(210 / 4) = 53 (6 bits), fine; with a bias the top is 255, and t = 2 gives 64: one more bit.
        var spec = SpecBuilder.Create(2).InputBits(4).InputRange(0, 15).Budget(6)
            .Dense("h", 1, new float[] { 1, 1 }, new float[] { 45f / 7 }, ActivationKind.Relu, 0, 40)
            .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
            .Build();
        var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
        var h = result.Plan!.Layers[0];
        Assert.Equal((45L, 255L), (h.AccumulatorMin, h.AccumulatorMax));
        var d = Assert.Single(result.WithId(DiagnosticIds.OverBudget));
        Assert.Contains("[RoundAccumulator(\"h\", Bits = 6)] (removes 3 LSBs, one for the carry at the top of the range; est. ", d.Message);
        var rounded = CircuitCompiler.Compile(spec.WithRound("h", 6)).PlanOrThrow().Layers[0];
        Assert.Equal(3, rounded.RoundedBits);
        Assert.True(rounded.RoundedExtraBit);
        Assert.Equal((6L, 32L), (rounded.TluInputMin, rounded.TluInputMax));
        Assert.Equal(6, rounded.TluInputBits);
    }

    [Fact]
    public void No_pruning_fits_when_one_input_is_already_too_wide()
    {
        // One active input reaches 7 * 15 = 105 > 63 (budget 6 is 6 unsigned bits).
        var result = CircuitCompiler.Compile(OverBudget(6), CompileOptions.Analysis);
        var d = Assert.Single(result.WithId(DiagnosticIds.OverBudget));
        Assert.Contains("no MaxActiveInputs fits", d.Message);
        Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.MaxActiveInputsProperty));
        Assert.Equal("6", d.Properties[CompilerDiagnostic.RoundBitsProperty]);
        Assert.True(HasOverBudget(OverBudget(6).WithPrune("h", 1), 0));
        Assert.False(HasOverBudget(OverBudget(6).WithRound("h", 6), 0));
    }

    [Fact]
    public void A_TLU_wider_than_16_bits_is_an_error()
    {
        // 2 inputs of 16 bits, 16-bit weights: 2 * 32767 * 65535 = 4294770690 needs 32 bits.
        var spec = SpecBuilder.Create(2).InputBits(16).InputRange(0, 1)
            .Dense("h", 1, new float[] { 1, 1 }, null, ActivationKind.Relu, 0, 1)
            .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
            .Quantize("h", 16, null, null)
            .Build();
        foreach (var options in new[] { CompileOptions.Generator, CompileOptions.Analysis })
        {
            var result = CircuitCompiler.Compile(spec, options);
            Assert.Null(result.Plan);
            Assert.True(result.HasErrors);
            var d = Assert.Single(result.WithId(DiagnosticIds.OverHardLimit));
            Assert.Equal(Severity.Error, d.Severity);
            Assert.Equal(new DiagnosticTarget(TargetKind.Dense, 0), d.Target);
            Assert.StartsWith("layer 'h': accumulator range [0, 4294770690] needs 32 bits; a TLU input wider than 16 bits cannot be bootstrapped", d.Message);
            Assert.Empty(result.WithId(DiagnosticIds.OverBudget));
            Assert.Same(d, result.Diagnostics[0]); // errors first
        }

        // Rounding to 16 bits rescues it (over the default budget of 8: a warning only).
        var rounded = CircuitCompiler.Compile(spec.WithRound("h", 16));
        Assert.NotNull(rounded.Plan);
        Assert.Equal(16, rounded.Plan!.Layers[0].TluInputBits);
        Assert.Equal(DiagnosticIds.OverBudget, Assert.Single(rounded.Diagnostics).Id);
    }

    [Fact]
    public void An_output_layer_wider_than_16_bits_is_an_error()
    {
        var spec = SpecBuilder.Create(2).InputBits(16).InputRange(0, 1)
            .Dense("out", 1, new float[] { 1, -1 }, null, ActivationKind.Identity)
            .Quantize("out", 8, null, null)
            .Build();
        var result = CircuitCompiler.Compile(spec);
        Assert.Null(result.Plan);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticIds.OverHardLimit, d.Id);
        Assert.Equal("output layer 'out': accumulator range [-8322945, 8322945] needs 24 bits; a ciphertext holds at most 16 bits", d.Message);
        // With advice: nothing that fits keeps enough (8-bit inputs give [-32385, 32385], but only half the input bits).
        var advised = Assert.Single(CircuitCompiler.Compile(spec, CompileOptions.Analysis).WithId(DiagnosticIds.OverHardLimit));
        Assert.Equal("output layer 'out': accumulator range [-8322945, 8322945] needs 24 bits; a ciphertext holds at most 16 bits. " +
            "No remedy that fits keeps enough of the model. Not offered (they keep less than 80 % of |w| mass or 75 % of the bits): " +
            "no MaxActiveInputs fits (even one input per neuron needs more than 16 bits); [FheModel(InputBits = 8)] keeps 8 of 16 input bits",
            advised.Message);
        Assert.False(advised.Properties.ContainsKey(CompilerDiagnostic.WeightBitsProperty));

        // Output layers never get FHE0001, whatever their width under the hard limit.
        var narrow = CircuitCompiler.Compile(spec with { InputBits = 6, PbsBudgetBits = 2 });
        Assert.Empty(narrow.Diagnostics);
    }

    private static readonly Regex PruneAdvice = new Regex(@"\[Prune\(""(\w+)"", MaxActiveInputs = (\d+)\)\]");
    private static readonly Regex WeightBitsAdvice = new Regex(@"\[Quantize\(""\w+"", WeightBits = (\d+)\)\]");
    private static readonly Regex InputBitsAdvice = new Regex(@"\[FheModel\(InputBits = (\d+)\)\]");
    private static readonly Regex ActivationBitsAdvice = new Regex(@"\[Quantize\(""(\w+)"", ActivationBits = (\d+)\)\]");

    private static int _warnings;

    /// <summary>On random models: every piece of FHE0001 advice, applied, removes the warning for that layer.</summary>
    [Fact]
    public void Advice_is_correct_on_random_models()
    {
        _warnings = 0;
        RandomModels.Models(minBudget: 2, maxBudget: 7, maxRound: 12).Sample(spec =>
        {
            var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
            if (result.Plan is null) return;
            foreach (var d in result.WithId(DiagnosticIds.OverBudget))
            {
                Interlocked.Increment(ref _warnings);
                CheckAdvice(spec, result, d);
            }
        }, iter: 400);
        Assert.True(_warnings > 100, $"only {_warnings} warnings: the generator does not exercise the advisor");
    }

    /// <summary>
    /// Whether "fits with k active inputs" is monotone in k for this layer, so that the advisor's binary search finds
    /// the largest k: no rounding, and a zero input offset (else the offset's share of the bias moves with k).
    /// </summary>
    private static bool Monotone(Plan.LayerPlan layer) => layer.RoundedBits == 0 && layer.Input.Offset == 0;

    /// <summary>
    /// With a non-zero input offset, pruning a negative weight raises the accumulator's maximum: the fit is not
    /// monotone in k. The advice is still sound (it fits) and locally maximal (k + 1 does not fit), which is all a
    /// binary search can promise; here k = 3 also fits.
    /// </summary>
    [Fact]
    public void Prune_advice_with_an_input_offset_is_sound_and_locally_maximal()
    {
        // Inputs in [1, 2] with 1 bit (scale 1, offset 1); 8-bit weights with max 127 (scale 1): q = w.
        // Integer bias = round(4 + 1 * sum(q)). k = 4: [248, 522] (10 bits); k = 3: [238, 502] (9);
        // k = 2: [258, 512] (10); k = 1: [131, 258] (9).
        var spec = SpecBuilder.Create(4).InputBits(1).InputRange(1, 2).Budget(9)
            .Dense("h", 1, new float[] { 127, 127, -10, 10 }, new float[] { 4 }, ActivationKind.Relu, 0, 600)
            .Dense("out", 1, new float[] { 1 }, null, ActivationKind.Identity)
            .Quantize("h", 8, null, null)
            .Build();
        var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
        var h = result.Plan!.Layers[0];
        Assert.Equal((248L, 522L), (h.AccumulatorMin, h.AccumulatorMax));
        var ranges = Enumerable.Range(1, 3).Select(k => CircuitCompiler.Compile(spec.WithPrune("h", k)).PlanOrThrow().Layers[0])
            .Select(l => (l.AccumulatorMin, l.AccumulatorMax)).ToArray();
        Assert.Equal(new[] { (131L, 258L), (258L, 512L), (238L, 502L) }, ranges);

        var d = Assert.Single(result.WithId(DiagnosticIds.OverBudget));
        int advice = int.Parse(d.Properties[CompilerDiagnostic.MaxActiveInputsProperty]!, CultureInfo.InvariantCulture);
        Assert.False(HasOverBudget(spec.WithPrune("h", advice), 0));
        Assert.True(HasOverBudget(spec.WithPrune("h", advice + 1), 0));
        Assert.False(HasOverBudget(spec.WithPrune("h", 3), 0));
    }

    private static void CheckAdvice(ModelSpec spec, CompileResult result, CompilerDiagnostic d)
    {
        int index = d.Target.Index;
        var layer = result.Plan!.Layers[index];
        string name = layer.Name;
        Assert.Equal(Severity.Warning, d.Severity);
        Assert.Contains($"layer '{name}': accumulator range [{layer.AccumulatorMin}, {layer.AccumulatorMax}] needs {layer.AccumulatorBits} bits", d.Message);
        Assert.Contains($"budget is {spec.PbsBudgetBits} bits", d.Message);
        Assert.Equal(name, d.Properties[CompilerDiagnostic.LayerProperty]);
        int budget = int.Parse(d.Properties[CompilerDiagnostic.RoundBitsProperty]!, CultureInfo.InvariantCulture);
        Assert.Equal(spec.PbsBudgetBits, budget);

        // Rounding to the budget always fits.
        Assert.False(HasOverBudget(spec.WithRound(name, budget), index), $"{name}: rounding to {budget} bits still warns");

        // Rounding is always offered, first.
        Assert.Contains($"budget is {budget} bits. Fits with: [RoundAccumulator(\"{name}\", Bits = {budget})]", d.Message);

        // Pruning: the suggested k fits, and it is the largest k below the current fan-in that does. It is offered
        // (with a code-fix property) exactly when it keeps at least MinKeptWeightMass of the layer's |w|.
        int current = layer.MaxActiveInputs is int m && m < layer.Inputs ? m : layer.Inputs;
        var prune = PruneAdvice.Match(d.Message);
        if (prune.Success)
        {
            int k = int.Parse(prune.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.InRange(k, 1, current - 1);
            Assert.False(HasOverBudget(spec.WithPrune(name, k), index), $"{name}: MaxActiveInputs = {k} still warns");
            Assert.True(HasOverBudget(spec.WithPrune(name, k + 1), index), $"{name}: MaxActiveInputs = {k + 1} also fits, advice said {k}");
            if (Monotone(layer))
            {
                for (int bigger = k + 2; bigger <= current; bigger++)
                {
                    Assert.True(HasOverBudget(spec.WithPrune(name, bigger), index), $"{name}: MaxActiveInputs = {bigger} also fits, advice said {k} (offset {layer.Input.Offset})");
                }
            }
            // Per-feature ranges: the first layer's mass is that of the weights times each range's width, what the circuit sees.
            var weights = (index == 0 ? AccumulatorBoundsTests.ExpectedFirstWeights(spec) : null) ?? spec.Layers[index].Weights.ToArray();
            double mass = BudgetAdvisor.KeptWeightMass(weights, layer.Outputs, layer.Inputs, k);
            bool offered = mass >= BudgetAdvisor.MinKeptWeightMass;
            Assert.Equal(offered, d.Properties.ContainsKey(CompilerDiagnostic.MaxActiveInputsProperty));
            if (offered) Assert.Equal(k.ToString(CultureInfo.InvariantCulture), d.Properties[CompilerDiagnostic.MaxActiveInputsProperty]);
            Assert.Contains($"[Prune(\"{name}\", MaxActiveInputs = {k})]{(offered ? " (" : " ")}keeps {Math.Floor(mass * 100 + 1e-9)} % of |w| mass", d.Message);
        }
        else
        {
            Assert.Contains("no MaxActiveInputs fits", d.Message);
            Assert.False(d.Properties.ContainsKey(CompilerDiagnostic.MaxActiveInputsProperty));
            if (current > 1) Assert.True(HasOverBudget(spec.WithPrune(name, 1), index), $"{name}: MaxActiveInputs = 1 fits");
            if (Monotone(layer))
            {
                for (int k = 2; k < current; k++) Assert.True(HasOverBudget(spec.WithPrune(name, k), index), $"{name}: MaxActiveInputs = {k} fits");
            }
        }

        var w = WeightBitsAdvice.Match(d.Message);
        if (w.Success)
        {
            int bits = int.Parse(w.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.False(HasOverBudget(spec.WithQuantize(name, weightBits: bits), index), $"{name}: WeightBits = {bits} still warns");
            bool offered = bits >= BudgetAdvisor.MinKeptBitShare * layer.WeightBits;
            Assert.Equal(offered ? bits.ToString(CultureInfo.InvariantCulture) : null,
                d.Properties.TryGetValue(CompilerDiagnostic.WeightBitsProperty, out var wp) ? wp : null);
            if (bits + 1 < layer.WeightBits) Assert.True(HasOverBudget(spec.WithQuantize(name, weightBits: bits + 1), index));
        }
        var a = InputBitsAdvice.Match(d.Message);
        if (a.Success)
        {
            Assert.Equal(0, index);
            int bits = int.Parse(a.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.False(HasOverBudget(spec with { InputBits = bits }, index), $"InputBits = {bits} still warns");
        }
        var act = ActivationBitsAdvice.Match(d.Message);
        if (act.Success)
        {
            int bits = int.Parse(act.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.Equal(spec.Layers[index - 1].Name, act.Groups[1].Value);
            Assert.False(HasOverBudget(spec.WithQuantize(act.Groups[1].Value, activationBits: bits), index), $"ActivationBits = {bits} still warns");
            bool offered = bits >= BudgetAdvisor.MinKeptBitShare * layer.Input.Bits;
            Assert.Equal(offered ? bits.ToString(CultureInfo.InvariantCulture) : null,
                d.Properties.TryGetValue(CompilerDiagnostic.ActivationBitsProperty, out var ap) ? ap : null);
            Assert.Equal(offered ? act.Groups[1].Value : null,
                d.Properties.TryGetValue(CompilerDiagnostic.ActivationLayerProperty, out var al) ? al : null);
        }
    }
}
