using System.Collections.Generic;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Parameters;

/// <summary>What one bootstrapping of a neuron reads.</summary>
public enum ReadKind
{
    /// <summary>Exact rounding: the sign read that extracts the top bit of a chunk of low bits.</summary>
    Sign,

    /// <summary>Exact rounding: the identity read of the chunk's remaining bits (chunks of 2 bits or more).</summary>
    Identity,

    /// <summary>The layer's table lookup of its (rounded) accumulator.</summary>
    Lookup,
}

/// <summary>
/// One read of a lookup layer's neuron, in the order the encrypted backend makes them: for exact rounding, per chunk of
/// low bits (lowest first, <see cref="ExactRounding.Chunks"/>) a sign read and, for chunks of 2 bits or more, an identity
/// read; then the lookup. <see cref="Sequence"/> is the one definition: <see cref="CircuitReads"/> derives the noise
/// conditions from it and the backend executes it, so the noise analysis covers exactly the reads that run.
/// </summary>
/// <param name="Kind">What the read extracts.</param>
/// <param name="Lo">Lowest bit of the chunk (extraction reads; 0 for the lookup).</param>
/// <param name="Chunk">Bits in the chunk (extraction reads; 0 for the lookup).</param>
public readonly record struct LayerRead(ReadKind Kind, int Lo, int Chunk)
{
    /// <summary>The bit a sign read extracts: the chunk's top bit.</summary>
    public int TopBit => Lo + Chunk - 1;

    /// <summary>Whether the read is one of exact rounding's extractions (its result is subtracted from the accumulator).</summary>
    public bool IsExtraction => Kind != ReadKind.Lookup;

    /// <summary>The reads of a neuron whose accumulator drops <paramref name="roundedBits"/> low bits before a <paramref name="tableBits"/>-bit lookup.</summary>
    /// <param name="roundedBits">Low bits removed (0: no rounding).</param>
    /// <param name="exact">Exact rounding (extractions) rather than approximate (read through).</param>
    /// <param name="tableBits">The lookup's input bits.</param>
    public static IReadOnlyList<LayerRead> Sequence(int roundedBits, bool exact, int tableBits)
    {
        var reads = new List<LayerRead>();
        if (exact && roundedBits > 0)
        {
            int lo = 0;
            foreach (int c in ExactRounding.Chunks(roundedBits, tableBits))
            {
                reads.Add(new LayerRead(ReadKind.Sign, lo, c));
                if (c >= 2) reads.Add(new LayerRead(ReadKind.Identity, lo, c));
                lo += c;
            }
        }

        reads.Add(new LayerRead(ReadKind.Lookup, 0, 0));
        return reads;
    }
}
