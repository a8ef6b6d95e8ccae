using System;
using System.Linq;
using System.Reflection;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Model;

namespace FheGen.Generators.Tests.Infrastructure;

/// <summary>Calls a model's generated <c>Run</c> with a concrete backend.</summary>
public delegate void RunDelegate<TBackend>(TBackend backend, ReadOnlySpan<long> inputs, Span<long> outputs);

/// <summary>A generated <c>Predict(ReadOnlySpan&lt;float&gt;)</c> or <c>PredictFloat</c>.</summary>
public delegate float[] PredictDelegate(ReadOnlySpan<float> features);

/// <summary>
/// The generated static members of a loaded model type, reached by reflection. Members with span
/// parameters cannot be invoked through <see cref="MethodBase.Invoke(object, object[])"/>, so they are bound
/// to delegates.
/// </summary>
public sealed class GeneratedModel
{
    private const BindingFlags Static = BindingFlags.Public | BindingFlags.Static;

    public GeneratedModel(Type type) => Type = type;

    public Type Type { get; }

    public CircuitInfo Circuit => Get<CircuitInfo>(nameof(Circuit));

    public CircuitIo Io => Get<CircuitIo>(nameof(Io));

    public ModelSpec Spec => Get<ModelSpec>(nameof(Spec));

    public PlanInterpreter Interpreter => Get<PlanInterpreter>(nameof(Interpreter));

    /// <summary>The generated <c>PlanFingerprint</c> constant.</summary>
    public string PlanFingerprint => (string)Type.GetField(nameof(PlanFingerprint), Static)!.GetValue(null)!;

    public int InputCount => (int)Type.GetField("InputCount", Static)!.GetValue(null)!;

    public int OutputCount => (int)Type.GetField("OutputCount", Static)!.GetValue(null)!;

    /// <summary>The generated <c>Run&lt;TBackend, long&gt;</c>.</summary>
    public RunDelegate<TBackend> RunMethod<TBackend>() where TBackend : ICircuitBackend<long>
    {
        var method = Type.GetMethods(Static).Single(m => m.Name == "Run" && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 2);
        return method.MakeGenericMethod(typeof(TBackend), typeof(long)).CreateDelegate<RunDelegate<TBackend>>();
    }

    /// <summary>Runs the generated circuit in the clear.</summary>
    public long[] RunClear(ReadOnlySpan<long> inputs)
    {
        var outputs = new long[OutputCount];
        RunMethod<ClearBackend>()(default, inputs, outputs);
        return outputs;
    }

    /// <summary>Runs the generated circuit on <paramref name="backend"/>.</summary>
    public long[] Run<TBackend>(TBackend backend, ReadOnlySpan<long> inputs) where TBackend : ICircuitBackend<long>
    {
        var outputs = new long[OutputCount];
        RunMethod<TBackend>()(backend, inputs, outputs);
        return outputs;
    }

    public float[] Predict(ReadOnlySpan<float> features) => SpanMethod("Predict")(features);

    public float[] PredictFloat(ReadOnlySpan<float> features) => SpanMethod("PredictFloat")(features);

    private PredictDelegate SpanMethod(string name)
        => Type.GetMethods(Static).Single(m => m.Name == name && m.GetParameters().Length == 1 && m.ReturnType == typeof(float[]))
            .CreateDelegate<PredictDelegate>();

    private T Get<T>(string property)
    {
        var p = Type.GetProperty(property, Static) ?? throw new InvalidOperationException($"{Type} has no static property {property}.");
        try
        {
            return (T)p.GetValue(null)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
