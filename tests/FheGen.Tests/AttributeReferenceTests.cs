using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using FheGen.Compiler.Model;

namespace FheGen.Tests;

/// <summary>
/// docs/attributes.md is checked against the attributes: every public property of each attribute with a table has a
/// row, and each documented default is the value a fresh attribute has (compiler-side defaults it names, such as the
/// default weight bits, are the compiler core's constants).
/// </summary>
public class AttributeReferenceTests
{
    private static string DocPath([CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "docs", "attributes.md"));

    private static readonly Dictionary<string, Func<Attribute>> Attributes = new(StringComparer.Ordinal)
    {
        ["FheModel"] = () => new FheModelAttribute(),
        ["Dense(field, outputs)"] = () => new DenseAttribute("W", 1),
        ["Quantize"] = () => new QuantizeAttribute(),
        ["Prune"] = () => new PruneAttribute(),
        ["RoundAccumulator"] = () => new RoundAccumulatorAttribute(),
    };

    /// <summary>Section heading (the first backticked name, brackets removed) to its table rows (property, default).</summary>
    private static Dictionary<string, List<(string Property, string Default)>> Tables()
    {
        var tables = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        List<(string, string)>? current = null;
        foreach (var line in File.ReadAllLines(DocPath()))
        {
            var heading = Regex.Match(line, @"^## `\[([^\]]+)\]`");
            if (heading.Success)
            {
                current = new List<(string, string)>();
                tables[heading.Groups[1].Value] = current;
                continue;
            }
            var row = Regex.Match(line, @"^\| `([^`]+)`(?:, `([^`]+)`)? \| [^|]+ \| ([^|]+) \|");
            if (current is null || !row.Success) continue;
            current.Add((row.Groups[1].Value, row.Groups[3].Value.Trim()));
            if (row.Groups[2].Success) current.Add((row.Groups[2].Value, row.Groups[3].Value.Trim()));
        }
        return tables;
    }

    public static TheoryData<string> Sections()
    {
        var data = new TheoryData<string>();
        foreach (var name in Attributes.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void Every_property_is_documented_with_its_actual_default(string section)
    {
        var tables = Tables();
        Assert.True(tables.TryGetValue(section, out var rows), $"docs/attributes.md has no table for [{section}]");
        var attribute = Attributes[section]();
        var properties = attribute.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.DeclaringType == attribute.GetType() && p.Name != "Layer").ToArray();
        Assert.Equal(properties.Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal), rows!.Select(r => r.Property).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var (name, documented) in rows!)
        {
            if (documented.StartsWith("(required)", StringComparison.Ordinal)) continue;
            var actual = properties.Single(p => p.Name == name).GetValue(attribute);
            AssertDefault(section, name, documented, actual);
        }
    }

    private static void AssertDefault(string section, string name, string documented, object? actual)
    {
        string where = $"[{section}] {name}: documented '{documented}', actual '{actual}'";
        if (documented.Contains('<', StringComparison.Ordinal))
        {
            Assert.True(actual is null, where); // a name derived at compile time (e.g. <Field>Bias): the property is unset
            return;
        }
        var compilerDefault = Regex.Match(documented, @"\(the default, (\d+)\)");
        if (compilerDefault.Success)
        {
            int expected = name == "WeightBits" ? ModelDefaults.WeightBits : ModelDefaults.ActivationBits;
            Assert.True(expected == int.Parse(compilerDefault.Groups[1].Value, CultureInfo.InvariantCulture), where + $" (compiler default {expected})");
        }
        string token = documented.Split(' ')[0].Trim('`');
        switch (actual)
        {
            case int i: Assert.True(i == int.Parse(token, CultureInfo.InvariantCulture), where); break;
            case bool b: Assert.True(b == bool.Parse(token), where); break;
            case double d:
                double expected = token switch
                {
                    "NaN" => double.NaN,
                    _ when token.StartsWith("2^", StringComparison.Ordinal) => Math.Pow(2, double.Parse(token[2..], CultureInfo.InvariantCulture)),
                    _ => double.Parse(token, CultureInfo.InvariantCulture),
                };
                Assert.True(expected.Equals(d), where);
                break;
            case Enum e: Assert.True(e.ToString() == token, where); break;
            default: Assert.Fail(where + " (unhandled type)"); break;
        }
    }
}
