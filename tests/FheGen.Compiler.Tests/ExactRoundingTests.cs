using System;
using System.Linq;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Tests;

public class ExactRoundingTests
{
    [Theory]
    [InlineData(0, 6, new int[0], 0)]
    [InlineData(1, 6, new[] { 1 }, 1)]
    [InlineData(2, 1, new[] { 2 }, 2)]
    [InlineData(6, 6, new[] { 6 }, 2)]
    [InlineData(7, 6, new[] { 7 }, 2)]
    [InlineData(8, 6, new[] { 4, 4 }, 4)]
    [InlineData(7, 5, new[] { 4, 3 }, 4)]
    [InlineData(3, 1, new[] { 2, 1 }, 3)]
    [InlineData(10, 2, new[] { 3, 3, 2, 2 }, 8)]
    public void Chunks_cover_the_removed_bits_within_the_lookup_precision(int removed, int tluBits, int[] chunks, int pbs)
    {
        Assert.Equal(chunks, ExactRounding.Chunks(removed, tluBits));
        Assert.Equal(pbs, ExactRounding.PbsPerNeuron(removed, tluBits));
    }

    [Fact]
    public void Every_chunk_fits_and_they_sum_to_the_removed_bits()
    {
        for (int t = 0; t <= 16; t++)
            for (int p = 1; p <= 16; p++)
            {
                var c = ExactRounding.Chunks(t, p);
                Assert.Equal(t, c.Sum());
                Assert.All(c, x => Assert.InRange(x, 1, p + 1));
                Assert.Equal((t + p) / (p + 1), c.Length);
            }
    }

    [Fact]
    public void Negative_or_zero_widths_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactRounding.Chunks(-1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactRounding.Chunks(3, 0));
    }
}
