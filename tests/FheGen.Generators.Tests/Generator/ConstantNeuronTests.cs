using System;
using System.Linq;
using FheGen.Compiler.Pipeline;
using FheGen.Generators.Tests.Infrastructure;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// A hidden neuron left without weights (all zero, or pruned and quantized away) has a constant accumulator:
/// its activation is a build-time constant, emitted as <c>backend.Constant</c> with no PBS.
/// </summary>
public sealed class ConstantNeuronTests
{
    private const string Source = """
        using FheGen;

        namespace Consts
        {
            [FheModel(Inputs = 4, InputBits = 3, InputMin = -1, InputMax = 1)]
            [Quantize(WeightBits = 4, ActivationBits = 3)]
            [Dense("H", 5, Activation = Activation.Tanh)]
            [Dense("O", 5)]
            [Prune("H", MaxActiveInputs = 2)]
            [RoundAccumulator("H", Bits = 4)]
            public static partial class Mixed
            {
                static readonly float[] H =
                {
                    1f, -0.5f, 0.25f, 0.75f,           // active
                    0f, 0f, 0f, 0f,                    // all zero: constant
                    0.001f, -0.002f, 0.0005f, 0.001f,  // pruned to two tiny weights that quantize to zero: constant
                    -0.75f, 0.5f, 1f, -0.25f,          // active
                    0f, 0.6f, 0f, 0f,                  // active, one weight
                };
                static readonly float[] HBias = { 0.1f, 0.4f, -0.3f, 0f, 0.2f };
                // Identity: the outputs are the hidden activations.
                static readonly float[] O =
                {
                    1f, 0f, 0f, 0f, 0f,
                    0f, 1f, 0f, 0f, 0f,
                    0f, 0f, 1f, 0f, 0f,
                    0f, 0f, 0f, 1f, 0f,
                    0f, 0f, 0f, 0f, 1f,
                };
            }

            [FheModel(Inputs = 2, InputBits = 2)]
            [Dense("H", 3, Activation = Activation.Sigmoid)]
            [Dense("O", 1)]
            public static partial class AllConstant
            {
                static readonly float[] H = { 0f, 0f, 0f, 0f, 0f, 0f };
                static readonly float[] HBias = { 0.5f, -1f, 2f };
                static readonly float[] O = { 1f, 0.5f, -0.25f };
            }
        }
        """;

    [Fact]
    public void Constant_neurons_are_emitted_as_constants_without_lookup()
    {
        var run = GeneratorHarness.Run(Source);
        var code = new GeneratedCode(run.Sources["Consts.Mixed.FheGen.g.cs"]);
        using var assembly = run.Load();
        var model = assembly.Model("Consts.Mixed");

        var hidden = model.Circuit.Layers[0];
        Assert.Equal(5, hidden.Outputs);
        Assert.Equal(3, hidden.PbsCount);
        Assert.Equal(3, model.Circuit.PbsCount);

        // Only the three active neurons accumulate and go through the lookup.
        Assert.Equal(3, code.LayerChunks(0).Sum(c => GeneratedCode.Calls(c, "Constant").Count()));
        Assert.Equal(3, code.FieldArrayElements("__FheGen_L0_tables").Count);
        Assert.Single(GeneratedCode.Calls(code.Run, "Lookup"));
        var constants = code.Run.Body!.Statements.Select(s => s.ToString()).Where(s => s.Contains("backend.Constant(", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, constants.Count);
        Assert.StartsWith("h0[1] = backend.Constant(", constants[0], StringComparison.Ordinal);
        Assert.StartsWith("h0[2] = backend.Constant(", constants[1], StringComparison.Ordinal);

        Equivalence.AssertMatchesInterpreter(model, inputBits: 3);

        // The constants are the right table entries: through the identity output layer, outputs 1 and 2 are
        // tanh(bias) up to the hidden layer's quantization and rounding error, whatever the input.
        var plan = CircuitCompiler.Compile(model.Spec).PlanOrThrow();
        var layer = plan.Layers[0];
        foreach (var features in new[] { new[] { -1f, -1f, -1f, -1f }, new[] { 1f, 0.5f, -0.5f, 0f } })
        {
            var y = model.Predict(features);
            foreach (var (j, bias) in new[] { (1, 0.4), (2, -0.3) })
            {
                double tolerance = layer.Output!.Scale + Math.Pow(2, layer.RoundedBits) * layer.AccumulatorScale(j) + 1e-6;
                Assert.True(Math.Abs(y[j] - Math.Tanh(bias)) <= tolerance, $"output {j} = {y[j]}, tanh({bias}) = {Math.Tanh(bias)}, tolerance {tolerance}");
            }
        }
    }

    [Fact]
    public void Layer_of_constant_neurons_needs_no_lookup_at_all()
    {
        var run = GeneratorHarness.Run(Source);
        var code = new GeneratedCode(run.Sources["Consts.AllConstant.FheGen.g.cs"]);
        using var assembly = run.Load();
        var model = assembly.Model("Consts.AllConstant");

        Assert.Equal(0, model.Circuit.Layers[0].PbsCount);
        Assert.Empty(code.LayerChunks(0));
        Assert.False(code.HasField("__FheGen_L0_tables"));
        Assert.Empty(GeneratedCode.Calls(code.Run, "Lookup"));
        Assert.Empty(GeneratedCode.Calls(code.Run, "Round"));
        Assert.Equal(3, GeneratedCode.Calls(code.Run, "Constant").Count());

        Equivalence.AssertMatchesInterpreter(model, inputBits: 2, randomVectors: 4);
        Assert.Equal(model.RunClear(new long[] { 0, 0 }), model.RunClear(new long[] { 3, 3 }));
    }
}
