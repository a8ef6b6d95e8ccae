using System;
using System.IO;
using System.Runtime.CompilerServices;
using FheGen.Generators.Tests.Infrastructure;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// The generated text of a fixed model, compared with a committed snapshot so any change to the emitted code is
/// reviewed. Set <c>FHEGEN_UPDATE_SNAPSHOTS=1</c> to rewrite the snapshot from the current output.
/// </summary>
public sealed class SnapshotTests
{
    private const string UpdateVariable = "FHEGEN_UPDATE_SNAPSHOTS";

    /// <summary>The snapshot in the source tree (next to this file), else a copy in the output directory.</summary>
    private static string SnapshotPath(string name, [CallerFilePath] string thisFile = "")
    {
        string source = Path.Combine(Path.GetDirectoryName(thisFile) ?? "", "Snapshots", name);
        if (File.Exists(source) || Environment.GetEnvironmentVariable(UpdateVariable) == "1") return source;
        return Path.Combine(AppContext.BaseDirectory, "Generator", "Snapshots", name);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static void AssertMatchesSnapshot(string actual, string name)
    {
        string path = SnapshotPath(name);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"No snapshot at {path}; run with {UpdateVariable}=1 to create it.");
        var expected = Normalize(File.ReadAllText(path)).Split('\n');
        var lines = Normalize(actual).Split('\n');
        for (int i = 0; i < Math.Min(expected.Length, lines.Length); i++)
        {
            Assert.True(expected[i] == lines[i],
                $"Generated code differs from {name} at line {i + 1}:\n  snapshot:  {expected[i]}\n  generated: {lines[i]}\n" +
                $"Review the change, then run with {UpdateVariable}=1 to accept it.");
        }
        Assert.True(expected.Length == lines.Length, $"Generated code has {lines.Length} lines, snapshot {name} has {expected.Length}.");
    }

    [Fact]
    public void Tiny_model_generates_the_committed_code()
    {
        var run = GeneratorHarness.Run(TestModels.Tiny);
        run.AssertCompiles();
        Assert.Equal("Smoke.Tiny.FheGen.g.cs", Assert.Single(run.Sources.Keys));
        AssertMatchesSnapshot(run.SingleSource, "Tiny.g.cs.txt");
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        // Same input, fresh drivers and compilations: byte-identical output (no dictionary-order or culture effects).
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            string a = GeneratorHarness.Run(TestModels.Tiny).SingleSource;
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("fr-FR");
            string b = GeneratorHarness.Run(TestModels.Tiny).SingleSource;
            Assert.Equal(a, b);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }
}
