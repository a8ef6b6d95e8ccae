using System;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading;
using FheGen.Cli.Infrastructure;
using FheGen.Plotting;
using FheGen.Training.Sweeps;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Commands;

/// <summary>Settings of <see cref="PlotCommand"/>.</summary>
internal sealed class PlotSettings : JsonSettings
{
    [CommandArgument(0, "<SWEEP_JSON>")]
    [Description("A sweep report (sweep.json, written by fhegen sweep)")]
    public string Report { get; init; } = "";

    [CommandOption("-o|--out <PNG>")]
    [Description("The picture to write")]
    [DefaultValue("pareto.png")]
    public string Out { get; init; } = "pareto.png";

    [CommandOption("--title <TEXT>")]
    [Description("The picture's title (default: the model, the grid size and the test-sample count)")]
    public string? Title { get; init; }

    [CommandOption("--width <PIXELS>")]
    [DefaultValue(ParetoPlot.DefaultWidth)]
    public int Width { get; init; } = ParetoPlot.DefaultWidth;

    [CommandOption("--height <PIXELS>")]
    [DefaultValue(ParetoPlot.DefaultHeight)]
    public int Height { get; init; } = ParetoPlot.DefaultHeight;

    public override ValidationResult Validate() =>
        Width is > 0 and <= 10000 && Height is > 0 and <= 10000 ? ValidationResult.Success() : ValidationResult.Error("--width and --height must be 1-10000 pixels.");
}

/// <summary><c>fhegen plot</c>: the Pareto picture (<see cref="ParetoPlot"/>) of a sweep report, as a PNG file.</summary>
[CliCommand("plot", "Draw a sweep report's points and Pareto front as a PNG (simulated accuracy against estimated latency)",
    Examples = ["plot sweep-out/sweep.json -o pareto.png"])]
internal sealed class PlotCommand : Command<PlotSettings>
{
    public override int Execute(CommandContext context, PlotSettings settings, CancellationToken cancellationToken)
    {
        var report = Files.Parse(settings.Report, SweepReport.Read);
        string title = settings.Title ?? $"{report.Model}: {report.GridSize} sweep points on {report.TestSamples} test samples";
        byte[] png;
        try
        {
            png = ParetoPlot.Render(report.Results, title, settings.Width, settings.Height);
        }
        catch (ArgumentException e)
        {
            throw new InputFileException(settings.Report, e.Message.Split(" (Parameter")[0], e);
        }
        Files.Write(settings.Out, png);
        if (settings.Json) Json.Write(new JsonObject { ["report"] = settings.Report, ["plot"] = settings.Out, ["bytes"] = png.Length, ["points"] = report.Results.Count, ["pareto_front"] = report.ParetoFront.Count });
        else CliIo.Current.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {settings.Out} ({png.Length:N0} bytes): {report.Results.Count} points, {report.ParetoFront.Count} on the Pareto front"));
        return CliApp.Ok;
    }
}
