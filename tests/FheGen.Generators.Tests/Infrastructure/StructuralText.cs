using System;
using System.Collections;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;

namespace FheGen.Generators.Tests.Infrastructure;

/// <summary>
/// A canonical text of a value built from public properties and sequences: readable in assertion messages
/// (record ToString prints EquatableArray as its type name), and comparable across the generator's linked copy
/// of the compiler types and the runtime's (same shape, different assemblies).
/// </summary>
public static class StructuralText
{
    public static string Of(object? value)
    {
        var s = new StringBuilder();
        Write(s, value, 0);
        return s.ToString();
    }

    private static void Write(StringBuilder s, object? value, int depth)
    {
        if (depth > 12) throw new InvalidOperationException("Structure too deep (cycle?).");
        switch (value)
        {
            case null:
                s.Append("null");
                return;
            case string str:
                s.Append('"').Append(str).Append('"');
                return;
            case float f:
                s.Append(f.ToString("R", CultureInfo.InvariantCulture)).Append('f');
                return;
            case double d:
                s.Append(d.ToString("R", CultureInfo.InvariantCulture));
                return;
            case IFormattable when value.GetType().IsPrimitive:
                s.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case Enum e:
                s.Append(e.GetType().Name).Append('.').Append(e);
                return;
            case bool b:
                s.Append(b ? "true" : "false");
                return;
            case IEnumerable sequence:
                s.Append('[');
                bool first = true;
                foreach (var item in sequence)
                {
                    if (!first) s.Append(", ");
                    first = false;
                    Write(s, item, depth + 1);
                }
                s.Append(']');
                return;
        }
        var type = value.GetType();
        s.Append(type.Name).Append(" { ");
        bool firstProperty = true;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.MetadataToken))
        {
            if (!firstProperty) s.Append(", ");
            firstProperty = false;
            s.Append(p.Name).Append(" = ");
            Write(s, p.GetValue(value), depth + 1);
        }
        s.Append(" }");
    }
}
