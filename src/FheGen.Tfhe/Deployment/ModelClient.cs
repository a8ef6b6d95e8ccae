using System;
using System.IO;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Deployment;

/// <summary>
/// A client of a deployed circuit (Concrete ML's <c>FHEModelClient</c>): from a <see cref="ClientBundle"/>, key
/// generation, the evaluation key to register with the server, quantize-and-encrypt of float features, and
/// decrypt-and-dequantize of the server's answer. Holds the secret key; only <see cref="CreateEvaluationKey"/>'s
/// output and <see cref="Encrypt"/>'s go to the server.
/// </summary>
public sealed class ModelClient
{
    private readonly PlanInterpreter _clear;

    private ModelClient(ClientBundle bundle, CircuitClient client)
    {
        Bundle = bundle;
        Client = client;
        _clear = new PlanInterpreter(bundle.Plan);
    }

    /// <summary>A client with fresh secret keys for <paramref name="bundle"/>'s parameter sets.</summary>
    public static ModelClient GenerateKeys(ClientBundle bundle, NoiseSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var key = CircuitClientKey.Generate(bundle.Encoding.KeySets, sampler);
        return new ModelClient(bundle, new CircuitClient(key, bundle.Encoding));
    }

    /// <summary>A client with secret keys saved earlier (<see cref="SaveSecretKey"/>).</summary>
    /// <exception cref="TfheFormatException">The data is damaged or the keys are for other parameter sets.</exception>
    public static ModelClient Load(ClientBundle bundle, Stream secretKey)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(secretKey);
        var key = CircuitClientKey.Load(secretKey, bundle.Encoding.KeySets);
        return new ModelClient(bundle, new CircuitClient(key, bundle.Encoding));
    }

    /// <summary>The deployed circuit.</summary>
    public ClientBundle Bundle { get; }

    /// <summary>The encrypting and decrypting client over the secret keys.</summary>
    public CircuitClient Client { get; }

    /// <summary>Writes the secret keys (store them like a private key; never send them).</summary>
    public void SaveSecretKey(Stream stream) => Client.Key.Save(stream);

    /// <summary>
    /// The evaluation key the server needs, seeded (what to register: <see cref="SeededCircuitServerKey.Save"/>).
    /// As costly as key generation; make it once.
    /// </summary>
    public SeededCircuitServerKey CreateEvaluationKey() => CircuitClient.CreateSeededServerKey(Client.Key, Bundle.Encoding);

    /// <summary>The serialized seeded evaluation key (<see cref="ServerBundle.EvaluationKeyBytes"/> long).</summary>
    public byte[] CreateEvaluationKeyBytes()
    {
        var key = CreateEvaluationKey();
        using var ms = new MemoryStream(checked((int)key.SerializedSizeInBytes));
        key.Save(ms);
        return ms.ToArray();
    }

    /// <summary>Quantizes float features with the circuit's input quantizers.</summary>
    /// <exception cref="ArgumentException">Wrong count, or a NaN feature.</exception>
    public long[] Quantize(ReadOnlySpan<float> features)
    {
        var q = new long[Bundle.Plan.Inputs];
        Bundle.Io.QuantizeInputs(features, q);
        return q;
    }

    /// <summary>Quantizes and encrypts one row of float features as seeded ciphertexts, serialized: the request body.</summary>
    /// <exception cref="ArgumentException">Wrong count, or a NaN feature.</exception>
    public byte[] Encrypt(ReadOnlySpan<float> features) => EncryptQuantized(Quantize(features));

    /// <summary>Encrypts quantized inputs as seeded ciphertexts, serialized.</summary>
    /// <exception cref="ArgumentException">Wrong count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside the circuit's input range.</exception>
    public byte[] EncryptQuantized(ReadOnlySpan<long> quantized) => Client.EncryptInputsSeeded(quantized).ToBytes();

    /// <summary>Decrypts the server's answer (<see cref="EncryptedOutputs"/>) into the output accumulators.</summary>
    /// <exception cref="TfheFormatException">The answer is damaged or not this circuit's outputs.</exception>
    public long[] DecryptAccumulators(ReadOnlyMemory<byte> response) => Client.DecryptOutputs(EncryptedOutputs.FromBytes(response, Bundle.Encoding));

    /// <summary>Decrypts and dequantizes the server's answer into the model's float outputs.</summary>
    /// <exception cref="TfheFormatException">The answer is damaged or not this circuit's outputs.</exception>
    public float[] Decrypt(ReadOnlyMemory<byte> response) => Dequantize(DecryptAccumulators(response));

    /// <summary>The model's float outputs of output accumulators.</summary>
    public float[] Dequantize(ReadOnlySpan<long> accumulators)
    {
        var y = new float[Bundle.Plan.Outputs];
        Bundle.Io.DequantizeOutputs(accumulators, y);
        return y;
    }

    /// <summary>The clear circuit's output accumulators on quantized inputs: what a correct encrypted answer decrypts to.</summary>
    public long[] RunClear(ReadOnlySpan<long> quantized)
    {
        var outputs = new long[Bundle.Plan.Outputs];
        _clear.Run<ClearBackend, long>(default, quantized, outputs);
        return outputs;
    }
}
