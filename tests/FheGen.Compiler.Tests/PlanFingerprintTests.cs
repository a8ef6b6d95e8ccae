using System;
using System.Linq;
using CsCheck;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Tests;

/// <summary>
/// The plan's fingerprint is a function of its content alone (so the generator's constant and the run time's plan
/// agree), and every field evaluation reads moves it.
/// </summary>
public class PlanFingerprintTests
{
    private static CircuitPlan Plan() => CircuitCompiler.Compile(SpecBuilder.TwoLayers().Round("hidden", 3).Build()).PlanOrThrow();

    [Fact]
    public void The_same_spec_compiled_twice_gives_equal_plans_and_fingerprints()
    {
        RandomModels.Models().Sample(spec =>
        {
            var a = CircuitCompiler.Compile(spec).Plan;
            var b = CircuitCompiler.Compile(DeterminismTests.Rebuild(spec)).Plan;
            if (a is null) return;
            Assert.NotSame(a, b);
            Assert.Equal(a, b);
            Assert.Equal(PlanFingerprint.Of(a), PlanFingerprint.Of(b!));
        }, iter: 100);
    }

    [Fact]
    public void The_fingerprint_is_64_lowercase_hex_digits_and_pinned()
    {
        string f = PlanFingerprint.Of(Plan());
        Assert.Matches("^[0-9a-f]{64}$", f);
        // Pinned: the canonical form is the same in every process and on every platform. A deliberate change to the
        // compiler's output or to the serialization changes this value, and the generated constants with it.
        Assert.True(f == PinnedTwoLayers, $"fingerprint {f}");
    }

    /// <summary>The fingerprint of <see cref="Plan"/>, as computed when the canonical form was written.</summary>
    private const string PinnedTwoLayers = "6af0c177901930f7dbd24fff92ec71502759b8a9eadd5c2badc5139372238782";

    [Fact]
    public void Changing_a_weight_a_bias_a_table_entry_or_the_rounding_changes_the_fingerprint()
    {
        var plan = Plan();
        string f = PlanFingerprint.Of(plan);
        var hidden = plan.Layers[0];
        var n0 = hidden.Neurons[0];
        Assert.False(n0.IsConstant);

        CircuitPlan WithNeuron(NeuronPlan n)
        {
            var neurons = hidden.Neurons.ToArray();
            neurons[0] = n;
            var layers = plan.Layers.ToArray();
            layers[0] = hidden with { Neurons = new EquatableArray<NeuronPlan>(neurons) };
            return plan with { Layers = new EquatableArray<LayerPlan>(layers) };
        }

        var weights = n0.Weights.ToArray();
        weights[0] += 1;
        var entries = plan.Tables[0].Entries.ToArray();
        entries[entries.Length / 2] += 1;
        var tables = plan.Tables.ToArray();
        tables[0] = tables[0] with { Entries = new EquatableArray<long>(entries) };
        var layersRounded = plan.Layers.ToArray();
        layersRounded[0] = hidden with { RoundingMethod = hidden.RoundingMethod == RoundingKind.Exact ? RoundingKind.Approximate : RoundingKind.Exact };
        var layersBits = plan.Layers.ToArray();
        layersBits[0] = hidden with { RoundedBits = hidden.RoundedBits + 1 };

        var variants = new (string What, CircuitPlan Plan)[]
        {
            ("weight", WithNeuron(n0 with { Weights = new EquatableArray<long>(weights) })),
            ("bias", WithNeuron(n0 with { Bias = n0.Bias + 1 })),
            ("table entry", plan with { Tables = new EquatableArray<TablePlan>(tables) }),
            ("rounding method", plan with { Layers = new EquatableArray<LayerPlan>(layersRounded) }),
            ("rounded bits", plan with { Layers = new EquatableArray<LayerPlan>(layersBits) }),
            ("per-TLU p_error", plan with { PError = plan.PError * 2 }),
            ("global p_error", plan with { GlobalPError = 1e-3 }),
            ("input quantizer", plan with { Input = plan.Input with { Scale = plan.Input.Scale * 2 } }),
        };
        foreach (var (what, variant) in variants)
        {
            Assert.NotEqual(plan, variant);
            Assert.True(f != PlanFingerprint.Of(variant), $"changing the {what} left the fingerprint unchanged");
        }
        Assert.Equal(variants.Length, variants.Select(v => PlanFingerprint.Of(v.Plan)).Distinct().Count());
    }

    [Fact]
    public void A_changed_spec_changes_the_fingerprint()
    {
        var spec = SpecBuilder.TwoLayers().Build();
        string f = PlanFingerprint.Of(CircuitCompiler.Compile(spec).PlanOrThrow());
        Assert.NotEqual(f, PlanFingerprint.Of(CircuitCompiler.Compile(spec.WithRound("hidden", 3)).PlanOrThrow()));
        Assert.NotEqual(f, PlanFingerprint.Of(CircuitCompiler.Compile(spec.WithQuantize("hidden", weightBits: 3)).PlanOrThrow()));
        var other = SpecBuilder.Create(2)
            .Dense("hidden", 2, new float[] { 1, -0.75f, 0.5f, 0.25f }, new float[] { 0.1f, -0.1f }, ActivationKind.Relu, 0, 2)
            .Dense("out", 1, new float[] { 1, -1 }, new float[] { 0 }, ActivationKind.Identity).Build();
        Assert.NotEqual(f, PlanFingerprint.Of(CircuitCompiler.Compile(other).PlanOrThrow()));
    }

    [Fact]
    public void Verify_throws_a_mismatch_naming_the_model_and_both_fingerprints()
    {
        var plan = Plan();
        string f = PlanFingerprint.Of(plan);
        PlanFingerprint.Verify(plan, f, "Model");
        string stale = new string('0', 64);
        var e = Assert.Throws<PlanFingerprintMismatchException>(() => PlanFingerprint.Verify(plan, stale, "Smoke.Tiny"));
        Assert.Equal(("Smoke.Tiny", stale, f), (e.Model, e.Expected, e.Actual));
        Assert.Contains("'Smoke.Tiny'", e.Message, StringComparison.Ordinal);
        Assert.Contains(stale, e.Message, StringComparison.Ordinal);
        Assert.Contains(f, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Layer_facts_are_derived_from_the_neurons()
    {
        RandomModels.Models().Sample(spec =>
        {
            var plan = CircuitCompiler.Compile(spec).Plan;
            if (plan is null) return;
            foreach (var l in plan.Layers)
            {
                var active = Enumerable.Range(0, l.Outputs).Where(j => l.IsOutput || !l.Neurons[j].IsConstant).ToArray();
                Assert.Equal(active, l.ActiveNeurons);
                Assert.Equal(Enumerable.Range(0, l.Outputs).Except(active), l.ConstantNeurons);
                Assert.Equal(l.IsOutput ? Array.Empty<int>() : active.Select(j => l.Neurons[j].Table).ToArray(), l.ActiveTables);
                Assert.Equal(l.Neurons.Sum(n => n.Weights.Count), l.ActiveWeights);
                Assert.Equal(l.IsOutput ? 0 : active.Length, l.PbsCount);
                foreach (int t in l.ActiveTables)
                {
                    var table = plan.Tables[t];
                    Assert.Equal(Bounds.IntegerRange.BitsFor(table.InputMin, table.InputMin + table.Entries.Count - 1), table.InputBits);
                }
            }
        }, iter: 100);
    }

    [Fact]
    public void Replacing_the_neurons_with_with_rederives_the_layer_facts()
    {
        var hidden = Plan().Layers[0];
        var constant = hidden with { Neurons = new EquatableArray<NeuronPlan>(hidden.Neurons.Select(n => NeuronPlan.Constant(n.Bias)).ToArray()) };
        Assert.Empty(constant.ActiveNeurons);
        Assert.Empty(constant.ActiveTables);
        Assert.Equal(0, constant.PbsCount);
        Assert.Equal(Enumerable.Range(0, hidden.Outputs), constant.ConstantNeurons);
        Assert.NotEqual(hidden, constant);
    }
}
