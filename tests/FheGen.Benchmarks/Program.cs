using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace FheGen.Benchmarks;

/// <summary>
/// Entry point. Examples (from the repository root):
/// <code>
/// dotnet run -c Release --project tests/FheGen.Benchmarks -- --filter '*' --job dry   # smoke run (CI)
/// dotnet run -c Release --project tests/FheGen.Benchmarks -- --filter '*'             # full run
/// dotnet run -c Release --project tests/FheGen.Benchmarks -- --filter '*Inference*'   # one class
/// dotnet run -c Release --project tests/FheGen.Benchmarks -- --measure-pbs --write src/FheGen.Compiler/Cost/MeasuredPbsLatencies.cs
/// dotnet run -c Release --project tests/FheGen.Benchmarks -- --measure-ks                  # keyswitch on 64- vs 32-bit words
/// dotnet run -c Release --project tests/FheGen.Benchmarks -- --measure-blind-rotation      # fused vs reference blind rotation kernels
/// dotnet run -c Release --project tests/FheGen.Benchmarks -- --measure-breakdown --bits 4  # where a lookup's time goes, per part and kernel
/// </code>
/// The last one is not BenchmarkDotNet: it regenerates the cost model's PBS latencies (see <see cref="PbsLatencyCommand"/>).
/// Results and logs go to tests/FheGen.Benchmarks/BenchmarkDotNet.Artifacts (git-ignored) unless
/// <c>--artifacts PATH</c> says otherwise.
/// </summary>
public static class Program
{
    /// <summary>Runs the selected benchmarks; exits with 1 when one failed (threw, or did not build), so CI notices.</summary>
    public static int Main(string[] args)
    {
        if (args.Contains(PbsLatencyCommand.Flag)) return PbsLatencyCommand.Run(args);
        if (args.Contains(ClearComparisonCommand.Flag)) return ClearComparisonCommand.Run(args);
        if (args.Contains(KeySwitchCommand.Flag)) return KeySwitchCommand.Run(args);
        if (args.Contains(BlindRotationCommand.Flag)) return BlindRotationCommand.Run(args);
        if (args.Contains(BreakdownCommand.Flag)) return BreakdownCommand.Run(args);
        var config = DefaultConfig.Instance;
        if (ProjectDirectory() is string dir) config = config.WithArtifactsPath(Path.Combine(dir, "BenchmarkDotNet.Artifacts"));
        // The runner project rebuilds every src project; on 2 shared cores that can exceed BenchmarkDotNet's 120 s default.
        config = ManualConfig.Create(config).WithBuildTimeout(TimeSpan.FromMinutes(10));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }

    /// <summary>The folder of FheGen.Benchmarks.csproj above the executable (bin/Release/net10.0), if there is one.</summary>
    private static string? ProjectDirectory()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "FheGen.Benchmarks.csproj"))) return d.FullName;
        }
        return null;
    }
}
