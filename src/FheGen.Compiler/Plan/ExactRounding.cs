using System;

namespace FheGen.Compiler.Plan;

/// <summary>
/// How exact rounding is carried out under TFHE, shared by the cost model, the PBS counts of the plan and the
/// encrypted backend so the three agree. The <c>t</c> removed bits (after adding <c>2^(t-1)</c>) are extracted from
/// the low end in chunks of at most <c>tluBits + 1</c> bits; a chunk of <c>c</c> bits costs one sign bootstrapping for
/// its top bit (read in the padding position) and, when <c>c &gt;= 2</c>, one identity lookup of its other
/// <c>c - 1</c> bits; each extracted value is subtracted, leaving a multiple of <c>2^t</c> for the final lookup.
/// </summary>
/// <remarks>
/// Capping chunks at <c>tluBits + 1</c> bits keeps every extraction read within the precision of the lookup itself,
/// so exact rounding never asks for a larger polynomial than the TLU does (one lower-bit read per bit, as in
/// Concrete, would cost <c>t</c> bootstrappings instead of two for <c>t &lt;= tluBits + 1</c>).
/// </remarks>
public static class ExactRounding
{
    /// <summary>The chunk sizes, low end first, that extract <paramref name="removedBits"/> bits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A width is out of range.</exception>
    public static int[] Chunks(int removedBits, int tluBits)
    {
        if (removedBits < 0) throw new ArgumentOutOfRangeException(nameof(removedBits), removedBits, "Cannot remove a negative number of bits.");
        if (tluBits < 1) throw new ArgumentOutOfRangeException(nameof(tluBits), tluBits, "A lookup reads at least 1 bit.");
        int max = tluBits + 1;
        int count = (removedBits + max - 1) / max;
        var chunks = new int[count];
        int left = removedBits;
        for (int i = 0; i < count; i++)
        {
            // Equal-ish chunks: the largest ones first would leave a 1-bit tail needing its own read anyway.
            chunks[i] = (left + (count - i) - 1) / (count - i);
            left -= chunks[i];
        }
        return chunks;
    }

    /// <summary>Bootstrappings per neuron that exact rounding adds before the lookup (0 when nothing is removed).</summary>
    public static int PbsPerNeuron(int removedBits, int tluBits)
    {
        int pbs = 0;
        foreach (int c in Chunks(removedBits, tluBits)) pbs += c >= 2 ? 2 : 1;
        return pbs;
    }
}
