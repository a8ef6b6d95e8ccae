// `required` members on netstandard2.0 need these marker types, which the compiler recognizes by name. Internal, so
// the generator (which links this source) and the runtime each get their own private copy; compiled only where the
// framework lacks them, so a net7+ assembly compiling these sources does not get a second definition.
#if !NET7_0_OR_GREATER
namespace System.Runtime.CompilerServices;

/// <summary>Marks a type with required members, and each such member.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
internal sealed class RequiredMemberAttribute : Attribute
{
}

/// <summary>Marks constructors that older compilers must not call (they do not know to set required members).</summary>
[AttributeUsage(AttributeTargets.All, AllowMultiple = true, Inherited = false)]
internal sealed class CompilerFeatureRequiredAttribute : Attribute
{
    public CompilerFeatureRequiredAttribute(string featureName) => FeatureName = featureName;

    public string FeatureName { get; }

    public bool IsOptional { get; init; }
}
#endif
