using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Circuits;
using FheGen.Cli.Infrastructure;
using FheGen.Compiler.Pipeline;
using FheGen.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="ReportCommand"/>.</summary>
internal sealed class ReportSettings : ModelSettings
{
    [CommandOption("-d|--data <CSV>")]
    [Description("Labelled test rows (features, then the label) for clear and simulated accuracy")]
    public string? Data { get; init; }

    [CommandOption("--header")]
    [Description("The CSV's first line is a header")]
    public bool Header { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the simulated TLU errors")]
    [DefaultValue(42UL)]
    public ulong Seed { get; init; } = 42;
}

/// <summary>
/// <c>fhegen report</c>: the circuit table (<see cref="CircuitInfo.ToTable"/>), the model's diagnostics, and with
/// <c>--data</c> its clear and simulated accuracy. Exit code 1 when the model has errors (after listing them).
/// </summary>
[CliCommand("report", "The circuit table, the model's FHE diagnostics, and with --data its clear and simulated accuracy",
    Examples = ["report --assembly Digits.dll --model FheGen.Samples.Digits.DigitsMlp --data test.csv", "report --source Model.cs Model.Weights.cs --json"])]
internal sealed class ReportCommand : Command<ReportSettings>
{
    public override int Execute(CommandContext context, ReportSettings settings, CancellationToken cancellationToken)
    {
        var io = CliIo.Current;
        var model = ModelLoader.Load(settings, cancellationToken);
        var compiled = model.Spec is null ? null : CircuitCompiler.Compile(model.Spec, CompileOptions.Generator);
        var plan = compiled is { HasErrors: false } ? compiled.Plan : null;
        var info = plan is null ? null : CircuitInfo.FromPlan(plan);

        double? clear = null, simulated = null;
        int samples = 0;
        if (settings.Data is { } path && plan is not null)
        {
            var data = DataFiles.LoadLabelled(path, settings.Header, plan.Inputs, plan.Outputs);
            samples = data.Count;
            clear = CircuitAccuracy.Clear(plan, data);
            simulated = CircuitAccuracy.Simulated(plan, data, settings.Seed);
        }

        if (settings.Json)
        {
            Json.Write(new JsonObject
            {
                ["model"] = model.Name,
                ["compiles"] = plan is not null,
                ["circuit"] = info is null ? null : Json.Circuit(info),
                ["diagnostics"] = new JsonArray(model.Diagnostics.Select(d => (JsonNode)Json.Diagnostic(d)).ToArray()),
                ["accuracy"] = clear is null ? null : new JsonObject
                {
                    ["samples"] = samples,
                    ["clear"] = clear,
                    ["simulated"] = simulated,
                    ["seed"] = settings.Seed,
                },
            });
        }
        else
        {
            io.Out.WriteLine($"{model.Name}" + (info is null ? ": does not compile to a circuit" : $": {info.Inputs} inputs, {info.Outputs} outputs"));
            if (info is not null)
            {
                io.Out.WriteLine();
                io.Out.WriteLine(info.ToTable());
            }
            io.Out.WriteLine();
            if (model.Diagnostics.Count == 0) io.Out.WriteLine("no diagnostics");
            else
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("id", "severity", "where", "message");
                foreach (var d in model.Diagnostics)
                    table.AddRow(Markup.Escape(d.Id), Markup.Escape(d.Severity), Markup.Escape(d.Location ?? "-"), Markup.Escape(d.Message));
                io.Console.Write(table);
            }
            if (clear is not null)
            {
                io.Out.WriteLine();
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"accuracy on {samples} samples of {settings.Data}: clear {clear:P2}, simulated {simulated:P2} (p_error {plan!.PError:G3} per TLU, seed {settings.Seed})"));
            }
        }
        return plan is null ? CliApp.BadInput : CliApp.Ok;
    }
}
