using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace FheGen.Samples.ServerClient;

/// <summary>The sample server's answer when it refuses a request: the status and the problem's detail.</summary>
public sealed class FheServerException(HttpStatusCode status, string detail)
    : Exception($"{(int)status} {status}: {detail}")
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The server's explanation (the problem details' <c>detail</c>).</summary>
    public string Detail { get; } = detail;
}

/// <summary>The sample server's endpoints over HTTP: bytes in, bytes out; refusals as <see cref="FheServerException"/>.</summary>
public sealed class FheServerClient(HttpClient http)
{
    /// <summary>The client bundle the server hands out (<c>GET /v1/client-bundle</c>).</summary>
    public Task<byte[]> GetClientBundleAsync(CancellationToken cancel = default) => SendAsync(HttpMethod.Get, "/v1/client-bundle", null, cancel);

    /// <summary>Registers <paramref name="evaluationKey"/> for <paramref name="clientId"/> (<c>PUT /v1/clients/ID/key</c>).</summary>
    public Task RegisterAsync(string clientId, byte[] evaluationKey, CancellationToken cancel = default)
        => SendAsync(HttpMethod.Put, $"/v1/clients/{Uri.EscapeDataString(clientId)}/key", evaluationKey, cancel);

    /// <summary>Sends one encrypted input and returns the encrypted outputs (<c>POST /v1/clients/ID/predict</c>).</summary>
    public Task<byte[]> PredictAsync(string clientId, byte[] encryptedInput, CancellationToken cancel = default)
        => SendAsync(HttpMethod.Post, $"/v1/clients/{Uri.EscapeDataString(clientId)}/predict", encryptedInput, cancel);

    /// <summary>Server-side evaluation time of the last successful prediction (the X-Fhe-Evaluation-Ms header), if sent.</summary>
    public double? LastEvaluationMs { get; private set; }

    private async Task<byte[]> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        using var response = await http.SendAsync(request, cancel);
        byte[] content = await response.Content.ReadAsByteArrayAsync(cancel);
        if (!response.IsSuccessStatusCode) throw new FheServerException(response.StatusCode, Detail(content));
        if (response.Headers.TryGetValues("X-Fhe-Evaluation-Ms", out var values) && double.TryParse(string.Join("", values),
                System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double ms))
            LastEvaluationMs = ms;
        return content;
    }

    private static string Detail(byte[] content)
    {
        try
        {
            using var doc = JsonDocument.Parse(content);
            return doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : doc.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            return System.Text.Encoding.UTF8.GetString(content);
        }
    }
}
