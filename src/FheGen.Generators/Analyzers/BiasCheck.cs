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
    public static IEnumerable<CompilerDiagnostic> Check(INamedTypeSymbol type, ModelSpec spec, ModelSource source, SourceMap map)
    {
        var used = new HashSet<string>(System.StringComparer.Ordinal);
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            used.Add(spec.Layers[i].Name);
            var members = source.Layer(spec, i);
            if (members.BiasStatus != MemberStatus.Missing) used.Add(members.BiasMember);
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
            var bias = source.Layer(spec, i);
            if (string.IsNullOrEmpty(layer.Name)) continue;
            var dense = map.Attribute(TargetKind.Dense, i);
            bool noBias = dense?.NamedArguments.Any(a => a.Key == "NoBias" && a.Value.Value is true) == true;
            if (noBias)
            {
                if (bias.BiasExplicit)
                {
                    yield return BiasDiagnostics.Contradiction(i, layer.Name, bias.BiasMember);
                }
                else if (type.GetMembers(bias.BiasMember).Any(m => m is IFieldSymbol || m is IPropertySymbol))
                {
                    yield return BiasDiagnostics.Ignored(i, layer.Name, bias.BiasMember);
                }
                continue;
            }
            if (bias.BiasExplicit || bias.BiasStatus != MemberStatus.Missing) continue;
            yield return BiasDiagnostics.Missing(i, layer.Name, bias.BiasMember, BiasDiagnostics.Closest(bias.BiasMember, candidates));
        }
    }
}
