using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Keys;
using FheGen.Compiler.Parameters;

namespace FheGen.Tfhe.Circuits;

/// <summary>
/// How a compiled circuit runs under TFHE: a message width per stage, the reads each layer makes, the noise conditions
/// they impose, and the parameter sets (one per distinct TLU width) that meet them all. Client and server build the same
/// encoding from the same plan; it holds no key.
/// </summary>
/// <remarks>
/// <para>
/// <b>Encoding.</b> Every value between operations is an integer <c>v</c> encrypted as <c>v·Δ</c> with
/// <c>Δ = 2^(63 − W)</c> under the flattened GLWE key of its stage's key set, W the width of the value's stage
/// (<see cref="StageMessageBits"/>): a layer's accumulator range, or its rounded TLU input plus removed bits if wider;
/// for the outputs, which are only decrypted, one bit less (the padding bit holds a message bit). Lookups write their
/// outputs at the next stage's Δ through their test polynomials, so narrow layers get coarser encodings and more noise
/// room. Arithmetic is modulo 2^(W+1), so signed accumulators need no
/// care until a read: before a lookup the compiler's known <c>InputMin</c> is subtracted, which puts the table index
/// in <c>[0, 2^P)</c> with the padding bit clear. Multiplying by 2^s then moves the bits to read to the top of the
/// torus; this scales the noise of the ciphertext by 2^s but not the keyswitch and modulus-switch noise added after it.
/// </para>
/// <para>
/// <b>Reads.</b> A layer without rounding, or with approximate rounding, makes one read: a P-bit lookup of the top bits
/// (approximate rounding lets the removed bits act as noise, Concrete's approximate rounded PBS). Exact rounding first
/// adds <c>2^(t−1)</c> and extracts the t low bits chunk by chunk (<see cref="ExactRounding.Chunks"/>): a sign read puts
/// the chunk's top bit in the padding position (a constant test polynomial returns ±c by that bit), its value is
/// subtracted, then an identity lookup reads the chunk's other bits, which are subtracted too. What is left is an exact
/// multiple of 2^t: the final lookup reads it on the grid. Each read is a <see cref="NoiseConstraint"/>.
/// </para>
/// <para>
/// <b>One parameter set per distinct TLU width.</b> Each distinct lookup width is a key set (<see cref="KeyWidths"/>),
/// with its own small key, GLWE key and parameters (<see cref="KeySets"/>). A lookup of width w keyswitches from the big
/// key its input is under to w's small key and bootstraps into w's GLWE key, so a stage's accumulators are under the
/// key set of the lookup batch before it (<see cref="StageKeys"/>; the inputs under the first batch's set). Exact
/// rounding's extraction reads bootstrap back into the accumulator's set, as their outputs are subtracted from it. The
/// keys this needs are <see cref="RequiredKeySwitches"/> and <see cref="RequiredBootstraps"/>; the sets are chosen
/// jointly for the lowest estimated cost with every read at the plan's per-TLU p_error
/// (<see cref="ParameterSelector.SelectKeySets"/>). A circuit with one lookup width has one set.
/// </para>
/// <para>
/// <b>An input set.</b> When the first layer rounds exactly, its extraction reads bootstrap into the set its inputs are
/// under; with the inputs under the lookup's set they pay that set's ring (N = 8192 for a 6-bit lookup at 2^-40) though
/// they read fewer bits. The inputs may instead be encrypted under a set of their own (last in <see cref="KeySets"/>),
/// where the extraction reads keyswitch, bootstrap and stay; only the lookups cross to their width's set.
/// <see cref="Create"/> keeps that variant when its estimated cost is lower by <see cref="InputSetMinimumSaving"/> or more.
/// </para>
/// </remarks>
public sealed class CircuitEncoding
{
    private CircuitEncoding(CircuitPlan plan, IReadOnlyList<int> stageBits, IReadOnlyList<int> keyWidths, IReadOnlyList<string> keyDescriptions, IReadOnlyList<int> stageKeys, IReadOnlyList<LayerEncoding> layers, IReadOnlyList<NoiseConstraint> constraints, CircuitParameterSelection selection)
    {
        Plan = plan;
        StageMessageBits = stageBits;
        KeyWidths = keyWidths;
        KeyDescriptions = keyDescriptions;
        StageKeys = stageKeys;
        Layers = layers;
        Constraints = constraints;
        Selection = selection;
        var keySwitches = new SortedSet<KeyPair>(PairOrder.Instance);
        var bootstraps = new SortedSet<KeyPair>(PairOrder.Instance);
        foreach (var l in layers)
        {
            if (l.TluBits == 0 || l.PbsCount == 0) continue;
            int input = stageKeys[l.Stage];
            keySwitches.Add(new KeyPair(input, l.Key));
            bootstraps.Add(new KeyPair(l.Key, l.Key));
            if (l.Chunks.Count > 0)
            {
                keySwitches.Add(new KeyPair(input, l.ExtractionKey));
                bootstraps.Add(new KeyPair(l.ExtractionKey, input));
            }
        }

        RequiredKeySwitches = keySwitches.ToArray();
        RequiredBootstraps = bootstraps.ToArray();
    }

    /// <summary>The compiled circuit.</summary>
    public CircuitPlan Plan { get; }

    /// <summary>
    /// W per stage: stage k is everything between the k-th and the (k+1)-th lookup batch (the accumulators of one
    /// layer with lookups, with any all-constant layers before it); the last stage is the output layer's. Values of
    /// stage k are encrypted as <c>v·2^(63 − W_k)</c>; lookups of stage k write their outputs at stage k+1's width.
    /// </summary>
    public IReadOnlyList<int> StageMessageBits { get; }

    /// <summary>Message bits of the encrypted inputs (stage 0).</summary>
    public int InputMessageBits => StageMessageBits[0];

    /// <summary>Message bits of the output accumulators (the last stage); decryption uses the padding bit too.</summary>
    public int OutputMessageBits => StageMessageBits[^1];

    /// <summary>Δ of a stage: 2^(63 − W), the torus value of integer 1.</summary>
    public ulong Delta(int stage) => 1UL << (63 - StageMessageBits[stage]);

    /// <summary>Per layer: its stage and reads.</summary>
    public IReadOnlyList<LayerEncoding> Layers { get; }

    /// <summary>Every distinct read of the circuit, as a noise condition.</summary>
    public IReadOnlyList<NoiseConstraint> Constraints { get; }

    /// <summary>
    /// The distinct TLU input widths, ascending; key set i &lt; KeyWidths.Count serves width KeyWidths[i]. When the
    /// inputs have a set of their own (see <see cref="KeyDescriptions"/>), it comes last, after these.
    /// </summary>
    public IReadOnlyList<int> KeyWidths { get; }

    /// <summary>What each key set serves, for reports ("6-bit TLU", "inputs and first-layer rounding").</summary>
    public IReadOnlyList<string> KeyDescriptions { get; }

    /// <summary>Per stage, the key set whose big key its values are under.</summary>
    public IReadOnlyList<int> StageKeys { get; }

    /// <summary>The parameter sets and their figures.</summary>
    public CircuitParameterSelection Selection { get; }

    /// <summary>The parameter set of each key set.</summary>
    public IReadOnlyList<TfheParameters> KeySets => Selection.KeySets;

    /// <summary>Keyswitching keys the circuit needs: from a stage's big key to its lookups' small key.</summary>
    public IReadOnlyList<KeyPair> RequiredKeySwitches { get; }

    /// <summary>Bootstrapping keys the circuit needs: lookups into their own set, extractions back into the accumulator's.</summary>
    public IReadOnlyList<KeyPair> RequiredBootstraps { get; }

    /// <summary>Bootstrappings per inference: lookups plus exact-rounding extractions.</summary>
    public int PbsPerInference
    {
        get
        {
            int n = 0;
            foreach (var l in Layers) n += l.PbsCount;
            return n;
        }
    }

    /// <summary>
    /// Smallest relative saving in estimated cost for which <see cref="Create"/> gives the inputs a set of their own
    /// (its keys add key-generation time and server-key size).
    /// </summary>
    public const double InputSetMinimumSaving = 0.1;

    /// <summary>
    /// Builds the encoding of <paramref name="plan"/> and selects its parameter set.
    /// </summary>
    /// <param name="plan">The compiled circuit.</param>
    /// <param name="pError">Per-read error probability; the plan's <see cref="CircuitPlan.PError"/> when null.</param>
    /// <param name="space">Parameter search ranges (default when null).</param>
    /// <param name="setPerWidth">One parameter set per distinct TLU width (default); false runs every lookup at one shared set.</param>
    /// <param name="inputSet">
    /// With <paramref name="setPerWidth"/> and a first layer rounded exactly: whether the inputs and that layer's
    /// extraction reads get a set of their own (true), not (false), or whichever has the lower estimated cost, the
    /// extra set only when it saves at least <see cref="InputSetMinimumSaving"/> (null, the default), since it adds keys.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">p_error is not in (0, 1).</exception>
    /// <exception cref="NotSupportedException">A value would need more than 62 message bits.</exception>
    /// <exception cref="InvalidOperationException">No secure parameter set meets every read.</exception>
    /// <exception cref="ArgumentException"><paramref name="inputSet"/> is true where an input set is not possible.</exception>
    public static CircuitEncoding Create(CircuitPlan plan, double? pError = null, ParameterSearchSpace? space = null, bool setPerWidth = true, bool? inputSet = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        double p = pError ?? plan.PError;
        if (!(p > 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(pError), p, "p_error must be in (0, 1) under encryption (0 would need infinite parameters).");

        // A first layer rounded exactly may do better with its own set for the inputs and its extraction reads, whose
        // blind rotations then run in that (smaller) ring instead of the lookup's.
        var first = plan.Layers.FirstOrDefault(l => !l.IsOutput && l.PbsCount > 0);
        bool possible = setPerWidth && first is { RoundedBits: > 0, RoundingMethod: RoundingKind.Exact };
        if (inputSet == true && !possible)
            throw new ArgumentException("An input set needs one set per width and a first layer with exact rounding.", nameof(inputSet));
        if (inputSet is bool forced)
            return Build(plan, p, space, setPerWidth, forced);
        var encoding = Build(plan, p, space, setPerWidth, inputSet: false);
        if (possible)
        {
            var withInputSet = Build(plan, p, space, setPerWidth, inputSet: true);
            if (withInputSet.Selection.Cost < (1 - InputSetMinimumSaving) * encoding.Selection.Cost) encoding = withInputSet;
        }

        return encoding;
    }

    private static CircuitEncoding Build(CircuitPlan plan, double p, ParameterSearchSpace? space, bool setPerWidth, bool inputSet)
    {

        // Stage widths: a layer with lookups needs its accumulator range and the rounded read (index and removed bits)
        // below the padding bit; the outputs are only decrypted, so their range may use the padding bit as well.
        var stageBits = new List<int>();
        foreach (var layer in plan.Layers)
        {
            if (layer.IsOutput) stageBits.Add(Math.Max(1, layer.AccumulatorBits - 1));
            else if (layer.PbsCount > 0) stageBits.Add(Math.Max(layer.AccumulatorBits, layer.TluInputBits + layer.RoundedBits));
        }
        foreach (int bits in stageBits)
        {
            if (bits > 62)
                throw new NotSupportedException($"Circuit '{plan.Name}' needs {bits}-bit messages; at most 62 fit the 64-bit torus with a padding bit.");
        }

        // Key sets: one per distinct lookup width (or one in all). Stage 0 (the inputs) is under the first batch's set,
        // stage s > 0 under the set of the batch that wrote it.
        var widths = new SortedSet<int>();
        var batchWidths = new List<int>();
        foreach (var layer in plan.Layers)
        {
            if (layer.IsOutput || layer.PbsCount == 0) continue;
            widths.Add(layer.TluInputBits);
            batchWidths.Add(layer.TluInputBits);
        }
        var keyWidths = setPerWidth && widths.Count > 0 ? widths.ToArray() : new[] { widths.Count > 0 ? widths.Max : 0 };
        int KeyOf(int width) => setPerWidth ? Math.Max(0, Array.IndexOf(keyWidths, width)) : 0;
        var stageKeys = new int[stageBits.Count];
        for (int st = 0; st < stageKeys.Length; st++)
            stageKeys[st] = batchWidths.Count == 0 ? 0 : KeyOf(batchWidths[Math.Max(0, st - 1)]);
        var descriptions = keyWidths.Select(w => w > 0 ? $"{w}-bit TLU" : "no lookup").ToList();
        if (inputSet)
        {
            // One more set, last: the inputs are encrypted under it and stage 0's extraction reads stay in it.
            stageKeys[0] = keyWidths.Length;
            descriptions.Add("inputs and first-layer rounding");
        }

        var layers = new List<LayerEncoding>();
        var constraints = new List<NoiseConstraint>();
        int stage = 0;
        foreach (var layer in plan.Layers)
        {
            int w = stageBits[stage];
            int input = stageKeys[stage];
            // The input's noise: fresh encryptions in the first stage, bootstrapping outputs after it.
            bool fresh = stage == 0;
            double nu2 = 0;
            foreach (var n in layer.Neurons)
            {
                if (!layer.IsOutput && n.IsConstant) continue;
                double s = 0;
                foreach (long x in n.Weights) s += (double)x * x;
                nu2 = Math.Max(nu2, s);
            }

            if (layer.IsOutput)
            {
                layers.Add(new LayerEncoding(layer.Index, layer.Name, stage, w, 0, RoundingKind.Exact, 0, Array.Empty<int>(), 0, input));
                if (nu2 > 0)
                    constraints.Add(Constraint(w, 0, nu2, 0, fresh, false, $"{layer.Name}: decryption of {w + 1}-bit outputs (padding bit included)", 0, input, input, input, 0));
                continue;
            }

            int t = layer.RoundedBits, tlu = layer.TluInputBits;
            bool exact = t > 0 && layer.RoundingMethod == RoundingKind.Exact;
            int[] chunks = exact ? ExactRounding.Chunks(t, tlu) : Array.Empty<int>();
            int key = layer.PbsCount == 0 ? input : KeyOf(tlu);
            int extractionKey = inputSet && stage == 0 ? input : key;
            layers.Add(new LayerEncoding(layer.Index, layer.Name, stage, w, t, t > 0 ? layer.RoundingMethod : RoundingKind.Exact, tlu, chunks, layer.PbsCount + layer.RoundingPbsCount, key)
            {
                ExtractionKey = extractionKey,
            });
            if (layer.PbsCount == 0) continue; // all constant: no accumulator, no read, same stage

            // Extraction reads keyswitch to the layer's set and bootstrap back into the accumulator's; the lookup stays in its set.
            int subtracted = 0, lo = 0, count = layer.PbsCount;
            foreach (int c in chunks)
            {
                int shift = w - (lo + c - 1);
                constraints.Add(Constraint(c - 1, 0, nu2, subtracted, fresh, true, $"{layer.Name}: sign read of bit {lo + c - 1}", shift, input, extractionKey, input, count));
                subtracted++;
                if (c >= 2)
                {
                    constraints.Add(Constraint(c - 1, c - 1, nu2, subtracted, fresh, true, $"{layer.Name}: identity read of bits {lo}..{lo + c - 2}", shift, input, extractionKey, input, count));
                    subtracted++;
                }
                lo += c;
            }
            constraints.Add(Constraint(tlu, tlu, nu2, subtracted, fresh, true,
                string.Create(CultureInfo.InvariantCulture, $"{layer.Name}: {tlu}-bit lookup{(t > 0 ? $" after {(exact ? "exact" : "approximate")} rounding of {t} bits" : "")}"),
                w - t - tlu, input, key, key, count));
            stage++;
        }

        if (constraints.Count == 0)
            constraints.Add(new NoiseConstraint(1, 1, 1, 0, true, "no read (a constant circuit)", Count: 0));
        var selection = ParameterSelector.SelectKeySets(constraints, descriptions.Count, Math.Log2(p), space);
        return new CircuitEncoding(plan, stageBits, keyWidths, descriptions, stageKeys, layers, constraints, selection);
    }

    private static NoiseConstraint Constraint(int precision, int tableBits, double nu2, int subtractedPbs, bool fresh, bool bootstrap, string label,
        int shift, int inputKey, int readKey, int outputKey, int count)
    {
        double scale = Math.ScaleB(1.0, 2 * shift);
        double br = fresh ? 0 : nu2;
        double fr = fresh ? nu2 : 0;
        return new NoiseConstraint(precision, tableBits, br * scale, fr * scale, bootstrap, label, subtractedPbs * scale, inputKey, readKey, outputKey, count);
    }

    private sealed class PairOrder : IComparer<KeyPair>
    {
        public static readonly PairOrder Instance = new();

        public int Compare(KeyPair x, KeyPair y) => x.From != y.From ? x.From.CompareTo(y.From) : x.To.CompareTo(y.To);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Plan.Name} under TFHE: {string.Join("/", StageMessageBits)}-bit messages by stage, {PbsPerInference} PBS per inference, {string.Join("; ", KeyDescriptions.Select((d, i) => $"{d}: {KeySets[i].Id}"))}");
}

/// <summary>How one layer is evaluated under TFHE.</summary>
/// <param name="Index">Layer index.</param>
/// <param name="Name">Layer name.</param>
/// <param name="Stage">Stage whose width its accumulators use (see <see cref="CircuitEncoding.StageMessageBits"/>).</param>
/// <param name="MessageBits">That width W.</param>
/// <param name="RoundedBits">Low bits removed before the lookup.</param>
/// <param name="Rounding">Exact (extracted and subtracted) or approximate (read through).</param>
/// <param name="TluBits">Lookup input bits (0 for the output layer).</param>
/// <param name="Chunks">Exact rounding's extraction chunks, low end first (<see cref="ExactRounding.Chunks"/>).</param>
/// <param name="PbsCount">Bootstrappings of the layer per inference.</param>
/// <param name="Key">Key set its lookups keyswitch to and bootstrap into (that of its TLU width); the stage's key set for the output layer.</param>
public sealed record LayerEncoding(int Index, string Name, int Stage, int MessageBits, int RoundedBits, RoundingKind Rounding, int TluBits, IReadOnlyList<int> Chunks, int PbsCount, int Key)
{
    /// <summary>Key set its exact-rounding extraction reads keyswitch to; they bootstrap back into the stage's set.</summary>
    public int ExtractionKey { get; init; } = Key;
}
