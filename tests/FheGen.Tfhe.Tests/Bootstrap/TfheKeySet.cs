using System;
using System.Diagnostics;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>
/// All keys of one parameter set: client keys (small LWE key of dimension n, GLWE key whose flattening is the big
/// key of dimension k·N, the key ciphertexts live under between operations) and server keys (bootstrapping key
/// n → GLWE, keyswitch key k·N → n).
/// </summary>
public sealed class TfheKeySet
{
    private TfheKeySet(TfheParameters parameters, LweSecretKey small, GlweSecretKey glwe, LweSecretKey big,
        BootstrapKey bsk, KeySwitchKey ksk, TimeSpan elapsed)
    {
        Parameters = parameters;
        SmallKey = small;
        GlweKey = glwe;
        BigKey = big;
        BootstrapKey = bsk;
        KeySwitchKey = ksk;
        GenerationTime = elapsed;
    }

    /// <summary>The parameters.</summary>
    public TfheParameters Parameters { get; }

    /// <summary>Small LWE key (dimension n): PBS input.</summary>
    internal LweSecretKey SmallKey { get; }

    /// <summary>GLWE key.</summary>
    internal GlweSecretKey GlweKey { get; }

    /// <summary>Flattened GLWE key (dimension k·N): ciphertexts between operations.</summary>
    internal LweSecretKey BigKey { get; }

    /// <summary>Bootstrapping key.</summary>
    internal BootstrapKey BootstrapKey { get; }

    /// <summary>Keyswitch key k·N → n.</summary>
    internal KeySwitchKey KeySwitchKey { get; }

    /// <summary>Wall time of <see cref="Generate"/>.</summary>
    public TimeSpan GenerationTime { get; }

    /// <summary>Generates every key for <paramref name="parameters"/>.</summary>
    public static TfheKeySet Generate(TfheParameters parameters, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(sampler);
        var sw = Stopwatch.StartNew();
        var small = LweSecretKey.Generate(parameters.LweDimension, sampler);
        var glwe = GlweSecretKey.Generate(parameters.GlweDimension, parameters.PolynomialSize, sampler);
        var big = glwe.ToFlattenedLweKey();
        var bsk = BootstrapKey.Generate(small, glwe, new GadgetDecomposer(parameters.PbsBaseLog, parameters.PbsLevel),
            parameters.GlweNoiseStdDev, sampler);
        var ksk = KeySwitchKey.Generate(big, small, new GadgetDecomposer(parameters.KsBaseLog, parameters.KsLevel),
            parameters.LweNoiseStdDev, sampler);
        return new TfheKeySet(parameters, small, glwe, big, bsk, ksk, sw.Elapsed);
    }

    /// <summary>A new evaluator (scratch buffers) over these keys.</summary>
    internal ProgrammableBootstrapper CreateBootstrapper() => new(BootstrapKey, KeySwitchKey);
}
