using System;
using System.Collections.Generic;
using System.IO;
using FheGen.Tfhe.Parameters;

namespace FheGen.Tfhe.Keys;

// PLACEHOLDER: being written (circuit key containers).
public static partial class TfheSerializer
{
    /// <summary>Writes a circuit's client keys.</summary>
    public static void WriteCircuitClientKey(Stream stream, CircuitClientKey key) => throw new NotImplementedException();

    /// <summary>Reads a circuit's client keys.</summary>
    public static CircuitClientKey ReadCircuitClientKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null) => throw new NotImplementedException();

    /// <summary>Writes a circuit's server keys.</summary>
    public static void WriteCircuitServerKey(Stream stream, CircuitServerKey key) => throw new NotImplementedException();

    /// <summary>Reads a circuit's server keys.</summary>
    public static CircuitServerKey ReadCircuitServerKey(Stream stream, IReadOnlyList<TfheParameters>? expectedParameters = null) => throw new NotImplementedException();

    /// <summary>Serialized length of a circuit's server keys.</summary>
    public static long CircuitServerKeyLength(IReadOnlyList<TfheParameters> parameters, IEnumerable<KeyPair> keySwitches, IEnumerable<KeyPair> bootstraps) => throw new NotImplementedException();
}
