using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace FheGen.Generators.Tests.Infrastructure;

/// <summary>
/// An emitted test assembly loaded into a collectible <see cref="AssemblyLoadContext"/>. FheGen and
/// FheGen.Compiler resolve to the copies the tests already use, so generated code and tests share the
/// runtime types (<c>ClearBackend</c>, <c>ModelSpec</c>, <c>CircuitInfo</c>...).
/// </summary>
public sealed class LoadedAssembly : IDisposable
{
    private readonly SharedRuntimeLoadContext _context;

    private LoadedAssembly(SharedRuntimeLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    public Assembly Assembly { get; }

    /// <summary>Loads <paramref name="image"/> into a fresh collectible context.</summary>
    public static LoadedAssembly Load(byte[] image)
    {
        var context = new SharedRuntimeLoadContext();
        using var stream = new MemoryStream(image);
        return new LoadedAssembly(context, context.LoadFromStream(stream));
    }

    /// <summary>The type named <paramref name="fullName"/> (metadata name, e.g. <c>Ns.Outer+Inner</c>).</summary>
    public Type GetType(string fullName)
        => Assembly.GetType(fullName, throwOnError: false) ?? throw new InvalidOperationException($"Type '{fullName}' is not in the generated assembly.");

    /// <summary>A reflection wrapper over the generated members of model type <paramref name="fullName"/>.</summary>
    public GeneratedModel Model(string fullName) => new GeneratedModel(GetType(fullName));

    public void Dispose() => _context.Unload();

    private sealed class SharedRuntimeLoadContext : AssemblyLoadContext
    {
        private static readonly Assembly Runtime = typeof(FheGen.FheModelAttribute).Assembly;
        private static readonly Assembly CompilerCore = typeof(FheGen.Compiler.Model.ModelSpec).Assembly;

        public SharedRuntimeLoadContext() : base("FheGenTest", isCollectible: true)
        {
        }

        protected override Assembly? Load(AssemblyName name)
        {
            if (AssemblyName.ReferenceMatchesDefinition(name, Runtime.GetName())) return Runtime;
            if (AssemblyName.ReferenceMatchesDefinition(name, CompilerCore.GetName())) return CompilerCore;
            return null; // framework assemblies: the default context
        }
    }
}
