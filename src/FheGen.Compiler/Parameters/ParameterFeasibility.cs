using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Parameters;

/// <summary>Whether a circuit can run under TFHE at 128-bit security, and if not, what it lacks.</summary>
/// <param name="Feasible">Whether a secure parameter set meets every read at the plan's per-lookup p_error.</param>
/// <param name="Log2PError">The per-lookup log2 p_error checked (−∞ for p_error 0, which no noisy ciphertext meets).</param>
/// <param name="SharedSet">
/// The cheapest single set meeting every read, when one exists; for p_error 0, the one at the default p_error 2^-40
/// when that target can be met.
/// </param>
/// <param name="Binding">
/// When infeasible: the read that limits the closest candidate of the search space (the one to relax), or null when
/// the space has no candidate at all.
/// </param>
/// <param name="MinimumLog2PError">When infeasible: the smallest per-lookup log2 p_error at which a set exists, if any.</param>
public sealed record FeasibilityVerdict(bool Feasible, double Log2PError, TfheParameters? SharedSet, NoiseConstraint? Binding, double? MinimumLog2PError);

/// <summary>
/// The build-time check behind FHE0008: runs the very derivation (<see cref="CircuitReads"/>) and selection
/// (<see cref="ParameterSelector"/>) that FheGen.Tfhe's <c>CircuitEncoding.Create</c> runs, so a model that passes is
/// one whose encoding can be created.
/// </summary>
/// <remarks>
/// <para>
/// The check is the single shared set (<see cref="ParameterSelector.SelectFor"/>): <c>Create</c>'s joint per-width
/// selection starts from that set and falls back to it, so it succeeds exactly when the shared set exists, and the
/// shared search is one grid pass instead of a descent.
/// </para>
/// <para>
/// Searches are cached by their reads and target, because the analyzer runs on every keystroke and an edit elsewhere in
/// the file leaves the model, and so its reads, unchanged.
/// </para>
/// </remarks>
public static class ParameterFeasibility
{
    private const int CacheLimit = 512;

    // The reference target when the model asks for p_error 0, which no noisy ciphertext can meet: Concrete ML's default.
    private const double DefaultLog2PError = ModelDefaults.Log2PError;

    private static readonly ConcurrentDictionary<(string Reads, double Log2PError, ParameterSearchSpace Space), ParameterSelector.SharedSetSearch> Cache = new();

    private static readonly CompileOptions TrialOptions = new CompileOptions { BuildTables = false };

    /// <summary>Checks whether <paramref name="plan"/> has a 128-bit-secure parameter set at its per-lookup p_error.</summary>
    /// <param name="plan">The compiled circuit.</param>
    /// <param name="space">Search ranges (<see cref="ParameterSearchSpace.Default"/>, as <c>CircuitEncoding.Create</c>, when null).</param>
    public static FeasibilityVerdict Check(CircuitPlan plan, ParameterSearchSpace? space = null) => Check(plan, space, withMinimum: true);

    private static FeasibilityVerdict Check(CircuitPlan plan, ParameterSearchSpace? space, bool withMinimum)
    {
        Numerics.ThrowIfNull(plan, nameof(plan));
        space ??= ParameterSearchSpace.Default;
        var constraints = CircuitReads.Derive(plan).Constraints;
        double p = plan.PError;
        if (!(p > 0 && p < 1))
        {
            // p_error 0 is no target for a noisy ciphertext; say whether the default target works, or what would.
            var atDefault = Search(constraints, DefaultLog2PError, space);
            if (atDefault.Parameters is { } atDefaultSet)
                return new FeasibilityVerdict(false, double.NegativeInfinity, atDefaultSet, null, null);
            return new FeasibilityVerdict(false, double.NegativeInfinity, null, Binding(constraints, atDefault),
                withMinimum ? MinimumLog2PError(constraints, DefaultLog2PError, atDefault, space) : null);
        }

        double log2 = ParameterSelector.Log2PError(p);
        var search = Search(constraints, log2, space);
        if (search.Parameters is { } set)
            return new FeasibilityVerdict(true, log2, set, null, null);
        return new FeasibilityVerdict(false, log2, null, Binding(constraints, search), withMinimum ? MinimumLog2PError(constraints, log2, search, space) : null);
    }

    /// <summary>
    /// FHE0008 for a model whose plan has no secure parameter set, or null when it has one. The remedies are computed,
    /// not guessed: the smallest p_error that makes a set exist, and the largest narrower rounding, weight width and input
    /// width of the limiting layer for which the recompiled model passes this same check.
    /// </summary>
    /// <param name="spec">The model (recompiled under changed settings for the remedies).</param>
    /// <param name="plan">Its compiled circuit.</param>
    /// <param name="cancellationToken">Stops the remedy search between recompilations.</param>
    public static CompilerDiagnostic? Diagnose(ModelSpec spec, CircuitPlan plan, CancellationToken cancellationToken = default)
    {
        Numerics.ThrowIfNull(spec, nameof(spec));
        Numerics.ThrowIfNull(plan, nameof(plan));
        var verdict = Check(plan);
        if (verdict.Feasible) return null;

        var remedies = new List<string>();
        if (verdict.MinimumLog2PError is double minimum)
            remedies.Add(PErrorRemedy(spec, plan, minimum));
        else if (verdict.SharedSet is not null)
            remedies.Add("PError = " + Math.Pow(2, DefaultLog2PError).ToString("G2", CultureInfo.InvariantCulture) + " (" + FormatLog2(DefaultLog2PError) + ", the default)");

        int layerIndex = verdict.Binding?.Layer ?? -1;
        if (layerIndex >= 0 && layerIndex < plan.Layers.Count && layerIndex < spec.Layers.Count)
            remedies.AddRange(WidthRemedies(spec, plan.Layers[layerIndex], cancellationToken));

        var message = new StringBuilder("no 128-bit-secure TFHE parameter set meets ");
        message.Append(verdict.Binding is { } binding
            ? Numerics.Invariant($"the read '{binding.Label}' ({Text.Count(binding.PrecisionBits, "bit")} of tolerance)")
            : "every read of the circuit");
        message.Append(double.IsNegativeInfinity(verdict.Log2PError)
            ? Numerics.Invariant($" with PError = {plan.PError.ToString("R", CultureInfo.InvariantCulture)}, which no noisy ciphertext can meet")
            : " at p_error " + FormatLog2(verdict.Log2PError) + " per lookup");
        message.Append(", so CircuitEncoding.Create would fail");
        message.Append(remedies.Count > 0
            ? ". Fits with: " + string.Join("; ", remedies)
            : ". Nothing within reach fits: no p_error below 1 and no narrower rounding, weight or input width of the limiting layer");

        var target = layerIndex >= 0 && layerIndex < spec.Layers.Count
            ? new DiagnosticTarget(TargetKind.Dense, layerIndex)
            : new DiagnosticTarget(TargetKind.ModelAttribute, 0);
        var properties = new Dictionary<string, string?>();
        if (layerIndex >= 0 && layerIndex < spec.Layers.Count) properties[CompilerDiagnostic.LayerProperty] = spec.Layers[layerIndex].Name;
        return new CompilerDiagnostic(DiagnosticIds.NoSecureParameters, Severity.Error, target, message.ToString(), properties);
    }

    /// <summary>Whether <paramref name="spec"/> compiles without errors to a plan that passes <see cref="Check(CircuitPlan, ParameterSearchSpace?)"/>.</summary>
    public static bool Fits(ModelSpec spec)
    {
        var result = CircuitCompiler.Compile(spec, TrialOptions);
        return result.Plan is { } plan && !result.HasErrors && Check(plan, null, withMinimum: false).Feasible;
    }

    private static string PErrorRemedy(ModelSpec spec, CircuitPlan plan, double minimumLog2)
    {
        double perLookup = RoundUp(Math.Pow(2, minimumLog2));
        if (spec.GlobalPError is null)
            return "PError >= " + perLookup.ToString("G2", CultureInfo.InvariantCulture) + " (" + FormatLog2(minimumLog2) + ")";
        // The model states the whole circuit's probability: the smallest GlobalPError whose per-lookup share reaches it.
        double global = RoundUp(CircuitPlan.GlobalPErrorFor(Math.Pow(2, minimumLog2), plan.TotalPbsCount));
        return "GlobalPError >= " + global.ToString("G2", CultureInfo.InvariantCulture) + " (" + FormatLog2(minimumLog2) + " per lookup)";
    }

    private static IEnumerable<string> WidthRemedies(ModelSpec spec, LayerPlan layer, CancellationToken ct)
    {
        var settings = LayerSettings.Resolve(spec, layer.Index);
        string name = layer.Name;
        string Quote(string s) => "\"" + s + "\"";

        if (!layer.IsOutput)
        {
            // Exact rounding reads the removed low bits one chunk at a time, scaled to the top of the torus with their
            // noise; approximate rounding reads only the lookup's bits. Otherwise: fewer bits read by the lookup.
            bool exact = layer.RoundedBits > 0 && layer.RoundingMethod == RoundingKind.Exact;
            for (int bits = exact ? layer.TluInputBits : layer.TluInputBits - 1; bits >= 1; bits--)
            {
                ct.ThrowIfCancellationRequested();
                var method = exact ? RoundingKind.Approximate : settings.RoundMethod;
                var round = new RoundSetting(name, bits) { Method = method };
                if (Fits(spec with { Round = Append(spec.Round, round) }))
                {
                    yield return Numerics.Invariant($"[RoundAccumulator({Quote(name)}, Bits = {bits}{(method == RoundingKind.Approximate ? ", Method = Rounding.Approximate" : "")})]");
                    break;
                }
            }
        }

        // Narrower weights: a smaller accumulator and a smaller 2-norm of the weights feeding the read.
        for (int w = settings.WeightBits - 1; w >= 2; w--)
        {
            ct.ThrowIfCancellationRequested();
            if (Fits(spec with { Quantize = Append(spec.Quantize, new QuantizeSetting(name, w, null, null)) }))
            {
                yield return Numerics.Invariant($"[Quantize({Quote(name)}, WeightBits = {w})]");
                break;
            }
        }

        // Narrower inputs of the layer: the model's InputBits for the first layer, the previous layer's activations otherwise.
        int inputBits = layer.Input.Bits;
        for (int a = inputBits - 1; a >= 1; a--)
        {
            ct.ThrowIfCancellationRequested();
            if (layer.Index == 0)
            {
                if (Fits(spec with { InputBits = a }))
                {
                    yield return Numerics.Invariant($"InputBits = {a}");
                    break;
                }
            }
            else
            {
                string previous = spec.Layers[layer.Index - 1].Name;
                if (Fits(spec with { Quantize = Append(spec.Quantize, new QuantizeSetting(previous, null, a, null)) }))
                {
                    yield return Numerics.Invariant($"[Quantize({Quote(previous)}, ActivationBits = {a})]");
                    break;
                }
            }
        }
    }

    private static NoiseConstraint? Binding(IReadOnlyList<NoiseConstraint> constraints, ParameterSelector.SharedSetSearch search)
        => search.BindingRead >= 0 ? constraints[search.BindingRead] : null;

    /// <summary>
    /// The smallest log2 p_error at which a shared set exists. Every read's allowance scales as 1/x² with
    /// x = erfc⁻¹(p_error), so the candidate closest to feasible at the target becomes feasible at x/√slack; the result
    /// is confirmed by the search itself and nudged towards a larger p_error until it is.
    /// </summary>
    private static double? MinimumLog2PError(IReadOnlyList<NoiseConstraint> constraints, double log2, ParameterSelector.SharedSetSearch search, ParameterSearchSpace space)
    {
        if (!Numerics.IsFinite(search.Slack) || search.Slack <= 0) return null;
        double x = ErrorFunction.InverseLog2Erfc(log2) / Math.Sqrt(search.Slack);
        for (int attempt = 0; attempt < 12; attempt++)
        {
            double candidate = ErrorFunction.Log2Erfc(x * (1 - 1e-12 * Math.Pow(4, attempt)));
            if (!(candidate < 0)) return null;
            if (Search(constraints, candidate, space).Parameters is not null) return candidate;
        }

        return null;
    }

    private static ParameterSelector.SharedSetSearch Search(IReadOnlyList<NoiseConstraint> constraints, double log2, ParameterSearchSpace space)
    {
        var key = (ReadsKey(constraints), log2, space);
        if (Cache.TryGetValue(key, out var cached)) return cached;
        var search = ParameterSelector.SearchShared(constraints, log2, space);
        if (Cache.Count >= CacheLimit) Cache.Clear();
        Cache[key] = search;
        return search;
    }

    // Everything of a read that the shared search looks at, in order (the binding read is an index into the list).
    private static string ReadsKey(IReadOnlyList<NoiseConstraint> constraints)
    {
        var sb = new StringBuilder();
        foreach (var c in constraints)
        {
            sb.Append(c.PrecisionBits).Append(',').Append(c.TableBits).Append(',')
              .Append(c.BlindRotationWeight.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(c.FreshWeight.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(c.ExtractionWeight.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(c.ThroughBootstrap ? '1' : '0').Append(';');
        }

        return sb.ToString();
    }

    /// <summary>Rounds up to two significant digits, so that the printed value is at least the exact threshold.</summary>
    private static double RoundUp(double value)
    {
        double scale = Math.Pow(10, Math.Floor(Math.Log10(value)) - 1);
        double rounded = Math.Ceiling(value / scale) * scale;
        // Printing with "G2" must not fall below the value either.
        double printed = double.Parse(rounded.ToString("G2", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return printed >= value ? printed : rounded + scale;
    }

    private static string FormatLog2(double log2)
    {
        double whole = Math.Round(log2);
        return Math.Abs(log2 - whole) < 1e-9
            ? "2^" + whole.ToString("0", CultureInfo.InvariantCulture)
            : "2^" + log2.ToString("F2", CultureInfo.InvariantCulture);
    }

    private static EquatableArray<T> Append<T>(EquatableArray<T> items, T item)
        where T : IEquatable<T>
    {
        var array = new T[items.Count + 1];
        for (int i = 0; i < items.Count; i++) array[i] = items[i];
        array[items.Count] = item;
        return new EquatableArray<T>(array);
    }
}
