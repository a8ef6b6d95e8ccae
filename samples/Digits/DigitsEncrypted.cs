using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Training;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Core;
using FheGen.Tfhe.Keys;

namespace FheGen.Samples.Digits;

/// <summary>
/// Encrypted inference on the digits test set: keys for the circuit's parameter set, then per sample encrypt, evaluate
/// under TFHE (the generated <c>DigitsMlp.Run</c> on <see cref="EncryptedBackend"/>, or the plan interpreter for a
/// variant), decrypt, and compare with the clear circuit.
/// </summary>
public static class DigitsEncrypted
{
    /// <summary>Options of <see cref="Run"/>.</summary>
    /// <param name="Samples">Test samples to run (the first ones of the test split).</param>
    /// <param name="TluBits">When set, round the hidden layer to this TLU width instead of the declared one.</param>
    /// <param name="Rounding">With <paramref name="TluBits"/>: exact or approximate.</param>
    /// <param name="Threads">Worker threads per lookup batch (all cores when null).</param>
    /// <param name="PError">Per-PBS error probability the parameters are chosen for (the plan's, 2^-40, when null).</param>
    public sealed record Options(int Samples, int? TluBits = null, RoundingKind Rounding = RoundingKind.Exact, int? Threads = null, double? PError = null);

    /// <summary>Simulated runs per sample behind <see cref="EncryptedReport.SimulatedAccuracy"/> (different seeds).</summary>
    public const int SimulationRepeats = 20;

    /// <summary>Runs encrypted inference and reports, printing progress to <paramref name="log"/>.</summary>
    public static EncryptedReport Run(Dataset test, Options options, TextWriter log)
    {
        if (options.Samples < 1 || options.Samples > test.Count)
            throw new ArgumentOutOfRangeException(nameof(options), options.Samples, $"--encrypted takes 1 to {test.Count} samples.");

        // The declared model runs as generated code; a variant runs through the interpreter of its own plan.
        CircuitPlan plan;
        PlanInterpreter? variant = null;
        if (options.TluBits is int bits)
        {
            var spec = DigitsMlp.Spec with { Round = EquatableArray.Of(new RoundSetting("Hidden", bits) { Method = options.Rounding }) };
            plan = CircuitCompiler.Compile(spec).PlanOrThrow();
            variant = new PlanInterpreter(plan);
        }
        else
        {
            plan = DigitsMlp.Interpreter.Plan;
        }
        var io = CircuitIo.FromPlan(plan);

        double pError = options.PError ?? plan.PError;
        var encoding = CircuitEncoding.Create(plan, pError);
        var hidden = plan.Layers[0];
        log.WriteLine($"encrypted inference: {(variant is null ? "DigitsMlp as declared (generated code)" : $"variant, hidden rounded to {hidden.TluInputBits} bits ({options.Rounding}, interpreter)")}");
        log.WriteLine($"  hidden: {hidden.AccumulatorBits}-bit accumulator, {hidden.RoundedBits} LSBs rounded ({hidden.RoundingMethod}), {hidden.TluInputBits}-bit TLU");
        log.WriteLine($"  {string.Join("/", encoding.StageMessageBits)}-bit messages (input/output stages), {encoding.PbsPerInference} PBS per inference, p_error {pError:G3} per PBS");
        for (int key = 0; key < encoding.KeySets.Count; key++)
            log.WriteLine($"  {encoding.KeyDescriptions[key]}: parameters {encoding.KeySets[key].Id}");
        log.WriteLine($"  log2 p_fail of the tightest read {encoding.Selection.Log2PFail:F1}; estimated cost {encoding.Selection.Cost:G3} " +
                      $"(one shared set: {encoding.Selection.SingleSetCost:G3})");

        // Client: secret keys and the server key in compressed form, serialized (what it would send); server: reads it back
        // checked against the circuit it will run (key sets and pairs, before any key data), then decompresses it.
        var keygen = Stopwatch.StartNew();
        var clientKey = CircuitClientKey.Generate(encoding.KeySets);
        var compressed = CircuitClient.CreateCompressedServerKey(clientKey, encoding);
        keygen.Stop();
        var client = new CircuitClient(clientKey, encoding);
        var compressedUpload = new MemoryStream();
        compressed.Save(compressedUpload);
        compressedUpload.Position = 0;
        var decompress = Stopwatch.StartNew();
        var serverKey = CompressedCircuitServerKey.Load(compressedUpload, encoding).Decompress();
        decompress.Stop();
        compressedUpload.Dispose();
        long serverKeyBytes = serverKey.SerializedSizeInBytes, compressedBytes = compressed.SerializedSizeInBytes;
        log.WriteLine($"  key generation {keygen.Elapsed.TotalSeconds:F2} s (compressed server key {compressedBytes / 1048576.0:F1} MiB serialized); " +
                      $"decompression on the server {decompress.Elapsed.TotalSeconds:F2} s");
        log.WriteLine($"  server key {serverKeyBytes / 1048576.0:F1} MiB serialized " +
                      $"(bootstrapping keys {serverKey.BootstrapKeys.Values.Sum(k => k.SizeInBytes) / 1048576.0:F1} MiB, " +
                      $"keyswitching keys {serverKey.KeySwitchKeys.Values.Sum(k => k.SizeInBytes) / 1048576.0:F1} MiB)");

        var backend = new EncryptedBackend(serverKey, encoding, options.Threads);
        var q = new long[plan.Inputs];
        var clear = new long[io.Outputs];
        var decrypted = new long[io.Outputs];
        var outputs = new LweCiphertext[io.Outputs];
        var y = new float[io.Outputs];
        var latencies = new List<double>();
        int agree = 0, correct = 0;
        long inputBytes = 0, expandedInputBytes = 0;
        for (int i = 0; i < options.Samples; i++)
        {
            io.QuantizeInputs(test.Row(i), q);
            if (variant is null) DigitsMlp.Run<ClearBackend, long>(default, q, clear);
            else variant.Run<ClearBackend, long>(default, q, clear);

            // Client -> server: seeded ciphertexts, serialized (40 bytes each); the server reads them checked against the
            // circuit (input set, dimension and count, before any record) and expands them.
            var upload = client.EncryptInputsSeeded(q);
            byte[] uploadBytes = upload.ToBytes();
            inputBytes = uploadBytes.Length;
            expandedInputBytes = upload.ExpandedSizeInBytes;
            LweCiphertext[] inputs;
            using (var uploadStream = new MemoryStream(uploadBytes, writable: false))
                inputs = backend.ReadInputs(uploadStream);
            long before = backend.BootstrapCount;
            var sw = Stopwatch.StartNew();
            if (variant is null) DigitsMlp.Run<EncryptedBackend, LweCiphertext>(backend, inputs, outputs);
            else variant.Run<EncryptedBackend, LweCiphertext>(backend, inputs, outputs);
            sw.Stop();
            client.DecryptOutputs(outputs, decrypted);

            bool same = clear.AsSpan().SequenceEqual(decrypted);
            if (same) agree++;
            io.DequantizeOutputs(decrypted, y);
            int predicted = DigitsExperiment.ArgMax(y);
            if (predicted == test.Y[i]) correct++;
            latencies.Add(sw.Elapsed.TotalMilliseconds);
            log.WriteLine($"  sample {i + 1,3}/{options.Samples}: {sw.Elapsed.TotalMilliseconds,8:F0} ms, {backend.BootstrapCount - before} PBS, " +
                          $"predicted {predicted} (label {test.Y[i]}), {(same ? "equals the clear circuit" : "DIFFERS from the clear circuit: " + string.Join(",", decrypted) + " vs " + string.Join(",", clear))}");
        }

        // The simulation's estimate for the same samples at the same p_error, to set against the encrypted accuracy.
        var simulated = new SimulatedBackend(pError, 42);
        int simulatedCorrect = 0;
        for (int rep = 0; rep < SimulationRepeats; rep++)
        {
            simulated.Reseed((ulong)(42 + rep));
            for (int i = 0; i < options.Samples; i++)
            {
                io.QuantizeInputs(test.Row(i), q);
                if (variant is null) DigitsMlp.Run<SimulatedBackend, long>(simulated, q, clear);
                else variant.Run<SimulatedBackend, long>(simulated, q, clear);
                io.DequantizeOutputs(clear, y);
                if (DigitsExperiment.ArgMax(y) == test.Y[i]) simulatedCorrect++;
            }
        }
        double simulatedAccuracy = (double)simulatedCorrect / (SimulationRepeats * options.Samples);

        latencies.Sort();
        double median = latencies.Count % 2 == 1 ? latencies[latencies.Count / 2] : (latencies[latencies.Count / 2 - 1] + latencies[latencies.Count / 2]) / 2;
        var report = new EncryptedReport(options.Samples, (double)agree / options.Samples, (double)correct / options.Samples, median,
            keygen.Elapsed.TotalSeconds, serverKeyBytes, string.Join("; ", encoding.KeySets.Select(k => k.Id)), encoding.PbsPerInference, hidden.TluInputBits,
            hidden.RoundedBits > 0 ? (hidden.RoundingMethod == RoundingKind.Exact ? "exact" : "approximate") : "none",
            options.Threads ?? Environment.ProcessorCount, pError, simulatedAccuracy, inputBytes, compressedBytes, decompress.Elapsed.TotalSeconds);
        log.WriteLine($"  encrypted inputs {inputBytes / 1024.0:F1} KiB per sample as seeded ciphertexts ({expandedInputBytes / 1048576.0:F1} MiB expanded)");
        log.WriteLine($"  median latency {median:F0} ms per sample on {report.Threads} threads; {agree}/{options.Samples} equal the clear circuit; " +
                      $"accuracy {correct}/{options.Samples} (simulated at the same p_error: {simulatedAccuracy:P1}, mean of {SimulationRepeats} seeds)");
        return report;
    }
}

/// <summary>The <c>"encrypted"</c> section of the JSON report.</summary>
public sealed record EncryptedReport(
    [property: JsonPropertyName("samples")] int Samples,
    [property: JsonPropertyName("agree_with_clear")] double AgreeWithClear,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("latency_ms_median")] double LatencyMsMedian,
    [property: JsonPropertyName("keygen_s")] double KeygenSeconds,
    [property: JsonPropertyName("server_key_bytes")] long ServerKeyBytes,
    [property: JsonPropertyName("parameters")] string Parameters,
    [property: JsonPropertyName("pbs_per_inference")] int PbsPerInference,
    [property: JsonPropertyName("tlu_bits")] int TluBits,
    [property: JsonPropertyName("rounding")] string Rounding,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("p_error")] double PError,
    [property: JsonPropertyName("simulated_accuracy")] double SimulatedAccuracy,
    [property: JsonPropertyName("input_bytes")] long InputBytes,
    [property: JsonPropertyName("compressed_server_key_bytes")] long CompressedServerKeyBytes,
    [property: JsonPropertyName("decompress_s")] double DecompressSeconds);
