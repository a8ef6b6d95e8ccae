using System;
using System.Diagnostics;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Tests.Core;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>
/// At a deliberately high p_error (the set <see cref="ParameterSelector"/> picks for 4 bits at p_error 1e-2), the
/// measured failure rate of keyswitch-then-PBS matches the set's own predicted p_fail (<see cref="NoiseModel"/> at ν = 1,
/// which can be below the target) within 4 binomial standard deviations. Seeded, so deterministic.
/// </summary>
/// <remarks>
/// <para>
/// The lookups form a chain: each input is the output of the previous PBS, so it carries the blind-rotation noise the
/// model's ν = 1 assumes, then goes through keyswitch, modulus switch and blind rotation. The table x ↦ x + 5 mod 16
/// makes every neighbour entry differ from the right one, so every failure is seen. An input whose padding bit ends up
/// set (after an upward failure at 15) reads the negated table, as the negacyclic test polynomial defines; the chain
/// goes on with the exact expected value computed for that case.
/// </para>
/// <para>
/// Besides the failure count, every step measures the modulus-switched rotation error ε (in units of 1/2N) with the
/// small key: (1) the PBS must fail exactly when ε leaves the box [−box/2, box/2), a deterministic check of the test
/// polynomial and decoding; (2) the variance of ε/2N must be within a factor 2 of ν²·V_br + V_ks + V_ms; (3) the
/// fraction of |ε| beyond 3/4 and 1/2 of the half box, many more events than failures, must match the Gaussian
/// prediction within 4 binomial standard deviations.
/// </para>
/// <para>
/// <c>[Trait("Category", "Statistical")]</c>: by default a reduced run of <see cref="ReducedSteps"/> lookups (about 15
/// failures expected); with the environment variable <c>FHEGEN_HEAVY=1</c>, <see cref="FullSteps"/> (about 50).
/// </para>
/// </remarks>
public class PbsFailureRateTests(ITestOutputHelper output)
{
    private const int Precision = 4;

    private const int ReducedSteps = 1500;

    private const int FullSteps = 5000;

    private const double Sigmas = 4;

    [Fact]
    [Trait("Category", "Statistical")]
    public void Failure_rate_at_p_error_1e_2_matches_the_predicted_p_fail()
    {
        const int p = Precision;
        ParameterSelection selection = ParameterSelector.Select(p, 1e-2);
        PbsKeys keys = PbsTestKeys.Cached(selection);
        TfheParameters set = keys.Parameters;
        NoiseEstimate model = NoiseModel.Estimate(set);
        double pFail = model.PFail;
        // Enough failures to test, and the set's own prediction, not the target, is what is compared.
        Assert.InRange(pFail, 2e-3, 1e-2);

        int n = set.PolynomialSize;
        int box = 2 * n >> (p + 1); // points of Z_2N per box, padding half included
        int half = box / 2;
        int size = 1 << p, wide = 2 << p;
        var table = new ulong[size];
        for (int i = 0; i < size; i++)
            table[i] = (ulong)((i + 5) % size);

        // Expected output for an input message m in [0, 2^(p+1)) (padding bit included): T[m], or −T[m − 2^p].
        ulong Expected(ulong m) => m < (ulong)size ? table[m] : (ulong)((wide - (long)table[m - (ulong)size]) % wide);

        var tp = TestPolynomial.FromTable(n, table);
        ProgrammableBootstrapper pbs = keys.Server.CreateBootstrapper();
        NoiseSampler sampler = PbsTestKeys.Seeded($"failure-rate:{set.Id}");
        var current = LweCiphertext.Encrypt(keys.Client.BigKey, Torus.Encode(3, p), set.GlweNoiseStdDev, sampler);
        var next = new LweCiphertext(set.BigLweDimension);
        var small = new LweCiphertext(set.LweDimension);
        var viaApply = new LweCiphertext(set.BigLweDimension);

        int steps = TestMode.Heavy ? FullSteps : ReducedSteps;
        int failures = 0, beyondThreeQuarters = 0, beyondHalf = 0, paddingInputs = 0;
        var rotation = new PbsMeasure.Moments();
        var sw = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            // The input's message, padding bit included: its noise (one blind rotation) is far below half a box.
            ulong m = Torus.DecodeWithPadding(current.DecryptPhase(keys.Client.BigKey), p);
            if (m >= (ulong)size)
                paddingInputs++;

            // Apply = keyswitch then PBS, done in two calls so the rotation can be measured in between.
            pbs.KeySwitch(current, small);
            pbs.ProgrammableBootstrap(small, tp, next);
            if (step < 3)
            {
                pbs.Apply(current, tp, viaApply);
                Assert.Equal(next.AsSpan().ToArray(), viaApply.AsSpan().ToArray());
            }

            int phi = PbsMeasure.ModulusSwitchedPhase(small, keys.Client.SmallKey, n);
            int epsilon = PbsMeasure.SignedDistance(phi, (long)m * box, n);
            rotation.Add(epsilon / (2.0 * n));
            if (epsilon < -half * 3 / 4 || epsilon >= half * 3 / 4)
                beyondThreeQuarters++;
            if (epsilon < -half / 2 || epsilon >= half / 2)
                beyondHalf++;

            ulong got = Torus.DecodeWithPadding(next.DecryptPhase(keys.Client.BigKey), p);
            bool failed = got != Expected(m);
            bool outsideBox = epsilon < -half || epsilon >= half;
            Assert.True(failed == outsideBox,
                $"step {step}: input {m}, rotation error {epsilon} (box [-{half}, {half})), output {got}, expected {Expected(m)}");
            if (failed)
                failures++;

            (current, next) = (next, current);
        }

        double elapsed = sw.Elapsed.TotalSeconds;

        // The model for this very small key: the modulus-switch term with the key's weight w instead of n/2 (85 % of the
        // total here, and a key's weight is n/2 ± sqrt(n)/2, so this moves the total by a few percent).
        double weight = 0;
        foreach (ulong bit in keys.Client.SmallKey.Bits)
            weight += bit;
        double w2 = 4.0 * n * n;
        double keyTotal = model.Total - model.ModulusSwitch + (weight + 1) / (12 * w2);

        // ε is an integer: P(ε ∉ [−t, t)) ≈ P(e ≥ t − 1/2) + P(e ≤ −t − 1/2) for the continuous Gaussian e (in 1/2N units).
        double Tail(double t, double variance)
        {
            double v = variance * w2;
            return PbsMeasure.UpperTail(t - 0.5, v) + PbsMeasure.UpperTail(t + 0.5, v);
        }

        double varianceRatio = rotation.MeanSquare / model.Total;
        output.WriteLine($"p = {p} at p_error 1e-2: {set.Id} (mode {TestMode.Name})");
        output.WriteLine($"model: V_BR {model.BlindRotation:E3}, V_KS {model.KeySwitch:E3}, V_MS {model.ModulusSwitch:E3}, total {model.Total:E3} " +
            $"= ({Math.Sqrt(model.Total * w2):F2} / 2N)^2, half box {half} / 2N; for this key (weight {weight}/{set.LweDimension}) total {keyTotal:E3}");
        output.WriteLine($"{steps} lookups in {elapsed:F1} s ({elapsed / steps * 1000:F1} ms each), keys {keys.GenerationTime.TotalSeconds:F2} s, " +
            $"{paddingInputs} inputs with the padding bit set");
        output.WriteLine($"rotation error variance: measured {rotation.MeanSquare:E3}, ratio to model {varianceRatio:F3} ± {varianceRatio * rotation.RelativeStandardError:F3} " +
            $"(to the model for this key {rotation.MeanSquare / keyTotal:F3}), mean {rotation.Mean * 2 * n:+0.00;-0.00} / 2N");

        Assert.InRange(varianceRatio, 0.5, 2.0);
        CheckBinomial("failures (|e| > half box) against NoiseModel p_fail", failures, steps, pFail);
        output.WriteLine($"  (for this key {Math.Pow(2, NoiseModel.Log2PFailFromVariance(p, keyTotal)):E3}; " +
            $"with the integer box edges {Tail(half, model.Total):E3})");
        // Many more events than failures: the Gaussian tail of the rotation error, at the variance for this key.
        CheckBinomial("|e| beyond 3/4 half box", beyondThreeQuarters, steps, Tail(half * 3 / 4, keyTotal));
        CheckBinomial("|e| beyond 1/2 half box", beyondHalf, steps, Tail(half / 2, keyTotal));
    }

    private void CheckBinomial(string what, int count, int trials, double p)
    {
        double mean = trials * p;
        double sd = Math.Sqrt(trials * p * (1 - p));
        double lo = mean - Sigmas * sd, hi = mean + Sigmas * sd;
        output.WriteLine($"{what}: {count} of {trials} = {(double)count / trials:E3}, predicted {p:E3} " +
            $"({mean:F1} expected, {Sigmas} sigma band [{Math.Max(0, lo):F1}, {hi:F1}], z = {(count - mean) / sd:+0.00;-0.00})");
        Assert.InRange((double)count, lo, hi);
    }
}
