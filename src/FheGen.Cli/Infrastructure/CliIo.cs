using System;
using System.IO;
using System.Threading;
using Spectre.Console;

namespace FheGen.Cli.Infrastructure;

/// <summary>
/// Where a command writes: its result on <see cref="Out"/> (tables, JSON), progress and messages on <see cref="Error"/>.
/// Spectre.Console.Cli creates commands itself, so the streams of the current run flow to them through an async-local
/// rather than a constructor; in-process tests get their own streams that way, also when they run in parallel.
/// </summary>
internal sealed class CliIo
{
    private static readonly AsyncLocal<CliIo?> CurrentIo = new();

    public CliIo(TextWriter output, TextWriter error, bool interactive)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        Console = CreateConsole(output, interactive);
        ErrorConsole = CreateConsole(error, interactive);
    }

    /// <summary>The streams of the run in progress (the process's console when none was set).</summary>
    public static CliIo Current
    {
        get => CurrentIo.Value ??= new CliIo(System.Console.Out, System.Console.Error, !System.Console.IsErrorRedirected);
        set => CurrentIo.Value = value;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>Whether live progress can be drawn (a terminal); otherwise progress is plain lines.</summary>
    public bool Interactive { get; }

    /// <summary>Tables and help, on <see cref="Out"/>.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Progress, on <see cref="Error"/>, so that <c>--json</c> output stays clean.</summary>
    public IAnsiConsole ErrorConsole { get; }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected output has no terminal width; 80 columns would wrap every diagnostic message into a tall cell.
        if (!interactive) console.Profile.Width = 160;
        return console;
    }
}
