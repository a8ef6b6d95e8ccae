using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace FheGen.CodeFixes;

/// <summary>An FheGen attribute a fix writes: its type, its short name and the named argument it sets.</summary>
internal sealed class FheGenAttribute
{
    public static readonly FheGenAttribute RoundAccumulator = new FheGenAttribute("RoundAccumulator", "Bits");
    public static readonly FheGenAttribute Prune = new FheGenAttribute("Prune", "MaxActiveInputs");
    public static readonly FheGenAttribute Quantize = new FheGenAttribute("Quantize", "WeightBits");
    public static readonly FheGenAttribute QuantizeActivation = new FheGenAttribute("Quantize", "ActivationBits");
    /// <summary>Not a per-layer attribute: the fix sets <c>InputBits</c> on the model's own <c>[FheModel]</c>.</summary>
    public static readonly FheGenAttribute ModelInputBits = new FheGenAttribute("FheModel", "InputBits");

    private FheGenAttribute(string shortName, string argumentName)
    {
        ShortName = shortName;
        ArgumentName = argumentName;
    }

    /// <summary>The name without the <c>Attribute</c> suffix, e.g. <c>Prune</c>.</summary>
    public string ShortName { get; }

    /// <summary>The metadata name of the attribute class.</summary>
    public string MetadataName => FheGenNamespace + "." + ShortName + "Attribute";

    /// <summary>The named argument the fix sets, e.g. <c>MaxActiveInputs</c>.</summary>
    public string ArgumentName { get; }

    public const string FheGenNamespace = "FheGen";
}

/// <summary>Syntax edits of the FheGen attributes on a model class, preserving the user's formatting.</summary>
internal static class AttributeEditor
{
    /// <summary>The attribute a diagnostic span covers (the span of a <c>[Dense]</c> attribute or one of its parts).</summary>
    public static AttributeSyntax? FindAttribute(SyntaxNode root, TextSpan span)
    {
        if (!root.FullSpan.Contains(span)) return null;
        var node = root.FindNode(span, getInnermostNodeForTie: true);
        return node.AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
    }

    /// <summary>The type declaration an attribute is applied to, or null when it is not on a type.</summary>
    public static TypeDeclarationSyntax? ContainingType(AttributeSyntax attribute)
        => attribute.Parent is AttributeListSyntax { Parent: TypeDeclarationSyntax type } ? type : null;

    /// <summary>
    /// The last <c>[attribute("layer", ...)]</c> of the given kind on the type (on any of its declarations; the last
    /// one wins, as in the compiler), whatever the name form: <c>Prune</c>, <c>PruneAttribute</c>, <c>FheGen.Prune</c>,
    /// <c>global::FheGen.PruneAttribute</c> or an alias.
    /// </summary>
    public static AttributeSyntax? FindExisting(SemanticModel model, TypeDeclarationSyntax type, FheGenAttribute attribute, string layer,
        CancellationToken ct)
    {
        if (model.GetDeclaredSymbol(type, ct) is not INamedTypeSymbol symbol) return null;
        AttributeSyntax? found = null;
        foreach (var data in symbol.GetAttributes())
        {
            ct.ThrowIfCancellationRequested();
            if (!IsType(data.AttributeClass, attribute.MetadataName)) continue;
            if (data.ConstructorArguments.Length != 1 || !(data.ConstructorArguments[0].Value is string name)
                || !string.Equals(name, layer, StringComparison.Ordinal))
            {
                continue;
            }
            if (data.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax syntax) found = syntax;
        }
        return found;
    }

    /// <summary>Sets <c>name = value</c> on an attribute: replaces the value if the argument exists, else appends it.</summary>
    public static AttributeSyntax WithNamedArgument(AttributeSyntax attribute, string name, int value)
        => WithNamedArgument(attribute, name, Number(value));

    /// <summary>Sets <c>name = "value"</c> on an attribute.</summary>
    public static AttributeSyntax WithNamedArgument(AttributeSyntax attribute, string name, string value)
        => WithNamedArgument(attribute, name, LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(value)));

    /// <summary>Sets <c>name = true</c> (or false) on an attribute.</summary>
    public static AttributeSyntax WithNamedArgument(AttributeSyntax attribute, string name, bool value)
        => WithNamedArgument(attribute, name, LiteralExpression(value ? SyntaxKind.TrueLiteralExpression : SyntaxKind.FalseLiteralExpression));

    private static AttributeSyntax WithNamedArgument(AttributeSyntax attribute, string name, ExpressionSyntax literal)
    {
        var list = attribute.ArgumentList;
        if (list is null)
        {
            return attribute.WithArgumentList(AttributeArgumentList(SingletonSeparatedList(NamedArgument(name, literal))).NormalizeWhitespace());
        }
        foreach (var argument in list.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return attribute.ReplaceNode(argument.Expression, literal.WithTriviaFrom(argument.Expression));
            }
        }
        var items = list.Arguments.GetWithSeparators();
        if (items.Count > 0) items = items.Add(Token(TriviaList(), SyntaxKind.CommaToken, TriviaList(Space)));
        items = items.Add(NamedArgument(name, literal));
        return attribute.WithArgumentList(list.WithArguments(SeparatedList<AttributeArgumentSyntax>(items)));
    }

    /// <summary>
    /// Adds <c>[attribute("layer", Argument = value)]</c> to <paramref name="type"/> as a new attribute list right
    /// after its last FheGen attribute list, on its own line with the same indentation (or on the same line when
    /// the attribute lists share one).
    /// </summary>
    public static TypeDeclarationSyntax AddAttribute(SemanticModel model, SourceText text, TypeDeclarationSyntax type, AttributeSyntax dense,
        FheGenAttribute attribute, string layer, int value, CancellationToken ct)
    {
        var lists = type.AttributeLists;
        int anchor = -1;
        for (int i = 0; i < lists.Count; i++)
        {
            if (lists[i].Attributes.Any(a => IsFheGen(model, a, ct))) anchor = i;
        }
        if (anchor < 0) anchor = lists.IndexOf(l => l.Attributes.Contains(dense));
        if (anchor < 0) anchor = lists.Count - 1;
        var anchorList = lists[anchor];

        var name = ChooseName(model, anchorList.SpanStart, dense, attribute, layer, value);
        var arguments = SeparatedList(
            new[] { AttributeArgument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(layer))), NamedArgument(attribute.ArgumentName, Number(value)) },
            new[] { Token(SyntaxKind.CommaToken) });
        var newList = AttributeList(SingletonSeparatedList(Attribute(name, AttributeArgumentList(arguments)))).NormalizeWhitespace();

        var endOfLine = anchorList.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (endOfLine.IsKind(SyntaxKind.EndOfLineTrivia))
        {
            var indentation = Indentation(text, anchorList.SpanStart);
            newList = newList
                .WithLeadingTrivia(indentation.Length == 0 ? TriviaList() : TriviaList(Whitespace(indentation)))
                .WithTrailingTrivia(endOfLine);
        }
        else
        {
            // [A] [B] class C: keep the lists on one line.
            bool spaced = anchorList.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
            newList = newList.WithLeadingTrivia(spaced ? TriviaList() : TriviaList(Space)).WithTrailingTrivia(spaced ? TriviaList(Space) : TriviaList());
        }
        return type.WithAttributeLists(lists.Insert(anchor + 1, newList));
    }

    /// <summary>
    /// The attribute's name as the file writes FheGen attributes: the form of the <c>[Dense]</c> at fault when it
    /// binds here (<c>FheGen.Dense</c> gives <c>FheGen.Prune</c>), else the shortest form that binds.
    /// </summary>
    private static NameSyntax ChooseName(SemanticModel model, int position, AttributeSyntax dense, FheGenAttribute attribute, string layer, int value)
    {
        var candidates = new System.Collections.Generic.List<string>(5);
        if (Mirror(dense.Name, attribute.ShortName) is string mirrored) candidates.Add(mirrored);
        candidates.Add(attribute.ShortName);
        candidates.Add(FheGenAttribute.FheGenNamespace + "." + attribute.ShortName);
        candidates.Add("global::" + FheGenAttribute.FheGenNamespace + "." + attribute.ShortName);
        foreach (var candidate in candidates)
        {
            var name = ParseName(candidate);
            var probe = Attribute(name, AttributeArgumentList(SeparatedList(
                new[] { AttributeArgument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(layer))), NamedArgument(attribute.ArgumentName, Number(value)) },
                new[] { Token(SyntaxKind.CommaToken) })));
            var info = model.GetSpeculativeSymbolInfo(position, probe);
            if (info.Symbol is IMethodSymbol ctor && IsType(ctor.ContainingType, attribute.MetadataName)) return name;
        }
        return ParseName(candidates[candidates.Count - 1]);
    }

    /// <summary><c>Dense</c> → <c>Prune</c>, <c>FheGen.DenseAttribute</c> → <c>FheGen.PruneAttribute</c>; null for other forms.</summary>
    private static string? Mirror(NameSyntax dense, string shortName)
    {
        SimpleNameSyntax? right = dense switch
        {
            QualifiedNameSyntax q => q.Right,
            AliasQualifiedNameSyntax a => a.Name,
            SimpleNameSyntax s => s,
            _ => null,
        };
        if (right is not IdentifierNameSyntax) return null;
        string suffix;
        switch (right.Identifier.ValueText)
        {
            case "Dense": suffix = ""; break;
            case "DenseAttribute": suffix = "Attribute"; break;
            default: return null;
        }
        string written = dense.WithoutTrivia().ToString();
        int prefixLength = right.Span.Start - dense.Span.Start;
        if (prefixLength < 0 || prefixLength > written.Length) return null;
        return written.Substring(0, prefixLength).Replace(" ", "") + shortName + suffix;
    }

    private static bool IsFheGen(SemanticModel model, AttributeSyntax attribute, CancellationToken ct)
    {
        var info = model.GetSymbolInfo(attribute, ct);
        var symbol = info.Symbol ?? (info.CandidateSymbols.Length > 0 ? info.CandidateSymbols[0] : null);
        var ns = symbol?.ContainingType?.ContainingNamespace;
        return ns is { Name: FheGenAttribute.FheGenNamespace } && ns.ContainingNamespace is { IsGlobalNamespace: true };
    }

    private static bool IsType(INamedTypeSymbol? type, string metadataName)
        => type is not null && type.TypeKind != TypeKind.Error
           && string.Equals(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), "global::" + metadataName, StringComparison.Ordinal);

    private static string Indentation(SourceText text, int position)
    {
        var line = text.Lines.GetLineFromPosition(position);
        int end = line.Start;
        while (end < position && (text[end] == ' ' || text[end] == '\t')) end++;
        return text.ToString(TextSpan.FromBounds(line.Start, end));
    }

    private static AttributeArgumentSyntax NamedArgument(string name, ExpressionSyntax value)
        // NormalizeWhitespace leaves an empty leading whitespace trivia, which the parser would not produce.
        => AttributeArgument(NameEquals(IdentifierName(name)), null, value).NormalizeWhitespace().WithoutLeadingTrivia();

    private static LiteralExpressionSyntax Number(int value)
        => LiteralExpression(SyntaxKind.NumericLiteralExpression,
            Literal(TriviaList(), value.ToString(CultureInfo.InvariantCulture), value, TriviaList()));
}
