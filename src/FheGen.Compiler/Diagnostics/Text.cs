using System.Globalization;

namespace FheGen.Compiler.Diagnostics;

/// <summary>Small helpers that keep diagnostic wording grammatical.</summary>
public static class Text
{
    /// <summary>"1 LSB", "3 LSBs".</summary>
    public static string Count(long n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");
}
