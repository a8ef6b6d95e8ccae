using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Keys;

/// <summary>
/// An ordered pair of key indices of a circuit's key sets (see <see cref="CircuitClientKey"/>): for a keyswitching key,
/// from the big key of set <see cref="From"/> to the small key of set <see cref="To"/>; for a bootstrapping key, from
/// the small key of <see cref="From"/> into the GLWE key of <see cref="To"/>.
/// </summary>
/// <param name="From">Index of the source key set.</param>
/// <param name="To">Index of the destination key set.</param>
public readonly record struct KeyPair(int From, int To)
{
    /// <inheritdoc/>
    public override string ToString() => $"{From}->{To}";
}

/// <summary>
/// The secret keys of a circuit that runs its lookups at several parameter sets (one per distinct TLU width): one
/// <see cref="ClientKey"/> per set. It encrypts inputs, decrypts outputs and derives the evaluation keys between sets.
/// Never send it to the server.
/// </summary>
public sealed class CircuitClientKey
{
    private readonly ClientKey[] _keys;

    /// <summary>Wraps one client key per parameter set (index = key set).</summary>
    /// <exception cref="ArgumentException">No key, or a null one.</exception>
    public CircuitClientKey(IReadOnlyList<ClientKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
            throw new ArgumentException("A circuit needs at least one key set.", nameof(keys));
        _keys = new ClientKey[keys.Count];
        for (int i = 0; i < _keys.Length; i++)
            _keys[i] = keys[i] ?? throw new ArgumentException($"Key set {i} is null.", nameof(keys));
    }

    /// <summary>The client key of each set.</summary>
    public IReadOnlyList<ClientKey> Keys => _keys;

    /// <summary>The parameter set of each key set.</summary>
    public IReadOnlyList<TfheParameters> Parameters => _keys.Select(k => k.Parameters).ToArray();

    /// <summary>
    /// Generates a client key per parameter set. With a seeded <paramref name="sampler"/> the keys (secret and evaluation
    /// keys) are deterministic: each set draws from a child sampler seeded in index order. Encryptions never are: each
    /// <see cref="ClientKey"/> encrypts with OS-seeded randomness.
    /// </summary>
    public static CircuitClientKey Generate(IReadOnlyList<TfheParameters> parameters, NoiseSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0)
            throw new ArgumentException("A circuit needs at least one key set.", nameof(parameters));
        if (parameters.Count == 1)
            return new CircuitClientKey(new[] { ClientKey.Generate(parameters[0], sampler) });
        sampler ??= new NoiseSampler();
        ulong[] seeds = sampler.DrawChildSeeds(parameters.Count);
        var keys = new ClientKey[parameters.Count];
        for (int i = 0; i < keys.Length; i++)
            keys[i] = ClientKey.Generate(parameters[i] ?? throw new ArgumentException($"Parameter set {i} is null.", nameof(parameters)), NoiseSampler.FromChildSeed(seeds, i));
        Array.Clear(seeds);
        return new CircuitClientKey(keys);
    }

    /// <summary>
    /// Derives the evaluation keys a circuit needs: a keyswitching key for each pair in <paramref name="keySwitches"/>
    /// (big key of From → small key of To, with To's keyswitch gadget and LWE noise) and a bootstrapping key for each
    /// pair in <paramref name="bootstraps"/> (small key of From → GLWE key of To, with To's PBS gadget and GLWE noise).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A pair names a key set that does not exist.</exception>
    public CircuitServerKey CreateServerKey(IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps)
        => new(Parameters, Derive(keySwitches, (from, to) => to.KeySwitchKeyFrom(from)), Derive(bootstraps, (from, to) => to.BootstrapKeyFrom(from)));

    /// <summary>
    /// As <see cref="CreateServerKey"/>, seeded: every mask comes from a public seed and only bodies are kept, so
    /// the key is a fraction of the size to store or send (1/(n+1) for keyswitching keys, 1/(k+1) for bootstrapping
    /// keys). The server calls <see cref="SeededCircuitServerKey.Expand"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A pair names a key set that does not exist.</exception>
    public SeededCircuitServerKey CreateSeededServerKey(IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps)
        => new(Parameters, Derive(keySwitches, (from, to) => to.SeededKeySwitchKeyFrom(from)),
            Derive(bootstraps, (from, to) => to.SeededBootstrapKeyFrom(from)));

    /// <summary>Writes every secret key in the versioned binary format (see <see cref="TfheSerializer"/>).</summary>
    public void Save(Stream stream) => TfheSerializer.WriteCircuitClientKey(stream, this);

    /// <summary>Reads keys written by <see cref="Save"/>; the stream must end right after them.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter sets must equal these, in order.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static CircuitClientKey Load(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null)
        => TfheSerializer.ReadCircuitClientKey(stream, expectedParameters);

    /// <inheritdoc/>
    public override string ToString() => $"CircuitClientKey({string.Join(", ", _keys.Select(k => k.Parameters.Id))}, key material hidden)";

    /// <summary>One key per distinct pair, made by <paramref name="make"/> from the client keys of its From and To sets.</summary>
    private Dictionary<KeyPair, TKey> Derive<TKey>(IEnumerable<KeyPair> pairs, Func<ClientKey, ClientKey, TKey> make)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var result = new Dictionary<KeyPair, TKey>();
        foreach (var pair in pairs.Distinct())
        {
            if ((uint)pair.From >= (uint)_keys.Length || (uint)pair.To >= (uint)_keys.Length)
                throw new ArgumentOutOfRangeException(nameof(pairs), pair, $"There are {_keys.Length} key sets.");
            result[pair] = make(_keys[pair.From], _keys[pair.To]);
        }

        return result;
    }
}

/// <summary>
/// The evaluation keys of a circuit with one or more parameter sets: keyswitching and bootstrapping keys indexed by the
/// key sets they join (see <see cref="KeyPair"/>). Everything the server needs; it holds no secret key.
/// </summary>
public sealed class CircuitServerKey
{
    private readonly TfheParameters[] _parameters;
    private readonly Dictionary<KeyPair, KeySwitchKey> _keySwitches;
    private readonly Dictionary<KeyPair, BootstrapKey> _bootstraps;

    /// <summary>Wraps existing keys after checking each against the parameter sets it joins.</summary>
    /// <exception cref="ArgumentException">A key's dimensions or gadget differ from its parameter sets.</exception>
    internal CircuitServerKey(IReadOnlyList<TfheParameters> parameters, IReadOnlyDictionary<KeyPair, KeySwitchKey> keySwitches, IReadOnlyDictionary<KeyPair, BootstrapKey> bootstraps)
    {
        _parameters = KeyShapes.Sets(parameters, nameof(parameters));
        _keySwitches = KeyShapes.Checked(keySwitches, _parameters, "keyswitching key", nameof(keySwitches),
            (key, from, to) => KeyShapes.KeySwitchMatches(key.InputDimension, key.OutputDimension, key.Decomposer, from, to));
        _bootstraps = KeyShapes.Checked(bootstraps, _parameters, "bootstrapping key", nameof(bootstraps),
            (key, from, to) => KeyShapes.BootstrapMatches(key.LweDimension, key.GlweDimension, key.PolynomialSize, key.Decomposer, from, to));
    }

    /// <summary>The circuit's key sets over one parameter set: a <see cref="ServerKey"/>'s keys as pair 0→0.</summary>
    public static CircuitServerKey FromServerKey(ServerKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var pair = new KeyPair(0, 0);
        return new CircuitServerKey(new[] { key.Parameters },
            new Dictionary<KeyPair, KeySwitchKey> { [pair] = key.KeySwitchKey },
            new Dictionary<KeyPair, BootstrapKey> { [pair] = key.BootstrapKey });
    }

    /// <summary>The parameter set of each key set.</summary>
    public IReadOnlyList<TfheParameters> Parameters => _parameters;

    /// <summary>The keyswitching keys, by (source big key, destination small key).</summary>
    internal IReadOnlyDictionary<KeyPair, KeySwitchKey> KeySwitchKeys => _keySwitches;

    /// <summary>The bootstrapping keys, by (source small key, destination GLWE key).</summary>
    internal IReadOnlyDictionary<KeyPair, BootstrapKey> BootstrapKeys => _bootstraps;

    /// <summary>In-memory size of every key, in bytes.</summary>
    public long SizeInBytes => _keySwitches.Values.Sum(k => k.SizeInBytes) + _bootstraps.Values.Sum(k => k.SizeInBytes);

    /// <summary>Bytes of <see cref="Save"/>'s output, known without serializing.</summary>
    public long SerializedSizeInBytes => TfheSerializer.CircuitServerKeyLength(_parameters, _keySwitches.Keys, _bootstraps.Keys);

    /// <summary>
    /// A new evaluator (scratch buffers; not thread-safe) that keyswitches from the big key of <paramref name="input"/>
    /// to the small key of <paramref name="read"/>, then bootstraps into the GLWE key of <paramref name="output"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The key does not hold the keyswitching or bootstrapping key needed.</exception>
    internal ProgrammableBootstrapper CreateBootstrapper(int input, int read, int output)
    {
        if (!_keySwitches.TryGetValue(new KeyPair(input, read), out var ksk))
            throw new KeyNotFoundException($"The server key has no keyswitching key from set {input} to set {read}; it was generated for another circuit.");
        if (!_bootstraps.TryGetValue(new KeyPair(read, output), out var bsk))
            throw new KeyNotFoundException($"The server key has no bootstrapping key from set {read} into set {output}; it was generated for another circuit.");
        return new ProgrammableBootstrapper(bsk, ksk);
    }

    /// <summary>Writes the keys in the versioned binary format (see <see cref="TfheSerializer"/>).</summary>
    public void Save(Stream stream) => TfheSerializer.WriteCircuitServerKey(stream, this);

    /// <summary>Reads keys written by <see cref="Save"/>; the stream must end right after them.</summary>
    /// <param name="stream">Source stream.</param>
    /// <param name="expectedParameters">When given, the stored parameter sets must equal these, in order.</param>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static CircuitServerKey Load(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null)
        => TfheSerializer.ReadCircuitServerKey(stream, expectedParameters);

    /// <summary>
    /// Reads the keys of the circuit <paramref name="encoding"/> describes: its key sets and exactly the pairs it uses,
    /// checked before any key data is read. What a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not a key for this circuit.</exception>
    public static CircuitServerKey Load(Stream stream, Circuits.CircuitEncoding encoding)
        => TfheSerializer.ReadCircuitServerKey(stream, encoding);

    /// <inheritdoc/>
    public override string ToString() =>
        $"CircuitServerKey({string.Join(", ", _parameters.Select(p => p.Id))}; KS {string.Join(" ", _keySwitches.Keys)}; BSK {string.Join(" ", _bootstraps.Keys)}; {SizeInBytes} bytes)";
}

/// <summary>Whether a key's shape fits the parameter sets it joins (shared by the full and seeded containers).</summary>
internal static class KeyShapes
{
    /// <summary>A copy of a circuit's parameter sets: at least one, none null.</summary>
    public static TfheParameters[] Sets(IReadOnlyList<TfheParameters> parameters, string paramName)
    {
        ArgumentNullException.ThrowIfNull(parameters, paramName);
        if (parameters.Count == 0)
            throw new ArgumentException("A circuit needs at least one key set.", paramName);
        var sets = parameters.ToArray();
        for (int i = 0; i < sets.Length; i++)
            ArgumentNullException.ThrowIfNull(sets[i], $"{paramName}[{i}]");
        return sets;
    }

    /// <summary>A copy of <paramref name="keys"/> after checking each against the sets its pair joins.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A pair names a set that does not exist.</exception>
    /// <exception cref="ArgumentException">A key's shape does not fit its sets.</exception>
    public static Dictionary<KeyPair, TKey> Checked<TKey>(IReadOnlyDictionary<KeyPair, TKey> keys, TfheParameters[] sets, string what, string paramName,
        Func<TKey, TfheParameters, TfheParameters, bool> matches)
        where TKey : class
    {
        ArgumentNullException.ThrowIfNull(keys, paramName);
        var result = new Dictionary<KeyPair, TKey>();
        foreach (var (pair, key) in keys)
        {
            if ((uint)pair.From >= (uint)sets.Length || (uint)pair.To >= (uint)sets.Length)
                throw new ArgumentOutOfRangeException(paramName, pair, $"There are {sets.Length} key sets.");
            ArgumentNullException.ThrowIfNull(key, paramName);
            var (from, to) = (sets[pair.From], sets[pair.To]);
            if (!matches(key, from, to))
                throw new ArgumentException($"The {what} {pair} does not match {from.Id} -> {to.Id}.", paramName);
            result[pair] = key;
        }

        return result;
    }

    /// <summary>A keyswitching key from the big key of <paramref name="from"/> to the small key of <paramref name="to"/>, with <paramref name="to"/>'s gadget.</summary>
    public static bool KeySwitchMatches(int inputDimension, int outputDimension, GadgetDecomposer decomposer, TfheParameters from, TfheParameters to)
        => inputDimension == from.BigLweDimension && outputDimension == to.LweDimension &&
           decomposer.BaseLog == to.KsBaseLog && decomposer.LevelCount == to.KsLevel;

    /// <summary>A bootstrapping key from the small key of <paramref name="from"/> into the GLWE key of <paramref name="to"/>, with <paramref name="to"/>'s gadget.</summary>
    public static bool BootstrapMatches(int lweDimension, int glweDimension, int polynomialSize, GadgetDecomposer decomposer, TfheParameters from, TfheParameters to)
        => lweDimension == from.LweDimension && glweDimension == to.GlweDimension && polynomialSize == to.PolynomialSize &&
           decomposer.BaseLog == to.PbsBaseLog && decomposer.LevelCount == to.PbsLevel;
}
