extern alias gen;
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using FheGen.Generators.Tests.Infrastructure;
using gen::FheGen.Generators;
using gen::FheGen.Generators.Extraction;
using Microsoft.CodeAnalysis;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// The incremental pipeline's model must hold no Roslyn object: a symbol or compilation in it would keep whole
/// compilations alive and defeat caching (System.Text.Json's SourceGenModelDoesNotEncapsulateSymbolsOrCompilationData).
/// It must also be value-equatable all the way down, or every edit would regenerate.
/// </summary>
public sealed class ModelIsSymbolFreeTests
{
    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxNode), typeof(SyntaxTree),
        typeof(Location), typeof(AttributeData), typeof(SyntaxReference), typeof(TypedConstant), typeof(SyntaxToken),
    };

    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>
    /// Every type reachable from <paramref name="root"/> through instance fields (what an instance holds, auto-property
    /// backing fields included), generic arguments and array elements.
    /// </summary>
    private static IReadOnlyCollection<Type> Reachable(Type root)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            if (!seen.Add(t)) continue;
            if (t.IsArray || t.IsByRef || t.IsPointer) pending.Push(t.GetElementType()!);
            if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) pending.Push(a);
            if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t.IsArray || t.IsGenericParameter) continue;
            foreach (var f in t.GetFields(Instance)) pending.Push(f.FieldType);
        }
        return seen;
    }

    private static void AssertSymbolFree(Type root)
    {
        var reachable = Reachable(root);
        Assert.Contains(root, reachable);
        foreach (var t in reachable)
        {
            foreach (var f in Forbidden)
            {
                Assert.False(f.IsAssignableFrom(t), $"{root.Name} reaches {t.FullName}, which is a {f.Name}");
            }
            Assert.False(t.Assembly == typeof(Compilation).Assembly || t.Assembly == typeof(Microsoft.CodeAnalysis.CSharp.CSharpCompilation).Assembly,
                $"{root.Name} reaches the Roslyn type {t.FullName}");
            Assert.False(t == typeof(object) || t.IsInterface && !t.IsGenericType, $"{root.Name} reaches {t.FullName}, which may hold anything");
        }
    }

    /// <summary>Value equality all the way down: records, EquatableArray, primitives, strings, enums.</summary>
    private static void AssertValueEquatable(Type root)
    {
        foreach (var t in Reachable(root))
        {
            if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t.IsGenericParameter) continue;
            if (t.IsArray)
            {
                // Arrays compare by reference; only EquatableArray's private backing store may be one.
                var owners = Reachable(root).Where(o => !o.IsArray && o.GetFields(Instance).Any(f => f.FieldType == t));
                Assert.All(owners, o => Assert.Equal("EquatableArray`1", o.Name));
                continue;
            }
            if (Nullable.GetUnderlyingType(t) is not null) continue;
            if (t.IsGenericType && t.GetGenericTypeDefinition() is var d && (d == typeof(IEnumerable<>) || d == typeof(IEnumerator<>)
                || d == typeof(IReadOnlyList<>) || d == typeof(IReadOnlyCollection<>) || d == typeof(IEquatable<>)))
            {
                continue; // interfaces EquatableArray implements; they surface through no field
            }
            if (t == typeof(IEnumerable) || t == typeof(IEnumerator)) continue;
            var equatable = typeof(IEquatable<>).MakeGenericType(t);
            Assert.True(equatable.IsAssignableFrom(t), $"{t.FullName}, reachable from {root.Name}, is not IEquatable<{t.Name}>");
        }
    }

    [Fact]
    public void GeneratorModel_holds_no_symbols_or_compilation_data()
    {
        AssertSymbolFree(typeof(GeneratorModel));
        AssertValueEquatable(typeof(GeneratorModel));
        // Sanity: the walk does see the spec, its layers and the weights.
        var reachable = Reachable(typeof(GeneratorModel));
        Assert.Contains(typeof(gen::FheGen.Compiler.Model.ModelSpec), reachable);
        Assert.Contains(typeof(gen::FheGen.Compiler.Model.LayerSpec), reachable);
        Assert.Contains(typeof(float[]), reachable);
    }

    [Fact]
    public void CompiledModel_holds_no_symbols_and_is_value_equatable()
    {
        // The compile step's output: the plan is a record over equatable arrays, so the step can report Unchanged.
        AssertSymbolFree(typeof(gen::FheGen.Generators.Emission.CompiledModel));
        AssertValueEquatable(typeof(gen::FheGen.Generators.Emission.CompiledModel));
        var reachable = Reachable(typeof(gen::FheGen.Generators.Emission.CompiledModel));
        Assert.Contains(typeof(gen::FheGen.Compiler.Plan.NeuronPlan), reachable);
        Assert.Contains(typeof(gen::FheGen.Compiler.Plan.TablePlan), reachable);
    }

    [Fact]
    public void Runtime_ModelSpec_holds_no_symbols_or_compilation_data()
    {
        AssertSymbolFree(typeof(FheGen.Compiler.Model.ModelSpec));
        AssertValueEquatable(typeof(FheGen.Compiler.Model.ModelSpec));
    }

    [Fact]
    public void The_walk_catches_a_symbol_or_an_array()
    {
        // The checks themselves can fail.
        Assert.ThrowsAny<Exception>(() => AssertSymbolFree(typeof(LeakyModel)));
        Assert.ThrowsAny<Exception>(() => AssertValueEquatable(typeof(ArrayModel)));
    }

    private sealed record Inner(ISymbol Symbol);

    private sealed record LeakyModel(string Name, IReadOnlyList<Inner> Items);

    private sealed record ArrayModel(string Name, float[] Weights);

    [Fact]
    public void Tracked_step_outputs_are_symbol_free_models_and_sources()
    {
        var run = GeneratorHarness.Run(TestModels.Tiny);
        run.AssertNoGeneratorFailure();

        var models = run.StepOutputs(TrackingNames.Model);
        Assert.Single(models);
        var model = Assert.IsType<GeneratorModel>(models[0].Value);
        Assert.Equal("Tiny", model.Spec.Name);
        Assert.Equal(2, model.Spec.Layers.Count);
        Assert.Equal("Smoke.Tiny.FheGen.g.cs", model.HintName);
        Assert.True(AssertNoForbiddenInstances(model) > 10);

        var compiled = run.StepOutputs(TrackingNames.Compile);
        Assert.Single(compiled);
        Assert.Equal("CompiledModel", compiled[0].Value.GetType().Name);
        Assert.True(AssertNoForbiddenInstances(compiled[0].Value) > 10);

        var sources = run.StepOutputs(TrackingNames.Source);
        Assert.Single(sources);
        Assert.Equal("GeneratedSource", sources[0].Value.GetType().Name);
        Assert.Equal(1, AssertNoForbiddenInstances(sources[0].Value));

        foreach (var options in run.StepOutputs(TrackingNames.Budget))
        {
            Assert.Equal("GeneratorOptions", options.Value.GetType().Name);
            AssertNoForbiddenInstances(options.Value);
        }
        var collisions = run.StepOutputs(TrackingNames.HintCollisions);
        Assert.Single(collisions);
        Assert.Equal("EquatableArray`1", collisions[0].Value.GetType().Name);
    }

    [Fact]
    public void Compiled_models_from_separate_compilations_are_equal()
    {
        var a = GeneratorHarness.Run(TestModels.Tiny).StepOutputs(TrackingNames.Compile).Single().Value;
        var b = GeneratorHarness.Run(TestModels.Tiny).StepOutputs(TrackingNames.Compile).Single().Value;
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Models_from_separate_compilations_are_equal()
    {
        // What makes caching work: extracting the same declaration twice gives equal values (and hash codes).
        var a = (GeneratorModel)GeneratorHarness.Run(TestModels.Tiny).StepOutputs(TrackingNames.Model).Single().Value;
        var b = (GeneratorModel)GeneratorHarness.Run(TestModels.Tiny).StepOutputs(TrackingNames.Model).Single().Value;
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var c = (GeneratorModel)GeneratorHarness.Run(TestModels.Tiny.Replace("0.3f, -1f", "0.3125f, -1f", StringComparison.Ordinal))
            .StepOutputs(TrackingNames.Model).Single().Value;
        Assert.NotEqual(a, c);
    }

    /// <summary>Walks the object graph itself (not just declared types): no Roslyn object anywhere.</summary>
    private static int AssertNoForbiddenInstances(object root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        pending.Push(root);
        int visited = 0;
        while (pending.Count > 0)
        {
            var o = pending.Pop();
            var t = o.GetType();
            if (t.IsPrimitive || t.IsEnum || o is string) continue;
            if (!t.IsValueType && !seen.Add(o)) continue;
            visited++;
            Assert.False(Forbidden.Any(f => f.IsInstanceOfType(o)), $"found a {t.FullName} in the pipeline output");
            Assert.False(t.Assembly == typeof(Compilation).Assembly, $"found the Roslyn object {t.FullName} in the pipeline output");
            if (o is Array array)
            {
                foreach (var e in array) if (e is not null) pending.Push(e);
                continue;
            }
            foreach (var f in t.GetFields(Instance))
            {
                if (f.GetValue(o) is { } v) pending.Push(v);
            }
        }
        return visited;
    }
}
