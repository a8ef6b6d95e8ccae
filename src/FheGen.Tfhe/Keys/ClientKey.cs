using System;
using System.IO;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Keys;

/// <summary>
/// The secret side of one parameter set: the small LWE key (dimension n) and the GLWE key, whose flattening (dimension
/// k·N) is the key ciphertexts live under between operations. It encrypts inputs, decrypts outputs and derives the
/// matching <see cref="ServerKey"/>. Never send it to the server; <see cref="ToString"/> shows no key material.
/// </summary>
/// <remarks>
/// Two samplers, under one lock (so a client key may be shared across threads): evaluation keys draw from the key
/// sampler, which a caller may seed to make keys reproducible; encryptions draw from a sampler seeded by the OS CSPRNG
/// when the key is made, never from a caller's seed. Otherwise two keys generated from one seed would encrypt with the
/// same masks and noise, and the difference of two ciphertexts would be the difference of their plaintexts.
/// </remarks>
public sealed class ClientKey
{
    private readonly LweSecretKey _smallKey;
    private readonly GlweSecretKey _glweKey;
    private readonly LweSecretKey _bigKey;
    private readonly NoiseSampler _keySampler;
    private readonly NoiseSampler _encryptionSampler = new();
    private readonly object _gate = new();

    private ClientKey(TfheParameters parameters, LweSecretKey smallKey, GlweSecretKey glweKey, NoiseSampler keySampler)
    {
        Parameters = parameters;
        _smallKey = smallKey;
        _glweKey = glweKey;
        _bigKey = glweKey.ToFlattenedLweKey();
        _keySampler = keySampler;
    }

    /// <summary>The parameter set.</summary>
    public TfheParameters Parameters { get; }

    /// <summary>Small LWE key (dimension n): the PBS input key. Client-side only.</summary>
    internal LweSecretKey SmallKey => _smallKey;

    /// <summary>GLWE key. Client-side only.</summary>
    internal GlweSecretKey GlweKey => _glweKey;

    /// <summary>The flattened GLWE key (dimension k·N) fresh ciphertexts are encrypted under. Client-side only.</summary>
    internal LweSecretKey BigKey => _bigKey;

    /// <summary>Generates a client key for <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameter set (not re-checked for security here; see <see cref="TfheParameters.Validate"/>).</param>
    /// <param name="sampler">
    /// Randomness of the keys: the secret keys, then every evaluation key derived from them; a fresh OS-seeded sampler
    /// when null. A seeded sampler makes the keys reproducible; encryptions never draw from it (see the remarks).
    /// </param>
    public static ClientKey Generate(TfheParameters parameters, NoiseSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        sampler ??= new NoiseSampler();
        var small = LweSecretKey.Generate(parameters.LweDimension, sampler);
        var glwe = GlweSecretKey.Generate(parameters.GlweDimension, parameters.PolynomialSize, sampler);
        return new ClientKey(parameters, small, glwe, sampler);
    }

    /// <summary>A client key from existing secret keys (as read back by <see cref="Load"/>), with fresh OS-seeded randomness for both samplers.</summary>
    internal static ClientKey FromKeys(TfheParameters parameters, LweSecretKey smallKey, GlweSecretKey glweKey)
    {
        if (smallKey.Dimension != parameters.LweDimension || glweKey.GlweDimension != parameters.GlweDimension || glweKey.PolynomialSize != parameters.PolynomialSize)
            throw new ArgumentException($"The keys do not match the parameters {parameters.Id}.");
        return new ClientKey(parameters, smallKey, glweKey, new NoiseSampler());
    }

    /// <summary>
    /// Writes the secret key in the versioned binary format (see <see cref="TfheSerializer"/>). Whoever holds the bytes
    /// can decrypt everything: keep them where a private key would be kept.
    /// </summary>
    public void Save(Stream stream) => TfheSerializer.WriteClientKey(stream, this);

    /// <summary>Reads a key written by <see cref="Save"/>; the stream must end right after it. Encryption randomness is
    /// freshly OS-seeded, never restored.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static ClientKey Load(Stream stream, TfheParameters? expectedParameters = null)
        => TfheSerializer.ReadClientKey(stream, expectedParameters);

    /// <summary>Generates a client key and its matching server key.</summary>
    public static (ClientKey ClientKey, ServerKey ServerKey) GenerateKeys(TfheParameters parameters, NoiseSampler? sampler = null)
    {
        var client = Generate(parameters, sampler);
        return (client, client.CreateServerKey());
    }

    /// <summary>
    /// Derives the evaluation keys (bootstrapping and keyswitching) from this secret key. Each call draws fresh
    /// randomness, so two calls give different but equally valid server keys.
    /// </summary>
    public ServerKey CreateServerKey() => WithKeySampler(sampler => new ServerKey(Parameters,
        BootstrapKey.Generate(_smallKey, _glweKey, PbsGadget, Parameters.GlweNoiseStdDev, sampler),
        KeySwitchKey.Generate(_bigKey, _smallKey, KsGadget, Parameters.LweNoiseStdDev, sampler)));

    private GadgetDecomposer KsGadget => new(Parameters.KsBaseLog, Parameters.KsLevel);

    private GadgetDecomposer PbsGadget => new(Parameters.PbsBaseLog, Parameters.PbsLevel);

    /// <summary>Runs a key generation with the key sampler, which is not thread-safe, under the key's lock.</summary>
    private T WithKeySampler<T>(Func<NoiseSampler, T> generate)
    {
        lock (_gate)
            return generate(_keySampler);
    }

    /// <summary>
    /// A keyswitching key from <paramref name="source"/>'s big key (dimension k·N of its set) to this small key, with this
    /// set's keyswitch gadget and LWE noise: for a circuit whose lookups move between parameter sets.
    /// </summary>
    internal KeySwitchKey KeySwitchKeyFrom(ClientKey source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return WithKeySampler(sampler => KeySwitchKey.Generate(source._bigKey, _smallKey, KsGadget, Parameters.LweNoiseStdDev, sampler));
    }

    /// <summary>
    /// A bootstrapping key from <paramref name="source"/>'s small key into this GLWE key, with this set's PBS gadget and
    /// GLWE noise: its outputs land under this set's big key.
    /// </summary>
    internal BootstrapKey BootstrapKeyFrom(ClientKey source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return WithKeySampler(sampler => BootstrapKey.Generate(source._smallKey, _glweKey, PbsGadget, Parameters.GlweNoiseStdDev, sampler));
    }

    /// <summary>As <see cref="KeySwitchKeyFrom"/>, with row masks from public seeds (bodies only).</summary>
    internal SeededKeySwitchKey SeededKeySwitchKeyFrom(ClientKey source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return WithKeySampler(sampler => SeededKeySwitchKey.Generate(source._bigKey, _smallKey, KsGadget, Parameters.LweNoiseStdDev, sampler));
    }

    /// <summary>As <see cref="BootstrapKeyFrom"/>, with row masks from public seeds (bodies only, standard domain).</summary>
    internal SeededBootstrapKey SeededBootstrapKeyFrom(ClientKey source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return WithKeySampler(sampler => SeededBootstrapKey.Generate(source._smallKey, _glweKey, PbsGadget, Parameters.GlweNoiseStdDev, sampler));
    }

    /// <summary>
    /// Encrypts a <paramref name="bits"/>-bit message (default <see cref="TfheParameters.PrecisionBits"/>) with one
    /// padding bit, under the big key (dimension k·N) with the GLWE noise, as ciphertexts are between operations.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The message does not fit in <paramref name="bits"/> bits.</exception>
    public LweCiphertext Encrypt(ulong message, int? bits = null)
        => EncryptPlaintext(MessageEncoding.Encode(message, bits ?? Parameters.PrecisionBits));

    /// <summary>
    /// Encrypts any integer as <c>value·2^(63 − bits)</c> mod 2^64, i.e. modulo 2^(bits+1) with the padding bit as the
    /// top message bit: for circuits whose linear arithmetic is modular and whose reads subtract a known offset first.
    /// </summary>
    public LweCiphertext EncryptScaled(long value, int bits)
    {
        if (bits < 1 || bits > MessageEncoding.MaxBits)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"Message width must be in [1, {MessageEncoding.MaxBits}].");
        return EncryptPlaintext(unchecked((ulong)value * Torus.Delta(bits)));
    }

    /// <summary>
    /// As <see cref="EncryptScaled"/>, seeded: the mask is expanded from a public seed, so the ciphertext travels as
    /// 40 bytes (<see cref="SeededLweCiphertext"/>); the server calls <see cref="SeededLweCiphertext.Expand"/>.
    /// </summary>
    public SeededLweCiphertext EncryptScaledSeeded(long value, int bits)
    {
        if (bits < 1 || bits > MessageEncoding.MaxBits)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"Message width must be in [1, {MessageEncoding.MaxBits}].");
        lock (_gate)
            return SeededLweCiphertext.Encrypt(_bigKey, unchecked((ulong)value * Torus.Delta(bits)), Parameters.GlweNoiseStdDev, _encryptionSampler);
    }

    /// <summary>Encrypts a signed message in [−2^(bits−1), 2^(bits−1)) through the offset 2^(bits−1).</summary>
    public LweCiphertext EncryptSigned(long message, int? bits = null)
        => EncryptPlaintext(MessageEncoding.EncodeSigned(message, bits ?? Parameters.PrecisionBits));

    /// <summary>Decrypts a <paramref name="bits"/>-bit message (default <see cref="TfheParameters.PrecisionBits"/>); the
    /// ciphertext may be under the big key (k·N) or the small key (n).</summary>
    /// <exception cref="ArgumentException">The ciphertext dimension is neither k·N nor n.</exception>
    public ulong Decrypt(LweCiphertext ciphertext, int? bits = null)
        => MessageEncoding.Decode(Phase(ciphertext), bits ?? Parameters.PrecisionBits);

    /// <summary>
    /// Decrypts all <paramref name="bits"/> + 1 bits, padding bit included, in [0, 2^(bits+1)): for values that never go
    /// through a bootstrapping (a circuit's outputs), whose range may use the padding bit too.
    /// </summary>
    public ulong DecryptWithPadding(LweCiphertext ciphertext, int bits)
        => MessageEncoding.DecodeWithPadding(Phase(ciphertext), bits);

    /// <summary>Decrypts a message encrypted by <see cref="EncryptSigned"/>.</summary>
    public long DecryptSigned(LweCiphertext ciphertext, int? bits = null)
        => MessageEncoding.DecodeSigned(Phase(ciphertext), bits ?? Parameters.PrecisionBits);

    /// <inheritdoc/>
    public override string ToString() => $"ClientKey({Parameters.Id}, key material hidden)";

    private LweCiphertext EncryptPlaintext(ulong plaintext)
    {
        lock (_gate)
            return LweCiphertext.Encrypt(_bigKey, plaintext, Parameters.GlweNoiseStdDev, _encryptionSampler);
    }

    private ulong Phase(LweCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (ciphertext.LweDimension == _bigKey.Dimension)
            return ciphertext.DecryptPhase(_bigKey);
        if (ciphertext.LweDimension == _smallKey.Dimension)
            return ciphertext.DecryptPhase(_smallKey);
        throw new ArgumentException(
            $"Ciphertext dimension {ciphertext.LweDimension} is neither k·N = {_bigKey.Dimension} nor n = {_smallKey.Dimension}.",
            nameof(ciphertext));
    }
}
