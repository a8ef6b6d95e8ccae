using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace FheGen.EndToEnd.Tests;

/// <summary>The digits sample's <c>--sweep</c> command, run as a user would.</summary>
public sealed class DigitsSweepTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"digits-sweep-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static int ProgressLines(string stdout) => stdout.Split('\n').Count(l => l.StartsWith('['));

    [Fact]
    public void Quick_sweep_writes_its_files_and_a_rerun_resumes_without_measuring()
    {
        var (exit, stdout, stderr) = SampleProcess.Run($"--sweep --quick --limit 200 --out \"{_folder}\"", 120_000);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("sweep of DigitsMlp: 4 points on 200 test samples", stdout);
        Assert.Equal(4, ProgressLines(stdout));
        Assert.Contains("[4/4] w4/a4/s0.5/k40/r4/p", stdout);
        Assert.Contains("Pareto front: ", stdout);
        Assert.Contains("measured 4 points, resumed 0", stdout);

        string checkpoint = Path.Combine(_folder, "sweep.jsonl");
        Assert.Equal(4, File.ReadAllLines(checkpoint).Length);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "sweep.json"))))
        {
            var root = doc.RootElement;
            Assert.Equal("DigitsMlp", root.GetProperty("model").GetString());
            Assert.Equal(4, root.GetProperty("grid_size").GetInt32());
            Assert.Equal(200, root.GetProperty("test_samples").GetInt32());
            var results = root.GetProperty("results").EnumerateArray().ToArray();
            Assert.Equal(4, results.Length);
            Assert.Equal(2, results.Count(r => r.GetProperty("point").TryGetProperty("prune_fraction", out var f) && f.GetDouble() == 0.5));
            // Pruning half of the 32 hidden neurons halves the lookups.
            Assert.All(results, r => Assert.Equal(r.GetProperty("point").TryGetProperty("prune_fraction", out _) ? 16 : 28, r.GetProperty("pbs_count").GetInt32()));
            Assert.InRange(root.GetProperty("pareto_front").GetArrayLength(), 1, 4);
        }
        var png = File.ReadAllBytes(Path.Combine(_folder, "pareto.png"));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png.Take(8));

        byte[] before = File.ReadAllBytes(checkpoint);
        var again = SampleProcess.Run($"--sweep --quick --limit 200 --out \"{_folder}\"", 120_000);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("resuming: 4 of 4 points are in", again.Stdout);
        Assert.Equal(0, ProgressLines(again.Stdout));
        Assert.Contains("measured 0 points, resumed 4", again.Stdout);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));

        var other = SampleProcess.Run($"--sweep --quick --out \"{_folder}\"", 120_000);
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("holds a sweep measured otherwise", other.Stderr);
    }

    [Fact]
    public void Bad_sweep_arguments_are_reported_with_the_usage()
    {
        var (exit, _, stderr) = SampleProcess.Run("--sweep --limit -3", 60_000);
        Assert.Equal(2, exit);
        Assert.Contains("--limit takes a positive number of test samples, not '-3'", stderr);
        Assert.Contains("--out DIR", stderr);
        var unknown = SampleProcess.Run("--sweep --json x.json", 60_000);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown or incomplete argument '--json'", unknown.Stderr);
        Assert.Contains("--sweep ", SampleProcess.Run("--help", 60_000).Stdout);
    }

    [Fact]
    public async Task Ctrl_C_stops_after_the_current_point_and_keeps_the_finished_ones()
    {
        using var process = SampleProcess.Start($"--sweep --limit 50 --out \"{_folder}\"");
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new System.Collections.Generic.List<string>();
        var interrupted = false;
        var reader = Task.Run(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                lines.Add(line);
                // SIGINT, as Ctrl+C sends, once some points are done (the handler is installed before the first).
                if (!interrupted && lines.Count(l => l.StartsWith('[')) == 20)
                {
                    interrupted = true;
                    using var kill = Process.Start("kill", $"-INT {process.Id}");
                    kill.WaitForExit();
                }
            }
        });
        using (var timeout = new System.Threading.CancellationTokenSource(120_000))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("the sweep did not stop after SIGINT");
            }
        }
        await reader;
        string errors = await stderr;
        string stdout = string.Join("\n", lines);
        Assert.True(interrupted, stdout);
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{stdout}\n{errors}");
        Assert.Contains("stopping after the current point", errors);
        Assert.Contains("run the same command again to resume", stdout);
        // Every point announced is in the checkpoint, and no more: the point in progress finished, nothing after it started.
        int announced = ProgressLines(stdout);
        Assert.InRange(announced, 20, 2375);
        Assert.Equal(announced, File.ReadAllLines(Path.Combine(_folder, "sweep.jsonl")).Length);
        Assert.Contains($"{announced} of 2376 points are in", stdout);
        Assert.False(File.Exists(Path.Combine(_folder, "sweep.json")));
    }
}
