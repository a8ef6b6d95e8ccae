using System;
using System.Threading;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Generators.Extraction;

namespace FheGen.Generators.Emission;

/// <summary>
/// A model compiled for emission: its generator model (budget and hint name resolved), the plan, the plan's
/// fingerprint and the unroll limit. Value-equatable all the way down (the plan is a record over equatable arrays),
/// so the compile step is its own cached stage: an edit that leaves the plan and the model unchanged stops here, and
/// the emitter after it only writes text.
/// </summary>
/// <param name="Model">The model, with its budget and hint name resolved.</param>
/// <param name="Plan">The compiled circuit.</param>
/// <param name="Fingerprint">The plan's <see cref="PlanFingerprint"/>, emitted as a constant.</param>
/// <param name="UnrollLimit">Layers with more multiply-adds, and tables with more entries, are emitted as data.</param>
internal sealed record CompiledModel(GeneratorModel Model, CircuitPlan Plan, string Fingerprint, int UnrollLimit)
{
    /// <summary>
    /// Compiles <paramref name="model"/>; null when it has errors or its language version is too old (the analyzer
    /// reports both, so no broken code is generated).
    /// </summary>
    public static CompiledModel? Compile(GeneratorModel model, int unrollLimit, CancellationToken ct)
    {
        if (model.LanguageVersion < CircuitEmitter.MinimumLanguageVersion) return null;
        var plan = CircuitCompiler.Compile(model.Spec, CompileOptions.Generator, model.Source).Plan;
        if (plan is null) return null;
        ct.ThrowIfCancellationRequested();
        return new CompiledModel(model, plan, PlanFingerprint.Of(plan), Math.Max(0, unrollLimit));
    }
}
