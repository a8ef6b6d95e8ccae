extern alias gen;
using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using FheModelAnalyzer = gen::FheGen.Generators.Analyzers.FheModelAnalyzer;
using FheModelGenerator = gen::FheGen.Generators.FheModelGenerator;

namespace FheGen.Onnx.Tests;

/// <summary>Compiles written files with the FheGen generator and analyzer in-process, as a build would.</summary>
internal sealed record GeneratedCompilation(ImmutableArray<Diagnostic> Diagnostics, int GeneratedFiles, Assembly? Assembly)
{
    public static GeneratedCompilation Of(params string[] paths)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = paths.Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), parse, path: p)).ToArray();
        var references = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(FheModelAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(FheGen.Compiler.Model.ModelSpec).Assembly.Location));
        var compilation = CSharpCompilation.Create("Imported" + Guid.NewGuid().ToString("N"), trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new[] { new FheModelGenerator().AsSourceGenerator() }, parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var analyzed = output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new FheModelAnalyzer()));
        var diagnostics = generatorDiagnostics.AddRange(analyzed.GetAllDiagnosticsAsync().GetAwaiter().GetResult());
        int generated = output.SyntaxTrees.Count() - trees.Length;
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        return new GeneratedCompilation(diagnostics, generated, emit.Success ? Assembly.Load(stream.ToArray()) : null);
    }

    public Diagnostic[] Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();

    /// <summary>A public static property of the generated class.</summary>
    public T Static<T>(string typeName, string member)
    {
        var type = Assembly!.GetType(typeName) ?? throw new InvalidOperationException(typeName + " not in the assembly");
        var property = type.GetProperty(member, BindingFlags.Public | BindingFlags.Static);
        object? value = property is not null ? property.GetValue(null) : type.GetField(member, BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        return (T)(value ?? throw new InvalidOperationException(member + " not found"));
    }
}
