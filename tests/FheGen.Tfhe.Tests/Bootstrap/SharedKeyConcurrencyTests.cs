using System;
using System.Threading;
using System.Threading.Tasks;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>
/// <see cref="ProgrammableBootstrapper"/> is documented as one instance per thread over shared keys. Two bootstrappers
/// over one <see cref="Keys.ServerKey"/>, on two threads, must give the same keyswitch and lookup results as one thread.
/// </summary>
public class SharedKeyConcurrencyTests(ITestOutputHelper output)
{
    // Regression test: KeySwitchKey.KeySwitch used to decompose into a scratch array held by the key itself, so
    // bootstrappers on different threads that shared the key overwrote each other's digits (589 of 2000 keyswitches
    // wrong with 2 threads). The digits now live on the stack.
    [Fact]
    public void Bootstrappers_sharing_a_server_key_on_two_threads_match_one_thread()
    {
        PbsKeys keys = PbsTestKeys.Selected(2, -40);
        TfheParameters set = keys.Parameters;
        NoiseSampler sampler = PbsTestKeys.Seeded("shared-key-concurrency");
        const int count = 400;
        var inputs = new LweCiphertext[count];
        for (int i = 0; i < count; i++)
            inputs[i] = LweCiphertext.Encrypt(keys.Client.BigKey, Torus.Encode((ulong)(i % 4), 2), set.GlweNoiseStdDev, sampler);

        var reference = new ulong[count][];
        var single = keys.Server.CreateBootstrapper();
        var small = new LweCiphertext(set.LweDimension);
        for (int i = 0; i < count; i++)
        {
            single.KeySwitch(inputs[i], small);
            reference[i] = small.AsSpan().ToArray();
        }

        int mismatches = 0;
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, t =>
        {
            var pbs = keys.Server.CreateBootstrapper();
            var result = new LweCiphertext(set.LweDimension);
            for (int repeat = 0; repeat < 5; repeat++)
            {
                for (int i = t; i < count; i += 2)
                {
                    pbs.KeySwitch(inputs[i], result);
                    if (!result.AsSpan().SequenceEqual(reference[i]))
                        Interlocked.Increment(ref mismatches);
                }
            }
        });

        output.WriteLine($"{mismatches} of {5 * count} keyswitches differ from the single-thread result");
        Assert.Equal(0, mismatches);
    }
}
