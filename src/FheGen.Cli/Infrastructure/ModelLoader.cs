extern alias gen;
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using FheModelAnalyzer = gen::FheGen.Generators.Analyzers.FheModelAnalyzer;
using FheModelGenerator = gen::FheGen.Generators.FheModelGenerator;

namespace FheGen.Cli.Infrastructure;

/// <summary>One diagnostic of a model, from the compiler core (assemblies) or the analyzer (sources, with a location).</summary>
internal sealed record ModelDiagnostic(string Id, string Severity, string Message, string? Location);

/// <summary>A loaded model: its spec (null when its declaration has errors), and its diagnostics.</summary>
internal sealed record LoadedModel(string Name, ModelSpec? Spec, IReadOnlyList<ModelDiagnostic> Diagnostics)
{
    /// <summary>The spec, or a <see cref="ModelException"/> listing the errors that stopped it.</summary>
    public ModelSpec RequireSpec() => Spec ?? throw new ModelException(
        $"{Name} does not compile to a circuit:" + Environment.NewLine +
        string.Join(Environment.NewLine, Diagnostics.Where(d => d.Severity == "error").Select(d => $"  {d.Location}{(d.Location is null ? "" : ": ")}{d.Id}: {d.Message}")));
}

/// <summary>
/// Reads a model's <see cref="ModelSpec"/> from a built assembly (its generated static <c>Spec</c>, by reflection) or from
/// C# source files (the FheGen generator and analyzer run on them in-process, so the spec comes from the generator's own
/// extractor and the diagnostics are the ones the IDE shows).
/// </summary>
internal static class ModelLoader
{
    public static LoadedModel Load(ModelSettings settings, CancellationToken cancellationToken = default)
    {
        if (settings.Assembly is { } assembly) return FromAssembly(assembly, settings.Model);
        return FromSource(settings.Sources, settings.Model, cancellationToken);
    }

    /// <summary>The compiler core's diagnostics of <paramref name="spec"/>, as the analyzer computes them (without locations).</summary>
    public static IReadOnlyList<ModelDiagnostic> Diagnose(ModelSpec spec) =>
        CircuitCompiler.Compile(spec, CompileOptions.Analysis).Diagnostics
            .Select(d => new ModelDiagnostic(d.Id, d.Severity.ToString().ToLowerInvariant(), d.Message, null)).ToList();

    public static LoadedModel FromAssembly(string path, string? typeName)
    {
        Files.RequireFile(path);
        var context = new ModelLoadContext(Path.GetFullPath(path));
        try
        {
            Assembly assembly;
            try
            {
                assembly = context.LoadFromAssemblyPath(Path.GetFullPath(path));
            }
            catch (BadImageFormatException e)
            {
                throw new InputFileException(path, "not a .NET assembly.", e);
            }
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = e.Types.Where(t => t is not null).ToArray()!;
            }
            var models = types.Where(IsModel).ToList();
            Type type;
            if (typeName is not null)
            {
                type = types.FirstOrDefault(t => t.FullName == typeName)
                    ?? throw new InputFileException(path, $"has no type '{typeName}'" + Candidates(models.Select(t => t.FullName!)));
                if (!IsModel(type)) throw new InputFileException(path, $"'{typeName}' is not an [FheModel] class with a generated static Spec.");
            }
            else
            {
                type = models.Count == 1 ? models[0] : throw new UsageException(models.Count == 0
                    ? $"{path} has no [FheModel] class with a generated static Spec."
                    : $"{path} has {models.Count} models; choose one with --model" + Candidates(models.Select(t => t.FullName!)));
            }
            ModelSpec spec;
            try
            {
                spec = (ModelSpec)type.GetProperty("Spec", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            }
            catch (TargetInvocationException e)
            {
                throw new InputFileException(path, $"reading {type.FullName}.Spec failed: {e.InnerException?.Message}", e);
            }
            return new LoadedModel(spec.Name, spec, Diagnose(spec));
        }
        finally
        {
            // The spec is plain data of the tool's own FheGen.Compiler types, so nothing of the model's assembly stays used.
            context.Unload();
        }
    }

    private static bool IsModel(Type t) =>
        t.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "FheGen.FheModelAttribute")
        && t.GetProperty("Spec", BindingFlags.Public | BindingFlags.Static)?.PropertyType == typeof(ModelSpec);

    private static string Candidates(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "." : " (models: " + string.Join(", ", list) + ").";
    }

    public static LoadedModel FromSource(IReadOnlyList<string> paths, string? typeName, CancellationToken cancellationToken)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = paths.Select(p =>
        {
            Files.RequireFile(p);
            string text;
            try
            {
                text = File.ReadAllText(p);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputFileException(p, e.Message, e);
            }
            return CSharpSyntaxTree.ParseText(text, parse, p, cancellationToken: cancellationToken); // as given, so messages name it so
        }).ToArray();

        var compilation = CSharpCompilation.Create("FheGenCliModel_" + Guid.NewGuid().ToString("N"), trees, References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release));

        var modelTypes = FindModels(compilation, cancellationToken);
        INamedTypeSymbol model;
        if (typeName is not null)
        {
            model = modelTypes.FirstOrDefault(t => t.ToDisplayString() == typeName)
                ?? throw new UsageException($"The sources have no [FheModel] class '{typeName}'" + Candidates(modelTypes.Select(t => t.ToDisplayString())));
        }
        else
        {
            model = modelTypes.Count == 1 ? modelTypes[0] : throw new UsageException(modelTypes.Count == 0
                ? $"The sources ({string.Join(", ", paths)}) declare no [FheModel] class."
                : $"The sources declare {modelTypes.Count} models; choose one with --model" + Candidates(modelTypes.Select(t => t.ToDisplayString())));
        }

        // The analyzer is what reports FHE diagnostics in the IDE; run it rather than repeat what it does.
        var analyzerDiagnostics = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new FheModelAnalyzer()))
            .GetAnalyzerDiagnosticsAsync(cancellationToken).GetAwaiter().GetResult();
        var diagnostics = analyzerDiagnostics
            .Where(d => d.Id.StartsWith("FHE", StringComparison.Ordinal))
            .OrderBy(d => d.Location.SourceTree?.FilePath).ThenBy(d => d.Location.SourceSpan.Start)
            .Select(ToModelDiagnostic).ToList();

        // A model with errors gets no generated code (the generator's rule); its diagnostics say why.
        if (diagnostics.Any(d => d.Severity == "error")) return new LoadedModel(model.Name, null, diagnostics);

        var driver = CSharpGeneratorDriver.Create(new FheModelGenerator().AsSourceGenerator()).WithUpdatedParseOptions(parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics, cancellationToken);
        using var image = new MemoryStream();
        var emit = generated.Emit(image, cancellationToken: cancellationToken);
        var errors = emit.Diagnostics.Concat(generatorDiagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emit.Success || errors.Count > 0)
        {
            throw new ModelException("The sources do not compile:" + Environment.NewLine +
                string.Join(Environment.NewLine, errors.Take(20).Select(d => "  " + Format(d))));
        }

        image.Position = 0;
        var context = new ModelLoadContext(null);
        try
        {
            var type = context.LoadFromStream(image).GetType(MetadataFullName(model), throwOnError: true)!;
            var spec = (ModelSpec)type.GetProperty("Spec", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            return new LoadedModel(spec.Name, spec, diagnostics);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The reflection name of a type: namespace dots, nested types after '+'.</summary>
    private static string MetadataFullName(INamedTypeSymbol t)
    {
        string name = t.MetadataName;
        for (var c = t.ContainingType; c is not null; c = c.ContainingType) name = c.MetadataName + "+" + name;
        return t.ContainingNamespace.IsGlobalNamespace ? name : t.ContainingNamespace.ToDisplayString() + "." + name;
    }

    private static List<INamedTypeSymbol> FindModels(Compilation compilation, CancellationToken ct)
    {
        var found = new List<INamedTypeSymbol>();
        void Walk(INamespaceOrTypeSymbol symbol)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var member in symbol.GetMembers())
            {
                if (member is INamespaceSymbol ns) Walk(ns);
                else if (member is INamedTypeSymbol type)
                {
                    if (type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "FheGen.FheModelAttribute")) found.Add(type);
                    Walk(type);
                }
            }
        }
        Walk(compilation.Assembly.GlobalNamespace);
        return found;
    }

    private static ModelDiagnostic ToModelDiagnostic(Diagnostic d) =>
        new(d.Id, d.Severity.ToString().ToLowerInvariant() is "warning" or "error" or "info" ? d.Severity.ToString().ToLowerInvariant() : "hidden",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), LocationOf(d));

    private static string? LocationOf(Diagnostic d)
    {
        if (!d.Location.IsInSource) return null;
        var span = d.Location.GetLineSpan();
        return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }

    private static string Format(Diagnostic d) => $"{LocationOf(d)}{(d.Location.IsInSource ? ": " : "")}{d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The framework's assemblies and the FheGen runtime (attributes, CircuitIo, PlanInterpreter) and compiler core
    /// (ModelSpec) the generated code uses: the very assemblies this tool runs on, so the loaded spec is of its types.
    /// Not the generator's assembly: its linked copy of the compiler core would make those names ambiguous.
    /// </summary>
    private static IReadOnlyList<MetadataReference> References()
    {
        string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = Directory.EnumerateFiles(runtime, "*.dll")
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll" or "Microsoft.CSharp.dll")
            .Where(IsManaged)
            .Append(typeof(FheModelAttribute).Assembly.Location)
            .Append(typeof(ModelSpec).Assembly.Location);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// A collectible context for a model assembly: FheGen* assemblies come from the tool (the default context), so the
    /// model's <c>Spec</c> is of the tool's own types; the model's other dependencies from its own folder.
    /// </summary>
    private sealed class ModelLoadContext(string? modelPath) : AssemblyLoadContext("fhegen model", isCollectible: true)
    {
        private readonly AssemblyDependencyResolver? _resolver = CreateResolver(modelPath);

        private static AssemblyDependencyResolver? CreateResolver(string? path)
        {
            if (path is null) return null;
            try
            {
                return new AssemblyDependencyResolver(path);
            }
            catch (InvalidOperationException)
            {
                return null; // no deps.json beside it: the folder lookup below still applies
            }
        }

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is { } n && n.StartsWith("FheGen", StringComparison.Ordinal) && File.Exists(Path.Combine(AppContext.BaseDirectory, n + ".dll")))
                return null; // the default context loads it from the tool's folder
            if (Default.Assemblies.Any(a => a.GetName().Name == name.Name)) return null;
            string? path = _resolver?.ResolveAssemblyToPath(name);
            if (path is null && modelPath is not null)
            {
                string sibling = Path.Combine(Path.GetDirectoryName(modelPath)!, name.Name + ".dll");
                if (File.Exists(sibling)) path = sibling;
            }
            return path is null ? null : LoadFromAssemblyPath(path);
        }
    }
}
