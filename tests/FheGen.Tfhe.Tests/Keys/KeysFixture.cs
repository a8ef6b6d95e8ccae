using System;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Tests.Keys;

/// <summary>Small, insecure but structurally valid parameters (k = 2, N = 256, n = 64) and keys, generated once.</summary>
public sealed class KeysFixture
{
    public KeysFixture()
    {
        (Client, Server) = ClientKey.GenerateKeys(Small, Seeded(7));
        ServerBytes = Server.ToBytes();
    }

    public static TfheParameters Small { get; } = TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: 64, glweDimension: 2, polynomialSize: 256,
        lweNoiseStdDev: Math.Pow(2, -40), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 15, pbsLevel: 2, ksBaseLog: 5, ksLevel: 5);

    /// <summary>Same shape as <see cref="Small"/> but another noise level: a different parameter Id.</summary>
    public static TfheParameters Other { get; } = TfheParameters.CreateInsecureForTesting(
        messageBits: 2, carryBits: 0, lweDimension: 64, glweDimension: 2, polynomialSize: 256,
        lweNoiseStdDev: Math.Pow(2, -41), glweNoiseStdDev: Math.Pow(2, -50),
        pbsBaseLog: 15, pbsLevel: 2, ksBaseLog: 5, ksLevel: 5);

    public ClientKey Client { get; }

    public ServerKey Server { get; }

    public byte[] ServerBytes { get; }

    public static NoiseSampler Seeded(byte seed)
    {
        var bytes = new byte[32];
        bytes[0] = seed;
        bytes[31] = 0x5a;
        return new NoiseSampler(bytes);
    }
}
