using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Pipeline;

/// <summary>What a compilation should produce besides the plan; an immutable value, so a compile step can cache on it.</summary>
public sealed record CompileOptions
{
    /// <summary>The options the generator uses: tables, no advice, no summaries.</summary>
    public static CompileOptions Generator { get; } = new CompileOptions { BuildTables = true };

    /// <summary>The options analyzers use: advice and summaries, no tables.</summary>
    public static CompileOptions Analysis { get; } = new CompileOptions { BuildTables = false, Advice = true, Summaries = true };

    /// <summary>Build lookup tables (needed to evaluate; skip for analysis).</summary>
    public bool BuildTables { get; init; } = true;

    /// <summary>Compute FHE0001 remedies (recompiles layers under other settings).</summary>
    public bool Advice { get; init; }

    /// <summary>Emit FHE0006 per-layer summaries.</summary>
    public bool Summaries { get; init; }
}

/// <summary>The result of compiling a spec.</summary>
public sealed class CompileResult
{
    internal CompileResult(CircuitPlan? plan, IReadOnlyList<CompilerDiagnostic> diagnostics)
    {
        Plan = plan;
        Diagnostics = diagnostics;
    }

    /// <summary>The circuit, or null when an error prevents one.</summary>
    public CircuitPlan? Plan { get; }

    /// <summary>All diagnostics, errors first in declaration order.</summary>
    public IReadOnlyList<CompilerDiagnostic> Diagnostics { get; }

    /// <summary>Whether any diagnostic is an error.</summary>
    public bool HasErrors
    {
        get
        {
            foreach (var d in Diagnostics)
            {
                if (d.Severity == Severity.Error) return true;
            }
            return false;
        }
    }

    /// <summary>The plan, or an exception listing the errors.</summary>
    public CircuitPlan PlanOrThrow()
    {
        if (Plan is not null) return Plan;
        var messages = new List<string>();
        foreach (var d in Diagnostics)
        {
            if (d.Severity == Severity.Error) messages.Add(d.ToString());
        }
        throw new CircuitCompilationException("The model does not compile:\n" + string.Join("\n", messages));
    }
}

/// <summary>
/// The compiler core's entry point: validate, then per layer quantize, prune, bound, round and tabulate,
/// and check each TLU against the budget and the hard limit.
/// </summary>
public static class CircuitCompiler
{
    /// <summary>Compiles <paramref name="spec"/>.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="options">What to produce besides the plan; <see cref="CompileOptions.Generator"/> when null.</param>
    /// <param name="source">What extraction learned about the model's source, validated with it; null for a spec built in code (<see cref="ModelSource.Of"/>).</param>
    public static CompileResult Compile(ModelSpec spec, CompileOptions? options = null, ModelSource? source = null)
    {
        options ??= CompileOptions.Generator;
        var diagnostics = new List<CompilerDiagnostic>();
        if (!SpecValidator.Validate(spec, source ?? ModelSource.Of(spec), diagnostics))
        {
            return new CompileResult(null, diagnostics);
        }
        TrainingCheck.Check(spec, diagnostics);

        var tables = options.BuildTables ? new TableRegistry() : null;
        var layers = new List<LayerPlan>(spec.Layers.Count);
        var input = InputDomain.FirstLayer(spec);
        var domain = input;
        bool fatal = false;
        var summaries = new List<LayerPlan>();
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var settings = Settings(spec, i);
            LayerPlan layer;
            try
            {
                layer = LayerCompiler.Compile(spec, i, settings, domain, tables);
            }
            catch (Exception e) when (e is CircuitCompilationException || e is OverflowException)
            {
                diagnostics.Add(CompilerDiagnostic.Create(DiagnosticIds.InvalidAttribute, Severity.Error,
                    new DiagnosticTarget(TargetKind.Dense, i), e is OverflowException
                        ? $"layer '{spec.Layers[i].Name}': the accumulator overflows 64-bit integers"
                        : e.Message));
                return new CompileResult(null, diagnostics);
            }
            layers.Add(layer);
            fatal |= CheckWidths(spec, layer, settings, domain, options, diagnostics);
            if (options.Summaries)
            {
                summaries.Add(layer);
            }
            domain = layer.Output ?? domain;
        }

        double pError = spec.PError;
        if (spec.GlobalPError is double global)
        {
            int pbs = 0;
            foreach (var l in layers) pbs += l.PbsCount + l.RoundingPbsCount;
            pError = CircuitPlan.PerTluPError(global, pbs);
        }
        // Summaries come last: their cost estimate needs the per-TLU p_error, known only once every layer is.
        foreach (var layer in summaries)
        {
            diagnostics.Add(CompilerDiagnostic.Create(DiagnosticIds.LayerSummary, Severity.Info,
                new DiagnosticTarget(TargetKind.Dense, layer.Index), Summary(layer, pError)));
        }
        // Stable (List.Sort is not): errors first, declaration order kept within a severity.
        diagnostics = diagnostics.OrderByDescending(d => d.Severity).ToList();
        var plan = fatal ? null : new CircuitPlan
        {
            Name = spec.Name,
            Input = input,
            Features = InputDomain.Features(spec) is { } features ? new EquatableArray<UniformQuantizer>(features) : null,
            Inputs = spec.Inputs,
            PError = pError,
            GlobalPError = spec.GlobalPError,
            BudgetBits = spec.PbsBudgetBits,
            Layers = new EquatableArray<LayerPlan>(layers.ToArray()),
            Tables = tables is null ? EquatableArray<TablePlan>.Empty : new EquatableArray<TablePlan>(tables.Tables.ToArray()),
        };
        return new CompileResult(plan, diagnostics);
    }

    /// <summary>
    /// A layer's settings with its unread neurons: those no weight of the next layer reads after pruning and
    /// quantization need no PBS.
    /// </summary>
    private static LayerSettings Settings(ModelSpec spec, int index)
    {
        var settings = LayerSettings.Resolve(spec, index);
        if (index == spec.Layers.Count - 1) return settings;
        var read = LayerCompiler.ReadInputs(spec, index + 1, LayerSettings.Resolve(spec, index + 1));
        if (Array.TrueForAll(read, r => r)) return settings;
        return settings with { Unread = new EquatableArray<bool>(Array.ConvertAll(read, r => !r)) };
    }

    /// <summary>The FHE0006 text for one layer, with its estimated latency at per-TLU <paramref name="pError"/>.</summary>
    public static string Summary(LayerPlan layer, double pError)
    {
        string head = $"{layer.Name}: {layer.Inputs} -> {layer.Outputs}, {layer.ActiveWeights} active weights, " +
            $"accumulator [{layer.AccumulatorMin}, {layer.AccumulatorMax}] ({layer.AccumulatorBits} bits)";
        if (layer.IsOutput) return head + ", output layer (no TLU)";
        string method = layer.RoundingMethod == RoundingKind.Approximate ? " (approximate)" : "";
        string rounding = layer.RoundedBits > 0 ? $", rounded {Text.Count(layer.RoundedBits, "LSB")}{method} -> {layer.TluInputBits}-bit TLU" : $", {layer.TluInputBits}-bit TLU";
        string estimate = layer.TluInputBits <= ModelSpec.HardLimitBits
            ? $", est. {CostModel.FormatLatency(CostModel.EstimateLayer(layer, pError, CostModel.DefaultRounding(layer)).LatencyMs)} on one core"
            : "";
        string constants = (layer.FoldedNeurons, layer.UnreadNeurons) switch
        {
            (0, 0) => "",
            (int f, 0) => $", {Text.Count(f, "neuron")} folded into constants (output cannot change)",
            (0, int u) => $", {Text.Count(u, "neuron")} unread by the next layer (no PBS)",
            (int f, int u) => $", {Text.Count(f, "neuron")} folded into constants (output cannot change) and {u} unread by the next layer (no PBS)",
        };
        return head + rounding + $", {layer.PbsCount} PBS" + constants + estimate;
    }

    /// <summary>The remedies' text, with their code-fix properties added, when advice is on; else empty.</summary>
    private static string Advise(ModelSpec spec, LayerPlan layer, LayerSettings settings, UniformQuantizer domain, int budget,
        CompileOptions options, Dictionary<string, string?> properties)
    {
        if (!options.Advice) return "";
        var advice = BudgetAdvisor.Remedies(spec, layer, settings, domain, budget);
        BudgetAdvisor.AddFixProperties(advice, budget, properties);
        return advice.Text;
    }

    /// <summary>Adds FHE0001/FHE0002 for one layer; returns true when the layer cannot be evaluated.</summary>
    private static bool CheckWidths(ModelSpec spec, LayerPlan layer, LayerSettings settings, UniformQuantizer domain,
        CompileOptions options, List<CompilerDiagnostic> diagnostics)
    {
        var target = new DiagnosticTarget(TargetKind.Dense, layer.Index);
        string range = $"accumulator range [{layer.AccumulatorMin}, {layer.AccumulatorMax}] needs {layer.AccumulatorBits} bits";
        var properties = new Dictionary<string, string?> { [CompilerDiagnostic.LayerProperty] = layer.Name };
        if (layer.IsOutput)
        {
            if (layer.AccumulatorBits > ModelSpec.HardLimitBits)
            {
                diagnostics.Add(new CompilerDiagnostic(DiagnosticIds.OverHardLimit, Severity.Error, target,
                    $"output layer '{layer.Name}': {range}; a ciphertext holds at most {ModelSpec.HardLimitBits} bits" +
                    Advise(spec, layer, settings, domain, ModelSpec.HardLimitBits, options, properties), properties));
                return true;
            }
            return false;
        }
        string what = layer.RoundedBits > 0
            ? $"{range}; rounded by {Text.Count(layer.RoundedBits, "LSB")}, the TLU input still needs {layer.TluInputBits} bits"
            : range;
        if (layer.TluInputBits > ModelSpec.HardLimitBits)
        {
            diagnostics.Add(new CompilerDiagnostic(DiagnosticIds.OverHardLimit, Severity.Error, target,
                $"layer '{layer.Name}': {what}; a TLU input wider than {ModelSpec.HardLimitBits} bits cannot be bootstrapped" +
                Advise(spec, layer, settings, domain, ModelSpec.HardLimitBits, options, properties), properties));
            return true;
        }
        int budget = spec.BudgetOf(layer.Index);
        if (layer.TluInputBits > budget)
        {
            diagnostics.Add(new CompilerDiagnostic(DiagnosticIds.OverBudget, Severity.Warning, target,
                $"layer '{layer.Name}': {what}; budget is {budget} bits" + Advise(spec, layer, settings, domain, budget, options, properties), properties));
        }
        return false;
    }
}
