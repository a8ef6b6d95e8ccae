using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FheGen.Generators.Extraction;

/// <summary>
/// Where each declaration of a model lives, so the analyzer can put a compiler diagnostic on the
/// attribute, argument or member at fault. Analyzer-only: it holds syntax and locations.
/// </summary>
internal sealed class SourceMap
{
    private readonly Dictionary<(TargetKind, int), AttributeData> _attributes = new Dictionary<(TargetKind, int), AttributeData>();
    private readonly Dictionary<(TargetKind, int), ISymbol> _members = new Dictionary<(TargetKind, int), ISymbol>();
    private readonly Location _fallback;
    private Location? _modelType;

    public SourceMap(Location fallback) => _fallback = fallback;

    public void Set(TargetKind kind, int index, AttributeData attribute) => _attributes[(kind, index)] = attribute;

    public void SetMember(TargetKind kind, int index, ISymbol? member)
    {
        if (member is not null) _members[(kind, index)] = member;
    }

    public void SetModelType(Location location) => _modelType ??= location;

    /// <summary>The attribute data of a target, if it is an attribute.</summary>
    public AttributeData? Attribute(TargetKind kind, int index) => _attributes.TryGetValue((kind, index), out var a) ? a : null;

    /// <summary>The attribute syntax for a target, if it is an attribute.</summary>
    public AttributeSyntax? AttributeSyntax(TargetKind kind, int index)
        => _attributes.TryGetValue((kind, index), out var a) ? a.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax : null;

    /// <summary>The best location for a diagnostic target.</summary>
    public Location Locate(DiagnosticTarget target)
    {
        switch (target.Kind)
        {
            case TargetKind.ModelType:
                return _modelType ?? _fallback;
            case TargetKind.Member:
                return _members.TryGetValue((target.Kind, target.Index), out var declared)
                    ? declared.Locations.FirstOrDefault(l => l.IsInSource) ?? _fallback
                    : _fallback;
            case TargetKind.Weights:
            case TargetKind.Bias:
                if (_members.TryGetValue((target.Kind, target.Index), out var member))
                {
                    return member.Locations.FirstOrDefault(l => l.IsInSource) ?? _fallback;
                }
                return Locate(new DiagnosticTarget(TargetKind.Dense, target.Index));
            case TargetKind.FeatureRange:
                return _members.TryGetValue((target.Kind, target.Index), out var range)
                    ? range.Locations.FirstOrDefault(l => l.IsInSource) ?? _fallback
                    : Locate(new DiagnosticTarget(TargetKind.ModelAttribute, 0));
        }
        var syntax = AttributeSyntax(target.Kind, target.Index);
        if (syntax is null) return _fallback;
        if (target.Argument is string argument && syntax.ArgumentList is { } list)
        {
            foreach (var arg in list.Arguments)
            {
                if (arg.NameEquals?.Name.Identifier.ValueText == argument) return arg.GetLocation();
            }
            // Constructor arguments are positional: the layer name first, the size second.
            int position = argument switch { "field" => 0, "layer" => 0, "outputs" => 1, _ => -1 };
            var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            if (position >= 0 && position < positional.Count) return positional[position].GetLocation();
        }
        return syntax.GetLocation();
    }
}
