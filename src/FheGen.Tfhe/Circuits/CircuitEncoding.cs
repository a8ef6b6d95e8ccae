using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Compiler.Parameters;
using FheGen.Compiler.Plan;
using FheGen.Tfhe.Keys;

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
    private readonly CircuitReads _reads;

    private CircuitEncoding(CircuitPlan plan, CircuitReads reads, CircuitParameterSelection selection)
    {
        Plan = plan;
        _reads = reads;
        Selection = selection;
        var keySwitches = new SortedSet<KeyPair>(PairOrder.Instance);
        var bootstraps = new SortedSet<KeyPair>(PairOrder.Instance);
        foreach (var l in reads.Layers)
        {
            if (l.TluBits == 0 || l.PbsCount == 0) continue;
            int input = reads.StageKeys[l.Stage];
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
    public IReadOnlyList<int> StageMessageBits => _reads.StageMessageBits;

    /// <summary>Message bits of the encrypted inputs (stage 0).</summary>
    public int InputMessageBits => StageMessageBits[0];

    /// <summary>Message bits of the output accumulators (the last stage); decryption uses the padding bit too.</summary>
    public int OutputMessageBits => StageMessageBits[^1];

    /// <summary>Δ of a stage: 2^(63 − W), the torus value of integer 1.</summary>
    public ulong Delta(int stage) => 1UL << (63 - StageMessageBits[stage]);

    /// <summary>Per layer: its stage and reads.</summary>
    public IReadOnlyList<LayerEncoding> Layers => _reads.Layers;

    /// <summary>Every distinct read of the circuit, as a noise condition.</summary>
    public IReadOnlyList<NoiseConstraint> Constraints => _reads.Constraints;

    /// <summary>
    /// The distinct TLU input widths, ascending; key set i &lt; KeyWidths.Count serves width KeyWidths[i]. When the
    /// inputs have a set of their own (see <see cref="KeyDescriptions"/>), it comes last, after these.
    /// </summary>
    public IReadOnlyList<int> KeyWidths => _reads.KeyWidths;

    /// <summary>What each key set serves, for reports ("6-bit TLU", "inputs and first-layer rounding").</summary>
    public IReadOnlyList<string> KeyDescriptions => _reads.KeyDescriptions;

    /// <summary>Per stage, the key set whose big key its values are under.</summary>
    public IReadOnlyList<int> StageKeys => _reads.StageKeys;

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
    public const double InputSetMinimumSaving = EncryptionSelection.InputSetMinimumSaving;

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
        // One selection for the backend and the cost model (Cost.CostModel.EstimateEncrypted prices these very sets).
        var chosen = EncryptionSelection.Select(plan, pError ?? plan.PError, space, setPerWidth, inputSet);
        return new CircuitEncoding(plan, chosen.Reads, chosen.Selection);
    }

    /// <summary>
    /// <see cref="Create"/> for a generated model's plan, rebuilt at run time from its spec: the plan must have the
    /// fingerprint the generated code was emitted with, since the generated <c>Run</c> evaluates under this encoding and
    /// would otherwise be given parameters chosen for another circuit.
    /// </summary>
    /// <param name="plan">The plan compiled from the model's <c>Spec</c> (e.g. its <c>Interpreter.Plan</c>).</param>
    /// <param name="model">The model's name, for the error message.</param>
    /// <param name="fingerprint">The generated model's <c>PlanFingerprint</c> constant.</param>
    /// <param name="pError">Per-read error probability; the plan's <see cref="CircuitPlan.PError"/> when null.</param>
    /// <param name="space">Parameter search ranges (default when null).</param>
    /// <param name="setPerWidth">One parameter set per distinct TLU width (default); false runs every lookup at one shared set.</param>
    /// <param name="inputSet">As for <see cref="Create"/>.</param>
    /// <exception cref="PlanFingerprintMismatchException">The plan's fingerprint is not <paramref name="fingerprint"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">p_error is not in (0, 1).</exception>
    /// <exception cref="NotSupportedException">A value would need more than 62 message bits.</exception>
    /// <exception cref="InvalidOperationException">No secure parameter set meets every read.</exception>
    /// <exception cref="ArgumentException"><paramref name="inputSet"/> is true where an input set is not possible.</exception>
    public static CircuitEncoding ForGeneratedModel(CircuitPlan plan, string model, string fingerprint, double? pError = null,
        ParameterSearchSpace? space = null, bool setPerWidth = true, bool? inputSet = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(fingerprint);
        PlanFingerprint.Verify(plan, fingerprint, model);
        return Create(plan, pError, space, setPerWidth, inputSet);
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
