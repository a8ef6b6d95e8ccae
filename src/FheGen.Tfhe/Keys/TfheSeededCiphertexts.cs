using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Keys;

/// <summary>
/// Seeded (seeded) fresh ciphertexts of one parameter set and one dimension, as a client uploads its encrypted
/// inputs: the unit of seeded-ciphertext serialization. The server calls <see cref="Expand(CircuitEncoding)"/> to get ciphertexts it can
/// evaluate, checked against its circuit first.
/// </summary>
public sealed class TfheSeededCiphertexts
{
    private readonly SeededLweCiphertext[] _ciphertexts;

    /// <summary>Groups seeded ciphertexts with their parameter set.</summary>
    /// <exception cref="ArgumentException">A ciphertext is null, or of a dimension other than k·N or n, or the dimensions differ.</exception>
    public TfheSeededCiphertexts(TfheParameters parameters, IReadOnlyList<SeededLweCiphertext> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(ciphertexts);
        _ciphertexts = ciphertexts.ToArray();
        int dimension = _ciphertexts.Length > 0 ? (_ciphertexts[0] ?? throw new ArgumentException("Ciphertext 0 is null.", nameof(ciphertexts))).LweDimension : parameters.BigLweDimension;
        if (dimension != parameters.BigLweDimension && dimension != parameters.LweDimension)
            throw new ArgumentException($"Dimension {dimension} is neither k·N = {parameters.BigLweDimension} nor n = {parameters.LweDimension} of {parameters.Id}.", nameof(ciphertexts));
        for (int i = 0; i < _ciphertexts.Length; i++)
        {
            if (_ciphertexts[i] is null)
                throw new ArgumentException($"Ciphertext {i} is null.", nameof(ciphertexts));
            if (_ciphertexts[i].LweDimension != dimension)
                throw new ArgumentException($"Ciphertext {i} has dimension {_ciphertexts[i].LweDimension}, ciphertext 0 {dimension}.", nameof(ciphertexts));
        }

        Parameters = parameters;
        LweDimension = dimension;
    }

    /// <summary>The parameter set.</summary>
    public TfheParameters Parameters { get; }

    /// <summary>Dimension of every ciphertext (k·N or n of <see cref="Parameters"/>).</summary>
    public int LweDimension { get; }

    /// <summary>The seeded ciphertexts.</summary>
    public IReadOnlyList<SeededLweCiphertext> Ciphertexts => _ciphertexts;

    /// <summary>Bytes of <see cref="Save"/>'s output, known without serializing.</summary>
    public long SerializedSizeInBytes => TfheSerializer.SeededCiphertextsLength(Parameters, _ciphertexts.Length);

    /// <summary>Bytes the same ciphertexts take expanded (8·(d + 1) each): what seeding saves.</summary>
    public long ExpandedSizeInBytes => (long)_ciphertexts.Length * (LweDimension + 1) * sizeof(ulong);

    /// <summary>The full ciphertexts, masks regenerated from their seeds, in order.</summary>
    /// <remarks>
    /// Each 40-byte ciphertext becomes 8·(d + 1) bytes, so data from outside should go through
    /// <see cref="Expand(CircuitEncoding)"/>, which checks count and parameters against the circuit first.
    /// </remarks>
    public LweCiphertext[] Expand() => _ciphertexts.Select(c => c.Expand()).ToArray();

    /// <summary>
    /// The full ciphertexts after checking that they are one inference's inputs of the circuit <paramref name="encoding"/>
    /// describes (<see cref="CircuitCompatibility.CheckInputs"/>): the server-side expansion.
    /// </summary>
    /// <exception cref="TfheFormatException">The ciphertexts are not this circuit's inputs.</exception>
    public LweCiphertext[] Expand(CircuitEncoding encoding) => CircuitCompatibility.ExpandInputs(this, encoding);

    /// <summary>Writes the ciphertexts in the versioned binary format (see <see cref="TfheSerializer"/>).</summary>
    public void Save(Stream stream) => TfheSerializer.WriteSeededCiphertexts(stream, this);

    /// <summary>The ciphertexts in the versioned binary format.</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        Save(ms);
        return ms.ToArray();
    }

    /// <summary>Reads ciphertexts written by <see cref="Save"/>; the stream must end right after them.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static TfheSeededCiphertexts Load(Stream stream, TfheParameters? expectedParameters = null)
        => TfheSerializer.ReadSeededCiphertexts(stream, expectedParameters);

    /// <summary>
    /// Reads one inference's inputs of the circuit <paramref name="encoding"/> describes (parameter set, dimension and
    /// count checked before any record is read): what a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not the inputs of this circuit.</exception>
    public static TfheSeededCiphertexts Load(Stream stream, CircuitEncoding encoding)
        => TfheSerializer.ReadSeededCiphertexts(stream, encoding);

    /// <summary>Reads the inputs of the circuit <paramref name="encoding"/> describes from <see cref="ToBytes"/> output.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not the inputs of this circuit.</exception>
    public static TfheSeededCiphertexts FromBytes(byte[] data, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var ms = new MemoryStream(data, writable: false);
        return Load(ms, encoding);
    }

    /// <summary>Reads ciphertexts from <see cref="ToBytes"/> output.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static TfheSeededCiphertexts FromBytes(byte[] data, TfheParameters? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var ms = new MemoryStream(data, writable: false);
        return Load(ms, expectedParameters);
    }

    /// <inheritdoc/>
    public override string ToString() => $"TfheSeededCiphertexts({_ciphertexts.Length} x n = {LweDimension}, {Parameters.Id})";
}
