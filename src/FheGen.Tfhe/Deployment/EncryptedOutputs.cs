using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Deployment;

/// <summary>
/// One inference's encrypted output accumulators as the server returns them: a <see cref="DeploymentFormat"/> blob of
/// kind 3 holding one ciphertext blob (<see cref="TfheSerializer.WriteCiphertext"/>) per output, each under the output
/// stage's parameter set.
/// </summary>
public static class EncryptedOutputs
{
    /// <summary>The parameter set the circuit's outputs are under (that of its last stage).</summary>
    public static Compiler.Parameters.TfheParameters OutputParameters(CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        return encoding.KeySets[encoding.StageKeys[^1]];
    }

    /// <summary>Serializes <paramref name="outputs"/>, after checking they are the circuit's outputs.</summary>
    /// <exception cref="ArgumentException">Wrong count, or a ciphertext of another dimension.</exception>
    public static byte[] ToBytes(IReadOnlyList<LweCiphertext> outputs, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var parameters = OutputParameters(encoding);
        if (outputs.Count != encoding.Plan.Outputs)
            throw new ArgumentException($"{outputs.Count} output ciphertexts; the circuit has {encoding.Plan.Outputs} outputs.", nameof(outputs));
        using var payload = new MemoryStream();
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(head, outputs.Count);
        payload.Write(head[..4]);
        for (int i = 0; i < outputs.Count; i++)
        {
            var c = outputs[i] ?? throw new ArgumentException($"Output {i} is null.", nameof(outputs));
            if (c.LweDimension != parameters.BigLweDimension)
                throw new ArgumentException($"Output {i} has dimension {c.LweDimension}; the outputs are under k·N = {parameters.BigLweDimension}.", nameof(outputs));
            var blob = new TfheCiphertext(parameters, c).ToBytes();
            BinaryPrimitives.WriteInt64LittleEndian(head, blob.Length);
            payload.Write(head);
            payload.Write(blob);
        }

        return DeploymentFormat.Wrap(DeploymentObjectKind.EncryptedOutputs, payload.GetBuffer().AsSpan(0, (int)payload.Length));
    }

    /// <summary>
    /// Reads the encrypted outputs of the circuit <paramref name="encoding"/> describes: its output count, each under
    /// its output parameter set at dimension k·N.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is damaged or not this circuit's outputs.</exception>
    public static LweCiphertext[] FromBytes(ReadOnlyMemory<byte> data, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        var payload = DeploymentFormat.Unwrap(data, DeploymentObjectKind.EncryptedOutputs);
        var parameters = OutputParameters(encoding);
        var span = payload.Span;
        if (span.Length < 4) throw new TfheFormatException("The encrypted outputs have no count.");
        int count = BinaryPrimitives.ReadInt32LittleEndian(span);
        if (count != encoding.Plan.Outputs)
            throw new TfheFormatException($"{count} encrypted outputs; the circuit has {encoding.Plan.Outputs}.");
        var result = new LweCiphertext[count];
        int at = 4;
        for (int i = 0; i < count; i++)
        {
            if (span.Length - at < 8) throw new TfheFormatException($"The encrypted outputs end before output {i}.");
            long length = BinaryPrimitives.ReadInt64LittleEndian(span[at..]);
            at += 8;
            if (length < 0 || length > span.Length - at) throw new TfheFormatException($"Output {i} states {length} bytes; {span.Length - at} are left.");
            using var ms = new MemoryStream(payload.Slice(at, (int)length).ToArray(), writable: false);
            var c = TfheSerializer.ReadCiphertext(ms, parameters);
            if (c.Ciphertext.LweDimension != parameters.BigLweDimension)
                throw new TfheFormatException($"Output {i} has dimension {c.Ciphertext.LweDimension}; the outputs are under k·N = {parameters.BigLweDimension}.");
            result[i] = c.Ciphertext;
            at += (int)length;
        }

        if (at != span.Length) throw new TfheFormatException($"{span.Length - at} bytes follow the last encrypted output.");
        return result;
    }
}
