using System;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;

namespace FheGen.Tfhe.Serialization;

/// <summary>
/// Builds <see cref="FourierGgsw"/>, <see cref="BootstrapKey"/> and <see cref="KeySwitchKey"/> from raw arrays and
/// reads the keyswitch key's words, through their internal constructors: only the serializer needs this.
/// </summary>
internal static class RawKeyAccess
{
    internal static FourierGgsw CreateFourierGgsw(int glweDimension, int polynomialSize, GadgetDecomposer decomposer, double[] data)
        => new FourierGgsw(glweDimension, polynomialSize, decomposer, data);

    internal static BootstrapKey CreateBootstrapKey(FourierGgsw[] ggsws, int glweDimension, int polynomialSize, GadgetDecomposer decomposer)
        => new BootstrapKey(ggsws, glweDimension, polynomialSize, decomposer);

    internal static KeySwitchKey CreateKeySwitchKey(ulong[] data, int inputDimension, int outputDimension, GadgetDecomposer decomposer, double lweNoiseStdDev)
        => new KeySwitchKey(data, inputDimension, outputDimension, decomposer, lweNoiseStdDev);

    /// <summary>The keyswitch key's words as 64-bit torus values (row i·l + j, n + 1 words per row); see <see cref="KeySwitchKey.Data"/>.</summary>
    internal static ReadOnlyMemory<ulong> KeySwitchKeyData(KeySwitchKey key) => key.Data;
}
