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
using FheGen.Tfhe.Fft;

namespace FheGen.Benchmarks;

/// <summary>
/// <c>--measure-blind-rotation [--bits 2,4,6] [--log2-perror E] [--rounds R] [--block B] [--batch C]</c>: the blind
/// rotation of the set the selector picks per width (p_error 2^-40 by default) with the fused kernels (new), with the
/// reference kernels (<c>ProgrammableBootstrapper.UseReferenceKernels</c>, old), and batched (C ciphertexts per pass
/// over the key, fused kernels), in one process over the same key; also the fused kernels with the FFT's radix-4 passes
/// on Vector256 only (<c>NegacyclicFft.Vector512Passes</c> off, as old runs: the code before the change), and without
/// the prefetch of the next GGSW (<c>ExternalProduct.PrefetchNextKey</c> off). Each round
/// runs B rotations of each kernel (B / C batches), rotating which goes first, so all see the same load; every rotation is timed alone by the calling thread's CPU time (<c>CLOCK_THREAD_CPUTIME_ID</c>, so time the
/// thread spends descheduled on the shared cores is not counted). Prints per width the medians over all rotations and
/// the ratios to old (batched: to new, per ciphertext), of the medians and the per-round ones.
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
        int block = int.Parse(Option(args, "--block") ?? "8", CultureInfo.InvariantCulture);
        int batch = int.Parse(Option(args, "--batch") ?? "4", CultureInfo.InvariantCulture);
        Console.WriteLine($"clock: {(ThreadClock.IsThreadCpu ? "thread CPU time" : "wall clock (no thread CPU clock here)")}; " +
                          $"{rounds} rounds of {block} rotations per kernel; load {LoadAverage()}");
        bool ok = true;
        foreach (int bits in widths)
            ok &= Measure(bits, log2PError, rounds, block, batch);
        Console.WriteLine($"load at the end {LoadAverage()}");
        return ok ? 0 : 1;
    }

    private static bool Measure(int bits, int log2PError, int rounds, int block, int batch)
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


        // The batch: distinct inputs and accumulators, one pass over the key for all of them; checked against one by one.
        var batchInputs = Enumerable.Range(0, batch).Select(_ => LweCiphertext.Encrypt(small, Torus.Encode((ulong)rng.Next(1 << bits), bits), p.LweNoiseStdDev, sampler)).ToArray();
        var batchTps = Enumerable.Repeat(tp, batch).ToArray();
        var batchAccs = Enumerable.Range(0, batch).Select(_ => new GlweCiphertext(p.GlweDimension, p.PolynomialSize)).ToArray();
        fused.BlindRotate(batchInputs, batchTps, batchAccs);
        for (int b = 0; b < batch; b++)
        {
            fused.BlindRotate(batchInputs[b], tp, accNew);
            if (!accNew.Mask.SequenceEqual(batchAccs[b].Mask) || !accNew.Body.SequenceEqual(batchAccs[b].Body))
            {
                Console.WriteLine($"{bits} bits: FAILED (batched rotation {b} differs from the single one)");
                return false;
            }
        }

        // Kernels: 0 old (reference kernels, Vector256 FFT passes: the code before issue 12), 1 new (fused, Vector512
        // radix-4 passes where AVX-512 is there, the default), 2 new with Vector256 passes only, 3 new batched (as 1),
        // 4 new with the prefetch of the next GGSW off (ExternalProduct.PrefetchNextKey).
        const int kernels = 5;
        var times = Enumerable.Range(0, kernels).Select(_ => new List<double>()).ToArray();
        var ratios = Enumerable.Range(0, kernels).Select(_ => new List<double>()).ToArray(); // per round, against kernel 0 (1 for the batch)
        int batches = Math.Max(1, block / batch);
        for (int r = -1; r < rounds; r++) // one warm-up round
        {
            var round = Enumerable.Range(0, kernels).Select(_ => new List<double>()).ToArray();
            for (int pass = 0; pass < kernels; pass++)
            {
                int kernel = (pass + Math.Max(r, 0)) % kernels; // rotate the order round by round
                NegacyclicFft.Vector512Passes = kernel is not (0 or 2);
                ExternalProduct.PrefetchNextKey = kernel != 4;
                if (kernel == 3)
                {
                    for (int b = 0; b < batches; b++)
                    {
                        double start = ThreadClock.Milliseconds();
                        fused.BlindRotate(batchInputs, batchTps, batchAccs);
                        round[3].Add((ThreadClock.Milliseconds() - start) / batch);
                    }

                    continue;
                }

                var pbs = kernel == 0 ? reference : fused;
                var acc = kernel == 0 ? accOld : accNew;
                for (int b = 0; b < block; b++)
                {
                    double start = ThreadClock.Milliseconds();
                    pbs.BlindRotate(input, tp, acc);
                    round[kernel].Add(ThreadClock.Milliseconds() - start);
                }
            }

            NegacyclicFft.Vector512Passes = true;
            ExternalProduct.PrefetchNextKey = true;
            if (r < 0) continue;
            for (int t = 0; t < kernels; t++)
            {
                times[t].AddRange(round[t]);
                ratios[t].Add(Median(round[t]) / Median(round[t == 3 ? 1 : 0]));
            }
        }

        string Ratio(int t) => string.Create(CultureInfo.InvariantCulture,
            $"{Median(times[t]) / Median(times[t == 3 ? 1 : 0]):F3} (rounds {Median(ratios[t]):F3}, {ratios[t].Min():F3}-{ratios[t].Max():F3})");
        string Time(int t) => string.Create(CultureInfo.InvariantCulture, $"{Median(times[t]):F2} ms (min {times[t].Min():F2})");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{bits} bits (n {p.LweDimension}, k {p.GlweDimension}, N {p.PolynomialSize}, PBS 2^{p.PbsBaseLog} x {p.PbsLevel}), load {LoadAverage()}:"));
        Console.WriteLine($"  old {Time(0)}; new {Time(1)}, new/old {Ratio(1)}");
        Console.WriteLine($"  new with Vector256 FFT passes only {Time(2)}, /old {Ratio(2)}");
        Console.WriteLine($"  new without the prefetch of the next GGSW {Time(4)}, /old {Ratio(4)}");
        Console.WriteLine($"  new, batches of {batch}: {Time(3)} per ciphertext, batched/new {Ratio(3)}");
        return true;
    }

    internal static string LoadAverage()
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

    internal static double Median(List<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    internal static string? Option(string[] args, string name)
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
