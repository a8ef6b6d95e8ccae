using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using FheGen.Samples.Server;
using Microsoft.AspNetCore.Builder;

namespace FheGen.Server.Tests;

/// <summary>
/// The sample server on a real Kestrel at a free loopback port (so its body-size limits are Kestrel's, as deployed),
/// over a data folder of its own.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServerHost(WebApplication app, string dataFolder, Uri address)
    {
        _app = app;
        DataFolder = dataFolder;
        Address = address;
    }

    public string DataFolder { get; }

    public Uri Address { get; }

    /// <summary>Starts a server; <paramref name="settings"/> are FheServer options (name, value), the data folder is set here unless given.</summary>
    public static async Task<ServerHost> StartAsync(string dataFolder, params (string Name, string Value)[] settings)
    {
        var args = new List<string> { "--urls", "http://127.0.0.1:0", $"--FheServer:DataFolder={dataFolder}", "--Logging:LogLevel:Default=Warning" };
        args.AddRange(settings.Select(s => $"--FheServer:{s.Name}={s.Value}"));
        var app = FheServerApp.Build(args.ToArray());
        await app.StartAsync();
        return new ServerHost(app, dataFolder, new Uri(app.Urls.Single()));
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(10) };

    private bool _disposed;

    /// <summary>Stops the server; again is a no-op (a test may stop it early to restart on the same folder).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static string TempFolder()
    {
        string path = Path.Combine(Path.GetTempPath(), "fhegen-server-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }
}
