using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;

namespace FheGen.Benchmarks;

/// <summary>
/// <c>--measure-ks [--bits B] [--log2-perror E] [--rounds R] [--batch C]</c>: the keyswitch of the set the selector picks
/// (4 bits at 2^-40 by default) on 64-bit and on 32-bit words, one ciphertext and a batch of C, interleaved round by
/// round so both see the same machine load, plus the set's blind rotation for scale. Prints medians on one thread.
/// </summary>
/// <remarks>
/// Both keys come from the public <see cref="KeySwitchKey.Generate"/> over the same secret keys; a key noise below
/// <see cref="TfheParameters.KeySwitch32MinimumStdDev"/> makes the 64-bit one (its timing does not depend on σ).
/// </remarks>
internal static class KeySwitchCommand
{
    public const string Flag = "--measure-ks";

    public static int Run(string[] args)
    {
        int bits = Option(args, "--bits", 4);
        int log2PError = Option(args, "--log2-perror", -40);
        int rounds = Option(args, "--rounds", 15);
        int batch = Option(args, "--batch", 16);
        var p = ParameterSelector.SelectForLog2PError(bits, log2PError).Parameters;
        Console.WriteLine($"{bits}-bit set at 2^{log2PError}: {p.Id} (KS32 by the rule: {p.KeySwitchUses32BitWords})");
        var sampler = new NoiseSampler();
        var big = LweSecretKey.Generate(p.BigLweDimension, sampler);
        var small = LweSecretKey.Generate(p.LweDimension, sampler);
        var decomposer = new GadgetDecomposer(p.KsBaseLog, p.KsLevel);
        var ks32 = KeySwitchKey.Generate(big, small, decomposer, p.LweNoiseStdDev, sampler);
        var ks64 = KeySwitchKey.Generate(big, small, decomposer, TfheParameters.KeySwitch32MinimumStdDev / 2, sampler);
        Console.WriteLine($"keys: 64-bit words {ks64.SizeInBytes / 1048576.0:F1} MiB (32-bit: {ks64.Uses32BitWords}), " +
                          $"32-bit words {ks32.SizeInBytes / 1048576.0:F1} MiB (32-bit: {ks32.Uses32BitWords})");

        var inputs = Enumerable.Range(0, batch).Select(_ => LweCiphertext.Encrypt(big, 0, p.GlweNoiseStdDev, sampler)).ToArray();
        var outputs = Enumerable.Range(0, batch).Select(_ => new LweCiphertext(p.LweDimension)).ToArray();
        var t64 = new List<double>();
        var t32 = new List<double>();
        var b64 = new List<double>();
        var b32 = new List<double>();
        for (int r = -2; r < rounds; r++) // two warm-up rounds
        {
            double a = Time(() => ks64.KeySwitch(inputs[0], outputs[0]));
            double b = Time(() => ks32.KeySwitch(inputs[0], outputs[0]));
            double c = Time(() => ks64.KeySwitch(inputs, outputs)) / batch;
            double d = Time(() => ks32.KeySwitch(inputs, outputs)) / batch;
            if (r < 0) continue;
            t64.Add(a);
            t32.Add(b);
            b64.Add(c);
            b32.Add(d);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one ciphertext: KS64 {Median(t64):F2} ms, KS32 {Median(t32):F2} ms (ratio {Median(t64) / Median(t32):F2}); " +
            $"batch of {batch}, per ciphertext: KS64 {Median(b64):F2} ms, KS32 {Median(b32):F2} ms (ratio {Median(b64) / Median(b32):F2}); " +
            $"medians of {rounds} interleaved rounds, one thread"));
        return 0;
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;
    }
}
