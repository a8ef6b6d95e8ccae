using System;
using System.Collections.Concurrent;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Deployment;

namespace FheGen.Samples.Server;

/// <summary>
/// The registered clients' evaluation keys: the seeded key as received on disk (<c>keys/ID.key</c>, so a restarted
/// server still knows its clients), the expanded key and its backend in memory once used.
/// </summary>
public sealed partial class ClientKeyStore
{
    private readonly CircuitServer _server;
    private readonly string _folder;
    private readonly ConcurrentDictionary<string, Lazy<EncryptedBackend>> _backends = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();

    /// <summary>A store under <paramref name="folder"/> for <paramref name="server"/>'s circuit.</summary>
    public ClientKeyStore(CircuitServer server, string folder)
    {
        _server = server;
        _folder = folder;
        Directory.CreateDirectory(folder);
    }

    /// <summary>Client ids are file names: letters, digits, '-' and '_', 1 to 64 of them.</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    private string PathOf(string id) => Path.Combine(_folder, id + ".key");

    /// <summary>Whether <paramref name="id"/> has registered a key.</summary>
    public bool IsRegistered(string id) => _backends.ContainsKey(id) || File.Exists(PathOf(id));

    /// <summary>
    /// Checks and expands <paramref name="seededKey"/>, then stores it for <paramref name="id"/>; false when the
    /// id already has a key (a key is registered once).
    /// </summary>
    /// <exception cref="Tfhe.Keys.TfheFormatException">The key is damaged or not for this circuit.</exception>
    public bool Register(string id, byte[] seededKey)
    {
        if (IsRegistered(id)) return false;
        // Checked and expanded before anything is stored: a bad key never reaches the disk.
        var backend = _server.CreateBackend(_server.LoadEvaluationKey(seededKey));
        lock (_writeLock)
        {
            if (IsRegistered(id)) return false;
            string path = PathOf(id), temporary = path + ".tmp";
            File.WriteAllBytes(temporary, seededKey);
            File.Move(temporary, path);
            _backends[id] = new Lazy<EncryptedBackend>(backend);
        }

        return true;
    }

    /// <summary>The backend of a registered client (its stored key loaded on first use); null when unknown.</summary>
    public EncryptedBackend? Find(string id)
    {
        if (!IsRegistered(id)) return null;
        var lazy = _backends.GetOrAdd(id, key => new Lazy<EncryptedBackend>(
            () => _server.CreateBackend(_server.LoadEvaluationKey(File.ReadAllBytes(PathOf(key)))), LazyThreadSafetyMode.ExecutionAndPublication));
        return lazy.Value;
    }
}
