using System;
using System.Security.Cryptography;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Tests.Core;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>
/// The seeded bootstrapping-key generation does the same work whatever the secret key bits are (no branch on them):
/// its output must stay bit for bit what the branching version produced, for both product paths (schoolbook below the
/// Fourier threshold, FFT above).
/// </summary>
public class SeededKeyConstantTimeTests
{
    // SHA-256 of seeds then bodies, recorded from the branching implementation (before the constant-time rewrite).
    [Theory]
    [InlineData(2, 256, "98E97CDE1974A61548DE490320BF823EF00E69DCE6F15F4F97180EE21D8D40FF")]
    [InlineData(1, 2048, "824E9E5BD2C51DA71A1704BD799652A45BCFDA9FFBC626134F0813647A49DA4B")]
    public void Seeded_bootstrapping_key_bytes_are_unchanged(int k, int n, string expectedSha256)
    {
        LweSecretKey lwe = LweSecretKey.Generate(24, CoreTestUtil.Seeded(70));
        GlweSecretKey glwe = GlweSecretKey.Generate(k, n, CoreTestUtil.Seeded(71));
        var key = SeededBootstrapKey.Generate(lwe, glwe, new GadgetDecomposer(10, 3), CoreTestUtil.GlweStdDev, CoreTestUtil.Seeded(72));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(key.Seeds);
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key.Bodies));
        Assert.Equal(expectedSha256, Convert.ToHexString(hash.GetHashAndReset()));
    }
}
