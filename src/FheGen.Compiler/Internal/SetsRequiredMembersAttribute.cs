// The companion of RequiredMembers.cs: a constructor that sets every required member says so with this. Internal and
// only where the target framework lacks it (.NET 7+ defines it).
#if !NET7_0_OR_GREATER
namespace System.Diagnostics.CodeAnalysis;

[AttributeUsage(AttributeTargets.Constructor, AllowMultiple = false, Inherited = false)]
internal sealed class SetsRequiredMembersAttribute : Attribute
{
}
#endif
