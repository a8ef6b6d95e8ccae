using System.Linq;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Pipeline;
using FheGen.Samples.FashionMnist;

namespace FheGen.EndToEnd.Tests;

/// <summary>
/// The Fashion-MNIST sample on its committed weights (needs Debian's dataset-fashion-mnist, which .ci/run installs): the
/// issue's targets, and the generated circuit against the interpreter.
/// </summary>
public sealed class FashionMnistTests
{
    [Fact]
    public void Clear_accuracy_is_at_least_86_percent_with_every_tlu_at_most_six_bits()
    {
        var test = FashionMnistExperiment.LoadTest();
        Assert.Equal(10_000, test.Count);
        var report = FashionMnistExperiment.Evaluate(test);
        Assert.True(report.ClearAccuracy >= 0.86, $"clear accuracy {report.ClearAccuracy}");
        Assert.True(report.MaxTluBits <= 6, $"widest TLU {report.MaxTluBits} bits");
        Assert.All(FashionMnistMlp.Circuit.Layers.Where(l => !l.IsOutput), l => Assert.True(l.TluInputBits <= 6));
        var result = CircuitCompiler.Compile(FashionMnistMlp.Spec);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == DiagnosticIds.TrainingMismatch);
    }

    [Fact]
    public void Generated_circuit_equals_the_interpreter()
    {
        var test = FashionMnistExperiment.LoadTest(300);
        var plan = CircuitCompiler.Compile(FashionMnistMlp.Spec).PlanOrThrow();
        Assert.Equal(CircuitInfo.FromPlan(plan), FashionMnistMlp.Circuit);
        var interpreter = new PlanInterpreter(plan);
        var q = new long[FashionMnistMlp.InputCount];
        var generated = new long[FashionMnistMlp.OutputCount];
        for (int i = 0; i < test.Count; i++)
        {
            FashionMnistMlp.Io.QuantizeInputs(test.Row(i), q);
            FashionMnistMlp.Run<ClearBackend, long>(default, q, generated);
            Assert.Equal(interpreter.RunClear(q), generated);
        }
    }
}
