using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;

// In the FheGen namespace, next to the attributes, so that `using FheGen;` is all a model's user needs; the type lives in
// this assembly because encryption needs the TFHE backend. `[FheModel(...)]` still means FheModelAttribute: an
// attribute name binds to the one candidate that is an attribute class.
namespace FheGen;

/// <summary>How <see cref="FheModel.Predict"/> evaluates a circuit.</summary>
public enum FheMode
{
    /// <summary>Exact integer evaluation in the clear (what the generated <c>Predict</c> computes).</summary>
    Clear,

    /// <summary>In the clear with TFHE's table-lookup errors injected at p_error (<see cref="SimulatedBackend"/>).</summary>
    Simulate,

    /// <summary>Under TFHE: encrypt, evaluate on ciphertexts, decrypt (<see cref="CircuitClient"/>, <see cref="EncryptedBackend"/>).</summary>
    Encrypt,
}

/// <summary>Options of <see cref="FheModel.Predict"/> and <see cref="FheModel.PredictBatch"/>.</summary>
public sealed class FhePredictOptions
{
    /// <summary>
    /// Per-lookup error probability: in [0, 1) for <see cref="FheMode.Simulate"/>, in (0, 1) for
    /// <see cref="FheMode.Encrypt"/> (the parameters are chosen for it); the plan's <see cref="CircuitPlan.PError"/> when null.
    /// Ignored by <see cref="FheMode.Clear"/>.
    /// </summary>
    public double? PError { get; init; }

    /// <summary>
    /// Seed of <see cref="FheMode.Simulate"/>'s errors. A batch reseeds before each row, row <c>i</c> with
    /// <c>Seed + i</c>, so row <c>i</c> of a batch equals a single prediction with that seed.
    /// </summary>
    public ulong Seed { get; init; }

    /// <summary>Worker threads per lookup batch of <see cref="FheMode.Encrypt"/> (all cores when null).</summary>
    public int? Threads { get; init; }
}

/// <summary>Where a <see cref="FheModel.PredictBatch"/> is: reported after each row.</summary>
/// <param name="Completed">Rows done.</param>
/// <param name="Total">Rows in the batch.</param>
/// <param name="Elapsed">Time since the batch started (including key generation on the first encrypted batch).</param>
public readonly record struct FheBatchProgress(int Completed, int Total, TimeSpan Elapsed);

/// <summary>
/// A compiled model with one call per mode: <see cref="Predict"/> a sample or <see cref="PredictBatch"/> rows, in the
/// clear, simulated at a p_error, or encrypted. Create it from a generated model's members:
/// <code>
/// var model = FheModel.Create(MyModel.Interpreter, MyModel.Run&lt;EncryptedBackend, LweCiphertext&gt;);
/// float[] y = model.Predict(features, FheMode.Encrypt);
/// </code>
/// </summary>
/// <remarks>
/// <para>
/// Clear and simulated runs evaluate the plan's <see cref="PlanInterpreter"/>, which equals the generated code bit for
/// bit; encrypted runs evaluate the given runner (the generated code) or, without one, the interpreter. Inputs are
/// quantized and outputs dequantized with <see cref="CircuitIo.FromPlan"/>, as the generated <c>Predict</c> does.
/// </para>
/// <para>
/// <see cref="FheMode.Encrypt"/> plays client and server in one process, to try a model and measure it: the keys for the
/// circuit's parameter sets are generated on first use and kept by this instance, one set per p_error. To deploy, split
/// the roles with <see cref="CircuitClient"/> (keys, encrypt, decrypt) and <see cref="EncryptedBackend"/> (the server key).
/// </para>
/// <para>Every method is safe to call from several threads at once.</para>
/// </remarks>
public sealed class FheModel
{
    private readonly PlanInterpreter _interpreter;
    private readonly EncryptedCircuitRunner _encrypted;
    private readonly ConcurrentDictionary<double, ErrorModel> _errorModels = new();
    // Lazy so that concurrent first calls generate one key set, not one each.
    private readonly ConcurrentDictionary<double, Lazy<EncryptedSession>> _sessions = new();

    private FheModel(PlanInterpreter interpreter, EncryptedCircuitRunner? encryptedRunner)
    {
        _interpreter = interpreter;
        _encrypted = encryptedRunner ?? interpreter.Run<EncryptedBackend, LweCiphertext>;
        Io = CircuitIo.FromPlan(interpreter.Plan);
    }

    /// <summary>A model evaluated by <paramref name="interpreter"/> (a generated model's <c>Interpreter</c>).</summary>
    /// <param name="interpreter">The circuit: clear and simulated runs evaluate it.</param>
    /// <param name="encryptedRunner">
    /// What encrypted runs evaluate: a generated model's <c>Run&lt;EncryptedBackend, LweCiphertext&gt;</c>; the
    /// interpreter when null.
    /// </param>
    public static FheModel Create(PlanInterpreter interpreter, EncryptedCircuitRunner? encryptedRunner = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        return new FheModel(interpreter, encryptedRunner);
    }

    /// <summary>A model of <paramref name="plan"/> (compiled at run time, e.g. a variant of a generated model's <c>Spec</c>).</summary>
    /// <param name="plan">The circuit, compiled with tables.</param>
    /// <param name="encryptedRunner">What encrypted runs evaluate; the plan's interpreter when null.</param>
    /// <exception cref="ArgumentException">The plan was compiled without tables.</exception>
    public static FheModel Create(CircuitPlan plan, EncryptedCircuitRunner? encryptedRunner = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new FheModel(new PlanInterpreter(plan), encryptedRunner);
    }

    /// <summary>The circuit.</summary>
    public CircuitPlan Plan => _interpreter.Plan;

    /// <summary>The quantization of inputs and dequantization of outputs.</summary>
    public CircuitIo Io { get; }

    /// <summary>Features per sample.</summary>
    public int Inputs => Plan.Inputs;

    /// <summary>Outputs per sample.</summary>
    public int Outputs => Plan.Outputs;

    /// <summary>Predicts one sample: quantize, evaluate in <paramref name="mode"/>, dequantize.</summary>
    /// <param name="features">The sample's <see cref="Inputs"/> float features.</param>
    /// <param name="mode">Clear, simulated or encrypted.</param>
    /// <param name="options">p_error, seed, threads; defaults when null.</param>
    /// <returns>The <see cref="Outputs"/> dequantized outputs.</returns>
    /// <exception cref="ArgumentException">Wrong feature count, a NaN feature, or options out of range for the mode.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined <see cref="FheMode"/>.</exception>
    public float[] Predict(ReadOnlySpan<float> features, FheMode mode = FheMode.Clear, FhePredictOptions? options = null)
    {
        options ??= Defaults;
        // Quantizing first checks the features before an encrypted call spends time on keys.
        var q = new long[Inputs];
        Io.QuantizeInputs(features, q);
        var run = Prepare(mode, options);
        var result = new float[Outputs];
        Evaluate(run, q, result, options.Seed);
        return result;
    }

    /// <summary>
    /// Predicts every row in <paramref name="mode"/>, in order, reporting to <paramref name="progress"/> after each one
    /// (encrypted rows take from milliseconds to seconds each).
    /// </summary>
    /// <param name="rows">Samples of <see cref="Inputs"/> features each.</param>
    /// <param name="mode">Clear, simulated or encrypted.</param>
    /// <param name="options">p_error, seed, threads; defaults when null.</param>
    /// <param name="progress">Told the rows done after each row (called on the calling thread).</param>
    /// <returns>The dequantized outputs of each row.</returns>
    /// <exception cref="ArgumentException">A null row, a row of the wrong length or with a NaN feature, or options out of range for the mode; checked before any row runs.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined <see cref="FheMode"/>.</exception>
    public float[][] PredictBatch(IReadOnlyList<float[]> rows, FheMode mode = FheMode.Clear, FhePredictOptions? options = null,
        IProgress<FheBatchProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= Defaults;
        // Every row is quantized (and so checked, NaN included) up front: a bad row fails the call before hours of
        // encrypted rows, not after.
        var quantized = new long[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i] is null || rows[i].Length != Inputs)
                throw new ArgumentException($"Row {i} has {rows[i]?.Length ?? 0} features; the circuit takes {Inputs}.", nameof(rows));
            quantized[i] = new long[Inputs];
            try { Io.QuantizeInputs(rows[i], quantized[i]); }
            catch (ArgumentException e) { throw new ArgumentException($"Row {i}: {e.Message}", nameof(rows), e); }
        }

        var clock = Stopwatch.StartNew();
        var run = Prepare(mode, options);
        var results = new float[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
        {
            results[i] = new float[Outputs];
            Evaluate(run, quantized[i], results[i], unchecked(options.Seed + (ulong)i));
            progress?.Report(new FheBatchProgress(i + 1, rows.Count, clock.Elapsed));
        }
        return results;
    }

    /// <summary>
    /// Generates the keys <see cref="FheMode.Encrypt"/> uses at <paramref name="pError"/> now rather than on the first
    /// encrypted prediction (key generation takes from a fraction of a second to minutes with the lookup width).
    /// </summary>
    /// <param name="pError">Per-lookup error probability in (0, 1); the plan's when null.</param>
    /// <returns>The circuit's encoding at that p_error: its parameter sets, messages and PBS count.</returns>
    /// <exception cref="ArgumentException"><paramref name="pError"/> is not in (0, 1).</exception>
    public CircuitEncoding GenerateKeys(double? pError = null) => Session(EncryptedPError(pError)).Encoding;

    private static readonly FhePredictOptions Defaults = new();

    /// <summary>What one row's evaluation needs: the mode and, per mode, its error model or keys; options checked.</summary>
    private readonly record struct Evaluation(FheMode Mode, ErrorModel? Errors, EncryptedSession? Session, EncryptedBackend Backend);

    private Evaluation Prepare(FheMode mode, FhePredictOptions options)
    {
        switch (mode)
        {
            case FheMode.Clear:
                return new Evaluation(mode, null, null, default);
            case FheMode.Simulate:
                double p = options.PError ?? Plan.PError;
                if (!(p >= 0 && p < 1)) throw new ArgumentException($"p_error must lie in [0, 1) for a simulation, not {p}.", nameof(options));
                return new Evaluation(mode, _errorModels.GetOrAdd(p, static p => new ErrorModel(p)), null, default);
            case FheMode.Encrypt:
                if (options.Threads is < 1) throw new ArgumentException($"Threads must be at least 1, not {options.Threads}.", nameof(options));
                var session = Session(EncryptedPError(options.PError));
                return new Evaluation(mode, null, session, session.Backend(options.Threads));
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a defined FheMode.");
        }
    }

    private double EncryptedPError(double? pError)
    {
        double p = pError ?? Plan.PError;
        if (!(p > 0 && p < 1)) throw new ArgumentException($"p_error must lie in (0, 1) under encryption, not {p}.", nameof(pError));
        return p;
    }

    private EncryptedSession Session(double pError) =>
        _sessions.GetOrAdd(pError, p => new Lazy<EncryptedSession>(() => new EncryptedSession(Encoding(p)))).Value;

    // Plan is the interpreter's own, immutable plan: a generated model's interpreter checked its fingerprint when it was
    // built (PlanInterpreter.ForGeneratedModel), so hashing it again per p_error would only repeat that check.
    private CircuitEncoding Encoding(double pError) => CircuitEncoding.Create(Plan, pError);

    private void Evaluate(in Evaluation run, long[] q, Span<float> outputs, ulong seed)
    {
        var accumulators = new long[Outputs];
        switch (run.Mode)
        {
            case FheMode.Clear:
                _interpreter.Run<ClearBackend, long>(default, q, accumulators);
                break;
            case FheMode.Simulate:
                _interpreter.Run<SimulatedBackend, long>(new SimulatedBackend(run.Errors!, seed), q, accumulators);
                break;
            default:
                var client = run.Session!.Client;
                var ciphertexts = new LweCiphertext[Outputs];
                _encrypted(run.Backend, client.EncryptInputs(q), ciphertexts);
                client.DecryptOutputs(ciphertexts, accumulators);
                break;
        }
        Io.DequantizeOutputs(accumulators, outputs);
    }

    /// <summary>The keys of one p_error: the client (secret) side and a backend per thread count over the server key.</summary>
    private sealed class EncryptedSession
    {
        private readonly CircuitServerKey _serverKey;
        // A backend caches prepared tables and worker bootstrappers; keep one per thread count rather than per call.
        private readonly ConcurrentDictionary<int, EncryptedBackend> _backends = new();

        public EncryptedSession(CircuitEncoding encoding)
        {
            Encoding = encoding;
            (Client, _serverKey) = CircuitClient.GenerateKeys(encoding);
        }

        public CircuitEncoding Encoding { get; }

        public CircuitClient Client { get; }

        public EncryptedBackend Backend(int? threads) =>
            _backends.GetOrAdd(threads ?? 0, t => new EncryptedBackend(_serverKey, Encoding, t == 0 ? null : t));
    }
}
