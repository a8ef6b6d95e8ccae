using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Samples.Digits;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Deployment;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FheGen.Samples.Server;

/// <summary>
/// The server: one deployed circuit, a key store, and the endpoints. Request bodies have exact sizes known from the
/// circuit (<see cref="ServerBundle.EvaluationKeyBytes"/>, <see cref="ServerBundle.InputBytes"/>), so the limit on
/// each endpoint is that size and a little slack (<see cref="BodySlackBytes"/>): a longer body is refused with 413
/// before it is read past the limit.
/// </summary>
public static class FheServerApp
{
    /// <summary>Builds the application from <paramref name="args"/> and configuration (<see cref="FheServerOptions"/>).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = builder.Configuration.GetSection(FheServerOptions.Section).Get<FheServerOptions>() ?? new FheServerOptions();
        var deployment = Deployment.Load(options, Console.Out);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(deployment);
        builder.Services.AddSingleton(new ClientKeyStore(deployment.Server, Path.Combine(options.DataFolder, "keys")));
        builder.Services.AddSingleton(new SemaphoreSlim(Math.Max(1, options.MaxConcurrentEvaluations)));
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        Map(app);
        return app;
    }

    private static void Map(WebApplication app)
    {
        app.MapGet("/v1/model", (Deployment d) =>
        {
            var b = d.Server.Bundle;
            return Results.Json(new
            {
                model = b.Plan.Name,
                fingerprint = b.Fingerprint,
                inputs = b.Plan.Inputs,
                outputs = b.Plan.Outputs,
                pbs_per_inference = b.Encoding.PbsPerInference,
                parameters = string.Join("; ", b.Encoding.KeySets.Select(k => k.Id)),
                evaluation_key_bytes = b.EvaluationKeyBytes,
                input_bytes = b.InputBytes,
            });
        });

        app.MapGet("/v1/client-bundle", (Deployment d) => d.ClientBundle is { } bytes
            ? Results.Bytes(bytes, "application/octet-stream", "client.bundle")
            : Results.Problem("This server was started with a server bundle only; get the client bundle from its developer.", statusCode: 404));

        app.MapPut("/v1/clients/{clientId}/key", async (string clientId, HttpContext context, Deployment d, ClientKeyStore store, ILoggerFactory logs) =>
        {
            if (!ClientKeyStore.IsValidId(clientId)) return InvalidId(clientId);
            if (store.IsRegistered(clientId))
                return Results.Problem($"Client '{clientId}' has registered its key already; a key is registered once.", statusCode: 409);
            var (body, error) = await ReadBodyAsync(context, d.Server.Bundle.EvaluationKeyBytes, "evaluation key");
            if (error is not null) return error;
            var sw = Stopwatch.StartNew();
            try
            {
                if (!await Task.Run(() => store.Register(clientId, body!)))
                    return Results.Problem($"Client '{clientId}' has registered its key already; a key is registered once.", statusCode: 409);
            }
            catch (TfheFormatException e)
            {
                return Results.Problem(e.Message, statusCode: 400, title: "Not an evaluation key of this circuit");
            }

            logs.CreateLogger("FheServer").LogInformation("client {Client} registered ({Bytes} bytes, checked and expanded in {Ms:F0} ms)",
                clientId, body!.Length, sw.Elapsed.TotalMilliseconds);
            return Results.Created($"/v1/clients/{clientId}", new { client = clientId, key_bytes = body.Length, load_ms = sw.Elapsed.TotalMilliseconds });
        });

        app.MapPost("/v1/clients/{clientId}/predict", async (string clientId, HttpContext context, Deployment d, ClientKeyStore store, SemaphoreSlim gate) =>
        {
            if (!ClientKeyStore.IsValidId(clientId)) return InvalidId(clientId);
            if (!store.IsRegistered(clientId))
                return Results.Problem($"Client '{clientId}' is unknown; register its evaluation key first (PUT /v1/clients/{clientId}/key).", statusCode: 404);
            var (body, error) = await ReadBodyAsync(context, d.Server.Bundle.InputBytes, "encrypted input");
            if (error is not null) return error;
            LweCiphertext[] inputs;
            try
            {
                inputs = d.Server.ReadInputs(body!);
            }
            catch (TfheFormatException e)
            {
                return Results.Problem(e.Message, statusCode: 400, title: "Not encrypted inputs of this circuit");
            }

            await gate.WaitAsync(context.RequestAborted);
            try
            {
                EncryptedBackend? backend;
                try
                {
                    // After a restart the stored key is read and expanded here, on the client's first request.
                    backend = await Task.Run(() => store.Find(clientId));
                }
                catch (TfheFormatException e)
                {
                    return Results.Problem($"The stored evaluation key of '{clientId}' cannot be read: {e.Message}", statusCode: 500);
                }

                if (backend is not { } b) return Results.Problem($"Client '{clientId}' is unknown.", statusCode: 404);
                var sw = Stopwatch.StartNew();
                var outputs = await Task.Run(() => EncryptedOutputs.ToBytes(d.Server.Evaluate(b, inputs), d.Server.Encoding));
                context.Response.Headers["X-Fhe-Evaluation-Ms"] = sw.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
                return Results.Bytes(outputs, "application/octet-stream");
            }
            finally
            {
                gate.Release();
            }
        });
    }

    private static IResult InvalidId(string id) =>
        Results.Problem($"'{id}' is not a client id: 1 to 64 letters, digits, '-' or '_'.", statusCode: 400);

    /// <summary>
    /// Slack over the circuit's exact body sizes, so that a body made for other parameters (whose header names them with
    /// an Id of another length) reaches the reader and is refused for what it is, not for its size.
    /// </summary>
    public const int BodySlackBytes = 4096;

    /// <summary>The body, at most <paramref name="expected"/> + <see cref="BodySlackBytes"/> bytes: longer (by Content-Length or as it arrives) is 413.</summary>
    private static async Task<(byte[]? Body, IResult? Error)> ReadBodyAsync(HttpContext context, long expected, string what)
    {
        var request = context.Request;
        long limit = expected + BodySlackBytes;
        if (request.ContentLength is long stated && stated > limit)
            return (null, TooLarge(what, expected, limit, $"{stated} bytes"));
        // Kestrel's own limit (30 MB by default) gives way to the circuit's size on this request.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit + 1;
        var body = new byte[request.ContentLength is long length ? length : limit];
        int read = 0;
        try
        {
            while (true)
            {
                if (read == body.Length)
                {
                    // One byte more than stated or allowed is enough to refuse the body.
                    var probe = new byte[1];
                    if (await request.Body.ReadAsync(probe, context.RequestAborted) > 0)
                        return (null, TooLarge(what, expected, limit, "more"));
                    break;
                }

                int n = await request.Body.ReadAsync(body.AsMemory(read), context.RequestAborted);
                if (n == 0) break;
                read += n;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(what, expected, limit, "more"));
        }

        // Shorter than this circuit's size: the reader says what is wrong (truncated, other parameters, not TFHE data).
        return (read == body.Length ? body : body[..read], null);
    }

    private static IResult TooLarge(string what, long expected, long limit, string got) =>
        Results.Problem($"The {what} of this circuit is {expected} bytes (at most {limit} accepted); the request sent {got}.", statusCode: 413, title: "Body too large");

    /// <summary>The circuit being served, and the client bundle to hand out.</summary>
    public sealed class Deployment
    {
        private Deployment(CircuitServer server, byte[]? clientBundle)
        {
            Server = server;
            ClientBundle = clientBundle;
        }

        /// <summary>The evaluating side.</summary>
        public CircuitServer Server { get; }

        /// <summary>The client bundle's bytes, when known.</summary>
        public byte[]? ClientBundle { get; }

        /// <summary>
        /// Loads the configured server bundle, or makes DigitsMlp's bundles into the data folder (the developer's step,
        /// done here so the sample runs alone) and loads the server bundle back from there.
        /// </summary>
        public static Deployment Load(FheServerOptions options, TextWriter log)
        {
            Directory.CreateDirectory(options.DataFolder);
            string serverPath, clientPath;
            EncryptedCircuitRunner? runner = null;
            if (options.ServerBundle is { } configured)
            {
                serverPath = configured;
                clientPath = options.ClientBundle ?? "";
            }
            else
            {
                CircuitPlan plan;
                if (options.TluBits is int bits)
                {
                    var method = options.Approximate ? RoundingKind.Approximate : RoundingKind.Exact;
                    var spec = DigitsMlp.Spec with { Round = EquatableArray.Of(new RoundSetting("Hidden", bits) { Method = method }) };
                    plan = CircuitCompiler.Compile(spec).PlanOrThrow();
                }
                else
                {
                    plan = DigitsMlp.Interpreter.Plan;
                    runner = DigitsMlp.Run<EncryptedBackend, LweCiphertext>; // the generated code of the very plan
                }

                var (client, server) = CircuitDeployment.Create(plan);
                serverPath = Path.Combine(options.DataFolder, "server.bundle");
                clientPath = Path.Combine(options.DataFolder, "client.bundle");
                server.Save(serverPath);
                client.Save(clientPath);
            }

            var bundle = ServerBundle.Load(serverPath);
            log.WriteLine($"serving {bundle.Plan.Name} ({bundle.Fingerprint}) from {serverPath}: {bundle.Encoding.PbsPerInference} PBS per inference; " +
                          $"evaluation key {bundle.EvaluationKeyBytes / 1048576.0:F1} MiB, inputs {bundle.InputBytes} bytes per request");
            return new Deployment(new CircuitServer(bundle, runner, options.Threads), File.Exists(clientPath) ? File.ReadAllBytes(clientPath) : null);
        }
    }
}
