using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using FheGen.Samples.Digits;
using FheGen.Samples.ServerClient;

// dotnet run --project samples/ServerClient -c Release [-- --server http://127.0.0.1:5080] [--samples N] [--client-id ID]
// Talks to samples/Server: keys, registration, N encrypted digits test samples, predictions against the clear circuit.
return await ClientCli.RunAsync(args);

internal static class ClientCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        string url = "http://127.0.0.1:5080", clientId = "client-" + Guid.NewGuid().ToString("N")[..8];
        int samples = 3;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--server" when i + 1 < args.Length:
                    url = args[++i];
                    break;
                case "--client-id" when i + 1 < args.Length:
                    clientId = args[++i];
                    break;
                case "--samples" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1:
                    samples = n;
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"unknown or incomplete option '{args[i]}'; usage: [--server URL] [--samples N>=1] [--client-id ID]");
                    return 2;
            }
        }

        var (_, test) = DigitsExperiment.LoadSplit();
        samples = Math.Min(samples, test.Count);
        var rows = Enumerable.Range(0, samples).Select(i => test.Row(i).ToArray()).ToArray();
        // Key uploads are tens to hundreds of MiB and an evaluation takes seconds: no 100 s default timeout.
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(30) };
        try
        {
            var session = await DeployedClient.RunAsync(new FheServerClient(http), clientId, rows, test.Y.Take(samples).ToArray(), Console.Out);
            var p = session.Predictions;
            var latencies = p.Select(x => x.RoundTripMs).OrderBy(x => x).ToArray();
            Console.WriteLine($"{p.Count(x => x.EqualsClear)}/{p.Count} equal the clear circuit; {p.Count(x => x.Predicted == x.Label)}/{p.Count} correct; " +
                              $"median round trip {latencies[latencies.Length / 2]:F0} ms; evaluation key {session.EvaluationKeyBytes / 1048576.0:F1} MiB, " +
                              $"request {p[0].RequestBytes} B, response {p[0].ResponseBytes / 1024.0:F0} KiB");
            return 0; // differences are reported, not failures: approximate rounding may differ from the clear circuit by design
        }
        catch (Exception e) when (e is FheGen.Samples.ServerClient.FheServerException or HttpRequestException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
