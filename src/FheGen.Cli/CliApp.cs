using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using FheGen.Cli.Infrastructure;
using Spectre.Console.Cli;

namespace FheGen.Cli;

/// <summary>The <c>fhegen</c> command line: parsing, the commands, and exit codes.</summary>
/// <remarks>
/// Exit codes: 0 done; 1 a bad input file (named in the message) or a model that does not compile; 2 a bad command line;
/// 130 cancelled.
/// </remarks>
internal static class CliApp
{
    public const int Ok = 0;
    public const int BadInput = 1;
    public const int Usage = 2;
    public const int Cancelled = 130;

    /// <summary>Runs on the process's console, stopping long commands cleanly on Ctrl+C.</summary>
    public static int Run(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (cancel.IsCancellationRequested) return; // the second Ctrl+C ends the process
            e.Cancel = true;
            cancel.Cancel();
        }
        Console.CancelKeyPress += OnCancel;
        try
        {
            return Run(args, Console.Out, Console.Error, !Console.IsErrorRedirected, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>Runs with the given streams (in-process tests).</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, bool interactive = false, CancellationToken cancellationToken = default)
    {
        var io = new CliIo(output, error, interactive);
        CliIo.Current = io;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("fhegen");
            config.ConfigureConsole(io.Console);
            config.PropagateExceptions();
            config.CancellationExitCode(Cancelled);
            foreach (var (type, attribute) in Commands())
            {
                // AddCommand<T> is generic over the command type; the attribute scan needs it by reflection.
                var add = typeof(IConfigurator).GetMethod(nameof(IConfigurator.AddCommand))!.MakeGenericMethod(type);
                var command = (ICommandConfigurator)add.Invoke(config, [attribute.Name])!;
                command.WithDescription(attribute.Description);
                foreach (string example in attribute.Examples) command.WithExample(example.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        });
        try
        {
            return app.Run(args, cancellationToken);
        }
        catch (Exception e) when (e is CommandParseException or CommandRuntimeException or UsageException)
        {
            error.WriteLine("usage error: " + e.Message);
            if (e is not UsageException) error.WriteLine("see 'fhegen --help' or 'fhegen COMMAND --help'");
            return Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error.WriteLine("cancelled");
            return Cancelled;
        }
        catch (Exception e) when (e is InputFileException or ModelException)
        {
            error.WriteLine("error: " + e.Message);
            return BadInput;
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            error.WriteLine("error: " + inner.Message);
            return BadInput;
        }
    }

    /// <summary>Every command class of this assembly, by name.</summary>
    public static IReadOnlyList<(Type Type, CliCommandAttribute Attribute)> Commands() =>
        typeof(CliApp).Assembly.GetTypes()
            .Select(t => (Type: t, Attribute: t.GetCustomAttribute<CliCommandAttribute>()))
            .Where(c => c.Attribute is not null)
            .OrderBy(c => c.Attribute!.Name, StringComparer.Ordinal)
            .Select(c => (c.Type, c.Attribute!))
            .ToList();
}
