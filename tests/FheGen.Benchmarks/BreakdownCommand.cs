using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;
using static FheGen.Benchmarks.BlindRotationCommand;

namespace FheGen.Benchmarks;

/// <summary>
/// <c>--measure-breakdown [--bits 4] [--log2-perror -40] [--rounds 5] [--block 4] [--samples]</c>: where one table lookup
/// (keyswitch + PBS, <see cref="ProgrammableBootstrapper.Apply(LweCiphertext, TestPolynomial, LweCiphertext)"/>) of the
/// set the selector picks spends its time. Times the whole lookup and its parts (keyswitch, fused blind rotation,
/// sample extraction), then the blind rotation's kernels, each alone in a loop over one rotation's worth of CMux steps
/// (those with a nonzero modulus-switched mask element, as <see cref="ProgrammableBootstrapper.BlindRotate(LweCiphertext, TestPolynomial, GlweCiphertext)"/>
/// skips the others) on realistic data: the signed decomposition of the rotated accumulator
/// (<see cref="GadgetDecomposer.DecomposeRotatedMinus"/>, k + 1 per CMux), the forward FFTs
/// (<see cref="NegacyclicFft.ForwardIntegerFused"/>, (k + 1)·l per CMux), the multiply-accumulate over the GGSW rows
/// (<see cref="NegacyclicFft.MultiplyAccumulateRows"/>, k + 1 columns per CMux) with the key streamed (GGSW i at step
/// i, with the next one prefetched as the rotation does) and with one GGSW kept hot, and the inverse FFTs with the
/// rounding add (<see cref="NegacyclicFft.BackwardAddTorusFused"/>, k + 1 per CMux). These are the calls
/// <see cref="ExternalProduct.CMuxAdd"/> makes, in its order; the command checks that one CMux assembled from them
/// equals CMuxAdd bit for bit, and that the lookup and the fused rotation decrypt to the table entry, before timing
/// (exit 1 otherwise). All on the calling thread's CPU time (<see cref="BlindRotationCommand.ThreadClock"/>); each
/// round runs every part and every kernel loop B times, after three warm-up rounds, rotating which goes first; medians
/// over all runs (min: the fastest run); <c>--samples</c> prints every run. The parts are timed inside one lookup
/// written out as <see cref="ProgrammableBootstrapper.Apply(LweCiphertext, TestPolynomial, LweCiphertext)"/> runs it,
/// so each finds the caches as a lookup leaves them; the key-streaming loops run after an untimed keyswitch. The loops'
/// buffers are pinned at the offsets in their 64-byte lines where CMuxAdd's own scratch buffers sit (read by reflection),
/// because the forward FFT's time depends on it; the forward loop also runs into a buffer on a line and one 48 bytes in.
/// </summary>
internal static class BreakdownCommand
{
    public const string Flag = "--measure-breakdown";

    // ExternalProduct's private MaxPrefetchedDoubles: CMuxAdd prefetches the next GGSW only when it is this small.
    private const int MaxPrefetchedDoubles = 16384;

    // Rounds run untimed first: the kernels reach their tier-1 code (compiled in the background, late on a busy machine).
    private const int WarmUpRounds = 3;

    public static int Run(string[] args)
    {
        int[] widths = (Option(args, "--bits") ?? "4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int log2PError = int.Parse(Option(args, "--log2-perror") ?? "-40", CultureInfo.InvariantCulture);
        int rounds = int.Parse(Option(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        int block = int.Parse(Option(args, "--block") ?? "4", CultureInfo.InvariantCulture);
        bool samples = args.Contains("--samples");
        Console.WriteLine($"clock: {(ThreadClock.IsThreadCpu ? "thread CPU time" : "wall clock (no thread CPU clock here)")}; " +
                          $"{rounds} rounds (+{WarmUpRounds} warm-up) of {block} runs per part and kernel loop; load {LoadAverage()}");
        bool ok = true;
        foreach (int bits in widths)
            ok &= Measure(bits, log2PError, rounds, block, samples);
        Console.WriteLine($"load at the end {LoadAverage()}");
        return ok ? 0 : 1;
    }

    private static bool Measure(int bits, int log2PError, int rounds, int block, bool samples)
    {
        var p = ParameterSelector.SelectForLog2PError(bits, log2PError).Parameters;
        int k = p.GlweDimension;
        int size = p.PolynomialSize;
        var decomposer = new GadgetDecomposer(p.PbsBaseLog, p.PbsLevel);
        int l = decomposer.LevelCount;
        int rows = (k + 1) * l;

        var sampler = new NoiseSampler();
        var small = LweSecretKey.Generate(p.LweDimension, sampler);
        var glwe = GlweSecretKey.Generate(k, size, sampler);
        var big = glwe.ToFlattenedLweKey();
        var bsk = BootstrapKey.Generate(small, glwe, decomposer, p.GlweNoiseStdDev, sampler);
        var ksk = KeySwitchKey.Generate(big, small, new GadgetDecomposer(p.KsBaseLog, p.KsLevel), p.LweNoiseStdDev, sampler);
        var pbs = new ProgrammableBootstrapper(bsk, ksk);

        var rng = new Random(bits);
        var table = Enumerable.Range(0, 1 << bits).Select(_ => (ulong)rng.Next(1 << bits)).ToArray();
        var tp = TestPolynomial.FromTable(size, table);
        ulong message = (ulong)rng.Next(1 << bits);
        var input = LweCiphertext.Encrypt(big, Torus.Encode(message, bits), p.GlweNoiseStdDev, sampler);
        var output = new LweCiphertext(p.BigLweDimension);
        var switched = new LweCiphertext(p.LweDimension);
        var acc = new GlweCiphertext(k, size);
        var extracted = new LweCiphertext(p.BigLweDimension);

        // Checks: the whole lookup, and the fused rotation alone on its keyswitched input, decrypt to the table entry.
        pbs.Apply(input, tp, output);
        ulong decodedLookup = Torus.DecodeWithPadding(output.DecryptPhase(big), bits);
        pbs.KeySwitch(input, switched);
        pbs.BlindRotate(switched, tp, acc);
        acc.SampleExtract(0, extracted);
        ulong decodedRotation = Torus.DecodeWithPadding(extracted.DecryptPhase(big), bits);
        if (decodedLookup != table[message] || decodedRotation != table[message])
        {
            Console.WriteLine($"{bits} bits: FAILED (lookup decrypted {decodedLookup}, rotation {decodedRotation}, expected {table[message]})");
            return false;
        }

        // The CMux steps of this input's rotation, and realistic operands: the rotated accumulator, its digits, their
        // transforms, the multiply-accumulate's output.
        int[] powers = Enumerable.Range(0, p.LweDimension).Select(i => Torus.ModulusSwitchTo2N(switched.Mask[i], size)).ToArray();
        int[] steps = Enumerable.Range(0, p.LweDimension).Where(i => powers[i] != 0).ToArray();
        var fft = NegacyclicFft.ForSize(size);
        // Placed where CMuxAdd's own buffers sit in their 64-byte lines (the forward FFT's time depends on it, below).
        var digits = PinnedAt<long>(rows * size, RotationBufferOffset(pbs, "_digits"));
        var rowFourier = PinnedAt<double>(rows * size, RotationBufferOffset(pbs, "_rowFourier"));
        var columnSums = new double[(k + 1) * size];
        var sum = PinnedAt<double>(size, RotationBufferOffset(pbs, "_accumulators"));
        var work = acc.Clone();
        int first = steps[0];
        for (int i = 0; i <= k; i++)
            decomposer.DecomposeRotatedMinus(Poly(acc, i), powers[first], digits.AsSpan(i * l * size, l * size));
        for (int r = 0; r < rows; r++)
            fft.ForwardIntegerFused(digits.AsSpan(r * size, size), rowFourier.AsSpan(r * size, size));
        for (int c = 0; c <= k; c++)
            NegacyclicFft.MultiplyAccumulateRows(columnSums.AsSpan(c * size, size), rowFourier, bsk[first].Data, c, k + 1, rows, default);

        // Check: one CMux assembled from these kernels equals ExternalProduct.CMuxAdd bit for bit.
        var viaCMux = acc.Clone();
        new ExternalProduct(k, size, decomposer).CMuxAdd(bsk[first], viaCMux, powers[first], null);
        for (int c = 0; c <= k; c++)
        {
            columnSums.AsSpan(c * size, size).CopyTo(sum);
            fft.BackwardAddTorusFused(sum, Poly(work, c));
        }

        if (!work.AsSpan().SequenceEqual(viaCMux.AsSpan()))
        {
            Console.WriteLine($"{bits} bits: FAILED (the kernels assembled here do not reproduce CMuxAdd)");
            return false;
        }

        // Parts (per run) and kernel loops (one rotation's worth each), in a rotating order round by round.
        string[] names =
        [
            "lookup (keyswitch + PBS, Apply)", "keyswitch", "blind rotation (fused)", "sample extraction",
            "decomposition (DecomposeRotatedMinus)", "forward FFTs (ForwardIntegerFused)",
            "multiply-accumulate, key streamed", "inverse FFTs + round/add (BackwardAddTorusFused)",
            "multiply-accumulate, one GGSW hot", "copy of the inverse's input (subtracted)",
            "forward FFTs, output on a 64-byte line", "forward FFTs, output 48 bytes into a line",
        ];
        var times = names.Select(_ => new List<double>()).ToArray();

        // The forward loop again into pinned buffers placed on, and 48 bytes into, a 64-byte line: the Vector512 passes'
        // time depends on it, and CMuxAdd's own buffer lands wherever the allocator puts it.
        var pinned = GC.AllocateArray<double>(rows * size + 16, pinned: true);
        int skip = (int)((64 - Offset(pinned)) % 64) / sizeof(double);
        var alignedFourier = pinned.AsMemory(skip, rows * size);
        var misalignedFourier = pinned.AsMemory(skip + 6, rows * size);
        var kernelLoops = new Dictionary<int, Action>
        {
            [4] = () =>
            {
                foreach (int s in steps)
                {
                    for (int i = 0; i <= k; i++)
                        decomposer.DecomposeRotatedMinus(Poly(acc, i), powers[s], digits.AsSpan(0, l * size));
                }
            },
            [5] = () =>
            {
                foreach (int _ in steps)
                {
                    for (int r = 0; r < rows; r++)
                        fft.ForwardIntegerFused(digits.AsSpan(r * size, size), rowFourier.AsSpan(r * size, size));
                }
            },
            [6] = () => MultiplyAccumulate(bsk, steps, rowFourier, sum, hot: false),
            [7] = () =>
            {
                foreach (int _ in steps)
                {
                    for (int c = 0; c <= k; c++)
                    {
                        columnSums.AsSpan(c * size, size).CopyTo(sum);
                        fft.BackwardAddTorusFused(sum, Poly(work, c));
                    }
                }
            },
            [8] = () => MultiplyAccumulate(bsk, steps, rowFourier, sum, hot: true),
            [10] = () => Forward(fft, steps.Length, rows, digits, alignedFourier.Span),
            [11] = () => Forward(fft, steps.Length, rows, digits, misalignedFourier.Span),
            [9] = () =>
            {
                foreach (int _ in steps)
                {
                    for (int c = 0; c <= k; c++)
                        columnSums.AsSpan(c * size, size).CopyTo(sum);
                }
            },
        };

        // Jobs: 0 the whole lookup (Apply); 1 the same lookup written out (ProgrammableBootstrapper.Apply's three calls),
        // each part timed where it runs in a lookup, so the keyswitch finds its key as cold as after a rotation; 4-9 the
        // kernel loops. The key-streaming MAC loops run after an untimed keyswitch, as in a stream of lookups.
        int[] jobs = [0, 1, 4, 5, 6, 7, 8, 9, 10, 11];
        // The decomposition loop overwrites the first level's digits; the forward loop wants all of them.
        var savedDigits = (long[])digits.Clone();
        for (int round = -WarmUpRounds; round < rounds; round++)
        {
            for (int pass = 0; pass < jobs.Length; pass++)
            {
                int t = jobs[(pass + Math.Max(round, 0)) % jobs.Length];
                if (t is 5 or 10 or 11) savedDigits.CopyTo(digits, 0);
                for (int b = 0; b < block; b++)
                {
                    if (t is 6 or 8) pbs.KeySwitch(input, switched);
                    double start = ThreadClock.Milliseconds();
                    if (t == 0)
                    {
                        pbs.Apply(input, tp, output);
                    }
                    else if (t == 1)
                    {
                        pbs.KeySwitch(input, switched);
                        double ks = ThreadClock.Milliseconds();
                        pbs.BlindRotate(switched, tp, acc);
                        double br = ThreadClock.Milliseconds();
                        acc.SampleExtract(0, extracted);
                        double se = ThreadClock.Milliseconds();
                        if (round < 0) continue;
                        times[1].Add(ks - start);
                        times[2].Add(br - ks);
                        times[3].Add(se - br);
                        continue;
                    }
                    else
                    {
                        kernelLoops[t]();
                    }

                    double ms = ThreadClock.Milliseconds() - start;
                    if (round >= 0) times[t].Add(ms);
                }
            }
        }

        double[] med = times.Select(Median).ToArray();
        double[] min = times.Select(x => x.Min()).ToArray();
        double whole = med[0];
        double inverse = med[7] - med[9];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{bits} bits at 2^{log2PError} (n {p.LweDimension}, k {k}, N {size}, PBS 2^{p.PbsBaseLog} x {l}, KS 2^{p.KsBaseLog} x {p.KsLevel}; " +
            $"{steps.Length} CMux steps; BSK {bsk.SizeInBytes / 1048576.0:F1} MiB, KSK {ksk.SizeInBytes / 1048576.0:F1} MiB), load {LoadAverage()}:"));
        Console.WriteLine($"  {"part",-52} {"ms/lookup",10} {"share",7} {"min ms",8}");
        void Row(string name, double ms, int t = -1) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-52} {ms,10:F3} {ms / whole,7:P1} {(t >= 0 ? min[t].ToString("F3", CultureInfo.InvariantCulture) : ""),8}"));
        Row(names[0], whole, 0);
        Row("  " + names[1], med[1], 1);
        Row("  " + names[2], med[2], 2);
        Row("  " + names[3], med[3], 3);
        Row("  parts' sum (rest: accumulator set-up, calls)", med[1] + med[2] + med[3]);
        Console.WriteLine("  the blind rotation's kernels, one rotation's worth each:");
        Row("    " + names[4], med[4], 4);
        Row("    " + names[5], med[5], 5);
        Row("    " + names[6], med[6], 6);
        Row("    " + names[7], inverse);
        double kernels = med[4] + med[5] + med[6] + inverse;
        Row("    kernels' sum", kernels);
        Row("    measured rotation minus kernels' sum", med[2] - kernels);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    kernels' sum / measured rotation {kernels / med[2]:F3}"));
        Row("    " + names[8], med[8], 8);
        Row("    streaming share of the MAC (streamed - hot)", med[6] - med[8]);
        Row("    (" + names[9] + ")", med[9], 9);
        Row("    " + names[10], med[10], 10);
        Row("    " + names[11], med[11], 11);
        Console.WriteLine($"  64-byte alignment offsets (bytes) of the kernel loops' buffers: rows' transforms {Offset(rowFourier)}, " +
                          $"digits {Offset(digits)}, column sum {Offset(sum)}; " +
                          $"the rotation's own (ExternalProduct's, read by reflection) {RotationBufferOffset(pbs, "_rowFourier")}, " +
                          $"{RotationBufferOffset(pbs, "_digits")}, {RotationBufferOffset(pbs, "_accumulators")}");
        if (samples)
        {
            for (int t = 0; t < names.Length; t++)
                Console.WriteLine($"  samples, {names[t]}: " + string.Join(' ', times[t].Select(v => v.ToString("F3", CultureInfo.InvariantCulture))));
        }
        return true;
    }

    // The multiply-accumulate of CMuxAdd over the steps: GGSW i at step i with the next prefetched by its rule, or the
    // first step's GGSW every time (hot; it "prefetches" itself so the instructions are the same).
    private static void MultiplyAccumulate(BootstrapKey bsk, int[] steps, double[] rowFourier, double[] sum, bool hot)
    {
        int k = bsk.GlweDimension;
        int rows = (k + 1) * bsk.Decomposer.LevelCount;
        for (int s = 0; s < steps.Length; s++)
        {
            int i = steps[s];
            var ggsw = hot ? bsk[steps[0]] : bsk[i];
            FourierGgsw? next = hot ? ggsw : i + 1 < bsk.LweDimension ? bsk[i + 1] : null;
            bool prefetchPays = ggsw.Data.Length <= MaxPrefetchedDoubles;
            ReadOnlySpan<double> prefetch = ExternalProduct.PrefetchNextKey && prefetchPays && next is not null ? next.Data : default;
            for (int c = 0; c <= k; c++)
                NegacyclicFft.MultiplyAccumulateRows(sum, rowFourier, ggsw.Data, c, k + 1, rows, prefetch);
        }
    }

    private static void Forward(NegacyclicFft fft, int steps, int rows, long[] digits, Span<double> fourier)
    {
        int size = fourier.Length / rows;
        for (int s = 0; s < steps; s++)
        {
            for (int r = 0; r < rows; r++)
                fft.ForwardIntegerFused(digits.AsSpan(r * size, size), fourier.Slice(r * size, size));
        }
    }

    // Where one of CMuxAdd's private scratch buffers starts in its 64-byte line, found by reflection (-1 if the field
    // is gone: diagnostic only). They are slices of pinned arrays placed on a line (AlignedArrays), so 0 is expected.
    private static long RotationBufferOffset(ProgrammableBootstrapper pbs, string field)
    {
        const BindingFlags flags = BindingFlags.NonPublic | BindingFlags.Instance;
        object? product = typeof(ProgrammableBootstrapper).GetField("_externalProduct", flags)?.GetValue(pbs);
        return product is null ? -1 : typeof(ExternalProduct).GetField(field, flags)?.GetValue(product) switch
        {
            Array buffer => Offset(buffer),
            // Slices of pinned arrays (AlignedArrays): the slice's start, not the array's.
            Memory<double> slice when MemoryMarshal.TryGetArray<double>(slice, out var segment) => (Offset(segment.Array!) + segment.Offset * sizeof(double)) % 64,
            Memory<long> slice when MemoryMarshal.TryGetArray<long>(slice, out var segment) => (Offset(segment.Array!) + segment.Offset * sizeof(long)) % 64,
            _ => -1,
        };
    }

    // A pinned array starting <paramref name="offset"/> bytes into a 64-byte line when a few fillers get it there
    // (pinned objects do not move), else the last one tried.
    private static T[] PinnedAt<T>(int length, long offset)
    {
        var fillers = new List<byte[]>();
        var array = GC.AllocateArray<T>(length, pinned: true);
        for (int attempt = 1; attempt < 64 && offset >= 0 && Offset(array) != offset; attempt++)
        {
            fillers.Add(GC.AllocateArray<byte>(8 * attempt, pinned: true));
            array = GC.AllocateArray<T>(length, pinned: true);
        }

        GC.KeepAlive(fillers);
        return array;
    }

    // Where the array starts in its 64-byte line (at the end of the run: the GC may have moved it).
    private static long Offset(Array data)
    {
        var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
        try
        {
            return handle.AddrOfPinnedObject() % 64;
        }
        finally
        {
            handle.Free();
        }
    }

    private static Span<ulong> Poly(GlweCiphertext glwe, int index) =>
        index < glwe.GlweDimension ? glwe.MaskPolynomial(index) : glwe.Body;
}
