using System;
using System.Globalization;
using System.Text;

namespace FheGen.Generators.Emission;

/// <summary>
/// A minimal indented text writer. Large unrolled circuits are emitted as text: SyntaxFactory plus
/// NormalizeWhitespace would be far too slow for hundreds of thousands of statements.
/// </summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text;
    private int _indent;

    public CodeWriter(int capacity = 16 * 1024) => _text = new StringBuilder(capacity);

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    public CodeWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    /// <summary>Appends raw text at the current position (no indentation, no newline).</summary>
    public StringBuilder Raw => _text;

    public void Indent() => _text.Append(' ', _indent * 4);

    public override string ToString() => _text.ToString();

    public static string Literal(string? s)
    {
        if (s is null) return "null";
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }
        return b.Append('"').ToString();
    }

    /// <summary>A double literal that round-trips exactly.</summary>
    public static string Literal(double d)
    {
        if (double.IsNaN(d)) return "double.NaN";
        if (double.IsPositiveInfinity(d)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(d)) return "double.NegativeInfinity";
        return d.ToString("R", CultureInfo.InvariantCulture) + "d";
    }

    public static string Literal(double? d) => d is double v ? Literal(v) : "null";

    public static string Literal(long v) => v.ToString(CultureInfo.InvariantCulture) + "L";

    public static string Literal(int v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Literal(int? v) => v is int i ? Literal(i) : "null";

    public static string Literal(bool v) => v ? "true" : "false";

    public static string Literal(bool? v) => v is bool b ? Literal(b) : "null";

    public static string Int(long v) => v.ToString(CultureInfo.InvariantCulture);
}
