using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FheGen.Generators.Tests.Generator;

/// <summary>Structural queries over a generated file (parsed, not regex-matched).</summary>
internal sealed class GeneratedCode
{
    public GeneratedCode(string text)
    {
        Text = text;
        Root = TestCompilation.Parse(text).GetRoot();
        Methods = Root.DescendantNodes().OfType<MethodDeclarationSyntax>().ToList();
    }

    public string Text { get; }

    public Microsoft.CodeAnalysis.SyntaxNode Root { get; }

    public IReadOnlyList<MethodDeclarationSyntax> Methods { get; }

    /// <summary>The chunk methods of layer <paramref name="layer"/>, in order.</summary>
    public IReadOnlyList<MethodDeclarationSyntax> LayerChunks(int layer)
        => Methods.Where(m => m.Identifier.ValueText.StartsWith($"__FheGen_L{layer}_", StringComparison.Ordinal)).ToList();

    public static IEnumerable<InvocationExpressionSyntax> Calls(Microsoft.CodeAnalysis.SyntaxNode node, string method)
        => node.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is MemberAccessExpressionSyntax m && m.Name.Identifier.ValueText == method);

    /// <summary>The body of the generated <c>Run</c>.</summary>
    public MethodDeclarationSyntax Run => Methods.Single(m => m.Identifier.ValueText == "Run");

    /// <summary>The elements of the array initializer of field <paramref name="name"/>, as written.</summary>
    public IReadOnlyList<string> FieldArrayElements(string name)
    {
        var variable = Root.DescendantNodes().OfType<VariableDeclaratorSyntax>().Single(v => v.Identifier.ValueText == name);
        var init = variable.Initializer!.Value.DescendantNodes().OfType<InitializerExpressionSyntax>().First();
        return init.Expressions.Select(e => e.ToString()).ToList();
    }

    public bool HasField(string name)
        => Root.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(v => v.Identifier.ValueText == name);
}
