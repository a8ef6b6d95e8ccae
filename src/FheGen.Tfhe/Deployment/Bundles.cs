using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using FheGen.Circuits;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Deployment;

/// <summary>
/// The developer's step (Concrete ML's <c>FHEModelDev</c>): from a compiled circuit, the <see cref="ClientBundle"/>
/// to give clients and the <see cref="ServerBundle"/> to deploy. Neither holds a key; keys are made by each client
/// (<see cref="ModelClient"/>), and the server only ever sees their evaluation part.
/// </summary>
public static class CircuitDeployment
{
    /// <summary>Selects the circuit's parameter sets (as <see cref="CircuitEncoding.Create"/>) and makes both bundles.</summary>
    /// <param name="plan">The compiled circuit, with tables (the generator's options).</param>
    /// <param name="pError">Per-PBS error probability; the plan's when null.</param>
    /// <param name="setPerWidth">One parameter set per TLU width (default) or one shared set.</param>
    /// <param name="inputSet">Whether the inputs get a set of their own (null: when it pays, as <see cref="CircuitEncoding.Create"/>).</param>
    /// <exception cref="InvalidOperationException">No secure parameter set meets every read.</exception>
    public static (ClientBundle Client, ServerBundle Server) Create(CircuitPlan plan, double? pError = null, bool setPerWidth = true, bool? inputSet = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var encoding = CircuitEncoding.Create(plan, pError, null, setPerWidth, inputSet);
        // The resolved choice is stored, so a loader rebuilds this very encoding without re-deciding.
        bool resolvedInputSet = encoding.KeyDescriptions.Count > encoding.KeyWidths.Count;
        var content = new BundleContent(plan, encoding, pError ?? plan.PError, setPerWidth, resolvedInputSet);
        return (new ClientBundle(content), new ServerBundle(content));
    }
}

/// <summary>What both bundles hold: the plan, how its encoding was chosen, and the parameter sets that came out.</summary>
internal sealed class BundleContent
{
    public BundleContent(CircuitPlan plan, CircuitEncoding encoding, double pError, bool setPerWidth, bool inputSet)
    {
        Plan = plan;
        Encoding = encoding;
        PError = pError;
        SetPerWidth = setPerWidth;
        InputSet = inputSet;
    }

    public CircuitPlan Plan { get; }

    public CircuitEncoding Encoding { get; }

    public double PError { get; }

    public bool SetPerWidth { get; }

    public bool InputSet { get; }

    public byte[] ToBytes(DeploymentObjectKind kind)
    {
        var json = new JsonObject
        {
            ["model"] = Plan.Name,
            ["p_error"] = PError,
            ["set_per_width"] = SetPerWidth,
            ["input_set"] = InputSet,
            ["key_sets"] = new JsonArray(Encoding.KeySets.Select(k => (JsonNode)JsonValue.Create(k.Id)!).ToArray()),
            ["plan"] = JsonNode.Parse(PlanFormat.ToJson(Plan).GetRawText()),
        };
        return DeploymentFormat.Wrap(kind, JsonSerializer.SerializeToUtf8Bytes(json));
    }

    /// <exception cref="TfheFormatException">Damaged, of another kind, or for parameter sets this build does not select.</exception>
    public static BundleContent FromBytes(ReadOnlyMemory<byte> blob, DeploymentObjectKind kind)
    {
        var payload = DeploymentFormat.Unwrap(blob, kind);
        string what = kind == DeploymentObjectKind.ClientBundle ? "client bundle" : "server bundle";
        CircuitPlan plan;
        double pError;
        bool setPerWidth, inputSet;
        string[] keySets;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            pError = root.GetProperty("p_error").GetDouble();
            setPerWidth = root.GetProperty("set_per_width").GetBoolean();
            inputSet = root.GetProperty("input_set").GetBoolean();
            keySets = root.GetProperty("key_sets").EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
            plan = PlanFormat.FromJson(root.GetProperty("plan"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TfheFormatException($"The {what}'s content is not valid: {e.Message}", e);
        }

        if (!(pError > 0 && pError < 1)) throw new TfheFormatException($"The {what}'s p_error {pError} is not in (0, 1).");
        CircuitEncoding encoding;
        try
        {
            encoding = CircuitEncoding.Create(plan, pError, null, setPerWidth, inputSet);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new TfheFormatException($"The {what}'s circuit cannot be encoded: {e.Message}", e);
        }

        // The parameter selection is re-run on load; a build whose selection differs would make keys that do not fit
        // the other side's, so that is refused here rather than at the first request.
        var selected = encoding.KeySets.Select(k => k.Id).ToArray();
        if (!selected.SequenceEqual(keySets))
            throw new TfheFormatException(
                $"The {what} was made for the parameter sets {string.Join(", ", keySets)}; this build selects {string.Join(", ", selected)} for its circuit. " +
                "Make the bundles again with this build.");
        return new BundleContent(plan, encoding, pError, setPerWidth, inputSet);
    }

    /// <summary>A short hash identifying the circuit and its parameters (the same for the client and server bundle of one circuit).</summary>
    public string Fingerprint() => _fingerprint ??= ComputeFingerprint();

    private string? _fingerprint;

    private string ComputeFingerprint()
    {
        var bytes = ToBytes(DeploymentObjectKind.ServerBundle);
        var payload = bytes.AsSpan(16, bytes.Length - DeploymentFormat.Overhead);
        return Convert.ToHexStringLower(SHA256.HashData(payload))[..16];
    }
}

/// <summary>
/// What a client needs to use a deployed circuit (Concrete ML's <c>client.zip</c>): the input quantization and output
/// dequantization (<see cref="Io"/>), the encoding and its parameter sets (<see cref="Encoding"/>). Key generation,
/// encryption and decryption go through <see cref="ModelClient"/>. No key is in it.
/// </summary>
/// <remarks>
/// The bundle carries the compiled plan, weights included, because the encoding (message widths, parameter sets, the
/// keys the circuit needs) is derived from it; a client bundle without the weights is not implemented.
/// </remarks>
public sealed class ClientBundle
{
    internal ClientBundle(BundleContent content)
    {
        Content = content;
        Io = CircuitIo.FromPlan(content.Plan);
    }

    internal BundleContent Content { get; }

    /// <summary>The compiled circuit.</summary>
    public CircuitPlan Plan => Content.Plan;

    /// <summary>The circuit's encoding and parameter sets.</summary>
    public CircuitEncoding Encoding => Content.Encoding;

    /// <summary>Quantizes float features and dequantizes output accumulators.</summary>
    public CircuitIo Io { get; }

    /// <summary>Per-PBS error probability the parameters were chosen for.</summary>
    public double PError => Content.PError;

    /// <summary>Identifies the circuit and its parameters; equal to its <see cref="ServerBundle.Fingerprint"/>.</summary>
    public string Fingerprint => Content.Fingerprint();

    /// <summary>The bundle in the versioned format (<see cref="DeploymentFormat"/>).</summary>
    public byte[] ToBytes() => Content.ToBytes(DeploymentObjectKind.ClientBundle);

    /// <summary>Writes <see cref="ToBytes"/>.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes());
    }

    /// <summary>Writes the bundle to a file.</summary>
    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    /// <summary>Reads a bundle written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="TfheFormatException">The data is damaged, not a client bundle, or for parameters this build does not select.</exception>
    public static ClientBundle FromBytes(ReadOnlyMemory<byte> data) => new(BundleContent.FromBytes(data, DeploymentObjectKind.ClientBundle));

    /// <summary>Reads a bundle from a stream (to its end).</summary>
    /// <exception cref="TfheFormatException">As <see cref="FromBytes"/>.</exception>
    public static ClientBundle Load(Stream stream) => FromBytes(DeploymentFormat.ReadAll(stream));

    /// <summary>Reads a bundle from a file.</summary>
    /// <exception cref="TfheFormatException">As <see cref="FromBytes"/>.</exception>
    public static ClientBundle Load(string path) => FromBytes(File.ReadAllBytes(path));

    /// <inheritdoc/>
    public override string ToString() => $"ClientBundle({Plan.Name}, {Fingerprint})";
}

/// <summary>
/// What a server needs to evaluate a deployed circuit (Concrete ML's <c>server.zip</c>): the circuit plan and its
/// encoding, from which it checks and uses each client's evaluation key (<see cref="CircuitServer"/>). It holds no
/// secret, and the server never needs a client's secret key.
/// </summary>
public sealed class ServerBundle
{
    internal ServerBundle(BundleContent content) => Content = content;

    internal BundleContent Content { get; }

    /// <summary>The compiled circuit.</summary>
    public CircuitPlan Plan => Content.Plan;

    /// <summary>The circuit's encoding and parameter sets.</summary>
    public CircuitEncoding Encoding => Content.Encoding;

    /// <summary>Per-PBS error probability the parameters were chosen for.</summary>
    public double PError => Content.PError;

    /// <summary>Identifies the circuit and its parameters; equal to its <see cref="ClientBundle.Fingerprint"/>.</summary>
    public string Fingerprint => Content.Fingerprint();

    /// <summary>Serialized bytes of a client's seeded evaluation key for this circuit (exact: the format has no slack).</summary>
    public long EvaluationKeyBytes => TfheSerializer.SeededCircuitServerKeyLength(Encoding.KeySets, Encoding.RequiredKeySwitches, Encoding.RequiredBootstraps);

    /// <summary>Serialized bytes of one inference's seeded inputs (exact).</summary>
    public long InputBytes => TfheSerializer.SeededCiphertextsLength(CircuitCompatibility.InputParameters(Encoding), Plan.Inputs);

    /// <summary>The bundle in the versioned format (<see cref="DeploymentFormat"/>).</summary>
    public byte[] ToBytes() => Content.ToBytes(DeploymentObjectKind.ServerBundle);

    /// <summary>Writes <see cref="ToBytes"/>.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes());
    }

    /// <summary>Writes the bundle to a file.</summary>
    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    /// <summary>Reads a bundle written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="TfheFormatException">The data is damaged, not a server bundle, or for parameters this build does not select.</exception>
    public static ServerBundle FromBytes(ReadOnlyMemory<byte> data) => new(BundleContent.FromBytes(data, DeploymentObjectKind.ServerBundle));

    /// <summary>Reads a bundle from a stream (to its end).</summary>
    /// <exception cref="TfheFormatException">As <see cref="FromBytes"/>.</exception>
    public static ServerBundle Load(Stream stream) => FromBytes(DeploymentFormat.ReadAll(stream));

    /// <summary>Reads a bundle from a file.</summary>
    /// <exception cref="TfheFormatException">As <see cref="FromBytes"/>.</exception>
    public static ServerBundle Load(string path) => FromBytes(File.ReadAllBytes(path));

    /// <inheritdoc/>
    public override string ToString() => $"ServerBundle({Plan.Name}, {Fingerprint})";
}
