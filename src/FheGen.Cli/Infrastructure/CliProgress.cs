using System;
using System.Globalization;
using System.Threading;
using Spectre.Console;

namespace FheGen.Cli.Infrastructure;

/// <summary>Progress of long work on standard error: a live bar on a terminal, a line per step otherwise (logs, CI).</summary>
internal static class CliProgress
{
    /// <summary>Runs <paramref name="step"/> for 0..<paramref name="total"/>-1, showing <paramref name="description"/> and the count.</summary>
    public static void Run(string description, int total, Action<int> step, CancellationToken cancellationToken)
    {
        var io = CliIo.Current;
        if (io.Interactive)
        {
            io.ErrorConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(description), maxValue: total);
                    for (int i = 0; i < total; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        step(i);
                        task.Increment(1);
                    }
                });
            return;
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < total; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            step(i);
            io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description}: {i + 1}/{total} ({watch.Elapsed.TotalSeconds:F1} s)"));
        }
    }

    /// <summary>One long step (key generation) with a spinner on a terminal, a line before and after otherwise.</summary>
    public static T Step<T>(string description, Func<T> work)
    {
        var io = CliIo.Current;
        if (io.Interactive) return io.ErrorConsole.Status().Start(Markup.Escape(description) + "...", _ => work());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        io.Error.WriteLine(description + "...");
        var result = work();
        io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description}: done in {watch.Elapsed.TotalSeconds:F2} s"));
        return result;
    }
}
