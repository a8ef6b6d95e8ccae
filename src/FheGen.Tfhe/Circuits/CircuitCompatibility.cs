using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Circuits;

/// <summary>
/// Checks that keys and ciphertexts received by a server fit the circuit it will run, before it spends memory or
/// time on them. A blob's checksum proves nothing about who wrote it, and a reader without expected parameters
/// accepts any parameter set it can parse: these checks (used by the readers that take a
/// <see cref="CircuitEncoding"/>) tie the data to the circuit. Every failure is a <see cref="TfheFormatException"/>, as
/// for any other unacceptable input.
/// </summary>
public static class CircuitCompatibility
{
    /// <summary>The parameter set the circuit's inputs are encrypted under (that of stage 0).</summary>
    public static TfheParameters InputParameters(CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        return encoding.KeySets[encoding.StageKeys[0]];
    }

    /// <summary>Throws unless <paramref name="parameters"/> are the circuit's key sets, in order.</summary>
    /// <exception cref="TfheFormatException">The sets differ.</exception>
    public static void CheckKeySets(IReadOnlyList<TfheParameters> parameters, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(encoding);
        if (KeySetMismatch(parameters, encoding) is { } mismatch)
            throw new TfheFormatException("The key " + mismatch);
    }

    /// <summary>
    /// Null when <paramref name="parameters"/> are the circuit's key sets, in order; else the rest of the sentence
    /// "The ... key " that says what differs. Callers choose the exception: a client's own key is an argument error, a
    /// received one a format error.
    /// </summary>
    internal static string? KeySetMismatch(IReadOnlyList<TfheParameters> parameters, CircuitEncoding encoding)
    {
        bool same = parameters.Count == encoding.KeySets.Count;
        for (int i = 0; same && i < parameters.Count; i++) same = Equals(parameters[i], encoding.KeySets[i]);
        return same ? null
            : $"is for {string.Join(", ", parameters.Select(p => p?.Id))}; the circuit needs {string.Join(", ", encoding.KeySets.Select(p => p.Id))}.";
    }

    /// <summary>
    /// Throws unless the keyswitching and bootstrapping pairs are exactly those the circuit uses: a missing pair would fail
    /// mid-run, an extra one only costs the server memory.
    /// </summary>
    /// <exception cref="TfheFormatException">A pair is missing or not used by the circuit.</exception>
    public static void CheckKeyPairs(IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(keySwitches);
        ArgumentNullException.ThrowIfNull(bootstraps);
        ArgumentNullException.ThrowIfNull(encoding);
        CheckPairs(keySwitches, encoding.RequiredKeySwitches, "keyswitching");
        CheckPairs(bootstraps, encoding.RequiredBootstraps, "bootstrapping");
    }

    /// <summary>Throws unless <paramref name="key"/> has the circuit's key sets and exactly the pairs it uses.</summary>
    /// <exception cref="TfheFormatException">The key is for another circuit.</exception>
    public static void CheckServerKey(CircuitServerKey key, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckKeySets(key.Parameters, encoding);
        CheckKeyPairs(key.KeySwitchKeys.Keys, key.BootstrapKeys.Keys, encoding);
    }

    /// <summary>Throws unless <paramref name="key"/> has the circuit's key sets and exactly the pairs it uses.</summary>
    /// <exception cref="TfheFormatException">The key is for another circuit.</exception>
    public static void CheckServerKey(SeededCircuitServerKey key, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckKeySets(key.Parameters, encoding);
        CheckKeyPairs(key.KeySwitchKeys.Keys, key.BootstrapKeys.Keys, encoding);
    }

    /// <summary>
    /// Throws unless <paramref name="inputs"/> are one inference's inputs of the circuit: its input count, under its
    /// inputs' parameter set, of that set's dimension k·N.
    /// </summary>
    /// <exception cref="TfheFormatException">The ciphertexts are not this circuit's inputs.</exception>
    public static void CheckInputs(TfheSeededCiphertexts inputs, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        CheckInputParameters(inputs.Parameters, encoding);
        CheckInputShape(inputs.Ciphertexts.Count, inputs.LweDimension, encoding);
    }

    /// <summary>Throws unless <paramref name="input"/> is under the circuit's input parameter set, of dimension k·N.</summary>
    /// <exception cref="TfheFormatException">The ciphertext is not an input of this circuit.</exception>
    public static void CheckInput(TfheCiphertext input, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInputParameters(input.Parameters, encoding);
        CheckInputDimension(input.Ciphertext.LweDimension, encoding);
    }

    /// <summary>
    /// The full ciphertexts of one inference's seeded inputs, after <see cref="CheckInputs"/>: at most the circuit's
    /// input count are expanded, each to the circuit's input dimension.
    /// </summary>
    /// <exception cref="TfheFormatException">The ciphertexts are not this circuit's inputs.</exception>
    public static LweCiphertext[] ExpandInputs(TfheSeededCiphertexts inputs, CircuitEncoding encoding)
    {
        CheckInputs(inputs, encoding);
        return inputs.Expand();
    }

    private static void CheckInputParameters(TfheParameters parameters, CircuitEncoding encoding)
    {
        var expected = InputParameters(encoding);
        if (!expected.Equals(parameters))
            throw new TfheFormatException($"The inputs are under '{parameters.Id}'; the circuit's inputs are under '{expected.Id}'.");
    }

    /// <summary>The count and dimension of one inference's input ciphertexts, before their data is read.</summary>
    internal static void CheckInputShape(int count, int dimension, CircuitEncoding encoding)
    {
        CheckInputDimension(dimension, encoding);
        int inputs = encoding.Plan.Inputs;
        if (count != inputs)
            throw new TfheFormatException($"{count} input ciphertexts; the circuit takes {inputs}.");
    }

    /// <summary>The dimension of an input ciphertext, before its data is read.</summary>
    internal static void CheckInputDimension(int dimension, CircuitEncoding encoding)
    {
        int expected = InputParameters(encoding).BigLweDimension;
        if (dimension != expected)
            throw new TfheFormatException($"The inputs have dimension {dimension}; the circuit's inputs are under k·N = {expected}.");
    }

    private static void CheckPairs(IEnumerable<KeyPair> present, IReadOnlyList<KeyPair> required, string what)
    {
        var have = new HashSet<KeyPair>(present);
        var missing = required.Where(p => !have.Contains(p)).ToArray();
        if (missing.Length > 0)
            throw new TfheFormatException($"The server key lacks the {what} key(s) {string.Join(", ", missing)} the circuit needs.");
        var extra = have.Where(p => !required.Contains(p)).OrderBy(p => (p.From, p.To)).ToArray();
        if (extra.Length > 0)
            throw new TfheFormatException($"The server key holds {what} key(s) {string.Join(", ", extra)} the circuit does not use.");
    }
}
