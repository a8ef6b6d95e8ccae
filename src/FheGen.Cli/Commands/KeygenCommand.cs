using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Cli.Infrastructure;
using FheGen.Compiler.Pipeline;
using FheGen.Tfhe.Deployment;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="KeygenCommand"/>.</summary>
internal sealed class KeygenSettings : ModelSettings
{
    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for client.bundle, secret.key (keep it), evaluation.key and server.bundle (for the server) (required)")]
    public string? Out { get; init; }

    [CommandOption("--p-error <P>")]
    [Description("Per-PBS error probability the parameters are chosen for (default: the model's)")]
    public double? PError { get; init; }

    public override ValidationResult Validate()
    {
        var result = base.Validate();
        if (!result.Successful) return result;
        if (string.IsNullOrEmpty(Out)) return ValidationResult.Error("--out DIR is required.");
        if (PError is double p && !(p > 0 && p < 1)) return ValidationResult.Error($"--p-error must be in (0, 1), not {p.ToString(CultureInfo.InvariantCulture)}.");
        return ValidationResult.Success();
    }
}

/// <summary>
/// <c>fhegen keygen</c>: the deployment of a model (<see cref="CircuitDeployment.Create"/>: client and server bundles),
/// fresh secret keys (<see cref="ModelClient.GenerateKeys"/>) and the seeded evaluation key, written all or nothing.
/// </summary>
[CliCommand("keygen", "Make the client and server bundles, a secret key and the seeded evaluation key of a model",
    Examples = ["keygen --assembly Digits.dll --out keys", "keygen --source Model.cs Model.Weights.cs --out keys --json"])]
internal sealed class KeygenCommand : Command<KeygenSettings>
{
    public override int Execute(CommandContext context, KeygenSettings settings, CancellationToken cancellationToken)
    {
        var spec = ModelLoader.Load(settings, cancellationToken).RequireSpec();
        var compiled = CircuitCompiler.Compile(spec, CompileOptions.Generator);
        if (compiled.HasErrors)
            throw new ModelException($"{spec.Name} does not compile: " + string.Join("; ", compiled.Diagnostics.Where(d => d.Severity == Compiler.Diagnostics.Severity.Error).Select(d => $"{d.Id}: {d.Message}")));
        var plan = compiled.Plan!;

        var watch = Stopwatch.StartNew();
        var (clientBundle, serverBundle) = CliProgress.Step("choosing parameters", () => CircuitDeployment.Create(plan, settings.PError));
        double bundleSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var client = CliProgress.Step("generating secret keys", () => ModelClient.GenerateKeys(clientBundle));
        double keySeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        byte[] evaluationKey = CliProgress.Step("making the seeded evaluation key", client.CreateEvaluationKeyBytes);
        double evaluationSeconds = watch.Elapsed.TotalSeconds;
        byte[] clientBytes = clientBundle.ToBytes(), serverBytes = serverBundle.ToBytes();
        using var secret = new MemoryStream();
        client.SaveSecretKey(secret);

        string dir = settings.Out!;
        string P(string name) => Path.Combine(dir, name);
        Files.WriteAll(
            (P(KeyFolder.ClientBundleFile), s => s.Write(clientBytes)),
            (P(KeyFolder.SecretKeyFile), s => secret.WriteTo(s)),
            (P(KeyFolder.EvaluationKeyFile), s => s.Write(evaluationKey)),
            (P(KeyFolder.ServerBundleFile), s => s.Write(serverBytes)));

        var io = CliIo.Current;
        if (settings.Json)
        {
            Json.Write(new JsonObject
            {
                ["model"] = plan.Name,
                ["fingerprint"] = clientBundle.Fingerprint,
                ["p_error"] = clientBundle.PError,
                ["pbs"] = plan.Layers.Sum(l => l.PbsCount),
                ["parameter_sets"] = Json.Array(clientBundle.Encoding.KeySets.Select(k => k.Id)),
                ["files"] = new JsonObject
                {
                    ["client_bundle"] = new JsonObject { ["path"] = P(KeyFolder.ClientBundleFile), ["bytes"] = clientBytes.Length },
                    ["secret_key"] = new JsonObject { ["path"] = P(KeyFolder.SecretKeyFile), ["bytes"] = secret.Length },
                    ["evaluation_key"] = new JsonObject { ["path"] = P(KeyFolder.EvaluationKeyFile), ["bytes"] = evaluationKey.Length },
                    ["server_bundle"] = new JsonObject { ["path"] = P(KeyFolder.ServerBundleFile), ["bytes"] = serverBytes.Length },
                },
                ["seconds"] = new JsonObject { ["bundles"] = bundleSeconds, ["secret_keys"] = keySeconds, ["evaluation_key"] = evaluationSeconds },
            });
        }
        else
        {
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{plan.Name}: circuit {clientBundle.Fingerprint}, p_error {clientBundle.PError:G3} per PBS, parameter sets {string.Join("; ", clientBundle.Encoding.KeySets.Select(k => k.Id))}"));
            var table = new Table().Border(TableBorder.Simple).AddColumns("file", "for", "size", "made in");
            table.AddRow(Markup.Escape(P(KeyFolder.ClientBundleFile)), "client", Size(clientBytes.Length), Seconds(bundleSeconds));
            table.AddRow(Markup.Escape(P(KeyFolder.SecretKeyFile)), "client only: keep it secret", Size(secret.Length), Seconds(keySeconds));
            table.AddRow(Markup.Escape(P(KeyFolder.EvaluationKeyFile)), "server (seeded)", Size(evaluationKey.Length), Seconds(evaluationSeconds));
            table.AddRow(Markup.Escape(P(KeyFolder.ServerBundleFile)), "server", Size(serverBytes.Length), "");
            io.Console.Write(table);
        }
        return CliApp.Ok;
    }

    internal static string Size(long bytes) => bytes >= 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB ({bytes:N0} B)")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} B");

    private static string Seconds(double s) => string.Create(CultureInfo.InvariantCulture, $"{s:F2} s");
}
