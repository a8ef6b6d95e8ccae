using System;
using System.Linq;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Generators.Tests.Infrastructure;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// The generated <c>PlanFingerprint</c> is the fingerprint of the plan the run time rebuilds from the model's spec, and
/// the generated <c>Interpreter</c> refuses a plan that is not that one.
/// </summary>
public sealed class PlanFingerprintTests
{
    [Fact]
    public void The_generated_constant_is_the_runtime_plans_fingerprint()
    {
        using var assembly = GeneratorHarness.Run(TestModels.Tiny).Load();
        var model = assembly.Model(TestModels.TinyType);
        var plan = CircuitCompiler.Compile(model.Spec).PlanOrThrow();
        Assert.Equal(PlanFingerprint.Of(plan), model.PlanFingerprint);
        var interpreter = model.Interpreter;
        Assert.Equal(model.PlanFingerprint, interpreter.Fingerprint);
        Assert.Equal("Tiny", interpreter.Model);
        Assert.Equal(plan, interpreter.Plan);
        // An interpreter made from a plan alone was checked against nothing.
        Assert.Null(new PlanInterpreter(plan).Fingerprint);
    }

    [Fact]
    public void A_plan_that_is_not_the_generated_one_is_refused()
    {
        using var assembly = GeneratorHarness.Run(TestModels.Tiny).Load();
        var model = assembly.Model(TestModels.TinyType);
        // The weights changed after generation (as reflection over the weight arrays could do): another plan.
        var spec = model.Spec;
        var hidden = spec.Layers[0];
        var weights = hidden.Weights.ToArray();
        weights[0] = -weights[0];
        var changed = spec with { Layers = new EquatableArray<LayerSpec>(new[] { hidden with { Weights = new EquatableArray<float>(weights) } }.Concat(spec.Layers.Skip(1)).ToArray()) };
        var plan = CircuitCompiler.Compile(changed).PlanOrThrow();
        var e = Assert.Throws<PlanFingerprintMismatchException>(() => PlanInterpreter.ForGeneratedModel(plan, "Tiny", model.PlanFingerprint));
        Assert.Equal(model.PlanFingerprint, e.Expected);
        Assert.Equal(PlanFingerprint.Of(plan), e.Actual);
        Assert.Contains("'Tiny'", e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Actual, e.Message, StringComparison.Ordinal);
        // The unchanged spec passes.
        Assert.Equal(model.PlanFingerprint, PlanInterpreter.ForGeneratedModel(CircuitCompiler.Compile(spec).PlanOrThrow(), "Tiny", model.PlanFingerprint).Fingerprint);
    }
}
