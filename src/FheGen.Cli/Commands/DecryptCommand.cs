using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Cli.Infrastructure;
using FheGen.Tfhe.Serialization;
using FheGen.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="DecryptCommand"/>.</summary>
internal sealed class DecryptSettings : JsonSettings
{
    [CommandArgument(0, "<OUTPUTS>")]
    [Description("A batch of encrypted outputs (fhegen run)")]
    public string Outputs { get; init; } = "";

    [CommandOption("-c|--client <DIR>")]
    [Description("The keygen folder (client.bundle, secret.key) (required)")]
    public string? Client { get; init; }

    public override ValidationResult Validate() =>
        Client is null ? ValidationResult.Error("--client DIR is required (the folder fhegen keygen wrote).") : ValidationResult.Success();
}

/// <summary><c>fhegen decrypt</c>: decrypts and dequantizes a batch of encrypted outputs; the prediction is the argmax.</summary>
[CliCommand("decrypt", "Decrypt a batch of encrypted outputs with the client's secret key: outputs and predicted class per row",
    Examples = ["decrypt --client keys outputs.bin --json"])]
internal sealed class DecryptCommand : Command<DecryptSettings>
{
    public override int Execute(CommandContext context, DecryptSettings settings, CancellationToken cancellationToken)
    {
        var client = KeyFolder.LoadClient(settings.Client!);
        var responses = Files.Parse(settings.Outputs, p => BatchFile.FromBytes(File.ReadAllBytes(p), BatchKind.Outputs, client.Bundle.Fingerprint));
        var rows = responses.Select((r, i) =>
        {
            long[] accumulators;
            try
            {
                accumulators = client.DecryptAccumulators(r);
            }
            catch (TfheFormatException e)
            {
                throw new InputFileException(settings.Outputs, $"row {i + 1}: {e.Message}", e);
            }
            var outputs = client.Dequantize(accumulators);
            return (Accumulators: accumulators, Outputs: outputs, Prediction: CircuitAccuracy.ArgMax(outputs));
        }).ToList();

        var io = CliIo.Current;
        if (settings.Json)
        {
            Json.Write(new JsonObject
            {
                ["model"] = client.Bundle.Plan.Name,
                ["rows"] = new JsonArray(rows.Select((r, i) => (JsonNode)new JsonObject
                {
                    ["row"] = i,
                    ["prediction"] = r.Prediction,
                    ["outputs"] = Json.Array(r.Outputs),
                    ["accumulators"] = Json.Array(r.Accumulators),
                }).ToArray()),
            });
        }
        else
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("row", "prediction", "outputs");
            for (int i = 0; i < rows.Count; i++)
                table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), rows[i].Prediction.ToString(CultureInfo.InvariantCulture),
                    string.Join(" ", rows[i].Outputs.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture))));
            io.Console.Write(table);
        }
        return CliApp.Ok;
    }
}
