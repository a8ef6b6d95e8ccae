using System;
using System.Linq;
using FheGen.Tfhe.Circuits;
using Xunit;

namespace FheGen.Tfhe.Tests;

/// <summary>
/// The package's TFHE surface is what users need (keys, ciphertexts, the encrypted backend, deployment); the kernels
/// (FFT, decomposition, GLWE/GGSW, KSK/BSK, PBS) are internal and reached by tests and benchmarks only. A new public
/// type must be added here on purpose.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly string[] Expected =
    {
        "FheGen.FheBatchProgress",
        "FheGen.FheMode",
        "FheGen.FheModel",
        "FheGen.FhePredictOptions",
        "FheGen.Tfhe.Circuits.CircuitClient",
        "FheGen.Tfhe.Circuits.CircuitCompatibility",
        "FheGen.Tfhe.Circuits.CircuitEncoding",
        "FheGen.Tfhe.Circuits.EncryptedBackend",
        "FheGen.Tfhe.Circuits.EncryptedCircuitRunner",
        "FheGen.Tfhe.Circuits.EncryptedInference",
        "FheGen.Tfhe.Circuits.EncryptedInferenceOptions",
        "FheGen.Tfhe.Circuits.EncryptedReport",
        "FheGen.Tfhe.Circuits.EncryptedSample",
        "FheGen.Tfhe.Commons.NoiseSampler",
        "FheGen.Tfhe.Deployment.CircuitDeployment",
        "FheGen.Tfhe.Deployment.CircuitServer",
        "FheGen.Tfhe.Deployment.ClientBundle",
        "FheGen.Tfhe.Deployment.DeploymentFormat",
        "FheGen.Tfhe.Deployment.DeploymentObjectKind",
        "FheGen.Tfhe.Deployment.EncryptedOutputs",
        "FheGen.Tfhe.Deployment.ModelClient",
        "FheGen.Tfhe.Deployment.ServerBundle",
        "FheGen.Tfhe.Entities.LweCiphertext",
        "FheGen.Tfhe.Entities.SeededLweCiphertext",
        "FheGen.Tfhe.Keys.CircuitClientKey",
        "FheGen.Tfhe.Keys.CircuitServerKey",
        "FheGen.Tfhe.Keys.ClientKey",
        "FheGen.Tfhe.Keys.SeededCircuitServerKey",
        "FheGen.Tfhe.Keys.KeyPair",
        "FheGen.Tfhe.Keys.ServerKey",
        "FheGen.Tfhe.Keys.TfheCiphertext",
        "FheGen.Tfhe.Keys.TfheSeededCiphertexts",
        "FheGen.Tfhe.Serialization.TfheFormatException",
        "FheGen.Tfhe.Serialization.TfheObjectKind",
        "FheGen.Tfhe.Serialization.TfheSerializer",
    };

    [Fact]
    public void Exported_types_are_exactly_the_approved_list()
    {
        var exported = typeof(EncryptedBackend).Assembly.GetExportedTypes().Select(t => t.FullName!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var added = exported.Except(Expected).ToArray();
        var removed = Expected.Except(exported).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"Public types changed. Added: [{string.Join(", ", added)}]. Removed: [{string.Join(", ", removed)}].");
    }

    [Theory]
    [InlineData("FheGen.Tfhe.Fft")]
    [InlineData("FheGen.Tfhe.Algorithms")]
    public void Kernel_namespaces_export_nothing(string ns)
    {
        var exported = typeof(EncryptedBackend).Assembly.GetExportedTypes().Where(t => t.Namespace == ns).Select(t => t.FullName).ToArray();
        Assert.Empty(exported);
    }
}
