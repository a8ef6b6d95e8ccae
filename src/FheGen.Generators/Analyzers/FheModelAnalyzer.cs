using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using FheGen.Compiler.Parameters;
using FheGen.Compiler.Pipeline;
using FheGen.Generators.Extraction;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FheGen.Generators.Analyzers;

/// <summary>
/// Reports FHE0001..FHE0010 on <c>[FheModel]</c> classes by running the same extractor and compiler core as
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
        // Where C# rejects an FheGen attribute (wrong target, duplicate, unknown argument, syntax error), the
        // compiler's error is the diagnostic: analyzing what is left would only add noise on top of it.
        if (HasCompilerErrors(type, context.Compilation, context.CancellationToken)) return;
        var fallback = data.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
            ?? type.Locations.FirstOrDefault() ?? Location.None;
        var map = new SourceMap(fallback);
        var model = ModelExtractor.Extract(type, context.Compilation, map, context.CancellationToken);
        if (model is null) return;
        if (model.LanguageVersion < Emission.CircuitEmitter.MinimumLanguageVersion)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LanguageVersionTooLow, fallback,
                $"model '{model.Spec.Name}': the generated code needs C# {Emission.CircuitEmitter.MinimumLanguageVersionText} or later ([InlineArray] buffers); " +
                $"this project compiles with C# {LanguageVersionText(model.LanguageVersion)}: raise <LangVersion> to {Emission.CircuitEmitter.MinimumLanguageVersionText} or later"));
            return;
        }
        context.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(ModelExtractor.BudgetProperty, out var budget);
        int? projectBudget = ModelExtractor.ParseBudget(budget);
        if (!model.BudgetExplicit && !string.IsNullOrWhiteSpace(budget) && projectBudget is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidAttribute, fallback,
                $"MSBuild property FheGenPbsBudgetBits is '{budget}'; it must be a whole number of bits from 1 to 16"));
            return;
        }
        var spec = model.WithProjectBudget(projectBudget).Spec;
        var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis, model.Source);
        foreach (var d in result.Diagnostics.Concat(BiasCheck.Check(type, spec, model.Source, map)))
        {
            var properties = d.Properties.Count == 0
                ? ImmutableDictionary<string, string?>.Empty
                : d.Properties.ToImmutableDictionary();
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ForId(d.Id), map.Locate(d.Target), properties, d.Message));
        }
        // A circuit that compiles must also be encryptable: the same parameter selection as CircuitEncoding.Create
        // (skipped where the rule is turned off, since its remedies recompile the model).
        if (result.Plan is { } plan && !result.HasErrors &&
            DiagnosticDescriptors.NoSecureParameters.GetEffectiveSeverity(context.Compilation.Options) != ReportDiagnostic.Suppress &&
            ParameterFeasibility.Diagnose(spec, plan, context.CancellationToken) is { } infeasible)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoSecureParameters, map.Locate(infeasible.Target),
                infeasible.Properties.ToImmutableDictionary(), infeasible.Message));
        }
    }

    private static string LanguageVersionText(int version)
        => Microsoft.CodeAnalysis.CSharp.LanguageVersionFacts.ToDisplayString((Microsoft.CodeAnalysis.CSharp.LanguageVersion)version);

    private static bool HasCompilerErrors(INamedTypeSymbol type, Compilation compilation, CancellationToken ct)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ContainingNamespace is not { Name: "FheGen" } ns || !ns.ContainingNamespace.IsGlobalNamespace) continue;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(ct) is not AttributeSyntax syntax) continue;
            if (syntax.ContainsDiagnostics) return true;
#pragma warning disable RS1030 // The attribute's own binding errors are only available from a semantic model.
            var model = compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
            foreach (var diagnostic in model.GetDeclarationDiagnostics(syntax.Span, ct))
            {
                if (diagnostic.Severity == DiagnosticSeverity.Error) return true;
            }
        }
        return false;
    }
}
