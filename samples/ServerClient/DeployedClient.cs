using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FheGen.Tfhe.Deployment;

namespace FheGen.Samples.ServerClient;

/// <summary>One encrypted prediction as the client saw it.</summary>
/// <param name="Index">Position among the rows sent.</param>
/// <param name="Label">The expected class.</param>
/// <param name="Predicted">Argmax of the decrypted, dequantized outputs.</param>
/// <param name="ClearPredicted">Argmax of the clear circuit's outputs on the same quantized inputs.</param>
/// <param name="EqualsClear">Whether every decrypted accumulator equals the clear circuit's.</param>
/// <param name="RequestBytes">Bytes of the encrypted input sent.</param>
/// <param name="ResponseBytes">Bytes of the encrypted outputs received.</param>
/// <param name="RoundTripMs">Encrypt, send, evaluate, receive, decrypt.</param>
/// <param name="ServerMs">The server's evaluation time, as it reports it.</param>
public sealed record DeployedPrediction(int Index, int Label, int Predicted, int ClearPredicted, bool EqualsClear, int RequestBytes, int ResponseBytes,
    double RoundTripMs, double? ServerMs);

/// <summary>A client session's figures: keys, registration, and the predictions.</summary>
/// <param name="KeygenMs">Secret key generation.</param>
/// <param name="EvaluationKeyMs">Making the seeded evaluation key.</param>
/// <param name="EvaluationKeyBytes">Its serialized size (the registration body).</param>
/// <param name="RegisterMs">Upload and the server's check and expansion.</param>
/// <param name="Predictions">One per row.</param>
public sealed record DeployedSession(double KeygenMs, double EvaluationKeyMs, long EvaluationKeyBytes, double RegisterMs, IReadOnlyList<DeployedPrediction> Predictions);

/// <summary>
/// A whole client of the sample server: downloads the client bundle, generates keys, registers the evaluation key,
/// then per row quantizes and encrypts, asks the server, decrypts and compares with the clear circuit.
/// </summary>
public static class DeployedClient
{
    /// <summary>Runs a session for <paramref name="clientId"/> on <paramref name="rows"/>, logging a line per step.</summary>
    public static async Task<DeployedSession> RunAsync(FheServerClient server, string clientId, IReadOnlyList<float[]> rows, IReadOnlyList<int> labels,
        TextWriter log, CancellationToken cancel = default)
    {
        var bundle = ClientBundle.FromBytes(await server.GetClientBundleAsync(cancel));
        var sw = Stopwatch.StartNew();
        var client = await Task.Run(() => ModelClient.GenerateKeys(bundle), cancel);
        double keygen = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        byte[] evaluationKey = await Task.Run(client.CreateEvaluationKeyBytes, cancel);
        double evaluationKeyMs = sw.Elapsed.TotalMilliseconds;
        log.WriteLine($"[{clientId}] {bundle.Plan.Name} ({bundle.Fingerprint}): keys in {keygen:F0} ms, evaluation key {evaluationKey.Length / 1048576.0:F1} MiB in {evaluationKeyMs:F0} ms");
        sw.Restart();
        await server.RegisterAsync(clientId, evaluationKey, cancel);
        double register = sw.Elapsed.TotalMilliseconds;
        log.WriteLine($"[{clientId}] registered in {register:F0} ms");

        var predictions = new List<DeployedPrediction>();
        for (int i = 0; i < rows.Count; i++)
        {
            sw.Restart();
            var q = client.Quantize(rows[i]);
            byte[] request = client.EncryptQuantized(q);
            byte[] response = await server.PredictAsync(clientId, request, cancel);
            var decrypted = client.DecryptAccumulators(response);
            double roundTrip = sw.Elapsed.TotalMilliseconds;
            var clear = client.RunClear(q);
            var p = new DeployedPrediction(i, labels[i], ArgMax(client.Dequantize(decrypted)), ArgMax(client.Dequantize(clear)),
                clear.AsSpan().SequenceEqual(decrypted), request.Length, response.Length, roundTrip, server.LastEvaluationMs);
            predictions.Add(p);
            log.WriteLine($"[{clientId}] sample {i}: predicted {p.Predicted} (clear circuit {p.ClearPredicted}, label {p.Label}), " +
                          $"{(p.EqualsClear ? "equals the clear circuit" : "DIFFERS from the clear circuit")}; request {p.RequestBytes} B, response {p.ResponseBytes / 1024.0:F0} KiB, " +
                          $"round trip {p.RoundTripMs:F0} ms (server {p.ServerMs:F0} ms)");
        }

        return new DeployedSession(keygen, evaluationKeyMs, evaluationKey.Length, register, predictions);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }

        return best;
    }
}
