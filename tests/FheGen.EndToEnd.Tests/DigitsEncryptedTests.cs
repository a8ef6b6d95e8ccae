using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using FheGen.Samples.Digits;

namespace FheGen.EndToEnd.Tests;

/// <summary>
/// The sample's encrypted mode end to end, on a variant with a 4-bit TLU so that keys stay small (N = 2048): real key
/// generation, encryption, the circuit on ciphertexts, decryption, agreement with the clear circuit, and the JSON.
/// </summary>
public class DigitsEncryptedTests
{
    [Fact]
    public void Encrypted_inference_equals_the_clear_circuit_and_reports_its_figures()
    {
        var (_, test) = DigitsExperiment.LoadSplit();
        var log = new StringWriter();
        var report = DigitsEncrypted.Run(test, new DigitsEncrypted.Options(2, TluBits: 4), log);
        Assert.Equal(2, report.Samples);
        Assert.Equal(1.0, report.AgreeWithClear);
        Assert.InRange(report.Accuracy, 0.5, 1.0);
        Assert.True(report.LatencyMsMedian > 0);
        Assert.True(report.KeygenSeconds > 0);
        Assert.True(report.ServerKeyBytes > 10L << 20, $"server key of {report.ServerKeyBytes} bytes");
        Assert.Equal(4, report.TluBits);
        Assert.Equal("exact", report.Rounding);
        // 12-bit accumulators to a 4-bit TLU: 8 removed bits in two chunks (of up to TLU + 1 bits), 4 extraction PBS + the lookup.
        Assert.Equal(12, DigitsMlp.Circuit.Layers[0].AccumulatorBits);
        Assert.Equal(DigitsMlp.Circuit.PbsCount * 5, report.PbsPerInference);
        Assert.Contains("equals the clear circuit", log.ToString());
        Assert.DoesNotContain("DIFFERS", log.ToString());
    }

    [Fact]
    public void Command_line_writes_the_encrypted_section_to_json()
    {
        string json = SampleProcess.TempJson("digits-enc");
        try
        {
            var (exit, stdout, stderr) = SampleProcess.Run($"--encrypted 1 --tlu-bits 4 --approximate --threads 2 --p-error 0.001 --json \"{json}\"", 300_000);
            Assert.True(exit == 0, stderr);
            Assert.Contains("encrypted inference", stdout);

            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var encrypted = doc.RootElement.GetProperty("encrypted");
            foreach (var key in new[] { "samples", "agree_with_clear", "accuracy", "latency_ms_median", "keygen_s", "server_key_bytes" })
            {
                Assert.True(encrypted.TryGetProperty(key, out _), key);
            }
            Assert.Equal(1, encrypted.GetProperty("samples").GetInt32());
            Assert.Equal("approximate", encrypted.GetProperty("rounding").GetString());
            Assert.Equal(DigitsMlp.Circuit.PbsCount, encrypted.GetProperty("pbs_per_inference").GetInt32());
            Assert.True(encrypted.GetProperty("server_key_bytes").GetInt64() > 0);
            Assert.Equal(0.001, encrypted.GetProperty("p_error").GetDouble());
            Assert.InRange(encrypted.GetProperty("simulated_accuracy").GetDouble(), 0, 1);
            Assert.Contains("p_error 0.001 per PBS", stdout);
            // 64 seeded inputs of 40 bytes, with the header and checksum.
            Assert.InRange(encrypted.GetProperty("input_bytes").GetInt64(), 64 * 40, 64 * 40 + 1024);
            long seeded = encrypted.GetProperty("seeded_server_key_bytes").GetInt64();
            Assert.InRange(seeded, 1, encrypted.GetProperty("server_key_bytes").GetInt64() / 2);
            Assert.True(encrypted.GetProperty("expand_s").GetDouble() > 0);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Theory]
    [InlineData("--encrypted 0")]
    [InlineData("--encrypted x")]
    [InlineData("--tlu-bits 4")]
    [InlineData("--encrypted 1 --approximate")]
    [InlineData("--encrypted 1 --threads 0")]
    [InlineData("--encrypted 1 --p-error 0")]
    [InlineData("--encrypted 1 --p-error 1.5")]
    [InlineData("--p-error 0.01")]
    public void Bad_encrypted_options_are_refused_with_usage(string args)
    {
        var (exit, _, stderr) = SampleProcess.Run(args, 60_000);
        Assert.Equal(2, exit);
        Assert.Contains("usage:", stderr);
    }
}
