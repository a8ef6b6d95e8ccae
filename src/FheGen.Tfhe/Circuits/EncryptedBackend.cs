using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using FheGen.Backends;
using FheGen.Compiler.Model;
using FheGen.Compiler.Parameters;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Circuits;

/// <summary>
/// Runs a compiled circuit on ciphertexts: the server side of encrypted inference. Plug it into a model's generated
/// <c>Run&lt;TBackend, TValue&gt;</c> (or <see cref="FheGen.Circuits.PlanInterpreter"/>) with <see cref="LweCiphertext"/>
/// values; inputs come from <see cref="CircuitClient.EncryptInputs"/>, outputs go back to
/// <see cref="CircuitClient.DecryptOutputs(System.ReadOnlySpan{LweCiphertext})"/>. It holds only the <see cref="CircuitServerKey"/>.
/// </summary>
/// <remarks>
/// <para>
/// A small struct: the keys, caches and worker bootstrappers live in a shared evaluator, and the struct carries the
/// position within one run (the stage, see <see cref="CircuitEncoding.StageMessageBits"/>, and a pending rounding).
/// <c>Run</c> takes the backend by value and threads it by reference through the layers, so every run starts from the
/// caller's copy at stage 0 and several runs may share one backend value, one after another or concurrently.
/// </para>
/// <para>
/// Linear operations work on the ciphertexts in place (the accumulators are owned by the run). A lookup batch runs in
/// phases, the k-th read of every neuron together: the phase's keyswitches in batches (one pass over the keyswitching
/// key per batch, <see cref="KeySwitchKey.KeySwitch(ReadOnlySpan{LweCiphertext}, ReadOnlySpan{LweCiphertext})"/>),
/// then its blind rotations in parallel, one <see cref="ProgrammableBootstrapper"/> per worker thread over the shared
/// read-only keys. The encoding, the reads and the key set each runs at are described on <see cref="CircuitEncoding"/>.
/// </para>
/// <para>
/// A <see cref="Round"/> is recorded and carried out by the <see cref="Lookup"/> that follows it (exact rounding's
/// extraction reads need the lookup's width to chunk the removed bits the way the parameters were chosen for), as
/// generated code always pairs them.
/// </para>
/// <para>
/// Tables narrower than 2^P entries are padded with copies of their edge entries on both sides, so a read that noise
/// or approximate rounding pushes one step past the range returns the edge value instead of the negacyclic wrap.
/// </para>
/// </remarks>
public struct EncryptedBackend : ICircuitBackend<LweCiphertext>
{
    private readonly Evaluator _evaluator;
    private int _stage;
    private RoundingStep? _pending;

    /// <summary>A backend evaluating circuits encoded by <paramref name="encoding"/> with <paramref name="serverKey"/>.</summary>
    /// <param name="serverKey">Evaluation keys; their parameter sets must be the encoding's.</param>
    /// <param name="encoding">The circuit's encoding.</param>
    /// <param name="maxDegreeOfParallelism">Worker threads per lookup batch (all cores when null).</param>
    /// <exception cref="ArgumentException">The key was generated for other parameters or lacks a key the circuit needs.</exception>
    public EncryptedBackend(CircuitServerKey serverKey, CircuitEncoding encoding, int? maxDegreeOfParallelism = null)
    {
        _evaluator = new Evaluator(serverKey, encoding, maxDegreeOfParallelism);
        _stage = 0;
        _pending = null;
    }

    /// <summary>The circuit's encoding.</summary>
    public readonly CircuitEncoding Encoding => Shared.Encoding;

    /// <summary>
    /// One inference's inputs as the client sends them (<see cref="CircuitClient.EncryptInputsSeeded"/>, serialized):
    /// read with the circuit's input parameter set, dimension and count checked before any record is read, then
    /// expanded. The server's way in for inputs.
    /// </summary>
    /// <exception cref="Serialization.TfheFormatException">The data is malformed, truncated, corrupted or not this circuit's inputs.</exception>
    public readonly LweCiphertext[] ReadInputs(System.IO.Stream stream) => TfheSerializer.ReadSeededCiphertexts(stream, Shared.Encoding).Expand();

    /// <summary>Seeded inputs expanded after checking them against the circuit (<see cref="CircuitCompatibility.CheckInputs"/>).</summary>
    /// <exception cref="Serialization.TfheFormatException">The ciphertexts are not this circuit's inputs.</exception>
    public readonly LweCiphertext[] ExpandInputs(TfheSeededCiphertexts inputs) => CircuitCompatibility.ExpandInputs(inputs, Shared.Encoding);

    /// <summary>Bootstrappings run so far by this backend and its copies (lookups and rounding extractions).</summary>
    public readonly long BootstrapCount => Shared.BootstrapCount;

    private readonly Evaluator Shared => _evaluator ?? throw new InvalidOperationException("Create the backend with its constructor; default(EncryptedBackend) has no keys.");

    /// <inheritdoc/>
    public readonly LweCiphertext Constant(long value) => Shared.Constant(value, _stage);

    /// <inheritdoc/>
    public readonly void MultiplyAdd(ref LweCiphertext accumulator, in LweCiphertext input, long weight)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        accumulator.MultiplyAdd(input, weight);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A previous rounding was not consumed by a lookup.</exception>
    public void Round(Span<LweCiphertext> values, RoundingStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (_pending is not null)
            throw new InvalidOperationException("Round was called twice without a Lookup in between; generated code pairs them.");
        int w = Shared.Bits(_stage);
        if (step.Lsbs < 0 || step.Lsbs > w)
            throw new ArgumentOutOfRangeException(nameof(step), step.Lsbs, $"Cannot remove {step.Lsbs} bits of {w}-bit messages.");
        if (step.Lsbs > 0) _pending = step;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The circuit has no further lookup stage.</exception>
    public void Lookup(ReadOnlySpan<LweCiphertext> inputs, Span<LweCiphertext> outputs, ReadOnlySpan<LookupTable> tables)
    {
        var step = _pending;
        _pending = null;
        Shared.Lookup(inputs, outputs, tables, _stage, step);
        _stage++;
    }

    /// <summary>
    /// Blind rotations per pass over a bootstrapping key in a layer's lookups (1: one at a time); a batch reuses each GGSW
    /// from cache. At 4 bits batches of 2, 4 and 8 took 0.92, 0.90 and 0.89 of the time per rotation of one at a time
    /// (<c>--measure-blind-rotation --batch B</c> in the benchmarks): beyond 4 little is gained and fewer batches are
    /// left to spread over the workers. The Digits sample's encrypted inference (2 threads) took 0.87-0.89 of the
    /// processor time with batches of 4. The environment variable <c>FHEGEN_LOOKUP_BATCH</c> overrides it, for measuring
    /// the encrypted samples with and without batches.
    /// </summary>
    internal static int LookupBatchSize { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("FHEGEN_LOOKUP_BATCH"), out int size) && size >= 1 ? Math.Min(size, 64) : 4;

    /// <summary>
    /// Largest polynomial size N whose blind rotations are batched: the largest measured. Per rotation, batches of 4 took
    /// 0.80-0.86 (2 bits, N 512), 0.88-0.91 (4 bits, N 2048), 0.92-0.93 (5 bits, N 4096) and 0.94 (6 bits, N 8192; one
    /// run at load 20-24 gave 1.02) of one at a time (<c>--measure-blind-rotation</c>); the 7- and 8-bit sets' GGSWs are 1 MiB
    /// and more, and were not measured.
    /// </summary>
    internal const int MaxBatchedPolynomialSize = 8192;

    /// <summary>The keys, caches and workers shared by every copy of a backend.</summary>
    private sealed class Evaluator
    {
        private readonly CircuitServerKey _key;
        private readonly ConcurrentDictionary<int, ConcurrentBag<Worker>> _workers = new();
        private readonly int[] _readKeys;
        private readonly int[] _extractionKeys;
        private readonly ConcurrentDictionary<(LookupTable Table, int Stage), PreparedTable> _tables = new();
        private readonly ConcurrentDictionary<(int Stage, int Bits, int Lo), TestPolynomial> _identities = new();
        private readonly ConcurrentDictionary<(int Stage, int Bit), TestPolynomial> _signs = new();
        private readonly ParallelOptions _parallel;
        private long _bootstraps;

        public Evaluator(CircuitServerKey serverKey, CircuitEncoding encoding, int? maxDegreeOfParallelism)
        {
            ArgumentNullException.ThrowIfNull(serverKey);
            ArgumentNullException.ThrowIfNull(encoding);
            CircuitClient.CheckParameters(serverKey.Parameters, encoding, "server", nameof(serverKey));
            foreach (var pair in encoding.RequiredKeySwitches)
            {
                if (!serverKey.KeySwitchKeys.ContainsKey(pair))
                    throw new ArgumentException($"The server key lacks the keyswitching key {pair} the circuit needs; generate it for this encoding.", nameof(serverKey));
            }
            foreach (var pair in encoding.RequiredBootstraps)
            {
                if (!serverKey.BootstrapKeys.ContainsKey(pair))
                    throw new ArgumentException($"The server key lacks the bootstrapping key {pair} the circuit needs; generate it for this encoding.", nameof(serverKey));
            }
            if (maxDegreeOfParallelism is < 1)
                throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "At least one worker is needed.");
            _key = serverKey;
            Encoding = encoding;
            _readKeys = new int[encoding.StageMessageBits.Count];
            _extractionKeys = new int[encoding.StageMessageBits.Count];
            foreach (var l in encoding.Layers)
            {
                if (l.TluBits > 0 && l.PbsCount > 0)
                {
                    _readKeys[l.Stage] = l.Key;
                    _extractionKeys[l.Stage] = l.ExtractionKey;
                }
            }
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount };
        }

        public CircuitEncoding Encoding { get; }

        public long BootstrapCount => Interlocked.Read(ref _bootstraps);

        public int Bits(int stage)
        {
            var bits = Encoding.StageMessageBits;
            if ((uint)stage >= (uint)bits.Count)
                throw new InvalidOperationException($"The circuit has {bits.Count - 1} lookup stages; this run went past them.");
            return bits[stage];
        }

        public LweCiphertext Constant(long value, int stage) => LweCiphertext.Trivial(BigDimension(Encoding.StageKeys[stage]), Encode(value, stage));

        private int BigDimension(int key) => Encoding.KeySets[key].BigLweDimension;

        private int PolynomialSize(int key) => Encoding.KeySets[key].PolynomialSize;

        /// <summary>A worker's bootstrappers for a stage: lookups into the read set, extractions back into the stage's set.</summary>
        private Worker CreateWorker(int stage)
        {
            int input = Encoding.StageKeys[stage], read = _readKeys[stage], extraction = _extractionKeys[stage];
            var lookup = _key.CreateBootstrapper(input, read, read);
            if (input == read && extraction == read) return new Worker(lookup, lookup);
            bool extracts = Encoding.RequiredBootstraps.Contains(new KeyPair(extraction, input));
            return new Worker(lookup, extracts ? _key.CreateBootstrapper(input, extraction, input) : null);
        }

        public void Lookup(ReadOnlySpan<LweCiphertext> inputs, Span<LweCiphertext> outputs, ReadOnlySpan<LookupTable> tables, int stage, RoundingStep? step)
        {
            if (outputs.Length < inputs.Length || tables.Length < inputs.Length)
                throw new ArgumentException("Every input needs an output slot and a table.");
            Bits(stage + 1); // a lookup writes the next stage's values: there must be one
            int r = step?.Lsbs ?? 0;
            bool exact = step is not null && step.Method == Rounding.Exact;

            int count = inputs.Length;
            var ins = new LweCiphertext[count];
            var prepared = new PreparedTable[count];
            int dimension = BigDimension(Encoding.StageKeys[stage]);
            for (int j = 0; j < count; j++)
            {
                ins[j] = inputs[j] ?? throw new ArgumentNullException(nameof(inputs), $"Input {j} is null.");
                if (ins[j].LweDimension != dimension)
                    throw new ArgumentException(
                        $"Input {j} has dimension {ins[j].LweDimension}; stage {stage} values are under key set {Encoding.StageKeys[stage]} " +
                        $"(k·N = {dimension}). Encrypt inputs with the CircuitClient of this encoding.", nameof(inputs));
                var table = tables[j] ?? throw new ArgumentNullException(nameof(tables), $"Table {j} is null.");
                prepared[j] = _tables.GetOrAdd((table, stage), key => Prepare(key.Table, key.Stage));
            }

            var runs = new NeuronRun[count];
            for (int j = 0; j < count; j++)
                runs[j] = new NeuronRun(ins[j].Clone(), prepared[j], ReadsOf(stage, r, exact, prepared[j].Bits));
            if (exact)
            {
                if (!_key.KeySwitchKeys.ContainsKey(new KeyPair(Encoding.StageKeys[stage], _extractionKeys[stage])))
                    throw new InvalidOperationException(
                        $"Stage {stage} is rounded exactly at run time but its encoding has no extraction reads; build the encoding from the plan the code was generated from.");
                // Round half up: add 2^(r-1), then clear the r low bits chunk by chunk, lowest first (lower bits already zero).
                foreach (var run in runs) run.Work.AddPlaintext(Encode(1L << (r - 1), stage));
            }

            // Every neuron makes the same sequence of reads (for one table width), so they go in phases: the k-th read of
            // every neuron together. Each phase keyswitches its reads in batches (one pass over the key per batch: the
            // keyswitch is bound by streaming the key) and then blind-rotates them in parallel.
            var pool = _workers.GetOrAdd(stage, _ => new ConcurrentBag<Worker>());
            var active = new List<NeuronRun>(count);
            for (int phase = 0; ; phase++)
            {
                active.Clear();
                foreach (var run in runs)
                {
                    if (phase < run.Steps.Count) active.Add(run);
                }

                if (active.Count == 0) break;
                foreach (var run in active) PrepareRead(run, phase, stage, r, exact);
                KeySwitchAll(active, phase, stage);
                var batches = BlindRotationBatches(active, phase, stage);
                Parallel.For(0, batches.Count, _parallel,
                    () => pool.TryTake(out var worker) ? worker : CreateWorker(stage),
                    (a, _, worker) =>
                    {
                        var batch = batches[a];
                        var pbs = batch[0].Steps[phase].Kind == ReadKind.Lookup ? worker.Lookup : worker.Extraction!;
                        if (batch.Length == 1)
                        {
                            var run = batch[0];
                            pbs.ProgrammableBootstrap(run.Small!, TestPolynomialOf(run.Steps[phase], run.Table, stage), run.Read!);
                        }
                        else
                        {
                            var smalls = new LweCiphertext[batch.Length];
                            var tps = new TestPolynomial[batch.Length];
                            var reads = new LweCiphertext[batch.Length];
                            for (int b = 0; b < batch.Length; b++)
                            {
                                smalls[b] = batch[b].Small!;
                                tps[b] = TestPolynomialOf(batch[b].Steps[phase], batch[b].Table, stage);
                                reads[b] = batch[b].Read!;
                            }

                            pbs.ProgrammableBootstrap(smalls, tps, reads);
                        }

                        Interlocked.Add(ref _bootstraps, batch.Length);
                        return worker;
                    },
                    pool.Add);
                foreach (var run in active) ApplyRead(run, phase, stage);
            }

            for (int j = 0; j < count; j++)
                outputs[j] = runs[j].Output ?? throw new InvalidOperationException("A neuron ended without its lookup.");
        }

        /// <summary>
        /// A neuron's reads, as the noise analysis derived them (<see cref="LayerRead.Sequence"/>, the one definition); a
        /// run whose rounding or table width is not the encoding's would make reads the selected parameters were not
        /// checked for, so it is refused.
        /// </summary>
        private IReadOnlyList<LayerRead> ReadsOf(int stage, int r, bool exact, int tableBits)
        {
            var layer = Encoding.Layers.FirstOrDefault(l => l.Stage == stage && l.TluBits > 0 && l.PbsCount > 0);
            if (layer is not null && (layer.RoundedBits != r || (r > 0 && (layer.Rounding == RoundingKind.Exact) != exact) || Math.Max(1, layer.TluBits) != tableBits))
                throw new InvalidOperationException(
                    $"Stage {stage} runs {tableBits}-bit lookups after {(r == 0 ? "no rounding" : $"{(exact ? "exact" : "approximate")} rounding of {r} bits")}, but its encoding " +
                    $"(layer '{layer.Name}') was built for {layer.TluBits}-bit lookups after {(layer.RoundedBits == 0 ? "no rounding" : $"{layer.Rounding.ToString().ToLowerInvariant()} rounding of {layer.RoundedBits} bits")}: " +
                    "build the encoding from the plan the code was generated from.");
            return LayerRead.Sequence(r, exact, tableBits);
        }

        /// <summary>Sets <see cref="NeuronRun.Scratch"/> to the ciphertext the neuron's read of this phase bootstraps.</summary>
        private void PrepareRead(NeuronRun run, int phase, int stage, int r, bool exact)
        {
            int w = Bits(stage);
            var step = run.Steps[phase];
            if (step.Kind == ReadKind.Lookup)
            {
                // Index into the padded table: subtract its first input (in rounded units), then move its bits to the top.
                var work = run.Work;
                work.AddPlaintext(0UL - Encode(run.Table.PaddedInputMin << r, stage));
                if (!exact && r > 0) work.AddPlaintext(Encode(1, stage) >> 2); // ties of approximate rounding lean up, as exact rounding's
                work.MultiplyAssign(1L << (w - r - run.Table.Bits));
                run.Scratch = work;
                run.Read = new LweCiphertext(BigDimension(_readKeys[stage]));
                return;
            }

            // Bit lo+c-1 into the padding position.
            int shift = w - (step.Lo + step.Chunk - 1);
            run.Scratch ??= new LweCiphertext(run.Work.LweDimension);
            run.Read ??= new LweCiphertext(run.Work.LweDimension);
            run.Scratch.CopyFrom(run.Work);
            run.Scratch.MultiplyAssign(1L << shift);
            // Sign read, half a cell off the boundaries: ±2^(lo+c-2)·Δ by that bit (shifted to b·2^(lo+c-1)·Δ afterwards).
            if (step.Kind == ReadKind.Sign) run.Scratch.AddPlaintext(1UL << (63 - step.Chunk));
        }

        /// <summary>
        /// The phase's blind rotations grouped by bootstrapping key (lookups, extractions) into batches that share each
        /// pass over the key: at most <see cref="LookupBatchSize"/> per batch while the key's polynomials are at most
        /// <see cref="MaxBatchedPolynomialSize"/>, one at a time above. The batch count of a group is rounded up to a
        /// multiple of the workers so the batches split evenly over them (a batch is one work item).
        /// </summary>
        private List<NeuronRun[]> BlindRotationBatches(List<NeuronRun> active, int phase, int stage)
        {
            var batches = new List<NeuronRun[]>();
            int workers = Math.Max(1, _parallel.MaxDegreeOfParallelism);
            foreach (bool lookups in new[] { true, false })
            {
                var group = active.Where(run => (run.Steps[phase].Kind == ReadKind.Lookup) == lookups).ToArray();
                if (group.Length == 0) continue;
                int size = PolynomialSize(lookups ? _readKeys[stage] : _extractionKeys[stage]) <= MaxBatchedPolynomialSize ? LookupBatchSize : 1;
                int count = (group.Length + size - 1) / size;
                count = Math.Min(group.Length, (count + workers - 1) / workers * workers);
                for (int b = 0; b < count; b++)
                    batches.Add(group[(group.Length * b / count)..(group.Length * (b + 1) / count)]);
            }

            return batches;
        }

        /// <summary>Keyswitches the phase's reads, each group (extractions, lookups) in batches spread over the workers.</summary>
        private void KeySwitchAll(List<NeuronRun> active, int phase, int stage)
        {
            int input = Encoding.StageKeys[stage];
            foreach (var kind in new[] { ReadKind.Lookup, ReadKind.Sign })
            {
                // Sign and identity reads share the extraction keys.
                var group = active.Where(run => (run.Steps[phase].Kind == ReadKind.Lookup) == (kind == ReadKind.Lookup)).ToArray();
                if (group.Length == 0) continue;
                int target = kind == ReadKind.Lookup ? _readKeys[stage] : _extractionKeys[stage];
                var ksk = _key.KeySwitchKeys[new KeyPair(input, target)];
                foreach (var run in group)
                {
                    if (run.Small is null || run.Small.LweDimension != ksk.OutputDimension) run.Small = new LweCiphertext(ksk.OutputDimension);
                }

                int batches = Math.Min(group.Length, _parallel.MaxDegreeOfParallelism);
                Parallel.For(0, batches, _parallel, b =>
                {
                    int from = group.Length * b / batches, to = group.Length * (b + 1) / batches;
                    var slice = group.AsSpan(from, to - from);
                    var scratches = new LweCiphertext[slice.Length];
                    var smalls = new LweCiphertext[slice.Length];
                    for (int i = 0; i < slice.Length; i++)
                    {
                        scratches[i] = slice[i].Scratch!;
                        smalls[i] = slice[i].Small!;
                    }

                    ksk.KeySwitch(scratches, smalls);
                });
            }
        }

        /// <summary>Folds the phase's read back into the neuron: subtract an extraction, or keep the lookup's output.</summary>
        private void ApplyRead(NeuronRun run, int phase, int stage)
        {
            var step = run.Steps[phase];
            switch (step.Kind)
            {
                case ReadKind.Sign:
                    run.Read!.AddPlaintext(HalfStep(step.Lo + step.Chunk - 1, stage));
                    run.Work.SubtractAssign(run.Read);
                    break;
                case ReadKind.Identity:
                    // The chunk's other c-1 bits, read under a clear padding bit by an identity lookup: subtracted too.
                    run.Work.SubtractAssign(run.Read!);
                    break;
                default:
                    run.Output = run.Read;
                    break;
            }
        }

        private TestPolynomial TestPolynomialOf(LayerRead step, PreparedTable table, int stage) => step.Kind switch
        {
            ReadKind.Sign => _signs.GetOrAdd((stage, step.Lo + step.Chunk - 1),
                key => TestPolynomial.Constant(PolynomialSize(Encoding.StageKeys[key.Stage]), 0UL - HalfStep(key.Bit, key.Stage))),
            ReadKind.Identity => Identity(stage, step.Chunk - 1, step.Lo),
            _ => table.Polynomial,
        };

        /// <summary>2^(k−1)·Δ as a torus value (Δ/2 for k = 0): half of bit k's weight.</summary>
        private ulong HalfStep(int k, int stage) => k == 0 ? Encoding.Delta(stage) >> 1 : Encoding.Delta(stage) << (k - 1);

        private TestPolynomial Identity(int stage, int bits, int lo) => _identities.GetOrAdd((stage, bits, lo), key =>
        {
            var values = new ulong[1 << key.Bits];
            for (int u = 0; u < values.Length; u++) values[u] = Encode((long)u << key.Lo, key.Stage);
            return TestPolynomial.FromTorusValues(PolynomialSize(Encoding.StageKeys[key.Stage]), values);
        });

        /// <summary>The table's test polynomial, its entries encoded at the next stage's Δ (where its outputs are used).</summary>
        private PreparedTable Prepare(LookupTable table, int stage)
        {
            int bits = Math.Max(1, table.InputBits);
            int size = 1 << bits;
            var entries = table.Entries;
            if (entries.Length > size)
                throw new ArgumentException($"Table {table.Id} has {entries.Length} entries, more than its {bits}-bit input allows.");
            int low = (size - entries.Length) / 2;
            var values = new ulong[size];
            for (int k = 0; k < size; k++)
                values[k] = Encode(entries[Math.Clamp(k - low, 0, entries.Length - 1)], stage + 1);
            return new PreparedTable(bits, table.InputMin - low, TestPolynomial.FromTorusValues(PolynomialSize(_readKeys[stage]), values));
        }

        private ulong Encode(long value, int stage) => unchecked((ulong)value * Encoding.Delta(stage));
    }

    private sealed record PreparedTable(int Bits, long PaddedInputMin, TestPolynomial Polynomial);

    /// <summary>A neuron's state through a lookup batch: its accumulator, its reads, and the buffers of the current one.</summary>
    private sealed class NeuronRun(LweCiphertext work, PreparedTable table, IReadOnlyList<LayerRead> steps)
    {
        public LweCiphertext Work { get; } = work;

        public PreparedTable Table { get; } = table;

        public IReadOnlyList<LayerRead> Steps { get; } = steps;

        /// <summary>The ciphertext the current read bootstraps (big dimension of the stage's set).</summary>
        public LweCiphertext? Scratch { get; set; }

        /// <summary>Its keyswitch to the read's small key.</summary>
        public LweCiphertext? Small { get; set; }

        /// <summary>The read's bootstrapped result.</summary>
        public LweCiphertext? Read { get; set; }

        /// <summary>The lookup's output, once done.</summary>
        public LweCiphertext? Output { get; set; }
    }

    /// <summary>One worker thread's bootstrappers for a stage (scratch buffers over shared keys).</summary>
    private sealed record Worker(ProgrammableBootstrapper Lookup, ProgrammableBootstrapper? Extraction);
}
