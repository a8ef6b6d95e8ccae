using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Threading;
using FheGen.Compiler.Parameters;

namespace FheGen.Benchmarks;

/// <summary>
/// <c>--measure-pbs</c>: times one table lookup (keyswitch + PBS, one thread) at every width and p_error point, with the
/// parameter sets <see cref="ParameterSelector"/> picks, prints the table and, with <c>--write PATH</c>, regenerates the
/// cost model's figures (<c>src/FheGen.Compiler/Cost/MeasuredPbsLatencies.cs</c>). Not BenchmarkDotNet: one process
/// keeps each key set only as long as its measurement, and 7- and 8-bit keys take minutes to generate, which a
/// process per case would pay again. The timing is still careful: warm-up until the JIT has settled, a full GC before
/// timing, then the median of at least <c>--runs</c> runs lasting at least <c>--min-seconds</c>. Other work on the
/// machine inflates a median far more than the fastest run, so when the median exceeds the fastest run by more than
/// <see cref="NoisySpread"/> the point is timed again (up to <c>--attempts</c> times) and the lowest median kept.
/// </summary>
internal static class PbsLatencyCommand
{
    public const string Flag = "--measure-pbs";

    /// <summary>Widths the cost model needs measured (1..8); wider ones it extrapolates.</summary>
    public const string DefaultBits = "1-8";

    /// <summary>
    /// p_error points: 2^-64 (the published TFHE-rs sets' target, for comparison), 2^-40 (the models' default), and
    /// looser points for the p_error search, down to 2^-5 (about 3 %), beyond which the model assumes no further gain.
    /// </summary>
    public static readonly double[] DefaultLog2PErrors = { -64, -40, -20, -10, -5 };

    /// <summary>Median over fastest run above which a timing counts as disturbed (an idle machine shows about 1.05).</summary>
    public const double NoisySpread = 1.15;

    private const string Usage =
        "usage: dotnet run -c Release --project tests/FheGen.Benchmarks -- --measure-pbs [--write PATH] [--bits 1-8] " +
        "[--log2-p-errors -64,-40,-20,-10,-5] [--runs 11] [--min-seconds 2] [--warmup 3] [--attempts 4]";

    private sealed record Point(int Bits, double Log2PError, TfheParameters Parameters, double Log2PFail, double MedianMs, double MinMs, int Runs,
        long BootstrapKeyBytes, long KeySwitchKeyBytes, double KeyGenerationSeconds, int Checked, int Wrong);

    public static int Run(string[] args)
    {
        string? write = null;
        string bitsText = DefaultBits;
        double[] grid = DefaultLog2PErrors;
        int runs = 11, warmup = 3, attempts = 4;
        double minSeconds = 2;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case Flag: break;
                    case "--write": write = Next(); break;
                    case "--bits": bitsText = Next(); break;
                    case "--log2-p-errors":
                        grid = Next().Split(',', StringSplitOptions.TrimEntries)
                            .Select(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).Distinct().OrderBy(x => x).ToArray();
                        break;
                    case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--min-seconds": minSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--attempts": attempts = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    default: throw new FormatException($"Unknown option '{args[i]}'.");
                }
            }
            var bits = PbsFixture.ParseBits(bitsText);
            if (grid.Length == 0 || grid.Any(g => !(g < 0))) throw new FormatException("log2 p_error points must be negative.");
            if (runs < 1 || attempts < 1 || warmup < 0 || minSeconds < 0)
            {
                throw new FormatException("--runs and --attempts must be positive, --warmup and --min-seconds not negative.");
            }
            // bits is sorted and distinct, so this means 1..max.
            if (write is not null && !(bits.Length >= 2 && bits[0] == 1 && bits[^1] == bits.Length))
            {
                throw new FormatException("--write needs every width from 1 up (1-8 by default): the cost model reads a complete table.");
            }
            return Measure(args, bits, grid, new Timing(runs, warmup, minSeconds, attempts), write);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    private sealed record Timing(int Runs, int Warmup, double MinSeconds, int Attempts)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"median of >= {Runs} runs and >= {MinSeconds} s after >= {Warmup} warm-up runs and a full GC, " +
            $"timed up to {Attempts} times (5 s apart) while the median exceeds the fastest run by more than {(NoisySpread - 1) * 100:0} %, lowest median kept");
    }

    private static int Measure(string[] args, int[] bits, double[] grid, Timing timing, string? write)
    {
        var ic = CultureInfo.InvariantCulture;
        string machine = Machine();
        string runtime = RuntimeInformation.FrameworkDescription;
        string loadAtStart = LoadAverage();
        var started = DateTime.UtcNow;
        Console.WriteLine($"PBS latency, keyswitch + PBS on one thread, {timing}");
        Console.WriteLine($"machine: {machine}; {runtime}; load average {loadAtStart}");
        if (Debugger.IsAttached) Console.WriteLine("warning: a debugger is attached; figures will be off");
#if DEBUG
        Console.WriteLine("warning: Debug build; run with -c Release");
#endif

        var points = new List<Point>();
        int total = bits.Length * grid.Length, done = 0;
        var wall = Stopwatch.StartNew();
        foreach (int b in bits)
        {
            foreach (double g in grid)
            {
                done++;
                var selection = ParameterSelector.SelectForLog2PError(b, g);
                var p = selection.Parameters;
                Console.Write(string.Create(ic,
                    $"[{done}/{total}] {b} bits, p_error 2^{g}: {PbsFixture.Shape(p)}; keys ({PbsFixture.Size(PbsFixture.BootstrapKeyBytes(p))} + " +
                    $"{PbsFixture.Size(PbsFixture.KeySwitchKeyBytes(p))}) ... "));
                var fixture = PbsFixture.Create(b, g, seed: b);
                Console.Write(string.Create(ic, $"{fixture.KeyGeneration.TotalSeconds:F1} s; "));

                // Correctness first: a broken lookup would be timed just as well. A few wrong results are expected only at
                // loose p_error (2^-5 is about 3 %), and each is a fresh encryption, far from the worst case of nu = 1.
                const int samples = 6;
                int wrong = fixture.CountWrong(samples, seed: b);
                int allowed = g > -20 ? 2 : 0;
                if (wrong > allowed)
                {
                    Console.WriteLine();
                    Console.Error.WriteLine($"{wrong} of {samples} lookups decrypted wrong at {b} bits, p_error 2^{g}: the backend is broken; nothing written.");
                    return 1;
                }

                var (median, min, count) = Time(fixture, timing);
                long bsk = fixture.Server.BootstrapKey.SizeInBytes, ksk = fixture.Server.KeySwitchKey.SizeInBytes;
                points.Add(new Point(b, g, p, selection.Log2PFail, median, min, count, bsk, ksk, fixture.KeyGeneration.TotalSeconds, samples, wrong));
                Console.WriteLine(string.Create(ic, $"median {median:F2} ms (min {min:F2}, {count} runs)"));

                // Drop the keys before the next set: 8-bit keys take several GB.
                fixture = null!;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }
        }

        string loadAtEnd = LoadAverage();
        Console.WriteLine();
        Console.WriteLine(string.Create(ic, $"done in {wall.Elapsed.TotalMinutes:F1} min; load average {loadAtEnd}"));
        Console.WriteLine();
        Console.WriteLine(Table(points, grid));

        if (write is not null)
        {
            string command = "dotnet run -c Release --project tests/FheGen.Benchmarks -- " + string.Join(" ", args);
            string date = started.ToString("yyyy-MM-dd HH:mm 'UTC'", ic) + Revision();
            // Only the starting load says something about other work: key generation runs on every core and raises it.
            string method = $"keyswitch + PBS on one thread, {timing}; load average (1, 5, 15 min) {loadAtStart} at the start";
            File.WriteAllText(write, Generate(points, grid, command, machine, runtime, date, method), new UTF8Encoding(false));
            Console.WriteLine($"wrote {Path.GetFullPath(write)}");
        }
        return 0;
    }

    private static (double Median, double Min, int Runs) Time(PbsFixture fixture, Timing timing)
    {
        // Warm-up: tiered compilation promotes the hot loops after a few calls and a background delay.
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < timing.Warmup || sw.Elapsed.TotalSeconds < 0.5; i++) fixture.Apply();

        (double Median, double Min, int Runs) best = (double.PositiveInfinity, 0, 0);
        for (int attempt = 1; attempt <= timing.Attempts; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var times = new List<double>();
            sw.Restart();
            while (times.Count < timing.Runs || (sw.Elapsed.TotalSeconds < timing.MinSeconds && times.Count < 1000))
            {
                long t0 = Stopwatch.GetTimestamp();
                fixture.Apply();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            times.Sort();
            int n = times.Count;
            double median = n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
            if (median < best.Median) best = (median, times[0], n);
            if (median <= NoisySpread * times[0]) break;
            Console.Write(string.Create(CultureInfo.InvariantCulture, $"disturbed (median {median:F2} ms, {median / times[0]:F2}x the fastest run){(attempt < timing.Attempts ? ", again" : "")}; "));
            // Other work often comes in bursts (a build, a test run): give it a moment to pass.
            if (attempt < timing.Attempts) Thread.Sleep(TimeSpan.FromSeconds(5));
        }
        return best;
    }

    private static string Table(List<Point> points, double[] grid)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| bits | log2 p_error | parameters | log2 p_fail | median ms | min ms | runs | BSK | KSK | key generation |");
        sb.AppendLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in points)
        {
            sb.AppendLine(string.Create(ic,
                $"| {p.Bits} | {p.Log2PError} | {PbsFixture.Shape(p.Parameters)} | {p.Log2PFail:F2} | {p.MedianMs:F2} | {p.MinMs:F2} | {p.Runs} | " +
                $"{PbsFixture.Size(p.BootstrapKeyBytes)} | {PbsFixture.Size(p.KeySwitchKeyBytes)} | {p.KeyGenerationSeconds:F1} s |"));
        }
        sb.AppendLine();
        sb.Append("median ms by width (rows) and log2 p_error (columns):\n bits");
        foreach (double g in grid) sb.Append(string.Create(ic, $" | {g,9}"));
        sb.AppendLine();
        foreach (var row in points.GroupBy(p => p.Bits))
        {
            sb.Append(string.Create(ic, $"{row.Key,5}"));
            foreach (double g in grid) sb.Append(string.Create(ic, $" | {row.Single(p => p.Log2PError == g).MedianMs,9:F2}"));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string Generate(List<Point> points, double[] grid, string command, string machine, string runtime, string date, string method)
    {
        var ic = CultureInfo.InvariantCulture;
        var w = new StringBuilder();
        w.Append("// <auto-generated>\n");
        w.Append("//   Measured PBS latencies for FheGen.Compiler.Cost.CostModel, written by tests/FheGen.Benchmarks (PbsLatencyCommand).\n");
        w.Append("//   Do not edit: regenerate on the machine you care about, from the repository root, with\n");
        w.Append("//     ").Append(command).Append('\n');
        w.Append("// </auto-generated>\n");
        w.Append("//\n");
        w.Append("// Machine: ").Append(machine).Append("; ").Append(runtime).Append('\n');
        w.Append("// Date: ").Append(date).Append('\n');
        w.Append("// Method: ").Append(method).Append('\n');
        w.Append("// Parameter sets: FheGen.Tfhe ParameterSelector.SelectForLog2PError(bits, log2 p_error) (128-bit security, nu = 1).\n");
        w.Append("//\n");
        foreach (var line in Table(points, grid).TrimEnd().Split('\n')) w.Append(line.TrimEnd().Length == 0 ? "//" : "// " + line.TrimEnd()).Append('\n');
        w.Append('\n');
        w.Append("namespace FheGen.Compiler.Cost\n{\n");
        w.Append("    /// <summary>This machine's measured lookup latencies (see the header); read by <see cref=\"CostModel\"/>.</summary>\n");
        w.Append("    internal static class MeasuredPbsLatencies\n    {\n");
        w.Append("        internal const string Command = ").Append(Literal(command)).Append(";\n\n");
        w.Append("        internal const string Machine = ").Append(Literal(machine)).Append(";\n\n");
        w.Append("        internal const string Runtime = ").Append(Literal(runtime)).Append(";\n\n");
        w.Append("        internal const string Date = ").Append(Literal(date)).Append(";\n\n");
        w.Append("        internal const string Method = ").Append(Literal(method)).Append(";\n\n");
        w.Append("        // bits, log2 p_error, median ms, min ms, runs, parameter set, bootstrapping key bytes, keyswitching key bytes\n");
        w.Append("        internal static readonly PbsMeasurement[] All =\n        {\n");
        foreach (var p in points)
        {
            w.Append(string.Create(ic,
                $"            new PbsMeasurement({p.Bits}, {p.Log2PError:R}, {Math.Round(p.MedianMs, 4):R}, {Math.Round(p.MinMs, 4):R}, {p.Runs}, {Literal(p.Parameters.Id)}, {p.BootstrapKeyBytes}, {p.KeySwitchKeyBytes}),\n"));
        }
        w.Append("        };\n    }\n}\n");
        return w.ToString();
    }

    private static string Literal(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>CPU model, logical cores, OS and the vector extensions the FFT can use.</summary>
    private static string Machine()
    {
        string cpu = CpuName() ?? RuntimeInformation.ProcessArchitecture.ToString();
        string isa = Avx512F.IsSupported ? "AVX-512" : Avx2.IsSupported ? "AVX2" : "no AVX2";
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {isa}, {RuntimeInformation.OSDescription.Trim()}";
    }

    private static string? CpuName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line?.Split(':', 2) is [_, var name] && name.Trim().Length > 0) return name.Trim();
            }
            if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
            if (OperatingSystem.IsMacOS()) return RunAndRead("sysctl", "-n machdep.cpu.brand_string");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>1-, 5- and 15-minute load averages on Linux (other work on the machine skews the figures); "n/a" elsewhere.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>", commit abc1234" (plus " with local changes"), or nothing outside a git checkout.</summary>
    private static string Revision()
    {
        string? head = RunAndRead("git", "rev-parse --short HEAD");
        if (string.IsNullOrEmpty(head)) return "";
        string? status = RunAndRead("git", "status --porcelain --untracked-files=no");
        return ", commit " + head + (string.IsNullOrEmpty(status) ? "" : " with local changes");
    }

    private static string? RunAndRead(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
