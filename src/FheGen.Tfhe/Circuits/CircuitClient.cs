using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Circuits;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Circuits;

/// <summary>
/// The client side of encrypted inference for one circuit: encrypts quantized inputs in the circuit's encoding and
/// decrypts the output accumulators. Holds the secret <see cref="CircuitClientKey"/> (a key per parameter set); never
/// give it to the server.
/// </summary>
public sealed class CircuitClient
{
    private readonly CircuitClientKey _key;

    /// <summary>A client for <paramref name="encoding"/> with <paramref name="clientKey"/>.</summary>
    /// <exception cref="ArgumentException">The keys were generated for other parameters.</exception>
    public CircuitClient(CircuitClientKey clientKey, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(clientKey);
        ArgumentNullException.ThrowIfNull(encoding);
        CheckParameters(clientKey.Parameters, encoding, "client", nameof(clientKey));
        _key = clientKey;
        Encoding = encoding;
    }

    /// <summary>Throws unless <paramref name="keySets"/> are the encoding's parameter sets, in order.</summary>
    internal static void CheckParameters(IReadOnlyList<TfheParameters> keySets, CircuitEncoding encoding, string what, string paramName)
    {
        if (CircuitCompatibility.KeySetMismatch(keySets, encoding) is { } mismatch)
            throw new ArgumentException($"The {what} key {mismatch}", paramName);
    }

    /// <summary>The circuit's encoding.</summary>
    public CircuitEncoding Encoding { get; }

    /// <summary>The secret keys (to <see cref="CircuitClientKey.Save"/> them; never send them to the server).</summary>
    public CircuitClientKey Key => _key;

    /// <summary>
    /// Generates keys for <paramref name="encoding"/>: a client (secret) and the server key to send, holding exactly the
    /// keyswitching and bootstrapping keys the circuit uses (<see cref="CircuitEncoding.RequiredKeySwitches"/>,
    /// <see cref="CircuitEncoding.RequiredBootstraps"/>).
    /// </summary>
    public static (CircuitClient Client, CircuitServerKey ServerKey) GenerateKeys(CircuitEncoding encoding, NoiseSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        var client = CircuitClientKey.Generate(encoding.KeySets, sampler);
        return (new CircuitClient(client, encoding), CreateServerKey(client, encoding));
    }

    /// <summary>The evaluation keys <paramref name="encoding"/> needs, derived from <paramref name="clientKey"/>.</summary>
    public static CircuitServerKey CreateServerKey(CircuitClientKey clientKey, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(clientKey);
        ArgumentNullException.ThrowIfNull(encoding);
        CheckParameters(clientKey.Parameters, encoding, "client", nameof(clientKey));
        return clientKey.CreateServerKey(encoding.RequiredKeySwitches, encoding.RequiredBootstraps);
    }

    /// <summary>
    /// The evaluation keys <paramref name="encoding"/> needs in seeded form (masks from public seeds, bodies only):
    /// what to store or send; the server calls <see cref="SeededCircuitServerKey.Expand"/>.
    /// </summary>
    public static SeededCircuitServerKey CreateSeededServerKey(CircuitClientKey clientKey, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(clientKey);
        ArgumentNullException.ThrowIfNull(encoding);
        CheckParameters(clientKey.Parameters, encoding, "client", nameof(clientKey));
        return clientKey.CreateSeededServerKey(encoding.RequiredKeySwitches, encoding.RequiredBootstraps);
    }

    /// <summary>Encrypts quantized inputs (integers in [0, 2^InputBits), as <c>Io.QuantizeInputs</c> gives them).</summary>
    /// <exception cref="ArgumentException">Wrong count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside the circuit's input range.</exception>
    public LweCiphertext[] EncryptInputs(ReadOnlySpan<long> quantized)
    {
        CheckInputs(quantized);
        var inputKey = _key.Keys[Encoding.StageKeys[0]];
        var result = new LweCiphertext[quantized.Length];
        for (int i = 0; i < quantized.Length; i++)
            result[i] = inputKey.EncryptScaled(quantized[i], Encoding.InputMessageBits);
        return result;
    }

    /// <summary>
    /// Encrypts quantized inputs as seeded ciphertexts, 40 bytes each instead of 8·(k·N + 1): what to send to the
    /// server (<see cref="TfheSeededCiphertexts"/> serializes them; the server expands them before evaluating).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside the circuit's input range.</exception>
    public TfheSeededCiphertexts EncryptInputsSeeded(ReadOnlySpan<long> quantized)
    {
        CheckInputs(quantized);
        var inputKey = _key.Keys[Encoding.StageKeys[0]];
        var result = new SeededLweCiphertext[quantized.Length];
        for (int i = 0; i < quantized.Length; i++)
            result[i] = inputKey.EncryptScaledSeeded(quantized[i], Encoding.InputMessageBits);
        return new TfheSeededCiphertexts(inputKey.Parameters, result);
    }

    private void CheckInputs(ReadOnlySpan<long> quantized)
    {
        var plan = Encoding.Plan;
        if (quantized.Length != plan.Inputs)
            throw new ArgumentException($"Expected {plan.Inputs} inputs, got {quantized.Length}.", nameof(quantized));
        CircuitInputs.ThrowIfOutOfRange(quantized, plan.Input.Bits);
    }

    /// <summary>Decrypts the output accumulators into <paramref name="outputs"/> (signed integers, as the clear run gives).</summary>
    /// <exception cref="ArgumentException">Wrong count, or a ciphertext of another dimension.</exception>
    public void DecryptOutputs(ReadOnlySpan<LweCiphertext> ciphertexts, Span<long> outputs)
    {
        var layer = Encoding.Plan.Layers[^1];
        if (ciphertexts.Length != layer.Outputs || outputs.Length < layer.Outputs)
            throw new ArgumentException($"Expected {layer.Outputs} output ciphertexts and as many slots.");
        int w = Encoding.OutputMessageBits;
        ulong modulus = 2UL << w; // W message bits and the padding bit: outputs never go through a bootstrapping
        var outputKey = _key.Keys[Encoding.StageKeys[^1]];
        for (int j = 0; j < ciphertexts.Length; j++)
        {
            ArgumentNullException.ThrowIfNull(ciphertexts[j]);
            ulong raw = outputKey.DecryptWithPadding(ciphertexts[j], w);
            long min = layer.Neurons[j].AccumulatorMin;
            outputs[j] = min + (long)((raw - unchecked((ulong)min)) & (modulus - 1));
        }
    }

    /// <summary>Decrypts the output accumulators into a new array.</summary>
    public long[] DecryptOutputs(ReadOnlySpan<LweCiphertext> ciphertexts)
    {
        var result = new long[ciphertexts.Length];
        DecryptOutputs(ciphertexts, result);
        return result;
    }
}
