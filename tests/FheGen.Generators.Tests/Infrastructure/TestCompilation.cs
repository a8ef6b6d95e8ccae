using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FheGen.Generators.Tests.Infrastructure;

/// <summary>
/// Compilations of test sources against the .NET 10 reference assemblies (no reference-pack download) plus
/// the FheGen runtime (attributes, backends, circuits) and the runtime copy of the compiler core.
/// </summary>
public static class TestCompilation
{
    /// <summary>The language version of every test compilation and of the generated trees.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Latest);

    /// <summary>.NET 10 reference assemblies, FheGen.dll and FheGen.Compiler.dll.</summary>
    public static ImmutableArray<MetadataReference> References { get; } = BuildReferences();

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        builder.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        builder.Add(MetadataReference.CreateFromFile(typeof(FheGen.FheModelAttribute).Assembly.Location));
        builder.Add(MetadataReference.CreateFromFile(typeof(FheGen.Compiler.Model.ModelSpec).Assembly.Location));
        return builder.ToImmutable();
    }

    /// <summary>Parses <paramref name="text"/> with the test parse options.</summary>
    public static SyntaxTree Parse(string text, string path = "") => CSharpSyntaxTree.ParseText(text, ParseOptions, path);

    /// <summary>A library compilation of <paramref name="sources"/> (named Source0.cs, Source1.cs...).</summary>
    public static CSharpCompilation Create(params string[] sources)
        => Create(sources.Select((s, i) => Parse(s, $"Source{i}.cs")));

    /// <summary>A library compilation of <paramref name="trees"/>.</summary>
    public static CSharpCompilation Create(IEnumerable<SyntaxTree> trees, string? assemblyName = null)
        => CSharpCompilation.Create(
            assemblyName ?? "FheGenTest_" + Guid.NewGuid().ToString("N"),
            trees,
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: true,
                optimizationLevel: OptimizationLevel.Release,
                concurrentBuild: true));

    /// <summary>Errors (and, when asked, warnings) of <paramref name="compilation"/> as readable lines.</summary>
    public static IReadOnlyList<Diagnostic> Problems(Compilation compilation, bool warnings = false)
        => compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || (warnings && d.Severity == DiagnosticSeverity.Warning))
            .ToList();

    /// <summary>Emits <paramref name="compilation"/>; fails with its diagnostics when it does not compile.</summary>
    public static byte[] Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("The compilation does not emit:\n" + Format(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }
        return stream.ToArray();
    }

    /// <summary>One diagnostic per line, with its file and position.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics)
        => string.Join("\n", diagnostics.Select(d => d.ToString()));
}
