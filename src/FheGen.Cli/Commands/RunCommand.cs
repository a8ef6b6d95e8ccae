using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Cli.Infrastructure;
using FheGen.Tfhe.Deployment;
using FheGen.Tfhe.Serialization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="RunCommand"/>.</summary>
internal sealed class RunSettings : JsonSettings
{
    [CommandArgument(0, "<INPUTS>")]
    [Description("A batch of encrypted inputs (fhegen encrypt)")]
    public string Inputs { get; init; } = "";

    [CommandOption("-b|--server-bundle <FILE>")]
    [Description("The server bundle (server.bundle of fhegen keygen) (required)")]
    public string? ServerBundle { get; init; }

    [CommandOption("-k|--key <FILE>")]
    [Description("The client's seeded evaluation key (evaluation.key) (required)")]
    public string? Key { get; init; }

    [CommandOption("-o|--out <FILE>")]
    [Description("The batch of encrypted outputs to write")]
    [DefaultValue("outputs.bin")]
    public string Out { get; init; } = "outputs.bin";

    [CommandOption("--threads <N>")]
    [Description("Worker threads per lookup batch (default: all cores)")]
    public int? Threads { get; init; }

    public override ValidationResult Validate() =>
        ServerBundle is null ? ValidationResult.Error("--server-bundle FILE is required.")
        : Key is null ? ValidationResult.Error("--key FILE (the evaluation key) is required.")
        : Threads is < 1 ? ValidationResult.Error("--threads must be at least 1.")
        : ValidationResult.Success();
}

/// <summary>
/// <c>fhegen run</c>: the server's step (<see cref="CircuitServer"/>): evaluates each row of encrypted inputs with the
/// client's evaluation key, holding no secret, and writes the encrypted outputs.
/// </summary>
[CliCommand("run", "Evaluate a batch of encrypted inputs on the server side (server bundle and evaluation key, no secret)",
    Examples = ["run --server-bundle keys/server.bundle --key keys/evaluation.key inputs.bin -o outputs.bin"])]
internal sealed class RunCommand : Command<RunSettings>
{
    public override int Execute(CommandContext context, RunSettings settings, CancellationToken cancellationToken)
    {
        var bundle = Files.Parse(settings.ServerBundle!, Tfhe.Deployment.ServerBundle.Load);
        var server = new CircuitServer(bundle, threads: settings.Threads);
        var requests = Files.Parse(settings.Inputs, p => BatchFile.FromBytes(File.ReadAllBytes(p), BatchKind.Inputs, bundle.Fingerprint));
        var watch = Stopwatch.StartNew();
        var key = CliProgress.Step("loading the evaluation key", () => Files.Parse(settings.Key!, p =>
        {
            using var stream = File.OpenRead(p);
            return server.LoadEvaluationKey(stream);
        }));
        double keySeconds = watch.Elapsed.TotalSeconds;
        var backend = server.CreateBackend(key);
        var responses = new List<byte[]>(requests.Count);
        watch.Restart();
        CliProgress.Run("evaluating", requests.Count, i =>
        {
            try
            {
                responses.Add(server.Evaluate(backend, requests[i]));
            }
            catch (TfheFormatException e)
            {
                throw new InputFileException(settings.Inputs, $"row {i + 1}: {e.Message}", e);
            }
        }, cancellationToken);
        double evaluateSeconds = watch.Elapsed.TotalSeconds;
        byte[] batch = BatchFile.ToBytes(BatchKind.Outputs, bundle.Fingerprint, responses);
        Files.Write(settings.Out, batch);
        if (settings.Json)
        {
            Json.Write(new JsonObject
            {
                ["model"] = bundle.Plan.Name,
                ["rows"] = responses.Count,
                ["out"] = settings.Out,
                ["bytes"] = batch.Length,
                ["key_seconds"] = keySeconds,
                ["evaluation_seconds"] = evaluateSeconds,
            });
        }
        else
        {
            CliIo.Current.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {settings.Out}: {responses.Count} rows of {bundle.Plan.Name} outputs, {KeygenCommand.Size(batch.Length)}; key loaded in {keySeconds:F2} s, {evaluateSeconds / responses.Count:F2} s per row"));
        }
        return CliApp.Ok;
    }
}
