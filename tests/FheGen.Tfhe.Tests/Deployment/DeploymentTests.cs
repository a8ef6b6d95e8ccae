using System;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Deployment;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;
using FheGen.Tfhe.Tests.Circuits;
using FheGen.Tfhe.Tests.Core;

namespace FheGen.Tfhe.Tests.Deployment;

/// <summary>
/// Client and server bundles, <see cref="ModelClient"/> and <see cref="CircuitServer"/>: bundles round-trip to a plan
/// that runs the same; a client's encrypted inputs, evaluated by a server holding only the server bundle and the
/// evaluation key, decrypt to the clear circuit's outputs; damaged, mismatched and foreign data is refused with a
/// message that says why.
/// </summary>
public sealed class DeploymentTests
{
    private static long[][] Inputs(CircuitPlan plan, int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, plan.Inputs).Select(_ => rng.NextInt64(0, plan.Input.MaxLevel + 1)).ToArray()).ToArray();
    }

    [Fact]
    public void Bundles_round_trip_to_a_plan_that_runs_the_same_with_the_same_parameters()
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        var (client, server) = CircuitDeployment.Create(plan);
        var loadedServer = ServerBundle.FromBytes(server.ToBytes());
        var loadedClient = ClientBundle.FromBytes(client.ToBytes());

        Assert.Equal(server.Encoding.KeySets.Select(k => k.Id), loadedServer.Encoding.KeySets.Select(k => k.Id));
        Assert.Equal(server.Encoding.RequiredBootstraps, loadedClient.Encoding.RequiredBootstraps);
        Assert.Equal(server.Encoding.StageMessageBits, loadedServer.Encoding.StageMessageBits);
        Assert.Equal(client.Fingerprint, loadedServer.Fingerprint);
        Assert.Equal(server.ToBytes(), loadedServer.ToBytes());
        var original = new PlanInterpreter(plan);
        var loaded = new PlanInterpreter(loadedServer.Plan);
        foreach (var x in Inputs(plan, 50, 3))
        {
            var a = new long[plan.Outputs];
            var b = new long[plan.Outputs];
            original.Run<ClearBackend, long>(default, x, a);
            loaded.Run<ClearBackend, long>(default, x, b);
            Assert.Equal(a, b);
        }

        // The client's codec comes along: quantizers and output scales.
        var features = Enumerable.Range(0, plan.Inputs).Select(i => 0.1f * i).ToArray();
        var q1 = new long[plan.Inputs];
        CircuitIo.FromPlan(plan).QuantizeInputs(features, q1);
        var q2 = new long[plan.Inputs];
        loadedClient.Io.QuantizeInputs(features, q2);
        Assert.Equal(q1, q2);
    }

    [Fact]
    public void A_server_with_only_the_server_bundle_and_the_evaluation_key_returns_what_the_clear_circuit_computes()
    {
        var plan = TwoWidthModel.Interpreter.Plan;
        var (clientBundle, serverBundle) = CircuitDeployment.Create(plan);
        var server = new CircuitServer(ServerBundle.FromBytes(serverBundle.ToBytes()), TwoWidthModel.Run<EncryptedBackend, LweCiphertext>);
        var client = ModelClient.GenerateKeys(ClientBundle.FromBytes(clientBundle.ToBytes()), CoreTestUtil.Seeded(21));

        byte[] evaluationKey = client.CreateEvaluationKeyBytes();
        Assert.Equal(serverBundle.EvaluationKeyBytes, evaluationKey.Length);
        var backend = server.CreateBackend(server.LoadEvaluationKey(evaluationKey));
        foreach (var x in Inputs(plan, 4, 5))
        {
            byte[] request = client.EncryptQuantized(x);
            Assert.Equal(serverBundle.InputBytes, request.Length);
            byte[] response = server.Evaluate(backend, request);
            Assert.Equal(client.RunClear(x), client.DecryptAccumulators(response));
        }

        // A client restored from its saved secret key decrypts the same answers.
        using var saved = new System.IO.MemoryStream();
        client.SaveSecretKey(saved);
        saved.Position = 0;
        var restored = ModelClient.Load(client.Bundle, saved);
        var y = Inputs(plan, 1, 9)[0];
        Assert.Equal(client.RunClear(y), restored.DecryptAccumulators(server.Evaluate(backend, client.EncryptQuantized(y))));
    }

    [Fact]
    public void Keys_and_ciphertexts_of_another_circuit_are_refused_with_the_reason()
    {
        var (_, serverBundle) = CircuitDeployment.Create(TwoWidthModel.Interpreter.Plan);
        var (otherClientBundle, _) = CircuitDeployment.Create(UnroundedModel.Interpreter.Plan);
        var server = new CircuitServer(serverBundle);
        var other = ModelClient.GenerateKeys(otherClientBundle, CoreTestUtil.Seeded(22));

        var keyError = Assert.Throws<TfheFormatException>(() => server.LoadEvaluationKey(other.CreateEvaluationKeyBytes()));
        Assert.Contains("Parameter set mismatch", keyError.Message);
        var inputError = Assert.Throws<TfheFormatException>(() => server.ReadInputs(other.EncryptQuantized(new long[UnroundedModel.Interpreter.Plan.Inputs])));
        Assert.Contains("Parameter set mismatch", inputError.Message);

        // In-memory ciphertexts of the wrong count or dimension.
        var client = ModelClient.GenerateKeys(CircuitDeployment.Create(TwoWidthModel.Interpreter.Plan).Client, CoreTestUtil.Seeded(23));
        var backend = server.CreateBackend(server.LoadEvaluationKey(client.CreateEvaluationKeyBytes()));
        int inputs = serverBundle.Plan.Inputs;
        var wrongCount = Assert.Throws<ArgumentException>(() => server.Evaluate(backend, new LweCiphertext[inputs - 1].Select(_ => new LweCiphertext(8)).ToArray()));
        Assert.Contains($"the circuit takes {inputs}", wrongCount.Message);
        var wrongDimension = Assert.Throws<ArgumentException>(() => server.Evaluate(backend, Enumerable.Range(0, inputs).Select(_ => new LweCiphertext(8)).ToArray()));
        Assert.Contains("has dimension 8", wrongDimension.Message);
        // A backend of another server's encoding (same plan, but not this server's encoding object).
        var foreign = new CircuitServer(ServerBundle.FromBytes(serverBundle.ToBytes()));
        Assert.Throws<ArgumentException>(() => foreign.Evaluate(backend, server.ReadInputs(client.EncryptQuantized(new long[inputs]))));
    }

    [Fact]
    public void Damaged_and_foreign_blobs_are_refused_with_the_reason()
    {
        var (client, server) = CircuitDeployment.Create(UnroundedModel.Interpreter.Plan);
        byte[] blob = server.ToBytes();

        var flipped = (byte[])blob.Clone();
        flipped[blob.Length / 2] ^= 0x10;
        Assert.Contains("checksum mismatch", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(flipped)).Message);
        Assert.Contains("payload", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(blob.AsMemory(0, blob.Length - 5))).Message);
        Assert.Contains("shorter than", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(new byte[10])).Message);
        Assert.Contains("holds a client bundle", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(client.ToBytes())).Message);
        var version = (byte[])blob.Clone();
        version[4] = 9;
        Assert.Contains("format version 9", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(version)).Message);
        var key = ModelClient.GenerateKeys(client, CoreTestUtil.Seeded(24)).CreateEvaluationKeyBytes();
        Assert.Contains("key or ciphertext blob", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(key)).Message);

        // Intact container, content for parameter sets this build would not select (an older selector, say).
        var json = JsonNode.Parse(DeploymentFormat.Unwrap(blob, DeploymentObjectKind.ServerBundle).ToArray())!;
        json["key_sets"] = new JsonArray(JsonValue.Create("m2c2-n1-k1-N1"));
        var stale = DeploymentFormat.Wrap(DeploymentObjectKind.ServerBundle, Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.Contains("Make the bundles again", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(stale)).Message);
        // Intact container, inconsistent plan.
        json = JsonNode.Parse(DeploymentFormat.Unwrap(blob, DeploymentObjectKind.ServerBundle).ToArray())!;
        json["plan"]!["Inputs"] = 7;
        var broken = DeploymentFormat.Wrap(DeploymentObjectKind.ServerBundle, Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.Contains("does not fit the layers around it", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(broken)).Message);
        var garbage = DeploymentFormat.Wrap(DeploymentObjectKind.ServerBundle, "{not json"u8);
        Assert.Contains("not valid", Assert.Throws<TfheFormatException>(() => ServerBundle.FromBytes(garbage)).Message);
    }

    [Fact]
    public void Encrypted_outputs_of_the_wrong_count_or_damaged_are_refused()
    {
        var (clientBundle, serverBundle) = CircuitDeployment.Create(UnroundedModel.Interpreter.Plan);
        var client = ModelClient.GenerateKeys(clientBundle, CoreTestUtil.Seeded(25));
        var server = new CircuitServer(serverBundle);
        var backend = server.CreateBackend(server.LoadEvaluationKey(client.CreateEvaluationKeyBytes()));
        var x = new long[serverBundle.Plan.Inputs];
        byte[] response = server.Evaluate(backend, client.EncryptQuantized(x));
        Assert.Equal(client.RunClear(x), client.DecryptAccumulators(response));

        var damaged = (byte[])response.Clone();
        damaged[40] ^= 1;
        Assert.Contains("checksum", Assert.Throws<TfheFormatException>(() => client.DecryptAccumulators(damaged)).Message);
        var outputs = EncryptedOutputs.FromBytes(response, clientBundle.Encoding);
        Assert.Throws<ArgumentException>(() => EncryptedOutputs.ToBytes(outputs.Take(1).ToArray(), clientBundle.Encoding));
        var payload = DeploymentFormat.Unwrap(response, DeploymentObjectKind.EncryptedOutputs).ToArray();
        payload[0] = 1; // claims one output
        Assert.Contains("1 encrypted outputs; the circuit has", Assert.Throws<TfheFormatException>(
            () => client.DecryptAccumulators(DeploymentFormat.Wrap(DeploymentObjectKind.EncryptedOutputs, payload))).Message);
    }
}
