// Records and init-only setters on netstandard2.0 need this marker type; it is internal so the generator
// (which links this source) and the runtime each get their own private copy.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
