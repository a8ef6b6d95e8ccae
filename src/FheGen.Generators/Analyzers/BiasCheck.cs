using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Generators.Extraction;
using Microsoft.CodeAnalysis;

namespace FheGen.Generators.Analyzers;

/// <summary>
/// FHE0007 (a bias that is zero only because its member is missing or misspelled) and the NoBias/Bias
/// contradiction (FHE0003). Needs the model's members, so it runs in the analyzer beside the compiler core.
/// </summary>
internal static class BiasCheck
{
    public static IEnumerable<CompilerDiagnostic> Check(INamedTypeSymbol type, ModelSpec spec, SourceMap map)
    {
        var used = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var l in spec.Layers)
        {
            used.Add(l.Name);
            if (l.BiasStatus != MemberStatus.Missing) used.Add(l.BiasMember);
        }
        // Members the user wrote (not the generator's, which are implicitly declared or in generated files), not
        // already a layer's weights or bias.
        var candidates = type.GetMembers()
            .Where(m => (m is IFieldSymbol || m is IPropertySymbol) && !m.IsImplicitlyDeclared && !used.Contains(m.Name)
                && m.DeclaringSyntaxReferences.Any(r => !ModelExtractor.IsGeneratedByUs(r.SyntaxTree)))
            .Select(m => m.Name)
            .ToList();
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            if (string.IsNullOrEmpty(layer.Name)) continue;
            var dense = map.Attribute(TargetKind.Dense, i);
            bool noBias = dense?.NamedArguments.Any(a => a.Key == "NoBias" && a.Value.Value is true) == true;
            if (noBias)
            {
                if (layer.BiasExplicit)
                {
                    yield return BiasDiagnostics.Contradiction(i, layer.Name, layer.BiasMember);
                }
                else if (type.GetMembers(layer.BiasMember).Any(m => m is IFieldSymbol || m is IPropertySymbol))
                {
                    yield return BiasDiagnostics.Ignored(i, layer.Name, layer.BiasMember);
                }
                continue;
            }
            if (layer.BiasExplicit || layer.BiasStatus != MemberStatus.Missing) continue;
            yield return BiasDiagnostics.Missing(i, layer.Name, layer.BiasMember, BiasDiagnostics.Closest(layer.BiasMember, candidates));
        }
    }
}
