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
/// A PBS of a random table decrypts to T[x] for every input x in [0, 2^p), at p = 1..6 bits, with the parameters
/// <see cref="ParameterSelector"/> picks for p bits at p_error 2^-40 and fresh seeded keys per precision.
/// </summary>
/// <remarks>
/// <para>
/// Every input goes through keyswitch then PBS (<see cref="ProgrammableBootstrapper.Apply(LweCiphertext, TestPolynomial, LweCiphertext)"/>)
/// from a fresh encryption, then its output goes through the table again (so a PBS output, with the blind-rotation
/// noise the set's p_fail assumes at ν = 1, is shown to be a valid PBS input): both T[x] and T[T[x]] are checked.
/// </para>
/// <para>
/// 5 and 6 bits are <c>[Trait("Category", "Heavy")]</c>: their selected sets have N = 4096 and 8192 (a 6-bit lookup
/// takes about 0.1 s). CI runs the whole suite without a filter, so by default they run reduced: the real selected set
/// and keys, but only <see cref="ReducedInputCount"/> inputs (both ends of the table and a seeded draw), each looked up
/// once and chained once. Set the environment variable <c>FHEGEN_HEAVY=1</c> for every input, twice each.
/// </para>
/// </remarks>
public class PbsPrecisionTests(ITestOutputHelper output)
{
    private const double Log2PError = -40;

    /// <summary>Inputs looked up in the reduced (default-mode) heavy cases.</summary>
    private const int ReducedInputCount = 8;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_table_is_read_exactly_for_every_input(int p)
    {
        PbsKeys keys = PbsTestKeys.Selected(p, Log2PError);
        RunInputs(keys, p, EveryInput(p), samplesPerInput: 1);
    }

    [Theory]
    [Trait("Category", "Heavy")]
    [InlineData(5)]
    [InlineData(6)]
    public void Heavy_random_table_is_read_exactly_for_every_input(int p)
    {
        PbsKeys keys = PbsTestKeys.Generate(ParameterSelector.SelectForLog2PError(p, Log2PError));
        output.WriteLine($"Mode {TestMode.Name}");
        if (TestMode.Heavy)
        {
            RunInputs(keys, p, EveryInput(p), samplesPerInput: 2);
            return;
        }

        // Reduced: both ends of the table and a seeded draw of the others.
        var rng = new Random(104729 * p);
        var inputs = new System.Collections.Generic.SortedSet<ulong> { 0, (1UL << p) - 1 };
        while (inputs.Count < ReducedInputCount)
            inputs.Add((ulong)rng.Next(1 << p));
        RunInputs(keys, p, [.. inputs], samplesPerInput: 1);
    }

    private static ulong[] EveryInput(int p)
    {
        var all = new ulong[1 << p];
        for (int i = 0; i < all.Length; i++)
            all[i] = (ulong)i;
        return all;
    }

    private void RunInputs(PbsKeys keys, int p, ulong[] inputs, int samplesPerInput)
    {
        TfheParameters set = keys.Parameters;
        Assert.Equal(p, set.PrecisionBits);
        Assert.True(keys.Selection.Log2PFail <= Log2PError, $"{set.Id}: log2 p_fail {keys.Selection.Log2PFail}");

        var rng = new Random(7919 * p + 1);
        var table = new ulong[1 << p];
        for (int i = 0; i < table.Length; i++)
            table[i] = (ulong)rng.Next(1 << p);
        // A random table may happen to be constant at p = 1; force both values so the test sees a real lookup.
        if (p == 1)
            table = [1, 0];

        var tp = TestPolynomial.FromTable(set.PolynomialSize, table);
        ProgrammableBootstrapper pbs = keys.Server.CreateBootstrapper();
        NoiseSampler sampler = PbsTestKeys.Seeded($"precision:{p}:{set.Id}");
        var once = new LweCiphertext(set.BigLweDimension);
        var twice = new LweCiphertext(set.BigLweDimension);
        double vBr = NoiseModel.Estimate(set).BlindRotation;
        double worst = 0;
        int lookups = 0;
        var sw = Stopwatch.StartNew();
        foreach (ulong x in inputs)
        {
            for (int sample = 0; sample < samplesPerInput; sample++)
            {
                // As ClientKey.Encrypt does (big key, GLWE noise), with this test's own sampler.
                var input = LweCiphertext.Encrypt(keys.Client.BigKey, Torus.Encode(x, p), set.GlweNoiseStdDev, sampler);
                Assert.Equal(x, keys.Client.Decrypt(input));

                pbs.Apply(input, tp, once);
                ulong y = table[x];
                ulong phase = once.DecryptPhase(keys.Client.BigKey);
                Assert.True(y == Torus.DecodeWithPadding(phase, p), $"x = {x}: T[x] = {y}, decrypted {Torus.DecodeWithPadding(phase, p)} (with padding)");
                Assert.Equal(y, keys.Client.Decrypt(once));
                worst = Math.Max(worst, Math.Abs(CoreTestUtil.Error(phase, Torus.Encode(y, p))));

                pbs.Apply(once, tp, twice);
                ulong z = table[y];
                ulong phase2 = twice.DecryptPhase(keys.Client.BigKey);
                Assert.True(z == Torus.DecodeWithPadding(phase2, p), $"x = {x}: T[T[x]] = {z}, decrypted {Torus.DecodeWithPadding(phase2, p)} (with padding)");
                worst = Math.Max(worst, Math.Abs(CoreTestUtil.Error(phase2, Torus.Encode(z, p))));
                lookups += 2;
            }
        }

        double perLookup = sw.Elapsed.TotalMilliseconds / lookups;
        output.WriteLine($"p = {p}: {set.Id}, log2 p_fail {keys.Selection.Log2PFail:F2}; inputs {string.Join(", ", inputs)}");
        output.WriteLine($"keys {keys.GenerationTime.TotalSeconds:F2} s, {lookups} lookups (KS + PBS) at {perLookup:F1} ms each");
        output.WriteLine($"largest output error {worst:E3} = {worst / Math.Sqrt(vBr):F2} sigma_BR (model sigma_BR {Math.Sqrt(vBr):E3}, half box {Math.ScaleB(1.0, -(p + 2)):E3})");
        // A PBS output carries only the blind-rotation noise: far below half a box at these sets.
        Assert.True(worst < 7 * Math.Sqrt(vBr), $"output error {worst:E3} beyond 7 sigma of the blind-rotation model");
    }
}
