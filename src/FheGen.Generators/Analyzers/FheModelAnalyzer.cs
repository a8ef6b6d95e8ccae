using System.Collections.Immutable;
using System.Linq;
using FheGen.Compiler.Pipeline;
using FheGen.Generators.Extraction;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FheGen.Generators.Analyzers
{
    /// <summary>
    /// Reports FHE0001..FHE0006 on <c>[FheModel]</c> classes by running the same extractor and compiler core as
    /// the generator, with advice and summaries on and tables off.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class FheModelAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                var attribute = start.Compilation.GetTypeByMetadataName(ModelExtractor.FheModelAttribute);
                if (attribute is null) return;
                start.RegisterSymbolAction(ctx => Analyze(ctx, attribute), SymbolKind.NamedType);
            });
        }

        private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol attribute)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            var data = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));
            if (data is null) return;
            var fallback = data.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
                ?? type.Locations.FirstOrDefault() ?? Location.None;
            var map = new SourceMap(fallback);
            var model = ModelExtractor.Extract(type, context.Compilation, map, context.CancellationToken);
            if (model is null) return;
            context.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(ModelExtractor.BudgetProperty, out var budget);
            var spec = model.WithProjectBudget(ModelExtractor.ParseBudget(budget)).Spec;
            var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
            foreach (var d in result.Diagnostics)
            {
                var properties = d.Properties.Count == 0
                    ? ImmutableDictionary<string, string?>.Empty
                    : d.Properties.ToImmutableDictionary();
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ForId(d.Id), map.Locate(d.Target), properties, d.Message));
            }
        }
    }
}
