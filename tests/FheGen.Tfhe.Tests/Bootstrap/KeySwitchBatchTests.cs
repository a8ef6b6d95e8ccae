using System;
using System.Linq;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Tests.Keys;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>The batched keyswitch (one pass over the key for several ciphertexts) against one keyswitch at a time.</summary>
public sealed class KeySwitchBatchTests(KeysFixture fixture) : IClassFixture<KeysFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(40)]   // more digits than the stack buffer holds
    public void Batched_keyswitch_equals_one_at_a_time_word_for_word(int count)
    {
        var ksk = fixture.Server.KeySwitchKey;
        var sampler = KeysFixture.Seeded((byte)count);
        var inputs = Enumerable.Range(0, count).Select(i =>
        {
            var ct = new LweCiphertext(ksk.InputDimension);
            sampler.FillUniform(ct.AsSpan()); // arbitrary masks and bodies: every digit pattern
            return ct;
        }).ToArray();
        var one = inputs.Select(_ => new LweCiphertext(ksk.OutputDimension)).ToArray();
        var batched = inputs.Select(_ => new LweCiphertext(ksk.OutputDimension)).ToArray();
        foreach (var b in batched) sampler.FillUniform(b.AsSpan()); // stale contents must be overwritten
        for (int i = 0; i < count; i++) ksk.KeySwitch(inputs[i], one[i]);
        ksk.KeySwitch(inputs, batched);
        for (int i = 0; i < count; i++)
            Assert.Equal(one[i].AsSpan().ToArray(), batched[i].AsSpan().ToArray());
        // And the phase survives: a fresh encryption keyswitched in a batch decrypts to its message.
        var fresh = new[] { fixture.Client.Encrypt(3), fixture.Client.Encrypt(1) };
        var small = fresh.Select(_ => new LweCiphertext(ksk.OutputDimension)).ToArray();
        ksk.KeySwitch(fresh, small);
        Assert.Equal(new ulong[] { 3, 1 }, small.Select(c => fixture.Client.Decrypt(c)).ToArray());
    }

    [Fact]
    public void Bad_batches_are_refused()
    {
        var ksk = fixture.Server.KeySwitchKey;
        var input = new LweCiphertext(ksk.InputDimension);
        var output = new LweCiphertext(ksk.OutputDimension);
        Assert.Throws<ArgumentException>(() => ksk.KeySwitch(new[] { input, input }, new[] { output }));
        Assert.Throws<ArgumentException>(() => ksk.KeySwitch(new[] { output }, new[] { output }));
        Assert.Throws<ArgumentException>(() => ksk.KeySwitch(new[] { input }, new[] { input }));
        Assert.Throws<ArgumentException>(() => ksk.KeySwitch(new[] { input }, new LweCiphertext[] { null! }));
    }
}
