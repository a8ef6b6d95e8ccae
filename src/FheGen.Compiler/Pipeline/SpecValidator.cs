using System;
using System.Collections.Generic;
using System.Globalization;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;

namespace FheGen.Compiler.Pipeline;

/// <summary>
/// Checks a spec before compilation: every error here would otherwise become a crash or a wrong circuit.
/// All problems are reported, not just the first, so one build shows them all.
/// </summary>
public static class SpecValidator
{
    /// <summary>Largest number of inputs or neurons per layer accepted (keeps accumulators far from overflow).</summary>
    public const int MaxWidth = 1 << 20;

    /// <summary>Appends the spec's errors to <paramref name="diagnostics"/>; returns true when there are none.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="source">What extraction learned about its source; <see cref="ModelSource.Of"/> for a spec built in code.</param>
    /// <param name="diagnostics">Receives the errors.</param>
    public static bool Validate(ModelSpec spec, ModelSource source, List<CompilerDiagnostic> diagnostics)
    {
        int before = diagnostics.Count;
        string model = spec.Name;

        if (!source.IsPartial)
        {
            Error(diagnostics, DiagnosticIds.NotCompileTime, TargetKind.ModelType, 0, null,
                $"model '{model}' and every type that contains it must be declared partial (and not file-local) so FheGen can add the generated members");
        }
        if (GeneratedMembers.IsReserved(spec.Name))
        {
            Error(diagnostics, DiagnosticIds.ReservedName, TargetKind.ModelType, 0, null,
                $"model type '{model}' has the name of a member FheGen generates in it; rename the type");
        }
        for (int i = 0; i < source.ReservedNameConflicts.Count; i++)
        {
            string name = source.ReservedNameConflicts[i];
            // A layer or explicit bias of that name is already reported (FHE0003, on the attribute that names it).
            bool reported = false;
            for (int l = 0; l < spec.Layers.Count; l++)
            {
                var members = source.Layer(spec, l);
                reported |= spec.Layers[l].Name == name || (members.BiasExplicit && members.BiasMember == name);
            }
            if (reported) continue;
            Error(diagnostics, DiagnosticIds.ReservedName, TargetKind.Member, i, null,
                $"model '{model}' declares '{name}', the name of a member FheGen generates in it; rename it");
        }
        if (spec.Inputs < 1 || spec.Inputs > MaxWidth)
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, "Inputs", $"Inputs must be between 1 and {MaxWidth}; it is {spec.Inputs}");
        }
        if (spec.InputBits < 1 || spec.InputBits > ModelSpec.HardLimitBits)
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, "InputBits", $"InputBits must be between 1 and 16; it is {spec.InputBits}");
        }
        if (!IsFinite(spec.InputMin) || !IsFinite(spec.InputMax) || spec.InputMin >= spec.InputMax || !IsFinite(spec.InputMax - spec.InputMin))
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, "InputMin",
                $"InputMin must be finite and below InputMax; they are {F(spec.InputMin)} and {F(spec.InputMax)}");
        }
        else if (spec.InputBits >= 1 && spec.InputBits <= ModelSpec.HardLimitBits)
        {
            CheckScale(diagnostics, TargetKind.ModelAttribute, 0, spec.InputMax - spec.InputMin, spec.InputBits,
                Math.Abs(spec.InputMax) >= Math.Abs(spec.InputMin) ? "InputMax" : "InputMin",
                $"the input range [{F(spec.InputMin)}, {F(spec.InputMax)}]");
        }
        ValidateFeatureRanges(spec, source, diagnostics);
        if (spec.PbsBudgetBits < 1 || spec.PbsBudgetBits > ModelSpec.HardLimitBits)
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, "PbsBudgetBits", $"PbsBudgetBits must be between 1 and 16; it is {spec.PbsBudgetBits}");
        }
        if (double.IsNaN(spec.PError) || spec.PError < 0 || spec.PError >= 1)
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, "PError", $"PError must be in [0, 1); it is {F(spec.PError)}");
        }
        if (spec.GlobalPError is double g)
        {
            if (source.PErrorExplicit)
            {
                Invalid(diagnostics, TargetKind.ModelAttribute, 0, "GlobalPError",
                    "state either PError (per table lookup) or GlobalPError (whole circuit), not both");
            }
            else if (double.IsNaN(g) || g <= 0 || g >= 1)
            {
                Invalid(diagnostics, TargetKind.ModelAttribute, 0, "GlobalPError", $"GlobalPError must be in (0, 1); it is {F(g)}");
            }
        }
        if (spec.Layers.Count == 0)
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, null, $"model '{model}' declares no [Dense] layer");
        }

        ValidateLayers(spec, source, diagnostics);
        ValidateSettings(spec, diagnostics);
        if (diagnostics.Count == before) ValidateMagnitudes(spec, diagnostics);
        return diagnostics.Count == before;
    }

    private static void ValidateLayers(ModelSpec spec, ModelSource source, List<CompilerDiagnostic> diagnostics)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            var members = source.Layer(spec, i);
            if (string.IsNullOrEmpty(layer.Name))
            {
                Invalid(diagnostics, TargetKind.Dense, i, "field", $"layer {i} has no name");
                continue;
            }
            if (!seen.Add(layer.Name))
            {
                Invalid(diagnostics, TargetKind.Dense, i, "field", $"layer name '{layer.Name}' is declared twice");
            }
            if (GeneratedMembers.IsReserved(layer.Name))
            {
                Invalid(diagnostics, TargetKind.Dense, i, "field",
                    $"layer name '{layer.Name}' is also the name of a member FheGen generates; rename the layer and its weights");
            }
            else if (members.BiasExplicit && GeneratedMembers.IsReserved(members.BiasMember))
            {
                Invalid(diagnostics, TargetKind.Dense, i, "Bias",
                    $"bias member '{members.BiasMember}' of layer '{layer.Name}' has the name of a member FheGen generates; rename it");
            }
            if (layer.Outputs < 1 || layer.Outputs > MaxWidth)
            {
                Invalid(diagnostics, TargetKind.Dense, i, "outputs", $"layer '{layer.Name}': outputs must be between 1 and {MaxWidth}; it is {layer.Outputs}");
            }
            if (layer.PbsBudgetBits is int budget && (budget < 1 || budget > ModelSpec.HardLimitBits))
            {
                Invalid(diagnostics, TargetKind.Dense, i, "PbsBudgetBits", $"layer '{layer.Name}': PbsBudgetBits must be between 1 and 16; it is {budget}");
            }
            if (!Activations.IsDefined(layer.Activation))
            {
                Invalid(diagnostics, TargetKind.Dense, i, "Activation", $"layer '{layer.Name}': unknown activation {(int)layer.Activation}");
            }
            if ((layer.OutputMin is null) != (layer.OutputMax is null))
            {
                Invalid(diagnostics, TargetKind.Dense, i, layer.OutputMin is null ? "OutputMax" : "OutputMin",
                    $"layer '{layer.Name}': OutputMin and OutputMax must be given together");
            }
            else if (layer.OutputMin is not null && i == spec.Layers.Count - 1)
            {
                Invalid(diagnostics, TargetKind.Dense, i, "OutputMin",
                    $"layer '{layer.Name}' is the last layer: its outputs are not requantized, so it takes no OutputMin/OutputMax");
            }
            else if (layer.OutputMin is double lo && layer.OutputMax is double hi && (!IsFinite(lo) || !IsFinite(hi) || lo >= hi))
            {
                Invalid(diagnostics, TargetKind.Dense, i, "OutputMin",
                    $"layer '{layer.Name}': OutputMin must be finite and below OutputMax; they are {F(lo)} and {F(hi)}");
            }
            else if (layer.OutputMin is double lo2 && layer.OutputMax is double hi2)
            {
                CheckScale(diagnostics, TargetKind.Dense, i, hi2 - lo2, ActivationBitsOf(spec, i), Math.Abs(hi2) >= Math.Abs(lo2) ? "OutputMax" : "OutputMin",
                    $"layer '{layer.Name}': the output range [{F(lo2)}, {F(hi2)}]");
            }

            int inputs = i == 0 ? spec.Inputs : spec.Layers[i - 1].Outputs;
            // With an invalid width the expected shape is meaningless: report the width, not a follow-on length mismatch.
            bool shapeKnown = inputs >= 1 && inputs <= MaxWidth && layer.Outputs >= 1 && layer.Outputs <= MaxWidth;
            ValidateMember(spec, diagnostics, i, TargetKind.Weights, layer.Name, members.WeightsStatus, layer.Weights, (long)inputs * layer.Outputs,
                $"[{layer.Outputs}, {inputs}]", explicitName: true, shapeKnown);
            ValidateMember(spec, diagnostics, i, TargetKind.Bias, members.BiasMember, members.BiasStatus, layer.Bias, layer.Outputs,
                $"[{layer.Outputs}]", members.BiasExplicit, shapeKnown);
        }
    }

    /// <summary>
    /// Per-feature input ranges: both members or neither, one finite value per input, each minimum below its maximum,
    /// and no model-wide InputMin/InputMax beside them (one of the two would be ignored).
    /// </summary>
    private static void ValidateFeatureRanges(ModelSpec spec, ModelSource source, List<CompilerDiagnostic> diagnostics)
    {
        if (!source.DeclaresFeatureRanges) return;
        if (source.InputRangeExplicit)
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, "InputMin",
                $"the model declares per-feature input ranges ('{ModelSpec.FeatureMinMember}', '{ModelSpec.FeatureMaxMember}'); remove InputMin and InputMax from [FheModel], which they replace");
        }
        var members = new[] { (ModelSpec.FeatureMinMember, source.FeatureMinStatus, spec.FeatureMin), (ModelSpec.FeatureMaxMember, source.FeatureMaxStatus, spec.FeatureMax) };
        bool readable = true;
        for (int m = 0; m < 2; m++)
        {
            var (name, status, values) = members[m];
            string other = members[1 - m].Item1;
            switch (status)
            {
                case MemberStatus.Missing:
                    Error(diagnostics, DiagnosticIds.ShapeMismatch, TargetKind.FeatureRange, 1 - m, null,
                        $"'{other}' gives per-feature input ranges but no static member '{name}' holds the other end (expected {spec.Inputs} floats)");
                    readable = false;
                    continue;
                case MemberStatus.NotConstant:
                    Error(diagnostics, DiagnosticIds.NotCompileTime, TargetKind.FeatureRange, m, null,
                        $"input ranges '{name}' must be initialized with compile-time constant float literals");
                    readable = false;
                    continue;
                case MemberStatus.WrongType:
                    Error(diagnostics, DiagnosticIds.ShapeMismatch, TargetKind.FeatureRange, m, null,
                        $"input ranges '{name}' must be a static readonly float[] field or a static ReadOnlySpan<float> property");
                    readable = false;
                    continue;
            }
            if (spec.Inputs >= 1 && values.Count != spec.Inputs)
            {
                Error(diagnostics, DiagnosticIds.ShapeMismatch, TargetKind.FeatureRange, m, null,
                    $"input ranges '{name}' has {values.Count} values; the model has {spec.Inputs} inputs");
                readable = false;
            }
        }
        if (!readable) return;
        // float ends keep every width and step far inside double's normal range: only order and finiteness can fail.
        for (int i = 0; i < spec.Inputs; i++)
        {
            double lo = spec.FeatureMin[i], hi = spec.FeatureMax[i];
            if (!IsFinite(lo) || !IsFinite(hi) || !(lo < hi))
            {
                Invalid(diagnostics, TargetKind.FeatureRange, IsFinite(lo) ? 1 : 0, null,
                    $"input feature {i}: its range [{spec.FeatureMin[i].ToString("R", CultureInfo.InvariantCulture)}, {spec.FeatureMax[i].ToString("R", CultureInfo.InvariantCulture)}] must be finite with '{ModelSpec.FeatureMinMember}' below '{ModelSpec.FeatureMaxMember}' (widen a constant feature's range)");
                return;
            }
        }
    }

    private static void ValidateMember(ModelSpec spec, List<CompilerDiagnostic> diagnostics, int layerIndex, TargetKind kind, string member,
        MemberStatus status, EquatableArray<float> values, long expected, string shape, bool explicitName, bool shapeKnown)
    {
        string layer = spec.Layers[layerIndex].Name;
        string what = kind == TargetKind.Weights ? "weights" : "bias";
        switch (status)
        {
            case MemberStatus.Missing:
                if (explicitName)
                {
                    Error(diagnostics, DiagnosticIds.ShapeMismatch, TargetKind.Dense, layerIndex, kind == TargetKind.Bias ? "Bias" : "field",
                        $"layer '{layer}': no static member '{member}' holds its {what} (expected {shape} floats)");
                }
                return;
            case MemberStatus.NotConstant:
                Error(diagnostics, DiagnosticIds.NotCompileTime, kind, layerIndex, null,
                    $"layer '{layer}': {what} '{member}' must be initialized with compile-time constant float literals");
                return;
            case MemberStatus.WrongType:
                Error(diagnostics, DiagnosticIds.ShapeMismatch, kind, layerIndex, null,
                    $"layer '{layer}': {what} '{member}' must be a static readonly float[] field or a static ReadOnlySpan<float> property");
                return;
        }
        if (!shapeKnown) return;
        if (values.Count != expected)
        {
            Error(diagnostics, DiagnosticIds.ShapeMismatch, kind, layerIndex, null,
                $"layer '{layer}': {what} '{member}' has {values.Count} values; shape {shape} needs {expected}");
            return;
        }
        for (int j = 0; j < values.Count; j++)
        {
            if (float.IsNaN(values[j]) || float.IsInfinity(values[j]))
            {
                Invalid(diagnostics, kind, layerIndex, null, $"layer '{layer}': {what} '{member}'[{j}] is {values[j].ToString(CultureInfo.InvariantCulture)}; weights must be finite");
                return;
            }
        }
    }

    private static void ValidateSettings(ModelSpec spec, List<CompilerDiagnostic> diagnostics)
    {
        int last = spec.Layers.Count - 1;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < spec.Quantize.Count; i++)
        {
            var q = spec.Quantize[i];
            CheckLayerName(spec, diagnostics, TargetKind.Quantize, i, q.Layer, "Quantize", keys);
            if (q.WeightBits is int w && (w < 2 || w > ModelSpec.HardLimitBits))
            {
                Invalid(diagnostics, TargetKind.Quantize, i, "WeightBits",
                    $"WeightBits must be between 2 and 16 (symmetric weights need a sign bit); it is {w}");
            }
            if (q.ActivationBits is int a && (a < 1 || a > ModelSpec.HardLimitBits))
            {
                Invalid(diagnostics, TargetKind.Quantize, i, "ActivationBits", $"ActivationBits must be between 1 and 16; it is {a}");
            }
        }
        keys.Clear();
        for (int i = 0; i < spec.Prune.Count; i++)
        {
            var p = spec.Prune[i];
            CheckLayerName(spec, diagnostics, TargetKind.Prune, i, p.Layer, "Prune", keys);
            if (p.MaxActiveInputs is not int m)
            {
                Invalid(diagnostics, TargetKind.Prune, i, null, "[Prune] needs MaxActiveInputs");
            }
            else if (m < 1)
            {
                Invalid(diagnostics, TargetKind.Prune, i, "MaxActiveInputs", $"MaxActiveInputs must be at least 1; it is {m}");
            }
        }
        keys.Clear();
        for (int i = 0; i < spec.Round.Count; i++)
        {
            var r = spec.Round[i];
            int layerIndex = CheckLayerName(spec, diagnostics, TargetKind.Round, i, r.Layer, "RoundAccumulator", keys);
            bool defaultHasBits = false;
            foreach (var other in spec.Round) defaultHasBits |= other.Layer is null && other.Bits is not null;
            if (r.Bits is not int b)
            {
                // A layer may override only the method and inherit the width from the model default.
                if (r.Layer is null || !defaultHasBits)
                {
                    Invalid(diagnostics, TargetKind.Round, i, null, "[RoundAccumulator] needs Bits (here or on the model-wide [RoundAccumulator])");
                }
            }
            else if (b != RoundSetting.AutoBits && (b < 1 || b > ModelSpec.HardLimitBits))
            {
                Invalid(diagnostics, TargetKind.Round, i, "Bits", $"Bits must be between 1 and 16, or Auto; it is {b}");
            }
            if (r.Method is RoundingKind m && m != RoundingKind.Exact && m != RoundingKind.Approximate)
            {
                Invalid(diagnostics, TargetKind.Round, i, "Method", $"unknown rounding method {(int)m}");
            }
            if (layerIndex == last && last >= 0)
            {
                Invalid(diagnostics, TargetKind.Round, i, null,
                    $"layer '{r.Layer}' is the last layer: it has no TLU, so there is nothing to round");
            }
        }
        keys.Clear();
        for (int i = 0; i < spec.Ranges.Count; i++)
        {
            var r = spec.Ranges[i];
            int layerIndex = CheckLayerName(spec, diagnostics, TargetKind.Range, i, r.Layer, "ActivationRange", keys);
            if (!IsFinite(r.Min) || !IsFinite(r.Max) || r.Min >= r.Max)
            {
                Invalid(diagnostics, TargetKind.Range, i, null,
                    $"activation range of '{r.Layer}' must be finite with min below max; it is [{F(r.Min)}, {F(r.Max)}]");
            }
            else if (layerIndex >= 0)
            {
                CheckScale(diagnostics, TargetKind.Range, i, r.Max - r.Min, ActivationBitsOf(spec, layerIndex), null,
                    $"activation range of '{r.Layer}', [{F(r.Min)}, {F(r.Max)}],");
            }
            if (layerIndex == last && last >= 0)
            {
                Invalid(diagnostics, TargetKind.Range, i, null,
                    $"layer '{r.Layer}' is the last layer: its outputs are not requantized, so it takes no activation range");
            }
        }
    }

    /// <summary>Smallest positive normal double (netstandard2.0 has no <c>double.MinNormal</c>... nor a named constant).</summary>
    private const double MinNormal = 2.2250738585072014E-308;

    /// <summary>
    /// Largest magnitude a real value of the circuit (input, pre-activation, activation) may have: far below
    /// <see cref="double.MaxValue"/>, so scales, their products and the tables' arguments stay finite.
    /// </summary>
    public const double MaxMagnitude = 1e300;

    /// <summary>
    /// A range <paramref name="width"/> wide quantized to <paramref name="bits"/> bits has the step
    /// <c>width / (2^bits - 1)</c>; it must be finite and normal (an infinite, zero or subnormal step makes every
    /// derived scale, bias and table entry meaningless).
    /// </summary>
    private static void CheckScale(List<CompilerDiagnostic> diagnostics, TargetKind kind, int index, double width, int bits, string? argument, string what)
    {
        double scale = width / ((1L << bits) - 1);
        if (IsFinite(width) && IsFinite(scale) && scale >= MinNormal && width <= MaxMagnitude) return;
        Invalid(diagnostics, kind, index, argument,
            $"{what} quantized to {bits} bits has the step {F(scale)}; the step must be a finite, normal number and the range at most {F(MaxMagnitude)} wide");
    }

    /// <summary>The activation bits layer <paramref name="index"/> resolves to (its override, the default, or 4); tolerant of invalid settings.</summary>
    private static int ActivationBitsOf(ModelSpec spec, int index)
    {
        int? own = null, fallback = null;
        string name = spec.Layers[index].Name;
        foreach (var q in spec.Quantize)
        {
            if (q.Layer is null) fallback = q.ActivationBits ?? fallback;
            else if (q.Layer == name) own = q.ActivationBits ?? own;
        }
        int bits = own ?? fallback ?? ModelDefaults.ActivationBits;
        return bits < 1 || bits > ModelSpec.HardLimitBits ? ModelDefaults.ActivationBits : bits;
    }

    /// <summary>
    /// The real values of a valid spec stay far from overflow: per layer, every pre-activation is bounded by
    /// <c>|bias| + max|input| * sum|w|</c> (a bound of the float model, hence of the quantized one up to rounding), and
    /// the next layer's inputs by its calibrated range or, without one, by that bound (no supported activation grows
    /// a value). Each bound, the weight-times-input scale, and the input range must stay within
    /// <see cref="MaxMagnitude"/> and be normal where they are steps.
    /// </summary>
    private static void ValidateMagnitudes(ModelSpec spec, List<CompilerDiagnostic> diagnostics)
    {
        double maxInput = Math.Max(Math.Abs(spec.InputMin), Math.Abs(spec.InputMax));
        double inputStep = (spec.InputMax - spec.InputMin) / ((1L << spec.InputBits) - 1);
        if (spec.HasFeatureRanges)
        {
            // Each feature was checked on its own; the first layer's bound takes the largest magnitude and the finest step.
            maxInput = 0;
            inputStep = double.PositiveInfinity;
            for (int i = 0; i < spec.Inputs; i++)
            {
                maxInput = Math.Max(maxInput, Math.Max(Math.Abs(spec.FeatureMin[i]), Math.Abs(spec.FeatureMax[i])));
                inputStep = Math.Min(inputStep, ((double)spec.FeatureMax[i] - spec.FeatureMin[i]) / ((1L << spec.InputBits) - 1));
            }
        }
        else if (maxInput > MaxMagnitude)
        {
            Invalid(diagnostics, TargetKind.ModelAttribute, 0, Math.Abs(spec.InputMax) >= Math.Abs(spec.InputMin) ? "InputMax" : "InputMin",
                $"the input range [{F(spec.InputMin)}, {F(spec.InputMax)}] reaches beyond {F(MaxMagnitude)}");
            return;
        }
        int inputs = spec.Inputs;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            var settings = LayerSettings.Resolve(spec, i);
            double bound = 0, smallestStep = double.PositiveInfinity;
            for (int j = 0; j < layer.Outputs; j++)
            {
                double sum = 0, largest = 0;
                for (int k = 0; k < inputs; k++)
                {
                    double w = Math.Abs(layer.Weights[j * inputs + k]);
                    sum += w;
                    if (w > largest) largest = w;
                }
                double bias = j < layer.Bias.Count ? Math.Abs(layer.Bias[j]) : 0;
                bound = Math.Max(bound, bias + maxInput * sum);
                if (largest > 0) smallestStep = Math.Min(smallestStep, largest / ((1L << (settings.WeightBits - 1)) - 1));
            }
            double accumulatorStep = smallestStep * inputStep;
            if (!(bound <= MaxMagnitude) || (!double.IsPositiveInfinity(smallestStep) && inputStep > 0 && !(accumulatorStep >= MinNormal)))
            {
                Invalid(diagnostics, TargetKind.Dense, i, null,
                    $"layer '{layer.Name}': its pre-activations reach {F(bound)} with an accumulator step of {F(accumulatorStep)}; " +
                    $"values must stay within {F(MaxMagnitude)} with normal steps (narrow the input or activation ranges, or scale the weights)");
                return;
            }
            if (settings.OutputMin is double lo && settings.OutputMax is double hi)
            {
                maxInput = Math.Max(Math.Abs(lo), Math.Abs(hi));
                inputStep = (hi - lo) / ((1L << settings.ActivationBits) - 1);
            }
            else
            {
                maxInput = bound;
                // A derived output range is as wide as the activation of the bounds; its step is checked by the next layer's
                // product. A layer bounded by 0 (no weight, no bias) outputs constant zeros: the next layer has no step to check.
                inputStep = bound * 2 / ((1L << settings.ActivationBits) - 1);
            }
            inputs = layer.Outputs;
        }
    }

    /// <summary>Reports unknown or repeated layer names; returns the layer index, -1 for the model default or unknown.</summary>
    private static int CheckLayerName(ModelSpec spec, List<CompilerDiagnostic> diagnostics, TargetKind kind, int index, string? layer,
        string attribute, HashSet<string> keys)
    {
        string key = layer ?? "\0default";
        if (!keys.Add(key))
        {
            Invalid(diagnostics, kind, index, null, layer is null
                ? $"[{attribute}] sets the model default twice"
                : $"[{attribute}] is given twice for layer '{layer}'");
        }
        if (layer is null) return -1;
        int found = spec.IndexOfLayer(layer);
        if (found < 0)
        {
            Invalid(diagnostics, kind, index, "layer", $"[{attribute}] names unknown layer '{layer}'; layers are {LayerList(spec)}");
        }
        return found;
    }

    private static string LayerList(ModelSpec spec)
    {
        var names = new List<string>();
        foreach (var l in spec.Layers) names.Add("'" + l.Name + "'");
        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }

    private static void Invalid(List<CompilerDiagnostic> diagnostics, TargetKind kind, int index, string? argument, string message)
        => Error(diagnostics, DiagnosticIds.InvalidAttribute, kind, index, argument, message);

    private static void Error(List<CompilerDiagnostic> diagnostics, string id, TargetKind kind, int index, string? argument, string message)
        => diagnostics.Add(CompilerDiagnostic.Create(id, Severity.Error, new DiagnosticTarget(kind, index, argument), message));

    private static bool IsFinite(double d) => !double.IsNaN(d) && !double.IsInfinity(d);

    internal static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
