using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;

namespace FheGen.Cli.Tests;

/// <summary>Runs fhegen commands in-process (CliApp with captured streams) or as a real process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public JsonElement Json() => JsonDocument.Parse(Out).RootElement;
    }

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>The tool as a process: <c>dotnet FheGen.Cli.dll ...</c>, the assembly fhegen's tool shim runs.</summary>
    public static Result RunProcess(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "FheGen.Cli.dll");
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "FheGen.Cli.runtimeconfig.json")), "the tool's runtimeconfig is not beside the test");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "fhegen did not finish in 2 minutes");
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A fresh folder under the temp directory, deleted by <see cref="IDisposable.Dispose"/>.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fhegen-cli-tests-" + Guid.NewGuid().ToString("N"));

        public TempFolder() => Directory.CreateDirectory(Path);

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public static string[] TinySources => [Path.Combine(AppContext.BaseDirectory, "TestModels", "Tiny.cs"), Path.Combine(AppContext.BaseDirectory, "TestModels", "Tiny.Weights.cs")];

    public static string DigitsAssembly => Path.Combine(AppContext.BaseDirectory, "Digits.dll");
}
