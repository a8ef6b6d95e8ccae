using System;
using System.Collections.Generic;
using System.IO;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Serialization;

/// <remarks>
/// <para>Seeded circuit server key (kind 7): the container header of kind 4 (set count, Ids, payload length), then
/// the same two pair lists, then per keyswitching key (pair order) its seeds (32 bytes per input coefficient, k·N of
/// From) and its bodies (uint64, k·N of From × l_ks of To), then per bootstrapping key its seeds (32 bytes per GGSW,
/// n of From) and its row bodies in the standard domain (uint64, n of From × (k+1)·l_pbs × N of To), then SHA-256.</para>
/// </remarks>
public static partial class TfheSerializer
{
    /// <summary>Writes a seeded circuit server key (kind 7).</summary>
    /// <exception cref="ArgumentException">The key has more than <see cref="MaxParameterSets"/> parameter sets.</exception>
    public static void WriteSeededCircuitServerKey(Stream stream, SeededCircuitServerKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        SeededCircuitServerKeys.Write(stream, key.Parameters, key.KeySwitchKeys, key.BootstrapKeys, nameof(key));
    }

    /// <summary>Reads a seeded circuit server key; the stream must end right after it.</summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or for other parameters.</exception>
    public static SeededCircuitServerKey ReadSeededCircuitServerKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadSeededCircuitServerKey(stream, expectedParameters, checkPairs: null);
    }

    /// <summary>
    /// Reads the seeded evaluation keys of the circuit <paramref name="encoding"/> describes: its key sets in order
    /// and exactly its required pairs, checked before any key data is read. What a server should use.
    /// </summary>
    /// <exception cref="TfheFormatException">The data is malformed, truncated, corrupted or not a key for this circuit.</exception>
    public static SeededCircuitServerKey ReadSeededCircuitServerKey(Stream stream, CircuitEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(encoding);
        return ReadSeededCircuitServerKey(stream, encoding.KeySets, (ks, bs) => CircuitCompatibility.CheckKeyPairs(ks, bs, encoding));
    }

    private static SeededCircuitServerKey ReadSeededCircuitServerKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters,
        Action<KeyPair[], KeyPair[]>? checkPairs)
    {
        var (sets, keySwitches, bootstraps) = SeededCircuitServerKeys.Read(stream, expectedParameters, checkPairs);
        return new SeededCircuitServerKey(sets, keySwitches, bootstraps);
    }

    /// <summary>Bytes <see cref="WriteSeededCircuitServerKey"/> writes for keys over the sets joining the pairs.</summary>
    /// <exception cref="ArgumentException">No set, more than <see cref="MaxParameterSets"/>, or a pair names a set that does not exist.</exception>
    public static long SeededCircuitServerKeyLength(IReadOnlyList<TfheParameters> parameters, IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps)
        => SeededCircuitServerKeys.Length(parameters, keySwitches, bootstraps);
}
