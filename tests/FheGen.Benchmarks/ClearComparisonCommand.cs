using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;

namespace FheGen.Benchmarks;

/// <summary>
/// <c>--compare-clear</c>: one 4-bit lookup (keyswitch + PBS, one thread) with today's external product against the
/// former kernel, which cleared its Fourier sums before every CMux (kept here, spelled out, only for this comparison).
/// Both run in one process on the same keys, in alternating blocks (order swapped every round), so other work on the
/// machine hits both alike; prints each round's medians and the ratio. Checks first that both give the same ciphertext.
/// </summary>
internal static class ClearComparisonCommand
{
    public const string Flag = "--compare-clear";

    public static int Run(string[] args)
    {
        var ic = CultureInfo.InvariantCulture;
        string Option(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        int bits = int.Parse(Option("--bits", "4"), ic);
        double log2PError = double.Parse(Option("--log2-p-error", "-64"), ic);
        int rounds = int.Parse(Option("--rounds", "8"), ic);
        int block = int.Parse(Option("--block", "40"), ic);

        var fixture = PbsFixture.Create(bits, log2PError, seed: bits);
        var server = fixture.Server;
        var current = server.CreateBootstrapper();
        var former = new FormerPbs(server.BootstrapKey, server.KeySwitchKey);
        var testPolynomial = TestPolynomial.FromTable(fixture.Parameters.PolynomialSize, fixture.Table);
        var input = fixture.Client.Encrypt(fixture.Message);
        var outCurrent = new LweCiphertext(fixture.Parameters.BigLweDimension);
        var outFormer = new LweCiphertext(fixture.Parameters.BigLweDimension);
        Console.WriteLine($"{bits} bits, p_error 2^{log2PError}: {PbsFixture.Shape(fixture.Parameters)}; {rounds} rounds of {block} lookups per kernel");

        current.Apply(input, testPolynomial, outCurrent);
        former.Apply(input, testPolynomial, outFormer);
        if (!outCurrent.AsSpan().SequenceEqual(outFormer.AsSpan()) || fixture.Client.Decrypt(outCurrent) != fixture.Table[fixture.Message])
        {
            Console.Error.WriteLine("The two kernels disagree or the lookup decrypts wrong; nothing timed.");
            return 1;
        }
        Console.WriteLine("outputs bit-identical, lookup correct");

        // Warm-up: tiered compilation promotes the hot loops after a few calls.
        for (int i = 0; i < 20; i++)
        {
            current.Apply(input, testPolynomial, outCurrent);
            former.Apply(input, testPolynomial, outFormer);
        }

        var all = (Current: new List<double>(), Former: new List<double>());
        var ratios = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            GC.Collect();
            double mc = 0, mf = 0;
            for (int half = 0; half < 2; half++)
            {
                bool runCurrent = (half == 0) == (r % 2 == 0);
                var times = new List<double>(block);
                for (int i = 0; i < block; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    if (runCurrent) current.Apply(input, testPolynomial, outCurrent);
                    else former.Apply(input, testPolynomial, outFormer);
                    times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                double m = Median(times);
                if (runCurrent) { mc = m; all.Current.AddRange(times); } else { mf = m; all.Former.AddRange(times); }
            }
            ratios.Add(mc / mf);
            Console.WriteLine(string.Create(ic, $"round {r + 1}: former {mf:F2} ms, current {mc:F2} ms, current/former {mc / mf:F3}"));
        }
        Console.WriteLine(string.Create(ic,
            $"overall medians: former {Median(all.Former):F2} ms (min {all.Former.Min():F2}), current {Median(all.Current):F2} ms (min {all.Current.Min():F2}); " +
            $"median of round ratios {Median(ratios):F3}"));

        // The split of a lookup: the keyswitch alone, same input; the rest is blind rotation and sample extraction.
        var small = new LweCiphertext(fixture.Parameters.LweDimension);
        var ks = new List<double>();
        for (int i = 0; i < 5 * block; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            server.KeySwitchKey.KeySwitch(input, small);
            ks.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        Console.WriteLine(string.Create(ic, $"keyswitch alone: median {Median(ks):F2} ms (min {ks.Min():F2}, {ks.Count} runs)"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>The blind rotation as it was before the clear was dropped: same steps as ProgrammableBootstrapper.</summary>
    private sealed class FormerPbs(BootstrapKey bsk, KeySwitchKey ksk)
    {
        private readonly int _k = bsk.GlweDimension, _n = bsk.PolynomialSize, _l = bsk.Decomposer.LevelCount;
        private readonly NegacyclicFft _fft = NegacyclicFft.ForSize(bsk.PolynomialSize);
        private readonly long[] _digits = new long[bsk.Decomposer.LevelCount * bsk.PolynomialSize];
        private readonly double[] _digitFourier = new double[bsk.PolynomialSize];
        private readonly double[] _sums = new double[(bsk.GlweDimension + 1) * bsk.PolynomialSize];
        private readonly GlweCiphertext _accumulator = new(bsk.GlweDimension, bsk.PolynomialSize);
        private readonly GlweCiphertext _rotated = new(bsk.GlweDimension, bsk.PolynomialSize);
        private readonly LweCiphertext _small = new(bsk.LweDimension);

        public void Apply(LweCiphertext input, TestPolynomial testPolynomial, LweCiphertext output)
        {
            ksk.KeySwitch(input, _small);
            int bTilde = Torus.ModulusSwitchTo2N(_small.Body, _n);
            _accumulator.Mask.Clear();
            Polynomial.MultiplyByMonomial(testPolynomial.Coefficients, -bTilde, _accumulator.Body);
            ReadOnlySpan<ulong> mask = _small.Mask;
            for (int i = 0; i < mask.Length; i++)
            {
                int aTilde = Torus.ModulusSwitchTo2N(mask[i], _n);
                if (aTilde == 0) continue;
                for (int c = 0; c <= _k; c++)
                {
                    Polynomial.MultiplyByMonomialMinusSource(c < _k ? _accumulator.MaskPolynomial(c) : _accumulator.Body, aTilde,
                        c < _k ? _rotated.MaskPolynomial(c) : _rotated.Body);
                }
                ExternalProductAdd(bsk[i]);
            }
            _accumulator.SampleExtract(0, output);
        }

        private void ExternalProductAdd(FourierGgsw ggsw)
        {
            int n = _n;
            Array.Clear(_sums);
            for (int i = 0; i <= _k; i++)
            {
                bsk.Decomposer.DecomposePolynomial(i < _k ? _rotated.MaskPolynomial(i) : _rotated.Body, _digits);
                for (int j = 0; j < _l; j++)
                {
                    _fft.ForwardInteger(_digits.AsSpan(j * n, n), _digitFourier);
                    for (int c = 0; c <= _k; c++)
                        NegacyclicFft.MultiplyAccumulate(_sums.AsSpan(c * n, n), _digitFourier, ggsw.Polynomial(i * _l + j, c));
                }
            }
            for (int c = 0; c <= _k; c++)
                _fft.BackwardAddTorus(_sums.AsSpan(c * n, n), c < _k ? _accumulator.MaskPolynomial(c) : _accumulator.Body);
        }
    }
}
