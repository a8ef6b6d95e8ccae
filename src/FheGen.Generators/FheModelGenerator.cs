using FheGen.Generators.Emission;
using FheGen.Generators.Extraction;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FheGen.Generators
{
    /// <summary>Tracking names of the generator's pipeline steps, for incrementality tests.</summary>
    public static class TrackingNames
    {
        /// <summary>The symbol-free model extracted from the attributes.</summary>
        public const string Model = nameof(Model);
        /// <summary>The project-wide budget read from MSBuild.</summary>
        public const string Budget = nameof(Budget);
        /// <summary>The emitted source.</summary>
        public const string Source = nameof(Source);
    }

    /// <summary>
    /// Compiles every <c>[FheModel]</c> class into an unrolled integer circuit. Diagnostics come from
    /// <c>FheModelAnalyzer</c>, which runs the same compiler core; a model with errors gets no
    /// generated code, so broken output never reaches the user.
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
                .WithTrackingName(TrackingNames.Model);

            var budget = context.AnalyzerConfigOptionsProvider
                .Select(static (options, _) => ModelExtractor.ParseBudget(
                    options.GlobalOptions.TryGetValue(ModelExtractor.BudgetProperty, out var value) ? value : null))
                .WithTrackingName(TrackingNames.Budget);

            var sources = models.Combine(budget)
                .Select(static (pair, ct) => CircuitEmitter.Emit(pair.Left!.WithProjectBudget(pair.Right), ct))
                .WithTrackingName(TrackingNames.Source);

            context.RegisterSourceOutput(sources, static (spc, source) =>
            {
                if (source is not null) spc.AddSource(source.HintName, source.Text);
            });
        }
    }
}
