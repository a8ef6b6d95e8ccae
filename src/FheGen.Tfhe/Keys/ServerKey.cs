using System;
using System.IO;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Keys;

/// <summary>
/// The evaluation keys of one parameter set: the bootstrapping key (small LWE key → GLWE, Fourier domain) and the
/// keyswitching key (big k·N key → small n key). It is everything the server needs to evaluate and holds no secret key:
/// no member of this type stores or returns an <see cref="Entities.LweSecretKey"/> or <see cref="Entities.GlweSecretKey"/>.
/// </summary>
public sealed class ServerKey
{
    /// <summary>Wraps existing evaluation keys after checking that their shapes match <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">A key's dimensions or gadget differ from the parameters.</exception>
    internal ServerKey(TfheParameters parameters, BootstrapKey bootstrapKey, KeySwitchKey keySwitchKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(bootstrapKey);
        ArgumentNullException.ThrowIfNull(keySwitchKey);
        if (bootstrapKey.LweDimension != parameters.LweDimension || bootstrapKey.GlweDimension != parameters.GlweDimension ||
            bootstrapKey.PolynomialSize != parameters.PolynomialSize || bootstrapKey.Decomposer.BaseLog != parameters.PbsBaseLog ||
            bootstrapKey.Decomposer.LevelCount != parameters.PbsLevel)
            throw new ArgumentException($"The bootstrapping key does not match the parameters {parameters.Id}.", nameof(bootstrapKey));
        if (keySwitchKey.InputDimension != parameters.BigLweDimension || keySwitchKey.OutputDimension != parameters.LweDimension ||
            keySwitchKey.Decomposer.BaseLog != parameters.KsBaseLog || keySwitchKey.Decomposer.LevelCount != parameters.KsLevel)
            throw new ArgumentException($"The keyswitching key does not match the parameters {parameters.Id}.", nameof(keySwitchKey));
        Parameters = parameters;
        BootstrapKey = bootstrapKey;
        KeySwitchKey = keySwitchKey;
    }

    /// <summary>The parameter set the keys were generated for.</summary>
    public TfheParameters Parameters { get; }

    /// <summary>The bootstrapping key.</summary>
    internal BootstrapKey BootstrapKey { get; }

    /// <summary>The keyswitching key k·N → n.</summary>
    internal KeySwitchKey KeySwitchKey { get; }

    /// <summary>In-memory size of both keys, in bytes.</summary>
    public long SizeInBytes => BootstrapKey.SizeInBytes + KeySwitchKey.SizeInBytes;

    /// <summary>Bytes of <see cref="Save"/>'s output (<see cref="TfheSerializer.ServerKeyLength"/>).</summary>
    public long SerializedSizeInBytes => TfheSerializer.ServerKeyLength(Parameters);

    /// <summary>A new evaluator (with its own scratch buffers; not thread-safe) over these keys.</summary>
    internal ProgrammableBootstrapper CreateBootstrapper() => new(BootstrapKey, KeySwitchKey);

    /// <summary>Writes the key in the versioned binary format (see <see cref="TfheSerializer"/>).</summary>
    public void Save(Stream stream) => TfheSerializer.WriteServerKey(stream, this);

    /// <summary>The key in the versioned binary format, as one array (prefer <see cref="Save"/> for large keys).</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        Save(ms);
        return ms.ToArray();
    }

    /// <summary>Reads a key written by <see cref="Save"/>; the stream must end right after it.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter set must equal it.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static ServerKey Load(Stream stream, TfheParameters? expectedParameters = null)
        => TfheSerializer.ReadServerKey(stream, expectedParameters);

    /// <summary>Reads a key from <see cref="ToBytes"/> output.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static ServerKey FromBytes(byte[] data, TfheParameters? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var ms = new MemoryStream(data, writable: false);
        return Load(ms, expectedParameters);
    }

    /// <inheritdoc/>
    public override string ToString() => $"ServerKey({Parameters.Id}, {SizeInBytes} bytes)";
}
