using System;
using System.Diagnostics;
using CsCheck;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Tests.Core;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Bootstrap;

[Collection(BootstrapCollection.Name)]
public class ProgrammableBootstrapTests(BootstrapFixture fixture, ITestOutputHelper output)
{
    private TfheKeySet Keys => fixture.Keys;

    private TfheParameters P => Keys.Parameters;

    [Fact]
    public void Test_polynomial_reads_the_right_entry_within_half_a_box()
    {
        const int n = 64;
        ulong[] table = { 3, 1, 0, 2 };
        var tp = TestPolynomial.FromTable(n, table);
        int box = n / 4;
        var rotated = new ulong[n];
        for (int phi = 0; phi < 2 * n; phi++)
        {
            Polynomial.MultiplyByMonomial(tp.Coefficients, -phi, rotated);
            int m = ((phi + box / 2) / box) % 8; // nearest box, padding included
            ulong expected = m < 4 ? Torus.Encode(table[m], 2) : 0UL - Torus.Encode(table[m - 4], 2);
            Assert.Equal(expected, rotated[0]);
        }
    }

    [Fact]
    public void Test_polynomial_property_any_table_any_size()
    {
        Gen.Select(Gen.Int[1, 5], Gen.Int[0, 4], Gen.ULong)
            .Sample((p, extraLog, seed) =>
            {
                int n = 1 << (p + 1 + extraLog);
                if (n < 32)
                    n = 32;
                var rng = new Random((int)(seed & 0x7fffffff));
                var table = new ulong[1 << p];
                for (int i = 0; i < table.Length; i++)
                    table[i] = (ulong)rng.Next(1 << p);
                var tp = TestPolynomial.FromTable(n, table);
                int box = n >> p;
                var rotated = new ulong[n];
                ulong mask = (2UL << p) - 1;
                for (int phi = 0; phi < 2 * n; phi++)
                {
                    Polynomial.MultiplyByMonomial(tp.Coefficients, -phi, rotated);
                    int m = ((phi + box / 2) / box) % (2 << p);
                    ulong expected = m < table.Length ? table[m] : (0UL - Torus.Encode(table[m - table.Length], p)) >> (63 - p) & mask;
                    if (Torus.DecodeWithPadding(rotated[0], p) != expected)
                        return false;
                }

                return true;
            }, iter: 200);
    }

    [Fact]
    public void Convenience_overloads_match()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(97);
        ulong[] table = { 2, 0, 3, 1 };
        var pbs = Keys.CreateBootstrapper();
        for (ulong x = 0; x < 4; x++)
        {
            var big = LweCiphertext.Encrypt(Keys.BigKey, Torus.Encode(x, 2), P.GlweNoiseStdDev, sampler);
            var viaApply = pbs.Apply(big, table);
            Assert.Equal(table[x], Torus.DecodeWithPadding(viaApply.DecryptPhase(Keys.BigKey), 2));
            var small = LweCiphertext.Encrypt(Keys.SmallKey, Torus.Encode(x, 2), P.LweNoiseStdDev, sampler);
            var viaPbs = pbs.ProgrammableBootstrap(small, table);
            Assert.Equal(table[x], Torus.DecodeWithPadding(viaPbs.DecryptPhase(Keys.BigKey), 2));
        }
    }

    [Fact]
    public void Key_switch_round_trip()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(91);
        var small = new LweCiphertext(P.LweDimension);
        double bound = 7 * Math.Sqrt(NoiseModel.KeySwitchVariance(P.BigLweDimension, P.KsBaseLog, P.KsLevel, P.LweNoiseStdDev, P.LweDimension)
            + P.GlweNoiseStdDev * P.GlweNoiseStdDev);
        for (ulong m = 0; m < 16; m++)
        {
            ulong plain = Torus.Encode(m, 4);
            var big = LweCiphertext.Encrypt(Keys.BigKey, plain, P.GlweNoiseStdDev, sampler);
            Keys.KeySwitchKey.KeySwitch(big, small);
            ulong phase = small.DecryptPhase(Keys.SmallKey);
            Assert.True(Math.Abs(CoreTestUtil.Error(phase, plain)) < bound);
            Assert.Equal(m, Torus.Decode(phase, 4));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_input_reads_its_table_entry(int p)
    {
        NoiseSampler sampler = CoreTestUtil.Seeded((byte)(100 + p));
        var rng = new Random(p);
        var table = new ulong[1 << p];
        for (int i = 0; i < table.Length; i++)
            table[i] = (ulong)rng.Next(1 << p);
        var tp = TestPolynomial.FromTable(P.PolynomialSize, table);
        var pbs = Keys.CreateBootstrapper();
        var result = new LweCiphertext(P.BigLweDimension);
        for (ulong x = 0; x < (ulong)table.Length; x++)
        {
            for (int sample = 0; sample < 2; sample++)
            {
                var input = LweCiphertext.Encrypt(Keys.BigKey, Torus.Encode(x, p), P.GlweNoiseStdDev, sampler);
                pbs.Apply(input, tp, result);
                ulong phase = result.DecryptPhase(Keys.BigKey);
                Assert.Equal(table[x], Torus.DecodeWithPadding(phase, p));
            }

            // The PBS alone, from the small key.
            var small = LweCiphertext.Encrypt(Keys.SmallKey, Torus.Encode(x, p), P.LweNoiseStdDev, sampler);
            pbs.ProgrammableBootstrap(small, tp, result);
            Assert.Equal(table[x], Torus.DecodeWithPadding(result.DecryptPhase(Keys.BigKey), p));
        }
    }

    [Fact]
    public void Padding_bit_set_reads_negated_table()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(95);
        const int p = 2;
        ulong[] table = { 1, 2, 3, 0 };
        var tp = TestPolynomial.FromTable(P.PolynomialSize, table);
        var pbs = Keys.CreateBootstrapper();
        var result = new LweCiphertext(P.BigLweDimension);
        for (ulong x = 4; x < 8; x++)
        {
            var input = LweCiphertext.Encrypt(Keys.SmallKey, x << (63 - p), P.LweNoiseStdDev, sampler);
            pbs.ProgrammableBootstrap(input, tp, result);
            ulong phase = result.DecryptPhase(Keys.BigKey);
            Assert.Equal((0UL - Torus.Encode(table[x - 4], p)) >> (63 - p) & 7, Torus.DecodeWithPadding(phase, p) & 7);
        }
    }

    [Fact]
    public void Timing_sizes_and_output_noise()
    {
        NoiseSampler sampler = CoreTestUtil.Seeded(96);
        const int p = 4;
        var table = new ulong[16];
        for (int i = 0; i < 16; i++)
            table[i] = (ulong)((i * 7 + 3) % 16);
        var tp = TestPolynomial.FromTable(P.PolynomialSize, table);
        var pbs = Keys.CreateBootstrapper();
        var result = new LweCiphertext(P.BigLweDimension);
        var small = new LweCiphertext(P.LweDimension);
        var input = LweCiphertext.Encrypt(Keys.BigKey, Torus.Encode(5, p), P.GlweNoiseStdDev, sampler);
        pbs.Apply(input, tp, result); // warm-up (JIT, FFT tables)
        long before = GC.GetAllocatedBytesForCurrentThread();
        pbs.Apply(input, tp, result);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before); // KS + PBS allocate nothing

        const int runs = 150;
        var inputs = new LweCiphertext[runs];
        for (int r = 0; r < runs; r++)
            inputs[r] = LweCiphertext.Encrypt(Keys.SmallKey, Torus.Encode((ulong)(r % 16), p), P.LweNoiseStdDev, sampler);

        var sw = Stopwatch.StartNew();
        for (int r = 0; r < 10; r++)
            pbs.KeySwitch(input, small);
        double ksMs = sw.Elapsed.TotalMilliseconds / 10;

        double sumSq = 0;
        sw.Restart();
        for (int r = 0; r < runs; r++)
        {
            pbs.ProgrammableBootstrap(inputs[r], tp, result);
            // Measured outside the timer would be cleaner; decryption is ~2 µs next to a PBS.
            ulong phase = result.DecryptPhase(Keys.BigKey);
            double e = CoreTestUtil.Error(phase, Torus.Encode(table[r % 16], p));
            sumSq += e * e;
        }

        double pbsMs = sw.Elapsed.TotalMilliseconds / runs;
        double measured = sumSq / runs;
        double model = NoiseModel.BlindRotationVariance(P.LweDimension, P.GlweDimension, P.PolynomialSize, P.PbsBaseLog, P.PbsLevel, P.GlweNoiseStdDev);
        output.WriteLine($"Key generation {Keys.GenerationTime.TotalSeconds:F2} s (BSK parallel over {Environment.ProcessorCount} cores)");
        output.WriteLine($"BSK {Keys.BootstrapKey.SizeInBytes / 1048576.0:F1} MiB, KSK {Keys.KeySwitchKey.SizeInBytes / 1048576.0:F1} MiB");
        output.WriteLine($"PBS (blind rotation + extract) {pbsMs:F2} ms, keyswitch {ksMs:F2} ms, single thread");
        output.WriteLine($"PBS output variance measured {measured:E3} vs model {model:E3} (ratio {measured / model:F2}, {runs} samples)");
        Assert.InRange(measured / model, 0.5, 2.0);
    }
}
