using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using FheGen.Samples.Digits;
using FheGen.Samples.Server;
using FheGen.Samples.ServerClient;
using FheGen.Tfhe.Deployment;
using Xunit.Abstractions;

namespace FheGen.Server.Tests;

/// <summary>
/// samples/Server end to end, on a real Kestrel over loopback, with samples/ServerClient's client: several clients at
/// once, each with its own keys, get what the clear circuit computes; bad requests get a clear 4xx and the server keeps
/// serving; a restarted server still knows its registered clients.
/// </summary>
/// <remarks>
/// By default the server serves a 3-input test circuit (<see cref="TinyModel"/>, through a configured bundle: the same
/// code path as any deployed bundle), so a client's keys take well under a second. The digits model at a 4-bit lookup
/// (the server's own DigitsMlp bundle; 140 PBS, 83 MiB evaluation keys, seconds per request on this 2-core machine) is
/// the <c>[Trait("Category", "Heavy")]</c> form, run with <c>FHEGEN_HEAVY=1</c>.
/// </remarks>
public sealed class ServerEndToEndTests(ITestOutputHelper output)
{
    private static readonly bool Heavy = Environment.GetEnvironmentVariable("FHEGEN_HEAVY") == "1";

    private static (string ServerBundle, string ClientBundle) WriteBundles(string folder, Compiler.Plan.CircuitPlan plan)
    {
        var (client, server) = CircuitDeployment.Create(plan);
        string s = Path.Combine(folder, "tiny-server.bundle"), c = Path.Combine(folder, "tiny-client.bundle");
        server.Save(s);
        client.Save(c);
        return (s, c);
    }

    private static Task<ServerHost> StartTinyAsync(string folder)
    {
        var (s, c) = WriteBundles(folder, TinyModel.Interpreter.Plan);
        return ServerHost.StartAsync(folder, ("ServerBundle", s), ("ClientBundle", c), ("MaxConcurrentEvaluations", "2"));
    }

    private static float[][] TinyRows(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 3).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
    }

    [Fact]
    [Trait("Category", "Heavy")]
    public async Task Several_clients_at_once_each_with_its_own_keys_get_what_the_clear_circuit_computes()
    {
        string folder = ServerHost.TempFolder();
        int clients = Heavy ? 3 : 4, rows = Heavy ? 2 : 3;
        output.WriteLine(Heavy ? "full (FHEGEN_HEAVY=1): DigitsMlp at a 4-bit exactly rounded lookup" : "reduced (FHEGEN_HEAVY=1 for digits): the 3-input test circuit");
        try
        {
            await using var host = Heavy
                ? await ServerHost.StartAsync(folder, ("TluBits", "4"))
                : await StartTinyAsync(folder);
            float[][] data;
            int[] labels;
            if (Heavy)
            {
                var (_, test) = DigitsExperiment.LoadSplit();
                data = Enumerable.Range(0, clients * rows).Select(i => test.Row(i).ToArray()).ToArray();
                labels = test.Y.Take(clients * rows).ToArray();
            }
            else
            {
                data = TinyRows(clients * rows, 1);
                labels = new int[data.Length];
            }

            var sw = Stopwatch.StartNew();
            var logs = Enumerable.Range(0, clients).Select(_ => new StringWriter()).ToArray();
            var sessions = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                using var http = host.CreateClient();
                return await DeployedClient.RunAsync(new FheServerClient(http), $"client-{c}", data.Skip(c * rows).Take(rows).ToArray(),
                    labels.Skip(c * rows).Take(rows).ToArray(), logs[c]);
            }));
            foreach (var log in logs) output.WriteLine(log.ToString());
            output.WriteLine($"{clients} clients x {rows} requests in {sw.Elapsed.TotalSeconds:F1} s");

            Assert.All(sessions, s =>
            {
                Assert.Equal(rows, s.Predictions.Count);
                Assert.All(s.Predictions, p => Assert.True(p.EqualsClear, $"sample {p.Index} differs from the clear circuit"));
                Assert.All(s.Predictions, p => Assert.Equal(p.ClearPredicted, p.Predicted));
            });
            // One stored key per client, exactly the registered bytes.
            for (int c = 0; c < clients; c++)
                Assert.Equal(sessions[c].EvaluationKeyBytes, new FileInfo(Path.Combine(folder, "keys", $"client-{c}.key")).Length);
            if (Heavy) Assert.True(sessions.SelectMany(s => s.Predictions).Count(p => p.Predicted == p.Label) >= clients * rows - 1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_requests_get_a_clear_4xx_and_the_server_keeps_serving()
    {
        string folder = ServerHost.TempFolder();
        try
        {
            await using var host = await StartTinyAsync(folder);
            using var http = host.CreateClient();
            var server = new FheServerClient(http);
            var bundle = ClientBundle.FromBytes(await server.GetClientBundleAsync());
            var alice = ModelClient.GenerateKeys(bundle);
            byte[] aliceKey = alice.CreateEvaluationKeyBytes();
            var other = ModelClient.GenerateKeys(CircuitDeployment.Create(OtherModel.Interpreter.Plan).Client);

            async Task<FheServerException> Refused(HttpStatusCode status, Func<Task> call, string because)
            {
                var e = await Assert.ThrowsAsync<FheServerException>(call);
                output.WriteLine($"{(int)e.Status}: {e.Detail}");
                Assert.Equal(status, e.Status);
                Assert.Contains(because, e.Detail, StringComparison.OrdinalIgnoreCase);
                return e;
            }

            var x = alice.Quantize(new[] { 0.2f, 0.7f, 0.9f });
            byte[] good = alice.EncryptQuantized(x);

            // Unknown client; ids that are not file names.
            await Refused(HttpStatusCode.NotFound, () => server.PredictAsync("nobody", good), "unknown");
            await Refused(HttpStatusCode.BadRequest, () => server.PredictAsync("a.b", good), "not a client id");
            // Registration: another circuit's key (other parameter sets), a truncated key, then the right one, once.
            byte[] otherKey = other.CreateEvaluationKeyBytes();
            Assert.True(otherKey.Length < aliceKey.Length, "the other circuit's key is smaller, so it reaches the reader");
            await Refused(HttpStatusCode.BadRequest, () => server.RegisterAsync("alice", otherKey), "mismatch");
            await Refused(HttpStatusCode.BadRequest, () => server.RegisterAsync("alice", aliceKey[..^100]), "Truncated");
            await Refused(HttpStatusCode.RequestEntityTooLarge, () => server.RegisterAsync("alice", aliceKey.Concat(new byte[FheServerApp.BodySlackBytes + 1]).ToArray()), "at most");
            var damagedKey = (byte[])aliceKey.Clone();
            damagedKey[damagedKey.Length / 2] ^= 0x40;
            await Refused(HttpStatusCode.BadRequest, () => server.RegisterAsync("alice", damagedKey), "checksum");
            Assert.False(File.Exists(Path.Combine(folder, "keys", "alice.key")), "a refused key is not stored");
            await server.RegisterAsync("alice", aliceKey);
            await Refused(HttpStatusCode.Conflict, () => server.RegisterAsync("alice", aliceKey), "registered");

            // Inputs: another circuit's (other parameters), oversized, damaged, truncated.
            await Refused(HttpStatusCode.BadRequest, () => server.PredictAsync("alice", other.EncryptQuantized(new long[3])), "Parameter set mismatch");
            await Refused(HttpStatusCode.RequestEntityTooLarge, () => server.PredictAsync("alice", good.Concat(new byte[FheServerApp.BodySlackBytes + 1]).ToArray()), "at most");
            await Refused(HttpStatusCode.BadRequest, () => server.PredictAsync("alice", good.Concat(new byte[64]).ToArray()), "Trailing bytes");
            var damaged = (byte[])good.Clone();
            damaged[^40] ^= 1;
            await Refused(HttpStatusCode.BadRequest, () => server.PredictAsync("alice", damaged), "checksum");
            await Refused(HttpStatusCode.BadRequest, () => server.PredictAsync("alice", good[..^1]), "Truncated");
            await Refused(HttpStatusCode.BadRequest, () => server.PredictAsync("alice", new byte[good.Length]), "magic");

            // After all that, a good request is served, and equals the clear circuit.
            Assert.Equal(alice.RunClear(x), alice.DecryptAccumulators(await server.PredictAsync("alice", good)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<ServerHost> RestartWithDamagedKey(ServerHost running, string folder, string id, string serverBundle, string clientBundle)
    {
        await running.DisposeAsync();
        string path = Path.Combine(folder, "keys", id + ".key");
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 3] ^= 0x08;
        File.WriteAllBytes(path, bytes);
        return await ServerHost.StartAsync(folder, ("ServerBundle", serverBundle), ("ClientBundle", clientBundle));
    }

    [Fact]
    public async Task A_restarted_server_still_serves_its_registered_clients_from_their_stored_keys_and_says_when_one_is_damaged()
    {
        string folder = ServerHost.TempFolder();
        try
        {
            var (s, c) = WriteBundles(folder, TinyModel.Interpreter.Plan);
            var client = ModelClient.GenerateKeys(ClientBundle.Load(c));
            var x = client.Quantize(new[] { 0.9f, 0.1f, 0.5f });
            await using (var first = await ServerHost.StartAsync(folder, ("ServerBundle", s), ("ClientBundle", c)))
            {
                using var http = first.CreateClient();
                await new FheServerClient(http).RegisterAsync("bob", client.CreateEvaluationKeyBytes());
            }

            await using var second = await ServerHost.StartAsync(folder, ("ServerBundle", s), ("ClientBundle", c));
            using var http2 = second.CreateClient();
            var answer = await new FheServerClient(http2).PredictAsync("bob", client.EncryptQuantized(x));
            Assert.Equal(client.RunClear(x), client.DecryptAccumulators(answer));

            // A stored key damaged on disk is the server's fault (500, saying so), and only that client's.
            var carol = ModelClient.GenerateKeys(client.Bundle);
            await new FheServerClient(http2).RegisterAsync("carol", carol.CreateEvaluationKeyBytes());
            await using var third = await RestartWithDamagedKey(second, folder, "carol", s, c);
            using var http3 = third.CreateClient();
            var e = await Assert.ThrowsAsync<FheServerException>(() => new FheServerClient(http3).PredictAsync("carol", carol.EncryptQuantized(x)));
            Assert.Equal(HttpStatusCode.InternalServerError, e.Status);
            Assert.Contains("stored evaluation key of 'carol' cannot be read", e.Detail);
            Assert.Equal(client.RunClear(x), client.DecryptAccumulators(await new FheServerClient(http3).PredictAsync("bob", client.EncryptQuantized(x))));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
