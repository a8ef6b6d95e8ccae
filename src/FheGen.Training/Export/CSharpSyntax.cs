using System;
using System.Collections.Generic;
using System.Globalization;

namespace FheGen.Training;

/// <summary>The little C# lexical knowledge the weights writer needs, without a Roslyn dependency.</summary>
internal static class CSharpSyntax
{
    // Reserved keywords only: contextual ones (var, value, record, ...) are valid identifiers.
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit",
        "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int",
        "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out",
        "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed",
        "short", "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try",
        "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>Whether <paramref name="name"/> is a plain (non-verbatim, non-keyword) C# identifier.</summary>
    internal static bool IsIdentifier(string? name)
    {
        if (string.IsNullOrEmpty(name) || Keywords.Contains(name))
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(name[i]);
            bool isStart = name[i] == '_' || category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
                or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.LetterNumber;
            bool isPart = isStart || category is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.Format;
            if (i == 0 ? !isStart : !isPart)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="name"/> is a dotted sequence of identifiers, such as a namespace name.</summary>
    internal static bool IsQualifiedName(string name)
    {
        foreach (string part in name.Split('.'))
        {
            if (!IsIdentifier(part))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The shortest C# float literal that reads back as exactly <paramref name="value"/>, with an <c>f</c>
    /// suffix (<c>0.1f</c>, <c>1E-05f</c>, <c>-0f</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The value is NaN or infinite, which has no literal.</exception>
    internal static string FloatLiteral(float value)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentException($"{value} has no C# literal.", nameof(value));
        }

        // "R" is shortest round-trip on .NET Core 3.0+; the check guards the contract rather than the runtime.
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (BitConverter.SingleToInt32Bits(float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture))
            != BitConverter.SingleToInt32Bits(value))
        {
            text = value.ToString("G9", CultureInfo.InvariantCulture);
        }

        return text + "f";
    }

    /// <summary>
    /// A C# double literal that reads back as exactly <paramref name="value"/>: shortest round-trip digits,
    /// and a <c>d</c> suffix only for negative zero, which <c>-0</c> (an int) would lose.
    /// </summary>
    /// <exception cref="ArgumentException">The value is NaN or infinite.</exception>
    internal static string DoubleLiteral(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"{value} has no C# literal.", nameof(value));
        }

        if (value == 0 && double.IsNegative(value))
        {
            return "-0d";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (BitConverter.DoubleToInt64Bits(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture))
            != BitConverter.DoubleToInt64Bits(value))
        {
            text = value.ToString("G17", CultureInfo.InvariantCulture);
        }

        return text;
    }

    /// <summary>Replaces line breaks and other control characters so <paramref name="text"/> stays inside a <c>//</c> comment.</summary>
    internal static string SingleLineComment(string text)
    {
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]) || chars[i] is '\u2028' or '\u2029' or '\u0085')
            {
                chars[i] = ' ';
            }
        }

        return new string(chars).Trim();
    }
}
