using FheGen.Compiler.Model;

namespace FheGen.Generators.Extraction;

/// <summary>One type declaration of the chain that encloses the generated members (outermost first).</summary>
/// <param name="Keyword">"class", "struct", "record" or "record struct".</param>
/// <param name="Name">Name with type parameters, as written.</param>
/// <param name="IsStatic">Whether the type is static.</param>
public sealed record TypeDeclaration(string Keyword, string Name, bool IsStatic);

/// <summary>How generated code reads a layer's members at run time (to rebuild the spec).</summary>
/// <param name="Weights">Weight member name.</param>
/// <param name="WeightsIsSpan">Whether it is a <c>ReadOnlySpan&lt;float&gt;</c> property.</param>
/// <param name="Bias">Bias member name, or null when there is none (zero bias).</param>
/// <param name="BiasIsSpan">Whether the bias is a span property.</param>
public sealed record LayerMembers(string Weights, bool WeightsIsSpan, string? Bias, bool BiasIsSpan);

/// <summary>
/// Everything the emitter needs, symbol-free and value-equatable: the incremental pipeline caches on it.
/// </summary>
/// <param name="Spec">The model spec (budget not yet resolved against the MSBuild property).</param>
/// <param name="Source">What extraction learned about the model's source (validated with the spec, not emitted).</param>
/// <param name="BudgetExplicit">Whether <c>PbsBudgetBits</c> was set on the attribute (it then beats the property).</param>
/// <param name="Namespace">The namespace, or null for the global namespace.</param>
/// <param name="Types">The enclosing type declarations, outermost first, ending with the model.</param>
/// <param name="Members">Per layer, how to read its members.</param>
/// <param name="HintName">The generated file's name.</param>
public sealed record GeneratorModel(
    ModelSpec Spec,
    ModelSource Source,
    bool BudgetExplicit,
    string? Namespace,
    EquatableArray<TypeDeclaration> Types,
    EquatableArray<LayerMembers> Members,
    string HintName)
{
    /// <summary>
    /// The type's exact identity (namespace and enclosing types' metadata names, unsanitized): unique in a compilation,
    /// it tells apart models whose <see cref="HintName"/>s collide.
    /// </summary>
    public string Identity { get; init; } = "";

    /// <summary>Whether the <c>FeatureMin</c> member is a <c>ReadOnlySpan&lt;float&gt;</c> property (read with <c>ToArray</c>).</summary>
    public bool FeatureMinIsSpan { get; init; }

    /// <summary>Whether the <c>FeatureMax</c> member is a <c>ReadOnlySpan&lt;float&gt;</c> property.</summary>
    public bool FeatureMaxIsSpan { get; init; }

    /// <summary>The C# language version of the model's syntax tree (<c>Microsoft.CodeAnalysis.CSharp.LanguageVersion</c>).</summary>
    public int LanguageVersion { get; init; }

    /// <summary>The model with its budget resolved: the attribute's value, else the MSBuild property, else 8.</summary>
    public GeneratorModel WithProjectBudget(int? projectBudget)
        => BudgetExplicit || projectBudget is null ? this : this with { Spec = Spec with { PbsBudgetBits = projectBudget.Value } };
}
