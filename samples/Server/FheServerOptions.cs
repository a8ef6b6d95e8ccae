namespace FheGen.Samples.Server;

/// <summary>The server's settings: configuration section <c>FheServer</c> (appsettings, environment, <c>--FheServer:Key=value</c>).</summary>
public sealed class FheServerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "FheServer";

    /// <summary>Where the bundles the server makes and the registered clients' evaluation keys (<c>keys/</c>) are kept.</summary>
    public string DataFolder { get; set; } = "fhe-server-data";

    /// <summary>
    /// A server bundle to serve; when unset the server makes the bundles of DigitsMlp (as declared, or the variant of
    /// <see cref="TluBits"/>) into <see cref="DataFolder"/> at startup and serves those.
    /// </summary>
    public string? ServerBundle { get; set; }

    /// <summary>The client bundle handed out at <c>GET /v1/client-bundle</c> with a configured <see cref="ServerBundle"/>.</summary>
    public string? ClientBundle { get; set; }

    /// <summary>Without a configured bundle: round DigitsMlp's hidden layer to this TLU width (a smaller, faster circuit).</summary>
    public int? TluBits { get; set; }

    /// <summary>With <see cref="TluBits"/>: approximate instead of exact rounding.</summary>
    public bool Approximate { get; set; }

    /// <summary>Worker threads per lookup batch of one evaluation (all cores when null).</summary>
    public int? Threads { get; set; }

    /// <summary>Evaluations run at once; more requests wait. Each already uses every core, so 1 is the default.</summary>
    public int MaxConcurrentEvaluations { get; set; } = 1;
}
