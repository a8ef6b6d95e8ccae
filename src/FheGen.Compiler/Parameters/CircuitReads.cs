using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Parameters;

/// <summary>
/// What a compiled circuit asks of TFHE parameters, derived from its <see cref="CircuitPlan"/> alone: a message width
/// per stage, the key sets (one per distinct lookup width), the reads each layer makes and the noise conditions they
/// impose. FheGen.Tfhe's <c>CircuitEncoding</c> selects its parameter sets for these reads; the analyzer checks at
/// build time that a set exists (<see cref="ParameterFeasibility"/>). One derivation, so both see the same reads.
/// </summary>
/// <remarks>
/// Stage widths: a layer with lookups needs its accumulator range and its rounded read (index and removed bits)
/// below the padding bit; the outputs are only decrypted, so their range may use the padding bit as well. The
/// encoding, the reads of exact rounding and the key-set layout are described on <c>CircuitEncoding</c>.
/// </remarks>
public sealed class CircuitReads
{
    private CircuitReads(IReadOnlyList<int> stageBits, IReadOnlyList<int> keyWidths, IReadOnlyList<string> keyDescriptions, IReadOnlyList<int> stageKeys,
        IReadOnlyList<LayerEncoding> layers, IReadOnlyList<NoiseConstraint> constraints)
    {
        StageMessageBits = stageBits;
        KeyWidths = keyWidths;
        KeyDescriptions = keyDescriptions;
        StageKeys = stageKeys;
        Layers = layers;
        Constraints = constraints;
    }

    /// <summary>W per stage (see <c>CircuitEncoding.StageMessageBits</c>).</summary>
    public IReadOnlyList<int> StageMessageBits { get; }

    /// <summary>The distinct TLU input widths, ascending (one in all with a shared set); an input set comes after them.</summary>
    public IReadOnlyList<int> KeyWidths { get; }

    /// <summary>What each key set serves ("6-bit TLU", "inputs and first-layer rounding"); its count is the number of key sets.</summary>
    public IReadOnlyList<string> KeyDescriptions { get; }

    /// <summary>Per stage, the key set whose big key its values are under.</summary>
    public IReadOnlyList<int> StageKeys { get; }

    /// <summary>Per layer: its stage and reads.</summary>
    public IReadOnlyList<LayerEncoding> Layers { get; }

    /// <summary>Every distinct read of the circuit, as a noise condition (each names its layer, see <see cref="NoiseConstraint.Layer"/>).</summary>
    public IReadOnlyList<NoiseConstraint> Constraints { get; }

    /// <summary>Whether the inputs may get a key set of their own: one set per width and a first lookup layer rounded exactly.</summary>
    public static bool InputSetPossible(CircuitPlan plan, bool setPerWidth)
    {
        Numerics.ThrowIfNull(plan, nameof(plan));
        var first = plan.Layers.FirstOrDefault(l => !l.IsOutput && l.PbsCount > 0);
        return setPerWidth && first is { RoundedBits: > 0, RoundingMethod: RoundingKind.Exact };
    }

    /// <summary>Derives the reads of <paramref name="plan"/>.</summary>
    /// <param name="plan">The compiled circuit.</param>
    /// <param name="setPerWidth">One key set per distinct TLU width (true) or one shared set.</param>
    /// <param name="inputSet">Whether the inputs and the first layer's extraction reads get a set of their own (last).</param>
    /// <exception cref="NotSupportedException">A value would need more than 62 message bits.</exception>
    public static CircuitReads Derive(CircuitPlan plan, bool setPerWidth = true, bool inputSet = false)
    {
        Numerics.ThrowIfNull(plan, nameof(plan));
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
            foreach (int j in layer.ActiveNeurons)
            {
                double s = 0;
                foreach (long x in layer.Neurons[j].Weights) s += (double)x * x;
                nu2 = Math.Max(nu2, s);
            }

            if (layer.IsOutput)
            {
                layers.Add(new LayerEncoding(layer.Index, layer.Name, stage, w, 0, RoundingKind.Exact, 0, Array.Empty<int>(), 0, input));
                if (nu2 > 0)
                {
                    constraints.Add(Constraint(new ReadNoise
                    {
                        Layer = layer.Index, PrecisionBits = w, TableBits = 0, AccumulatorVariance = nu2, Fresh = fresh, ThroughBootstrap = false,
                        Label = $"{layer.Name}: decryption of {w + 1}-bit outputs (padding bit included)",
                        Shift = 0, InputKey = input, ReadKey = input, OutputKey = input, Count = 0,
                    }));
                }

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
            // The reads are the backend's (LayerRead.Sequence); each extraction adds its bootstrapping's noise to what follows.
            int subtracted = 0;
            foreach (var read in LayerRead.Sequence(t, exact, tlu))
            {
                constraints.Add(Constraint(read.Kind switch
                {
                    ReadKind.Sign => new ReadNoise
                    {
                        Layer = layer.Index, PrecisionBits = read.Chunk - 1, TableBits = 0, Label = $"{layer.Name}: sign read of bit {read.TopBit}",
                        Shift = w - read.TopBit, InputKey = input, ReadKey = extractionKey, OutputKey = input,
                        AccumulatorVariance = nu2, Fresh = fresh, SubtractedPbs = subtracted, Count = layer.PbsCount,
                    },
                    ReadKind.Identity => new ReadNoise
                    {
                        Layer = layer.Index, PrecisionBits = read.Chunk - 1, TableBits = read.Chunk - 1, Label = $"{layer.Name}: identity read of bits {read.Lo}..{read.TopBit - 1}",
                        Shift = w - read.TopBit, InputKey = input, ReadKey = extractionKey, OutputKey = input,
                        AccumulatorVariance = nu2, Fresh = fresh, SubtractedPbs = subtracted, Count = layer.PbsCount,
                    },
                    _ => new ReadNoise
                    {
                        Layer = layer.Index, PrecisionBits = tlu, TableBits = tlu,
                        Label = Numerics.Invariant($"{layer.Name}: {tlu}-bit lookup{(t > 0 ? $" after {(exact ? "exact" : "approximate")} rounding of {t} bits" : "")}"),
                        Shift = w - t - tlu, InputKey = input, ReadKey = key, OutputKey = key,
                        AccumulatorVariance = nu2, Fresh = fresh, SubtractedPbs = subtracted, Count = layer.PbsCount,
                    },
                }));
                if (read.IsExtraction) subtracted++;
            }

            stage++;
        }

        if (constraints.Count == 0)
            constraints.Add(new NoiseConstraint(1, 1, 1, 0, true, "no read (a constant circuit)", Count: 0));
        return new CircuitReads(stageBits, keyWidths, descriptions, stageKeys, layers, constraints);
    }

    /// <summary>One read's noise condition, named field by field (see <see cref="NoiseConstraint"/>).</summary>
    private readonly struct ReadNoise
    {
        public int Layer { get; init; }
        public int PrecisionBits { get; init; }
        public int TableBits { get; init; }
        public string Label { get; init; }

        /// <summary>The read sits this many bits above the accumulator's unit: its variances scale by 2^(2 shift).</summary>
        public int Shift { get; init; }
        public int InputKey { get; init; }
        public int ReadKey { get; init; }
        public int OutputKey { get; init; }

        /// <summary>The accumulator's noise variance in units of the stage's message (nu^2 of the layer's inputs).</summary>
        public double AccumulatorVariance { get; init; }

        /// <summary>Whether the accumulator is made of fresh encryptions (the first layer) rather than bootstrapped values.</summary>
        public bool Fresh { get; init; }
        public bool ThroughBootstrap { get; init; }
        public int SubtractedPbs { get; init; }
        public int Count { get; init; }

        public ReadNoise() => (Label, ThroughBootstrap) = ("", true);
    }

    private static NoiseConstraint Constraint(in ReadNoise read)
    {
        double scale = Numerics.ScaleB(1.0, 2 * read.Shift);
        double blindRotation = read.Fresh ? 0 : read.AccumulatorVariance;
        double fresh = read.Fresh ? read.AccumulatorVariance : 0;
        return new NoiseConstraint(read.PrecisionBits, read.TableBits, blindRotation * scale, fresh * scale, read.ThroughBootstrap, read.Label,
            ExtractionWeight: read.SubtractedPbs * scale, InputKey: read.InputKey, ReadKey: read.ReadKey, OutputKey: read.OutputKey, Count: read.Count)
        {
            Layer = read.Layer,
        };
    }
}

/// <summary>How one layer is evaluated under TFHE.</summary>
/// <param name="Index">Layer index.</param>
/// <param name="Name">Layer name.</param>
/// <param name="Stage">Stage whose width its accumulators use (see <see cref="CircuitReads.StageMessageBits"/>).</param>
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
