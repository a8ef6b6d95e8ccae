using System;
using System.Collections.Generic;
using System.IO;
using FheGen.Circuits;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Deployment;

/// <summary>
/// The server side of a deployed circuit, the mirror of <see cref="CircuitClient"/> (Concrete ML's
/// <c>FHEModelServer</c>): loads a <see cref="ServerBundle"/>, accepts each client's seeded evaluation key, and
/// evaluates encrypted inputs to encrypted outputs through <see cref="EncryptedBackend"/>. Everything received is
/// checked against the circuit before it costs memory or time; it never holds a secret key.
/// </summary>
/// <remarks>Thread-safe: one server serves many clients concurrently, each with its own backend.</remarks>
public sealed class CircuitServer
{
    private readonly EncryptedCircuitRunner _runner;
    private readonly int? _threads;

    /// <summary>A server for <paramref name="bundle"/>'s circuit.</summary>
    /// <param name="bundle">The circuit and its encoding.</param>
    /// <param name="runner">
    /// Evaluates the circuit: a model's generated <c>Run&lt;EncryptedBackend, LweCiphertext&gt;</c> when the bundle was
    /// made from its plan; the plan's interpreter (which equals it bit for bit) when null.
    /// </param>
    /// <param name="threads">Worker threads per lookup batch of each evaluation (all cores when null).</param>
    public CircuitServer(ServerBundle bundle, EncryptedCircuitRunner? runner = null, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "At least one thread is needed.");
        Bundle = bundle;
        _runner = runner ?? new PlanInterpreter(bundle.Plan).Run<EncryptedBackend, LweCiphertext>;
        _threads = threads;
    }

    /// <summary>The deployed circuit.</summary>
    public ServerBundle Bundle { get; }

    /// <summary>The circuit's encoding.</summary>
    public CircuitEncoding Encoding => Bundle.Encoding;

    /// <summary>
    /// Reads a client's seeded evaluation key (<see cref="ModelClient.CreateEvaluationKey"/>, serialized): its
    /// parameter sets and exactly the key pairs the circuit uses are checked before any key data is read, then it is
    /// expanded.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is damaged or not an evaluation key of this circuit.</exception>
    public CircuitServerKey LoadEvaluationKey(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return SeededCircuitServerKey.Load(stream, Encoding).Expand();
    }

    /// <summary>As <see cref="LoadEvaluationKey(Stream)"/>, from bytes.</summary>
    /// <exception cref="TfheFormatException">The data is damaged or not an evaluation key of this circuit.</exception>
    public CircuitServerKey LoadEvaluationKey(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var ms = new MemoryStream(data, writable: false);
        return LoadEvaluationKey(ms);
    }

    /// <summary>The backend that evaluates with <paramref name="key"/>; keep one per client and reuse it (it caches tables and workers).</summary>
    /// <exception cref="ArgumentException">The key is for other parameters or lacks a key the circuit needs.</exception>
    public EncryptedBackend CreateBackend(CircuitServerKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new EncryptedBackend(key, Encoding, _threads);
    }

    /// <summary>
    /// Reads one inference's seeded inputs (<see cref="ModelClient.Encrypt"/>, serialized): the input parameter set,
    /// dimension and count are checked before any record is read, then the ciphertexts are expanded.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is damaged or not this circuit's inputs.</exception>
    public LweCiphertext[] ReadInputs(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return TfheSeededCiphertexts.FromBytes(data, Encoding).Expand();
    }

    /// <summary>Runs the circuit on encrypted inputs.</summary>
    /// <exception cref="ArgumentException">
    /// The backend is not this server's circuit, the input count differs, or an input is not of the circuit's input
    /// dimension (encrypted under other parameters).
    /// </exception>
    public LweCiphertext[] Evaluate(EncryptedBackend backend, IReadOnlyList<LweCiphertext> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (!ReferenceEquals(backend.Encoding, Encoding))
            throw new ArgumentException("The backend was made for another circuit's encoding; create it with this server's CreateBackend.", nameof(backend));
        if (inputs.Count != Bundle.Plan.Inputs)
            throw new ArgumentException($"{inputs.Count} inputs; the circuit takes {Bundle.Plan.Inputs}.", nameof(inputs));
        var parameters = CircuitCompatibility.InputParameters(Encoding);
        var span = new LweCiphertext[inputs.Count];
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = inputs[i] ?? throw new ArgumentException($"Input {i} is null.", nameof(inputs));
            if (span[i].LweDimension != parameters.BigLweDimension)
                throw new ArgumentException(
                    $"Input {i} has dimension {span[i].LweDimension}; the circuit's inputs are under {parameters.Id} (k·N = {parameters.BigLweDimension}).", nameof(inputs));
        }

        var outputs = new LweCiphertext[Bundle.Plan.Outputs];
        _runner(backend, span, outputs);
        return outputs;
    }

    /// <summary>
    /// One request end to end: reads the serialized seeded inputs, runs the circuit with <paramref name="backend"/>, and
    /// returns the serialized encrypted outputs (<see cref="EncryptedOutputs"/>).
    /// </summary>
    /// <exception cref="TfheFormatException">The request is damaged or not this circuit's inputs.</exception>
    public byte[] Evaluate(EncryptedBackend backend, byte[] request)
    {
        var inputs = ReadInputs(request);
        return EncryptedOutputs.ToBytes(Evaluate(backend, inputs), Encoding);
    }
}
