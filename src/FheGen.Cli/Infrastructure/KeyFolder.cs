using System.IO;
using FheGen.Tfhe.Deployment;

namespace FheGen.Cli.Infrastructure;

/// <summary>The files <c>fhegen keygen</c> writes into its folder, and how the other commands read them.</summary>
internal static class KeyFolder
{
    public const string ClientBundleFile = "client.bundle";
    public const string SecretKeyFile = "secret.key";
    public const string EvaluationKeyFile = "evaluation.key";
    public const string ServerBundleFile = "server.bundle";

    /// <summary>The client of a keygen folder: its client bundle and secret key.</summary>
    public static ModelClient LoadClient(string folder)
    {
        if (!Directory.Exists(folder)) throw new InputFileException(folder, "no such folder (the --client folder is the one fhegen keygen --out wrote).");
        var bundle = Files.Parse(Path.Combine(folder, ClientBundleFile), ClientBundle.Load);
        return Files.Parse(Path.Combine(folder, SecretKeyFile), p =>
        {
            using var stream = File.OpenRead(p);
            return ModelClient.Load(bundle, stream);
        });
    }
}
