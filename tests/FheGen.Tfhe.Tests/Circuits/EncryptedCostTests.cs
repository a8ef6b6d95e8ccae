using System.Linq;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Circuits;

/// <summary>The cost model's encrypted estimate prices the parameter sets the encrypted backend selects.</summary>
public sealed class EncryptedCostTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => new() { "exact", "two-widths", "unrounded" };

    private static CircuitPlan Plan(string name) => name switch
    {
        "exact" => ExactRoundedModel.Interpreter.Plan,
        "two-widths" => TwoWidthModel.Interpreter.Plan,
        _ => UnroundedModel.Interpreter.Plan,
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void The_estimate_prices_the_parameter_sets_the_encrypted_backend_selects(string model)
    {
        var plan = Plan(model);
        foreach (double pError in new[] { plan.PError, 1e-3 })
        {
            var estimate = CostModel.EstimateEncrypted(plan, pError);
            var encoding = CircuitEncoding.Create(plan, pError);
            Assert.Equal(encoding.KeySets, estimate.KeySets);
            // Every bootstrapping of the run is priced, lookups and extraction reads.
            Assert.Equal(encoding.PbsPerInference, estimate.Cost.TotalPbsCount);
            Assert.True(estimate.Cost.TotalLatencyMs > 0);
            Assert.Equal(estimate.Cost.TotalLatencyMs, estimate.Cost.Layers.Sum(l => l.LatencyMs), 9);
            output.WriteLine($"{model} at p_error {pError:G3}: {estimate.FormatLatency()} ({string.Join("; ", estimate.KeySets.Select(s => s.Id))}); " +
                             $"per-width table model {CostModel.Estimate(plan, pError).FormatLatency()}");
        }
    }
}
