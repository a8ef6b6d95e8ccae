using System;
using FheGen.Tfhe.Core;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Circuits;

/// <summary>
/// The client side of encrypted inference for one circuit: encrypts quantized inputs in the circuit's encoding and
/// decrypts the output accumulators. Holds the secret <see cref="ClientKey"/>; never give it to the server.
/// </summary>
public sealed class CircuitClient
{
    private readonly ClientKey _key;

    /// <summary>A client for <paramref name="encoding"/> with <paramref name="clientKey"/>.</summary>
    /// <exception cref="ArgumentException">The key was generated for other parameters.</exception>
    public CircuitClient(ClientKey clientKey, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(clientKey);
        ArgumentNullException.ThrowIfNull(encoding);
        if (clientKey.Parameters != encoding.Parameters)
            throw new ArgumentException($"The client key is for {clientKey.Parameters.Id}; the circuit needs {encoding.Parameters.Id}.", nameof(clientKey));
        _key = clientKey;
        Encoding = encoding;
    }

    /// <summary>The circuit's encoding.</summary>
    public CircuitEncoding Encoding { get; }

    /// <summary>The secret key (to <see cref="ClientKey.Save"/> it; never send it to the server).</summary>
    public ClientKey Key => _key;

    /// <summary>Generates keys for <paramref name="encoding"/>: a client (secret) and the server key to send.</summary>
    public static (CircuitClient Client, ServerKey ServerKey) GenerateKeys(CircuitEncoding encoding, NoiseSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        var (client, server) = ClientKey.GenerateKeys(encoding.Parameters, sampler);
        return (new CircuitClient(client, encoding), server);
    }

    /// <summary>Encrypts quantized inputs (integers in [0, 2^InputBits), as <c>Io.QuantizeInputs</c> gives them).</summary>
    /// <exception cref="ArgumentException">Wrong count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside the circuit's input range.</exception>
    public LweCiphertext[] EncryptInputs(ReadOnlySpan<long> quantized)
    {
        var plan = Encoding.Plan;
        if (quantized.Length != plan.Inputs)
            throw new ArgumentException($"Expected {plan.Inputs} inputs, got {quantized.Length}.", nameof(quantized));
        long max = plan.Input.MaxLevel;
        var result = new LweCiphertext[quantized.Length];
        for (int i = 0; i < quantized.Length; i++)
        {
            long x = quantized[i];
            if (x < 0 || x > max)
                throw new ArgumentOutOfRangeException(nameof(quantized), x, $"Input {i} is {x}; quantized inputs are in [0, {max}].");
            result[i] = _key.EncryptScaled(x, Encoding.InputMessageBits);
        }
        return result;
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
        for (int j = 0; j < ciphertexts.Length; j++)
        {
            ArgumentNullException.ThrowIfNull(ciphertexts[j]);
            ulong raw = _key.DecryptWithPadding(ciphertexts[j], w);
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
