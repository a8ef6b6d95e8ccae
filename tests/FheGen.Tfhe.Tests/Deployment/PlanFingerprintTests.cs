using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Deployment;
using FheGen.Tfhe.Tests.Circuits;

namespace FheGen.Tfhe.Tests.Deployment;

/// <summary>
/// The TFHE side of the plan fingerprint: the encoding of a generated model refuses a plan that is not the generated
/// one, and the bundle's plan format keeps every field the fingerprint covers (old bundles still load).
/// </summary>
public sealed class PlanFingerprintTests
{
    [Fact]
    public void The_encoding_of_a_generated_model_checks_its_plan()
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        Assert.Equal(TwoWidthModel.PlanFingerprint, PlanFingerprint.Of(plan));
        Assert.Equal(TwoWidthModel.PlanFingerprint, TwoWidthModel.Interpreter.Fingerprint);
        var encoding = CircuitEncoding.ForGeneratedModel(plan, nameof(TwoWidthModel), TwoWidthModel.PlanFingerprint);
        Assert.Equal(CircuitEncoding.Create(plan).KeySets, encoding.KeySets);

        var other = UnroundedModel.Interpreter.Plan;
        var e = Assert.Throws<PlanFingerprintMismatchException>(() => CircuitEncoding.ForGeneratedModel(other, nameof(TwoWidthModel), TwoWidthModel.PlanFingerprint));
        Assert.Equal((nameof(TwoWidthModel), TwoWidthModel.PlanFingerprint, UnroundedModel.PlanFingerprint), (e.Model, e.Expected, e.Actual));
    }

    [Fact]
    public void The_plan_format_keeps_the_fingerprint_global_p_error_included()
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        foreach (var p in new[] { plan, plan with { GlobalPError = 1e-3 } })
        {
            var loaded = PlanFormat.FromJson(PlanFormat.ToJson(p));
            Assert.Equal(p, loaded);
            Assert.Equal(PlanFingerprint.Of(p), PlanFingerprint.Of(loaded));
        }
        // Written only when set: plans without it serialize as before the field existed.
        Assert.DoesNotContain("GlobalPError", PlanFormat.ToJson(plan).GetRawText(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_bundle_written_before_the_global_p_error_field_still_loads()
    {
        var plan = TwoWidthModel.Interpreter.Plan with { GlobalPError = 1e-3 };
        var (_, server) = CircuitDeployment.Create(plan);
        // An old writer's blob: the same content without the member.
        var payload = DeploymentFormat.Unwrap(server.ToBytes(), DeploymentObjectKind.ServerBundle);
        var json = JsonNode.Parse(Encoding.UTF8.GetString(payload.Span))!.AsObject();
        Assert.True(json["plan"]!.AsObject().Remove("GlobalPError"));
        var old = DeploymentFormat.Wrap(DeploymentObjectKind.ServerBundle, JsonSerializer.SerializeToUtf8Bytes(json));

        var loaded = ServerBundle.FromBytes(old);
        Assert.Null(loaded.Plan.GlobalPError);
        Assert.Equal(plan with { GlobalPError = null }, loaded.Plan);
        Assert.Equal(server.Encoding.KeySets.Select(k => k.Id), loaded.Encoding.KeySets.Select(k => k.Id));
        // The current writer keeps it.
        Assert.Equal(1e-3, ServerBundle.FromBytes(server.ToBytes()).Plan.GlobalPError);
    }
}
