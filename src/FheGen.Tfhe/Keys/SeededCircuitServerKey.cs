using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Keys;

/// <summary>
/// A <see cref="CircuitServerKey"/> in seeded form: masks from public seeds, bodies only (see
/// <see cref="SeededKeySwitchKey"/>, <see cref="SeededBootstrapKey"/>). What the client stores or sends;
/// <see cref="Expand"/> gives the key the server evaluates with. It holds no secret key.
/// </summary>
public sealed class SeededCircuitServerKey
{
    private readonly TfheParameters[] _parameters;
    private readonly Dictionary<KeyPair, SeededKeySwitchKey> _keySwitches;
    private readonly Dictionary<KeyPair, SeededBootstrapKey> _bootstraps;

    /// <summary>Wraps seeded keys after checking each against the parameter sets it joins.</summary>
    /// <exception cref="ArgumentException">A key's dimensions or gadget differ from its parameter sets.</exception>
    internal SeededCircuitServerKey(IReadOnlyList<TfheParameters> parameters, IReadOnlyDictionary<KeyPair, SeededKeySwitchKey> keySwitches, IReadOnlyDictionary<KeyPair, SeededBootstrapKey> bootstraps)
    {
        _parameters = KeyShapes.Sets(parameters, nameof(parameters));
        _keySwitches = KeyShapes.Checked(keySwitches, _parameters, "keyswitching key", nameof(keySwitches),
            (key, from, to) => KeyShapes.KeySwitchMatches(key.InputDimension, key.OutputDimension, key.Decomposer, from, to));
        _bootstraps = KeyShapes.Checked(bootstraps, _parameters, "bootstrapping key", nameof(bootstraps),
            (key, from, to) => KeyShapes.BootstrapMatches(key.LweDimension, key.GlweDimension, key.PolynomialSize, key.Decomposer, from, to));
    }

    /// <summary>The parameter set of each key set.</summary>
    public IReadOnlyList<TfheParameters> Parameters => _parameters;

    /// <summary>The seeded keyswitching keys, by (source big key, destination small key).</summary>
    internal IReadOnlyDictionary<KeyPair, SeededKeySwitchKey> KeySwitchKeys => _keySwitches;

    /// <summary>The seeded bootstrapping keys, by (source small key, destination GLWE key).</summary>
    internal IReadOnlyDictionary<KeyPair, SeededBootstrapKey> BootstrapKeys => _bootstraps;

    /// <summary>In-memory size of the seeds and bodies, in bytes.</summary>
    public long SizeInBytes => _keySwitches.Values.Sum(k => k.SizeInBytes) + _bootstraps.Values.Sum(k => k.SizeInBytes);

    /// <summary>Bytes of <see cref="Save"/>'s output, known without serializing.</summary>
    public long SerializedSizeInBytes => TfheSerializer.SeededCircuitServerKeyLength(_parameters, _keySwitches.Keys, _bootstraps.Keys);

    /// <summary>The evaluation keys: masks regenerated from their seeds, bootstrapping keys taken to the Fourier domain.</summary>
    public CircuitServerKey Expand() => new(_parameters,
        _keySwitches.ToDictionary(e => e.Key, e => e.Value.Expand()),
        _bootstraps.ToDictionary(e => e.Key, e => e.Value.Expand()));

    /// <summary>Writes the keys in the versioned binary format (see <see cref="TfheSerializer"/>).</summary>
    public void Save(Stream stream) => TfheSerializer.WriteSeededCircuitServerKey(stream, this);

    /// <summary>Reads keys written by <see cref="Save"/>; the stream must end right after them.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter sets must equal these, in order.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static SeededCircuitServerKey Load(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null)
        => TfheSerializer.ReadSeededCircuitServerKey(stream, expectedParameters);

    /// <summary>
    /// Reads the seeded keys of the circuit <paramref name="encoding"/> describes: its key sets and exactly the pairs
    /// it uses, checked before any key data is read. What a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not a key for this circuit.</exception>
    public static SeededCircuitServerKey Load(Stream stream, Circuits.CircuitEncoding encoding)
        => TfheSerializer.ReadSeededCircuitServerKey(stream, encoding);

    /// <inheritdoc/>
    public override string ToString() =>
        $"SeededCircuitServerKey({string.Join(", ", _parameters.Select(p => p.Id))}; KS {string.Join(" ", _keySwitches.Keys)}; BSK {string.Join(" ", _bootstraps.Keys)}; {SizeInBytes} bytes)";
}
