using System;
using System.Collections.Generic;

namespace FheGen.Compiler.Parameters;

/// <summary>A published parameter set with the figures it was published with.</summary>
/// <param name="Name">TFHE-rs' name for the set.</param>
/// <param name="Parameters">The parameters.</param>
/// <param name="PublishedLog2PFail">log2 p_fail published with the set.</param>
/// <param name="MaxNoiseLevel">
/// TFHE-rs' max_noise_level (carry modulus + 1): the bound on the 2-norm ν of the linear combination allowed between
/// two bootstraps, and the ν at which <see cref="PublishedLog2PFail"/> was computed.
/// </param>
public sealed record KnownParameterSet(string Name, TfheParameters Parameters, double PublishedLog2PFail, int MaxNoiseLevel);

/// <summary>
/// TFHE-rs V0_11 shortint sets (KS-PBS, Gaussian noise, 128-bit, target p_fail 2^-64), message + carry bits as published.
/// A lookup on these sets reads message + carry bits (<see cref="TfheParameters.PrecisionBits"/> = 2, 4, 6, 8).
/// </summary>
public static class KnownParameterSets
{
    /// <summary>V0_11_PARAM_MESSAGE_1_CARRY_1_KS_PBS_GAUSSIAN_2M64: 2 bits, n = 781, k = 4, N = 512.</summary>
    public static KnownParameterSet Message1Carry1 { get; } = new(
        "V0_11_PARAM_MESSAGE_1_CARRY_1_KS_PBS_GAUSSIAN_2M64",
        new TfheParameters(1, 1, 781, 4, 512, 8.868480365938865e-06, 2.845267479601915e-15, 23, 1, 4, 3),
        -64.01, 3);

    /// <summary>V0_11_PARAM_MESSAGE_2_CARRY_2_KS_PBS_GAUSSIAN_2M64: 4 bits, n = 834, k = 1, N = 2048.</summary>
    public static KnownParameterSet Message2Carry2 { get; } = new(
        "V0_11_PARAM_MESSAGE_2_CARRY_2_KS_PBS_GAUSSIAN_2M64",
        new TfheParameters(2, 2, 834, 1, 2048, 3.5539902359442825e-06, 2.845267479601915e-15, 23, 1, 3, 5),
        -64.07, 5);

    /// <summary>V0_11_PARAM_MESSAGE_3_CARRY_3_KS_PBS_GAUSSIAN_2M64: 6 bits, n = 977, k = 1, N = 8192.</summary>
    public static KnownParameterSet Message3Carry3 { get; } = new(
        "V0_11_PARAM_MESSAGE_3_CARRY_3_KS_PBS_GAUSSIAN_2M64",
        new TfheParameters(3, 3, 977, 1, 8192, 3.0144389706858286e-07, 2.168404344971009e-19, 15, 2, 3, 6),
        -64.17, 9);

    /// <summary>V0_11_PARAM_MESSAGE_4_CARRY_4_KS_PBS_GAUSSIAN_2M64: 8 bits, n = 1112, k = 1, N = 32768.</summary>
    public static KnownParameterSet Message4Carry4 { get; } = new(
        "V0_11_PARAM_MESSAGE_4_CARRY_4_KS_PBS_GAUSSIAN_2M64",
        new TfheParameters(4, 4, 1112, 1, 32768, 2.935224755982453e-08, 2.168404344971009e-19, 11, 3, 2, 11),
        -64.03, 17);

    /// <summary>The four sets, by increasing precision.</summary>
    public static IReadOnlyList<KnownParameterSet> All { get; } = new[] { Message1Carry1, Message2Carry2, Message3Carry3, Message4Carry4 };

    /// <summary>The published set whose lookups read <paramref name="precisionBits"/> bits (2, 4, 6 or 8), or null.</summary>
    public static KnownParameterSet? ForPrecision(int precisionBits)
    {
        foreach (KnownParameterSet set in All)
        {
            if (set.Parameters.PrecisionBits == precisionBits)
                return set;
        }

        return null;
    }
}
