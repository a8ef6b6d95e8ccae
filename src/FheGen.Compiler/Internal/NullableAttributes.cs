// netstandard2.0 lacks the nullable-analysis attributes; the compiler recognizes these by name. Internal, so the
// generator (which links this source) and the runtime each get their own private copy.
namespace System.Diagnostics.CodeAnalysis;

/// <summary>The out parameter is not null when the method returns <see cref="ReturnValue"/>.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class NotNullWhenAttribute : Attribute
{
    public NotNullWhenAttribute(bool returnValue) => ReturnValue = returnValue;

    public bool ReturnValue { get; }
}
