using System;
using System.Diagnostics;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Compiler.Parameters;
using FheGen.Compiler.Pipeline;
using Xunit.Abstractions;

namespace FheGen.Compiler.Tests.Parameters;

public class ParameterFeasibilityTests(ITestOutputHelper output)
{
    internal static ModelSpec Mlp(int[] widths, int weightBits, int activationBits, int? round, int inputBits, int seed, double pError = 9.094947017729282e-13)
    {
        var rng = new Random(seed);
        var b = SpecBuilder.Create(widths[0]).Name("Mlp").InputBits(inputBits).InputRange(0, 1).PError(pError).Budget(ModelSpec.DefaultPbsBudgetBits);
        for (int i = 1; i < widths.Length; i++)
        {
            int fanIn = widths[i - 1], outputs = widths[i];
            double scale = 1 / Math.Sqrt(fanIn);
            var w = Enumerable.Range(0, fanIn * outputs).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale * 1.7)).ToArray();
            var bias = Enumerable.Range(0, outputs).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 0.1)).ToArray();
            bool last = i == widths.Length - 1;
            b.Dense(last ? "Output" : "Hidden" + i, outputs, w, bias, last ? ActivationKind.Identity : ActivationKind.Relu, last ? null : 0, last ? null : 2);
        }

        b.Quantize(null, weightBits, activationBits);
        if (round is int r) b.Round(null, r);
        return b.Build();
    }

    [Theory]
    [InlineData(new[] { 30, 16, 2 }, 6, 6, -1, 4)]
    [InlineData(new[] { 64, 64, 32, 10 }, 6, 6, null, 4)]
    [InlineData(new[] { 64, 64, 32, 10 }, 6, 6, -1, 4)]
    [InlineData(new[] { 784, 128, 10 }, 6, 6, null, 4)]
    [InlineData(new[] { 784, 128, 10 }, 6, 6, -1, 4)]
    [InlineData(new[] { 784, 128, 10 }, 6, 6, 6, 4)]
    [InlineData(new[] { 64, 32, 10 }, 4, 4, 6, 4)]
    public void Explore(int[] widths, int w, int a, int? round, int inputBits)
    {
        var spec = Mlp(widths, w, a, round, inputBits, 1);
        var result = CircuitCompiler.Compile(spec, CompileOptions.Analysis);
        foreach (var d in result.Diagnostics.Where(d => d.Id != "FHE0006")) output.WriteLine(d.ToString());
        var plan = result.PlanOrThrow();
        foreach (var l in plan.Layers) output.WriteLine($"{l.Name}: acc {l.AccumulatorBits} tlu {l.TluInputBits} rounded {l.RoundedBits}");
        var sw = Stopwatch.StartNew();
        var v = ParameterFeasibility.Check(plan);
        output.WriteLine($"check {sw.ElapsedMilliseconds} ms: {v}");
        sw.Restart();
        var d8 = ParameterFeasibility.Diagnose(spec, plan);
        output.WriteLine($"diagnose {sw.ElapsedMilliseconds} ms: {d8}");
    }
}
