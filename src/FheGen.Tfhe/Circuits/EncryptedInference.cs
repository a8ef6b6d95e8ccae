using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

namespace FheGen.Tfhe.Circuits;

/// <summary>
/// Evaluates a circuit on encrypted inputs: a model's generated <c>Run&lt;EncryptedBackend, LweCiphertext&gt;</c>, or
/// <see cref="PlanInterpreter.Run{TBackend, TValue}"/> of its plan.
/// </summary>
/// <param name="backend">The server-side backend holding the evaluation keys.</param>
/// <param name="inputs">The encrypted quantized inputs.</param>
/// <param name="outputs">Receives the encrypted output accumulators.</param>
public delegate void EncryptedCircuitRunner(EncryptedBackend backend, ReadOnlySpan<LweCiphertext> inputs, Span<LweCiphertext> outputs);

/// <summary>Options of <see cref="EncryptedInference.Run"/>.</summary>
public sealed class EncryptedInferenceOptions
{
    /// <summary>Worker threads per lookup batch (all cores when null).</summary>
    public int? Threads { get; init; }

    /// <summary>Per-PBS error probability the parameters are chosen for (the plan's when null).</summary>
    public double? PError { get; init; }

    /// <summary>
    /// Simulated runs per sample behind <see cref="EncryptedReport.SimulatedAccuracy"/>, each with its own seed
    /// (<see cref="SimulationSeed"/>, then the next ones).
    /// </summary>
    public int SimulationRepeats { get; init; } = 20;

    /// <summary>Seed of the first simulated run.</summary>
    public ulong SimulationSeed { get; init; } = 42;

    /// <summary>Where to write a readable account: parameters, key sizes and timings, one line per sample as it ends.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Called after each sample with its figures (for a caller that reports progress its own way).</summary>
    public Action<EncryptedSample>? Progress { get; init; }
}

/// <summary>One sample of an encrypted run.</summary>
/// <param name="Index">Position among the rows given.</param>
/// <param name="LatencyMs">Server-side evaluation time (the circuit on ciphertexts; encryption and decryption excluded).</param>
/// <param name="Pbs">Bootstrappings run (lookups and rounding extractions).</param>
/// <param name="Predicted">Argmax of the decrypted, dequantized outputs.</param>
/// <param name="Label">The expected label.</param>
/// <param name="EqualsClear">True when every decrypted accumulator equals the clear circuit's.</param>
/// <param name="Decrypted">The decrypted output accumulators.</param>
/// <param name="Clear">The clear circuit's output accumulators on the same quantized inputs.</param>
public sealed record EncryptedSample(int Index, double LatencyMs, long Pbs, int Predicted, int Label, bool EqualsClear, long[] Decrypted, long[] Clear)
{
    /// <summary>
    /// Processor time the process spent during the evaluation, all threads: the single-core work, which other
    /// processes' load on the machine inflates less than the wall-clock <see cref="LatencyMs"/>.
    /// </summary>
    public double CpuMs { get; init; }
}

/// <summary>
/// Encrypted inference end to end, as a client and a server would run it, with the figures a user checks: keys for the
/// circuit's parameter sets, then per sample quantize, encrypt, evaluate under TFHE, decrypt, and compare with the
/// clear circuit; key generation time, per-sample latency, PBS count, agreement with the clear circuit, and accuracy
/// set against the simulation's estimate at the same p_error.
/// </summary>
/// <remarks>
/// The keys and ciphertexts go through the same serialized forms as between a real client and server: the seeded
/// server key is saved, loaded back checked against the circuit and expanded; inputs travel as seeded ciphertexts.
/// The clear reference and the simulation run the plan's interpreter, which the generated code equals bit for bit, so
/// the comparison also holds when <c>runner</c> is the generated code.
/// </remarks>
public static class EncryptedInference
{
    /// <summary>Runs <paramref name="runner"/> on encryptions of <paramref name="rows"/> and reports.</summary>
    /// <param name="plan">The circuit <paramref name="runner"/> evaluates (with tables: compiled with the generator's options).</param>
    /// <param name="runner">Evaluates the circuit on the encrypted backend.</param>
    /// <param name="rows">Float feature rows, one per sample, quantized client side with the plan's input quantizer.</param>
    /// <param name="labels">The expected class of each row (the argmax of the outputs is the prediction).</param>
    /// <param name="options">Threads, p_error, simulation, logging; defaults when null.</param>
    /// <exception cref="ArgumentException">No rows, rows and labels of different counts, a row of the wrong length, or options out of range.</exception>
    public static EncryptedReport Run(CircuitPlan plan, EncryptedCircuitRunner runner, IReadOnlyList<float[]> rows, IReadOnlyList<int> labels,
        EncryptedInferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new EncryptedInferenceOptions();
        if (rows.Count == 0) throw new ArgumentException("No rows to run.", nameof(rows));
        if (labels.Count != rows.Count) throw new ArgumentException($"{rows.Count} rows but {labels.Count} labels.", nameof(labels));
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i] is null || rows[i].Length != plan.Inputs)
                throw new ArgumentException($"Row {i} has {rows[i]?.Length ?? 0} features; the circuit takes {plan.Inputs}.", nameof(rows));
        }
        if (options.Threads is < 1) throw new ArgumentException($"Threads must be at least 1, not {options.Threads}.", nameof(options));
        if (options.PError is double p && !(p > 0 && p < 1)) throw new ArgumentException($"p_error must lie in (0, 1), not {p}.", nameof(options));
        if (options.SimulationRepeats < 1) throw new ArgumentException("SimulationRepeats must be at least 1.", nameof(options));

        var reference = new PlanInterpreter(plan);
        var io = CircuitIo.FromPlan(plan);
        var log = options.Log ?? TextWriter.Null;
        int count = rows.Count;

        double pError = options.PError ?? plan.PError;
        var encoding = CircuitEncoding.Create(plan, pError);
        foreach (var layer in plan.Layers.Where(l => !l.IsOutput))
        {
            log.WriteLine($"  {layer.Name.ToLowerInvariant()}: {layer.AccumulatorBits}-bit accumulator, {layer.RoundedBits} LSBs rounded ({layer.RoundingMethod}), " +
                          $"{layer.TluInputBits}-bit TLU");
        }
        log.WriteLine($"  {string.Join("/", encoding.StageMessageBits)}-bit messages (input/output stages), {encoding.PbsPerInference} PBS per inference, p_error {pError:G3} per PBS");
        for (int key = 0; key < encoding.KeySets.Count; key++)
            log.WriteLine($"  {encoding.KeyDescriptions[key]}: parameters {encoding.KeySets[key].Id}");
        log.WriteLine($"  log2 p_fail of the tightest read {encoding.Selection.Log2PFail:F1}; estimated cost {encoding.Selection.Cost:G3} " +
                      $"(one shared set: {encoding.Selection.SingleSetCost:G3})");
        var estimate = Compiler.Cost.CostModel.EstimateEncrypted(plan, pError);
        log.WriteLine($"  estimated {estimate.FormatLatency()} per sample on one core at these parameter sets " +
                      $"(per-width table model: {Compiler.Cost.CostModel.Estimate(plan, pError).FormatLatency()})");

        // Client: secret keys and the server key in seeded form, serialized (what it would send); server: reads it back
        // checked against the circuit it will run (key sets and pairs, before any key data), then expands it.
        var keygen = Stopwatch.StartNew();
        var clientKey = CircuitClientKey.Generate(encoding.KeySets);
        var seeded = CircuitClient.CreateSeededServerKey(clientKey, encoding);
        keygen.Stop();
        var client = new CircuitClient(clientKey, encoding);
        var expand = new Stopwatch();
        CircuitServerKey serverKey;
        using (var seededUpload = new MemoryStream())
        {
            seeded.Save(seededUpload);
            seededUpload.Position = 0;
            expand.Start();
            serverKey = SeededCircuitServerKey.Load(seededUpload, encoding).Expand();
            expand.Stop();
        }
        long serverKeyBytes = serverKey.SerializedSizeInBytes, seededBytes = seeded.SerializedSizeInBytes;
        log.WriteLine($"  key generation {keygen.Elapsed.TotalSeconds:F2} s (seeded server key {seededBytes / 1048576.0:F1} MiB serialized); " +
                      $"expansion on the server {expand.Elapsed.TotalSeconds:F2} s");
        // In memory the keyswitching keys may hold 32-bit words (KS32) while the format stores 64-bit ones: say which is which.
        log.WriteLine($"  server key {serverKeyBytes / 1048576.0:F1} MiB serialized; in memory " +
                      $"bootstrapping keys {serverKey.BootstrapKeys.Values.Sum(k => k.SizeInBytes) / 1048576.0:F1} MiB, " +
                      $"keyswitching keys {serverKey.KeySwitchKeys.Values.Sum(k => k.SizeInBytes) / 1048576.0:F1} MiB");

        var backend = new EncryptedBackend(serverKey, encoding, options.Threads);
        var q = new long[plan.Inputs];
        var outputs = new LweCiphertext[io.Outputs];
        var y = new float[io.Outputs];
        var latencies = new List<double>();
        var cpuTimes = new List<double>();
        using var process = Process.GetCurrentProcess();
        int agree = 0, correct = 0;
        long inputBytes = 0, expandedInputBytes = 0;
        for (int i = 0; i < count; i++)
        {
            io.QuantizeInputs(rows[i], q);
            var clear = new long[io.Outputs];
            reference.Run<ClearBackend, long>(default, q, clear);

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
            var cpu = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            runner(backend, inputs, outputs);
            sw.Stop();
            process.Refresh();
            double cpuMs = (process.TotalProcessorTime - cpu).TotalMilliseconds;
            cpuTimes.Add(cpuMs);
            var decrypted = client.DecryptOutputs(outputs);

            bool same = clear.AsSpan().SequenceEqual(decrypted);
            if (same) agree++;
            io.DequantizeOutputs(decrypted, y);
            int predicted = ArgMax(y);
            if (predicted == labels[i]) correct++;
            latencies.Add(sw.Elapsed.TotalMilliseconds);
            var sample = new EncryptedSample(i, sw.Elapsed.TotalMilliseconds, backend.BootstrapCount - before, predicted, labels[i], same, decrypted, clear) { CpuMs = cpuMs };
            log.WriteLine($"  sample {i + 1,3}/{count}: {sample.LatencyMs,8:F0} ms ({cpuMs:F0} ms processor time), {sample.Pbs} PBS, predicted {predicted} (label {labels[i]}), " +
                          (same ? "equals the clear circuit" : "DIFFERS from the clear circuit: " + string.Join(",", decrypted) + " vs " + string.Join(",", clear)));
            options.Progress?.Invoke(sample);
        }

        // The simulation's estimate for the same samples at the same p_error, to set against the encrypted accuracy.
        var simulated = new SimulatedBackend(pError, options.SimulationSeed);
        var acc = new long[io.Outputs];
        int simulatedCorrect = 0;
        for (int rep = 0; rep < options.SimulationRepeats; rep++)
        {
            simulated.Reseed(options.SimulationSeed + (ulong)rep);
            for (int i = 0; i < count; i++)
            {
                io.QuantizeInputs(rows[i], q);
                reference.Run<SimulatedBackend, long>(simulated, q, acc);
                io.DequantizeOutputs(acc, y);
                if (ArgMax(y) == labels[i]) simulatedCorrect++;
            }
        }
        double simulatedAccuracy = (double)simulatedCorrect / (options.SimulationRepeats * count);

        double median = Median(latencies), cpuMedian = Median(cpuTimes);
        var report = new EncryptedReport(count, (double)agree / count, (double)correct / count, median,
            keygen.Elapsed.TotalSeconds, serverKeyBytes, string.Join("; ", encoding.KeySets.Select(k => k.Id)), encoding.PbsPerInference,
            plan.MaxTluInputBits, RoundingName(plan), options.Threads ?? Environment.ProcessorCount, pError, simulatedAccuracy, inputBytes, seededBytes,
            expand.Elapsed.TotalSeconds)
        {
            CpuMsMedian = cpuMedian,
            EstimatedMsOneCore = estimate.Cost.TotalLatencyMs,
        };
        log.WriteLine($"  encrypted inputs {inputBytes / 1024.0:F1} KiB per sample as seeded ciphertexts ({expandedInputBytes / 1048576.0:F1} MiB expanded)");
        log.WriteLine($"  median latency {median:F0} ms per sample on {report.Threads} threads; {agree}/{count} equal the clear circuit; " +
                      $"accuracy {correct}/{count} (simulated at the same p_error: {simulatedAccuracy:P1}, " +
                      $"mean of {options.SimulationRepeats} seeds)");
        log.WriteLine($"  median processor time {cpuMedian:F0} ms per sample (the single-core work) against the estimate of " +
                      $"{estimate.Cost.TotalLatencyMs:F0} ms: measured/estimated {cpuMedian / estimate.Cost.TotalLatencyMs:F2}");
        return report;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int c = sorted.Length;
        return c % 2 == 1 ? sorted[c / 2] : (sorted[c / 2 - 1] + sorted[c / 2]) / 2;
    }

    /// <summary>"none", "exact" or "approximate" for the layers that round before their lookup ("mixed" when they differ).</summary>
    private static string RoundingName(CircuitPlan plan)
    {
        var methods = plan.Layers.Where(l => !l.IsOutput && l.RoundedBits > 0).Select(l => l.RoundingMethod).Distinct().ToArray();
        return methods.Length switch
        {
            0 => "none",
            1 => methods[0] == RoundingKind.Exact ? "exact" : "approximate",
            _ => "mixed",
        };
    }

    // First index on ties, as FheGen.Training's CircuitAccuracy.ArgMax counts (this library does not reference it).
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}

/// <summary>The figures of an encrypted run (<see cref="EncryptedInference.Run"/>), with the JSON field names the samples write.</summary>
/// <param name="Samples">Samples run.</param>
/// <param name="AgreeWithClear">Fraction whose decrypted outputs equal the clear circuit's exactly.</param>
/// <param name="Accuracy">Fraction whose decrypted prediction is the label.</param>
/// <param name="LatencyMsMedian">Median server-side evaluation time per sample.</param>
/// <param name="KeygenSeconds">Client key generation, with the seeded server key.</param>
/// <param name="ServerKeyBytes">Serialized size of the expanded server key.</param>
/// <param name="Parameters">The parameter set ids, "; "-separated.</param>
/// <param name="PbsPerInference">Bootstrappings per inference (lookups and rounding extractions).</param>
/// <param name="TluBits">Widest lookup input.</param>
/// <param name="Rounding">"none", "exact", "approximate" (or "mixed" across layers).</param>
/// <param name="Threads">Worker threads per lookup batch.</param>
/// <param name="PError">Per-PBS error probability the parameters were chosen for.</param>
/// <param name="SimulatedAccuracy">Mean accuracy of the simulated runs on the same samples at the same p_error.</param>
/// <param name="InputBytes">One sample's serialized seeded input ciphertexts.</param>
/// <param name="SeededServerKeyBytes">Serialized size of the seeded server key (what the client sends).</param>
/// <param name="ExpandSeconds">Server-side loading and expansion of that key.</param>
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
    [property: JsonPropertyName("seeded_server_key_bytes")] long SeededServerKeyBytes,
    [property: JsonPropertyName("expand_s")] double ExpandSeconds)
{
    /// <summary>Median processor time per sample, all threads (<see cref="EncryptedSample.CpuMs"/>): the single-core work.</summary>
    [JsonPropertyName("cpu_ms_median")]
    public double CpuMsMedian { get; init; }

    /// <summary>The cost model's single-core estimate at the parameter sets of the run (<c>CostModel.EstimateEncrypted</c>).</summary>
    [JsonPropertyName("estimated_ms_one_core")]
    public double EstimatedMsOneCore { get; init; }
}
