using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Circuits;
using FheGen.Compiler.Pipeline;
using FheGen.Generators.Tests.Infrastructure;

namespace FheGen.Generators.Tests.Generator;

/// <summary>Checks a loaded model's generated circuit against the plan interpreter.</summary>
internal static class Equivalence
{
    /// <summary>
    /// Corners of the input box and random vectors: the generated <c>Run</c>, the model's <c>Interpreter</c> and a
    /// fresh interpreter of the runtime spec return the same accumulators, with the same backend call sequence.
    /// </summary>
    public static void AssertMatchesInterpreter(GeneratedModel model, int inputBits, int randomVectors = 20, int seed = 1)
    {
        var plan = CircuitCompiler.Compile(model.Spec).PlanOrThrow();
        Assert.Equal(CircuitInfo.FromPlan(plan), model.Circuit);
        var fresh = new PlanInterpreter(plan);
        var interpreter = model.Interpreter;
        int n = model.InputCount;
        long max = (1L << inputBits) - 1;
        var random = new Random(seed);
        var vectors = new List<long[]>
        {
            new long[n],
            Enumerable.Repeat(max, n).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 2 == 0 ? max : 0L).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 2 == 1 ? max : 0L).ToArray(),
        };
        for (int v = 0; v < randomVectors; v++) vectors.Add(Enumerable.Range(0, n).Select(_ => random.NextInt64(max + 1)).ToArray());
        foreach (var x in vectors)
        {
            var expected = interpreter.RunClear(x);
            Assert.Equal(expected, model.RunClear(x));
            Assert.Equal(expected, fresh.RunClear(x));
        }
        AssertSameCalls(model, vectors[^1]);
    }

    /// <summary>Generated code and interpreter make the same backend calls in the same order.</summary>
    public static void AssertSameCalls(GeneratedModel model, long[] x)
    {
        var viaGenerated = new RecordingBackend();
        var viaInterpreter = new RecordingBackend();
        var a = model.Run(viaGenerated, x);
        var b = new long[model.OutputCount];
        model.Interpreter.Run<RecordingBackend, long>(viaInterpreter, x, b);
        Assert.Equal(b, a);
        Assert.True(viaInterpreter.Calls.Count == viaGenerated.Calls.Count, "interpreter:\n" + string.Join("\n", viaInterpreter.Calls.Take(40)) + "\ngenerated:\n" + string.Join("\n", viaGenerated.Calls.Take(40)));
        Assert.Equal(viaInterpreter.Calls, viaGenerated.Calls);
    }
}
