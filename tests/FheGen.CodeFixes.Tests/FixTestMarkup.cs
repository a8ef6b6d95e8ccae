using System.Text.RegularExpressions;

namespace FheGen.CodeFixes.Tests;

internal static class FixTestMarkup
{
    /// <summary>The source without Microsoft.CodeAnalysis.Testing markup.</summary>
    public static string Unmarked(string source) => Regex.Replace(source, @"\{\|[^:|{}]*:|\|\}|\[\||\|\]", "");
}
