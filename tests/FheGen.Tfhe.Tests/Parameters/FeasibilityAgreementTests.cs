using System;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Compiler.Parameters;
using FheGen.Compiler.Pipeline;
using FheGen.Tfhe.Circuits;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Parameters;

/// <summary>
/// The build-time check (FHE0008, <see cref="ParameterFeasibility"/>) and <see cref="CircuitEncoding.Create"/> agree:
/// on seeded random models, a model that passes the check gets an encoding, and one that fails it makes Create throw.
/// </summary>
public class FeasibilityAgreementTests(ITestOutputHelper output)
{
    private static readonly int Models = Environment.GetEnvironmentVariable("FHEGEN_HEAVY") == "1" ? 60 : 10;

    [Fact]
    public void Analyzer_verdict_is_whether_Create_succeeds()
    {
        int feasible = 0, infeasible = 0;
        for (int seed = 1; seed <= Models; seed++)
        {
            var spec = RandomSpec(seed);
            var result = CircuitCompiler.Compile(spec, new CompileOptions { BuildTables = false });
            if (result.Plan is not { } plan || result.HasErrors) continue;
            var verdict = ParameterFeasibility.Check(plan);
            bool created;
            try
            {
                _ = CircuitEncoding.Create(plan);
                created = true;
            }
            catch (InvalidOperationException)
            {
                created = false;
            }

            output.WriteLine($"seed {seed}: {string.Join("/", plan.Layers.Select(l => l.TluInputBits))}-bit reads, p_error {plan.PError:G3}: check {verdict.Feasible}, Create {created}");
            Assert.Equal(created, verdict.Feasible);
            if (created) feasible++; else infeasible++;
        }

        // The sample covers both outcomes, or the agreement says little.
        Assert.True(feasible > 0 && infeasible > 0, $"{feasible} feasible, {infeasible} infeasible");
    }

    private static ModelSpec RandomSpec(int seed)
    {
        var rng = new Random(seed);
        int inputs = rng.Next(6, 20), hidden = rng.Next(3, 10), outputs = rng.Next(2, 4);
        int weightBits = rng.Next(2, 7), activationBits = rng.Next(2, 7);
        int?[] rounds = { null, RoundSetting.AutoBits, 3, 4, 5 };
        int? round = rounds[rng.Next(rounds.Length)];
        double[] pErrors = { Math.Pow(2, -40), Math.Pow(2, -20), Math.Pow(2, -8) };
        double pError = pErrors[rng.Next(pErrors.Length)];
        float[] Weights(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var layers = new[]
        {
            new LayerSpec
            {
                Name = "Hidden",
                Outputs = hidden,
                Activation = ActivationKind.Relu,
                OutputMin = 0,
                OutputMax = 2,
                Weights = new EquatableArray<float>(Weights(inputs * hidden)),
            },
            new LayerSpec
            {
                Name = "Output",
                Outputs = outputs,
                Activation = ActivationKind.Identity,
                Weights = new EquatableArray<float>(Weights(hidden * outputs)),
            },
        };
        return new ModelSpec
        {
            Name = "Random" + seed,
            Inputs = inputs,
            InputBits = rng.Next(2, 6),
            InputMin = 0,
            InputMax = 1,
            PbsBudgetBits = ModelDefaults.PbsBudgetBits,
            PError = pError,
            Layers = new EquatableArray<LayerSpec>(layers),
            Quantize = new EquatableArray<QuantizeSetting>(new[] { new QuantizeSetting(null, weightBits, activationBits, null) }),
            Round = round is int r ? new EquatableArray<RoundSetting>(new[] { new RoundSetting(null, r) }) : EquatableArray<RoundSetting>.Empty,
        };
    }
}
