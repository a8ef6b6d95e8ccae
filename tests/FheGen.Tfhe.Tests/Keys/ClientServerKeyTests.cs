using System;
using System.Collections.Generic;
using System.Reflection;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Tests.Keys;

public class ClientServerKeyTests(KeysFixture fixture) : IClassFixture<KeysFixture>
{
    private static readonly ulong[] Table = { 2, 0, 3, 1 };

    [Fact]
    public void Encrypt_decrypt_round_trips_every_message()
    {
        for (ulong m = 0; m < 4; m++)
        {
            var ct = fixture.Client.Encrypt(m);
            Assert.Equal(KeysFixture.Small.BigLweDimension, ct.LweDimension);
            Assert.Equal(m, fixture.Client.Decrypt(ct));
            Assert.Equal(m, fixture.Client.Decrypt(ct, 2));
        }
    }

    [Fact]
    public void Signed_round_trip()
    {
        for (long m = -2; m < 2; m++)
            Assert.Equal(m, fixture.Client.DecryptSigned(fixture.Client.EncryptSigned(m)));
    }

    [Fact]
    public void Encrypt_rejects_out_of_range_message()
        => Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Client.Encrypt(4));

    [Fact]
    public void Server_key_bootstraps_client_ciphertexts()
    {
        var pbs = fixture.Server.CreateBootstrapper();
        for (ulong m = 0; m < 4; m++)
        {
            var result = pbs.Apply(fixture.Client.Encrypt(m), Table);
            Assert.Equal(Table[m], fixture.Client.Decrypt(result));
        }
    }

    [Fact]
    public void Decrypt_accepts_key_switched_small_ciphertext()
    {
        var small = new LweCiphertext(KeysFixture.Small.LweDimension);
        fixture.Server.KeySwitchKey.KeySwitch(fixture.Client.Encrypt(3), small);
        Assert.Equal(3UL, fixture.Client.Decrypt(small));
        Assert.Throws<ArgumentException>(() => fixture.Client.Decrypt(new LweCiphertext(5)));
    }

    [Fact]
    public void To_string_shows_no_key_material()
    {
        Assert.Equal($"ClientKey({KeysFixture.Small.Id}, key material hidden)", fixture.Client.ToString());
        Assert.StartsWith($"ServerKey({KeysFixture.Small.Id}, ", fixture.Server.ToString());
    }

    [Fact]
    public void Server_key_constructor_rejects_keys_of_other_parameters()
        => Assert.Throws<ArgumentException>(() =>
            new ServerKey(KnownParameterSetsSmallerShape(), fixture.Server.BootstrapKey, fixture.Server.KeySwitchKey));

    [Fact]
    public void Server_key_graph_holds_no_secret_key()
    {
        var secretTypes = new HashSet<Type> { typeof(LweSecretKey), typeof(GlweSecretKey), typeof(ClientKey) };
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

        // Public surface of ServerKey: no property or method returns a secret key type.
        foreach (var prop in typeof(ServerKey).GetProperties(all))
            Assert.DoesNotContain(Unwrap(prop.PropertyType), secretTypes);
        foreach (var method in typeof(ServerKey).GetMethods(all))
            Assert.DoesNotContain(Unwrap(method.ReturnType), secretTypes);

        // Every type reachable through fields from ServerKey (bootstrapping key, GGSWs, keyswitching key, ...).
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>();
        queue.Enqueue(typeof(ServerKey));
        while (queue.Count > 0)
        {
            var type = queue.Dequeue();
            if (!seen.Add(type))
                continue;
            Assert.DoesNotContain(type, secretTypes);
            foreach (var field in type.GetFields(all))
            {
                var ft = Unwrap(field.FieldType);
                if (ft.Assembly == typeof(ServerKey).Assembly)
                    queue.Enqueue(ft);
            }
        }

        Assert.Contains(typeof(BootstrapKey), seen);
        Assert.Contains(typeof(FourierGgsw), seen);
        Assert.Contains(typeof(KeySwitchKey), seen);
    }

    private static Type Unwrap(Type t) => t.IsArray || t.IsByRef ? Unwrap(t.GetElementType()!) : t;

    private static FheGen.Compiler.Parameters.TfheParameters KnownParameterSetsSmallerShape() => FheGen.Compiler.Parameters.TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: 32, glweDimension: 2, polynomialSize: 256,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 15, pbsLevel: 2, ksBaseLog: 5, ksLevel: 5);
}
