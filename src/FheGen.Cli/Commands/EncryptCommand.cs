using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="EncryptCommand"/>.</summary>
internal sealed class EncryptSettings : JsonSettings
{
    [CommandOption("-c|--client <DIR>")]
    [Description("The keygen folder (client.bundle, secret.key) (required)")]
    public string? Client { get; init; }

    [CommandOption("-d|--data <CSV>")]
    [Description("Rows of features (a last label column is dropped) (required)")]
    public string? Data { get; init; }

    [CommandOption("--header")]
    [Description("The CSV's first line is a header")]
    public bool Header { get; init; }

    [CommandOption("-o|--out <FILE>")]
    [Description("The batch of encrypted inputs to write")]
    [DefaultValue("inputs.bin")]
    public string Out { get; init; } = "inputs.bin";

    public override ValidationResult Validate() =>
        Client is null ? ValidationResult.Error("--client DIR is required (the folder fhegen keygen wrote).")
        : Data is null ? ValidationResult.Error("--data ROWS.csv is required.")
        : ValidationResult.Success();
}

/// <summary><c>fhegen encrypt</c>: quantizes and encrypts CSV rows with the client's secret key (seeded ciphertexts), as one batch file.</summary>
[CliCommand("encrypt", "Quantize and encrypt CSV rows with the client's secret key into a batch of encrypted inputs",
    Examples = ["encrypt --client keys --data rows.csv -o inputs.bin"])]
internal sealed class EncryptCommand : Command<EncryptSettings>
{
    public override int Execute(CommandContext context, EncryptSettings settings, CancellationToken cancellationToken)
    {
        var client = KeyFolder.LoadClient(settings.Client!);
        var rows = DataFiles.LoadFeatures(settings.Data!, settings.Header, client.Bundle.Plan.Inputs);
        var blobs = new List<byte[]>(rows.Count);
        CliProgress.Run("encrypting", rows.Count, i => blobs.Add(client.Encrypt(rows[i])), cancellationToken);
        byte[] batch = BatchFile.ToBytes(BatchKind.Inputs, client.Bundle.Fingerprint, blobs);
        Files.Write(settings.Out, batch);
        if (settings.Json) Json.Write(new JsonObject { ["model"] = client.Bundle.Plan.Name, ["rows"] = rows.Count, ["out"] = settings.Out, ["bytes"] = batch.Length });
        else CliIo.Current.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {settings.Out}: {rows.Count} rows of {client.Bundle.Plan.Name} inputs, {KeygenCommand.Size(batch.Length)}"));
        return CliApp.Ok;
    }
}
