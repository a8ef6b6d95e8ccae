using System;
using System.Diagnostics;
using System.IO;

namespace FheGen.EndToEnd.Tests;

/// <summary>Runs a built sample (Digits.dll, FashionMnist.dll next to the tests) as a user would, and captures its output.</summary>
internal static class SampleProcess
{
    internal sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs <c>dotnet SAMPLE.dll arguments</c>; both streams are drained concurrently so neither can block the child.</summary>
    /// <exception cref="FileNotFoundException">The sample's dll is missing.</exception>
    /// <exception cref="TimeoutException">The sample did not finish in time (it is killed).</exception>
    internal static Result Run(string arguments, int timeoutMs, string sample = "Digits")
    {
        using var process = Start(arguments, sample);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{sample} {arguments} did not finish in {timeoutMs} ms.");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts <c>dotnet SAMPLE.dll arguments</c> with both streams redirected (the caller drains them).</summary>
    /// <exception cref="FileNotFoundException">The sample's dll is missing.</exception>
    internal static Process Start(string arguments, string sample = "Digits")
    {
        string dll = Path.Combine(AppContext.BaseDirectory, sample + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"The {sample} sample is not built next to the tests.", dll);
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        return Process.Start(start)!;
    }

    /// <summary>A fresh path for a JSON report in the temp folder.</summary>
    internal static string TempJson(string prefix) => Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.json");
}
