using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;

namespace FheGen.Benchmarks;

/// <summary>
/// <c>--measure-blind-rotation [--bits 2,4,6] [--log2-perror E] [--rounds R] [--block B]</c>: the blind rotation of
/// the set the selector picks per width (p_error 2^-40 by default) with the fused kernels (new) and with the reference
/// kernels (<c>ProgrammableBootstrapper.UseReferenceKernels</c>, old), in one process over the same key and input.
/// Each round runs B rotations of one kernel then B of the other, alternating which goes first, so both see the same
/// load; every rotation is timed alone by the calling thread's CPU time (<c>CLOCK_THREAD_CPUTIME_ID</c>, so time the
/// thread spends descheduled on the shared cores is not counted). Prints per width the medians over all rotations and
/// the median of the per-round ratios new / old.
/// </summary>
/// <remarks>
/// Before timing it checks that both kernels give the same accumulator bit for bit and that its sample extraction
/// decrypts to the table entry. Only the bootstrapping key is generated (the bootstrapper's keyswitch key is a
/// one-dimensional stand-in: the blind rotation does not use it).
/// </remarks>
internal static class BlindRotationCommand
{
    public const string Flag = "--measure-blind-rotation";

    public static int Run(string[] args)
    {
        int[] widths = (Option(args, "--bits") ?? "2,4,6").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int log2PError = int.Parse(Option(args, "--log2-perror") ?? "-40", CultureInfo.InvariantCulture);
        int rounds = int.Parse(Option(args, "--rounds") ?? "6", CultureInfo.InvariantCulture);
        int block = int.Parse(Option(args, "--block") ?? "10", CultureInfo.InvariantCulture);
        Console.WriteLine($"clock: {(ThreadClock.IsThreadCpu ? "thread CPU time" : "wall clock (no thread CPU clock here)")}; " +
                          $"{rounds} rounds of {block} rotations per kernel; load {LoadAverage()}");
        bool ok = true;
        foreach (int bits in widths)
            ok &= Measure(bits, log2PError, rounds, block);
        Console.WriteLine($"load at the end {LoadAverage()}");
        return ok ? 0 : 1;
    }

    private static bool Measure(int bits, int log2PError, int rounds, int block)
    {
        var p = ParameterSelector.SelectForLog2PError(bits, log2PError).Parameters;
        var sampler = new NoiseSampler();
        var small = LweSecretKey.Generate(p.LweDimension, sampler);
        var glwe = GlweSecretKey.Generate(p.GlweDimension, p.PolynomialSize, sampler);
        var bsk = BootstrapKey.Generate(small, glwe, new GadgetDecomposer(p.PbsBaseLog, p.PbsLevel), p.GlweNoiseStdDev, sampler);
        var standIn = KeySwitchKey.Generate(LweSecretKey.Generate(1, sampler), small, new GadgetDecomposer(p.KsBaseLog, p.KsLevel), p.LweNoiseStdDev, sampler);
        var fused = new ProgrammableBootstrapper(bsk, standIn);
        var reference = new ProgrammableBootstrapper(bsk, standIn) { UseReferenceKernels = true };

        var rng = new Random(bits);
        var table = Enumerable.Range(0, 1 << bits).Select(_ => (ulong)rng.Next(1 << bits)).ToArray();
        var tp = TestPolynomial.FromTable(p.PolynomialSize, table);
        ulong message = (ulong)rng.Next(1 << bits);
        var input = LweCiphertext.Encrypt(small, Torus.Encode(message, bits), p.LweNoiseStdDev, sampler);
        var accNew = new GlweCiphertext(p.GlweDimension, p.PolynomialSize);
        var accOld = new GlweCiphertext(p.GlweDimension, p.PolynomialSize);
        fused.BlindRotate(input, tp, accNew);
        reference.BlindRotate(input, tp, accOld);
        var extracted = new LweCiphertext(p.GlweDimension * p.PolynomialSize);
        accNew.SampleExtract(0, extracted);
        ulong decoded = Torus.DecodeWithPadding(extracted.DecryptPhase(glwe.ToFlattenedLweKey()), bits);
        bool identical = accNew.Mask.SequenceEqual(accOld.Mask) && accNew.Body.SequenceEqual(accOld.Body);
        if (!identical || decoded != table[message])
        {
            Console.WriteLine($"{bits} bits: FAILED (bit-identical: {identical}, decrypted {decoded}, expected {table[message]})");
            return false;
        }

        var tNew = new List<double>();
        var tOld = new List<double>();
        var ratios = new List<double>();
        for (int r = -1; r < rounds; r++) // one warm-up round
        {
            var roundNew = new List<double>();
            var roundOld = new List<double>();
            for (int pass = 0; pass < 2; pass++)
            {
                bool newPass = (pass == 0) == (r % 2 == 0);
                var pbs = newPass ? fused : reference;
                var acc = newPass ? accNew : accOld;
                var into = newPass ? roundNew : roundOld;
                for (int b = 0; b < block; b++)
                {
                    double start = ThreadClock.Milliseconds();
                    pbs.BlindRotate(input, tp, acc);
                    into.Add(ThreadClock.Milliseconds() - start);
                }
            }

            if (r < 0) continue;
            tNew.AddRange(roundNew);
            tOld.AddRange(roundOld);
            ratios.Add(Median(roundNew) / Median(roundOld));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{bits} bits ({p.Id}: n {p.LweDimension}, k {p.GlweDimension}, N {p.PolynomialSize}, PBS 2^{p.PbsBaseLog} x {p.PbsLevel}): " +
            $"old {Median(tOld):F2} ms (min {tOld.Min():F2}), new {Median(tNew):F2} ms (min {tNew.Min():F2}), " +
            $"ratio new/old {Median(tNew) / Median(tOld):F3} (median of round ratios {Median(ratios):F3}, range {ratios.Min():F3}-{ratios.Max():F3}); " +
            $"bit-identical, decrypts; load {LoadAverage()}"));
        return true;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', System.IO.File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (System.IO.IOException)
        {
            return "n/a";
        }
    }

    private static double Median(List<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The calling thread's CPU time on Linux (clock_gettime), the wall clock elsewhere.</summary>
    internal static class ThreadClock
    {
        private const int ClockThreadCpuTimeId = 3;

        public static bool IsThreadCpu { get; } = OperatingSystem.IsLinux() && TryThreadCpu(out _);

        public static double Milliseconds()
        {
            if (IsThreadCpu && TryThreadCpu(out double ms)) return ms;
            return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        }

        private static bool TryThreadCpu(out double ms)
        {
            if (clock_gettime(ClockThreadCpuTimeId, out var ts) != 0)
            {
                ms = 0;
                return false;
            }

            ms = ts.Seconds * 1000.0 + ts.Nanoseconds / 1e6;
            return true;
        }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int clock_gettime(int clockId, out TimeSpec time);

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }
    }
}
