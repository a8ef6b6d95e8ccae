using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Generators.Emission;
using FheGen.Generators.Extraction;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FheGen.Generators;

/// <summary>Tracking names of the generator's pipeline steps, for incrementality tests.</summary>
public static class TrackingNames
{
    /// <summary>The symbol-free model extracted from the attributes.</summary>
    public const string Model = nameof(Model);
    /// <summary>The project-wide options read from MSBuild (budget, unroll limit).</summary>
    public const string Budget = nameof(Budget);
    /// <summary>The models whose hint names collide (case-insensitively) with another model's.</summary>
    public const string HintCollisions = nameof(HintCollisions);
    /// <summary>The compiled model: plan and fingerprint (<c>CompiledModel</c>), before any text is written.</summary>
    public const string Compile = nameof(Compile);
    /// <summary>The emitted source.</summary>
    public const string Source = nameof(Source);
}

/// <summary>
/// Compiles every <c>[FheModel]</c> class into an integer circuit. Diagnostics come from <c>FheModelAnalyzer</c>,
/// which runs the same extractor and compiler core; a model with errors gets no generated code, so broken output
/// never reaches the user.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class FheModelGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider.ForAttributeWithMetadataName(
                ModelExtractor.FheModelAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is INamedTypeSymbol type
                    ? ModelExtractor.Extract(type, ctx.SemanticModel.Compilation, null, ct)
                    : null)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.Model);

        var options = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => GeneratorOptions.Read(options.GlobalOptions))
            .WithTrackingName(TrackingNames.Budget);

        // Hint names must be unique, case-insensitively (AddSource throws otherwise and every model loses its code).
        // Only the identities and hint names are collected, so an edit to one model's weights leaves this step, and
        // every other model's output, cached.
        var collisions = models
            .Select(static (m, _) => (m.Identity, m.HintName))
            .Collect()
            .Select(static (all, _) => HintNames.Colliding(all))
            .WithTrackingName(TrackingNames.HintCollisions);

        // Compiling is its own step, so the emitter below only writes text and an edit that leaves the compiled model
        // equal (plan, fingerprint, resolved model) stops here.
        var compiled = models.Combine(collisions).Combine(options)
            .Select(static (pair, ct) =>
            {
                var ((model, colliding), options) = pair;
                if (options.BudgetInvalid && !model.BudgetExplicit) return null; // FHE0003 from the analyzer
                var resolved = model.WithProjectBudget(options.Budget);
                if (colliding.Contains(model.Identity)) resolved = resolved with { HintName = HintNames.Disambiguated(model) };
                return CompiledModel.Compile(resolved, options.UnrollLimit, ct);
            })
            .WithTrackingName(TrackingNames.Compile);

        var sources = compiled
            .Select(static (model, ct) => model is null ? null : CircuitEmitter.Emit(model, ct))
            .WithTrackingName(TrackingNames.Source);

        context.RegisterSourceOutput(sources, static (spc, source) =>
        {
            if (source is not null) spc.AddSource(source.HintName, source.Text);
        });
    }
}

/// <summary>The MSBuild properties the generator reads; value-equatable for caching.</summary>
/// <param name="Budget">The valid project budget, or null.</param>
/// <param name="BudgetInvalid">Whether <c>FheGenPbsBudgetBits</c> is set to something invalid.</param>
/// <param name="UnrollLimit">Layers with more multiply-adds, and tables with more entries, are emitted as data.</param>
internal sealed record GeneratorOptions(int? Budget, bool BudgetInvalid, int UnrollLimit)
{
    public static GeneratorOptions Read(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
    {
        options.TryGetValue(ModelExtractor.BudgetProperty, out var budget);
        int? parsed = ModelExtractor.ParseBudget(budget);
        options.TryGetValue(ModelExtractor.UnrollLimitProperty, out var limit);
        return new GeneratorOptions(parsed, parsed is null && !string.IsNullOrWhiteSpace(budget), ModelExtractor.ParseUnrollLimit(limit));
    }
}

/// <summary>Unique hint names: a model whose hint name collides gets a suffix hashed from its exact identity.</summary>
internal static class HintNames
{
    /// <summary>The identities of models whose hint name another model shares, ignoring case (sorted).</summary>
    public static EquatableArray<string> Colliding(ImmutableArray<(string Identity, string HintName)> all)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var group in all.GroupBy(m => m.HintName, StringComparer.OrdinalIgnoreCase))
        {
            var identities = group.Select(m => m.Identity).Distinct(StringComparer.Ordinal).ToList();
            if (identities.Count > 1) result.UnionWith(identities);
        }
        return new EquatableArray<string>(result.ToArray());
    }

    /// <summary>
    /// <c>A.B.FheGen.0123456789abcdef.g.cs</c>: deterministic (FNV-1a of the identity, not the order models are seen
    /// in), and never equal to an unsuffixed <c>*.FheGen.g.cs</c> name.
    /// </summary>
    public static string Disambiguated(GeneratorModel model)
    {
        const string suffix = ".FheGen.g.cs";
        string stem = model.HintName.EndsWith(suffix, StringComparison.Ordinal)
            ? model.HintName.Substring(0, model.HintName.Length - suffix.Length)
            : model.HintName;
        ulong hash = 14695981039346656037UL;
        foreach (char c in model.Identity)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return stem + ".FheGen." + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
    }
}
