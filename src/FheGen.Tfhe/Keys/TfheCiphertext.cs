using System;
using System.IO;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Keys;

/// <summary>
/// An LWE ciphertext together with the parameter set it belongs to: the unit of ciphertext serialization. Its dimension
/// is either the big k·N (between operations) or the small n (after a keyswitch).
/// </summary>
public sealed class TfheCiphertext
{
    /// <summary>Pairs a ciphertext with its parameters.</summary>
    /// <exception cref="ArgumentException">The ciphertext dimension is neither k·N nor n.</exception>
    public TfheCiphertext(TfheParameters parameters, LweCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (ciphertext.LweDimension != parameters.BigLweDimension && ciphertext.LweDimension != parameters.LweDimension)
            throw new ArgumentException(
                $"Ciphertext dimension {ciphertext.LweDimension} is neither k·N = {parameters.BigLweDimension} nor n = {parameters.LweDimension} of {parameters.Id}.",
                nameof(ciphertext));
        Parameters = parameters;
        Ciphertext = ciphertext;
    }

    /// <summary>The parameter set.</summary>
    public TfheParameters Parameters { get; }

    /// <summary>The ciphertext (not copied).</summary>
    public LweCiphertext Ciphertext { get; }

    /// <summary>Writes the ciphertext in the versioned binary format (see <see cref="TfheSerializer"/>).</summary>
    public void Save(Stream stream) => TfheSerializer.WriteCiphertext(stream, this);

    /// <summary>The ciphertext in the versioned binary format.</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        Save(ms);
        return ms.ToArray();
    }

    /// <summary>Reads a ciphertext written by <see cref="Save"/>; the stream must end right after it.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static TfheCiphertext Load(Stream stream, TfheParameters? expectedParameters = null)
        => TfheSerializer.ReadCiphertext(stream, expectedParameters);

    /// <summary>
    /// Reads an encrypted input of the circuit <paramref name="encoding"/> describes (its input parameter set and
    /// dimension, checked before the data is read): what a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not an input of this circuit.</exception>
    public static TfheCiphertext Load(Stream stream, Circuits.CircuitEncoding encoding)
        => TfheSerializer.ReadCiphertext(stream, encoding);

    /// <summary>Reads a ciphertext from <see cref="ToBytes"/> output.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static TfheCiphertext FromBytes(byte[] data, TfheParameters? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var ms = new MemoryStream(data, writable: false);
        return Load(ms, expectedParameters);
    }

    /// <inheritdoc/>
    public override string ToString() => $"TfheCiphertext(n = {Ciphertext.LweDimension}, {Parameters.Id})";
}
