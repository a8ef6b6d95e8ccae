using System.Linq;
using CsCheck;
using FheGen.Compiler.Model;
using FheGen.Compiler.Parameters;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Tests.Parameters;

/// <summary>
/// The noise analysis covers exactly the reads the encrypted backend makes: both take them from
/// <see cref="LayerRead.Sequence"/>, so each lookup layer's conditions are that sequence, in order.
/// </summary>
public class LayerReadTests
{
    [Theory]
    [InlineData(0, false, 6, "L")]
    [InlineData(3, false, 6, "L")]
    [InlineData(1, true, 6, "S L")]
    [InlineData(3, true, 6, "S I L")]
    [InlineData(8, true, 6, "S I S I L")]
    [InlineData(3, true, 1, "S I S L")]
    public void The_sequence_is_one_sign_and_identity_read_per_chunk_then_the_lookup(int rounded, bool exact, int tableBits, string expected)
    {
        var reads = LayerRead.Sequence(rounded, exact, tableBits);
        Assert.Equal(expected, string.Join(" ", reads.Select(r => r.Kind.ToString()[..1])));
        var chunks = exact ? ExactRounding.Chunks(rounded, tableBits) : new int[0];
        Assert.Equal(chunks.Sum(), reads.Where(r => r.Kind == ReadKind.Sign).Sum(r => r.Chunk));
        Assert.All(reads.Where(r => r.Kind == ReadKind.Identity), r => Assert.True(r.Chunk >= 2));
    }

    [Fact]
    public void Each_lookup_layers_noise_conditions_are_its_read_sequence_in_order()
    {
        RandomModels.Models(minBudget: 2, maxBudget: 8, maxRound: 8).Sample(spec =>
        {
            var compiled = CircuitCompiler.Compile(spec);
            if (compiled.Plan is not { } plan) return;
            var reads = CircuitReads.Derive(plan);
            foreach (var layer in plan.Layers.Where(l => !l.IsOutput && l.PbsCount > 0))
            {
                bool exact = layer.RoundedBits > 0 && layer.RoundingMethod == RoundingKind.Exact;
                var expected = LayerRead.Sequence(layer.RoundedBits, exact, layer.TluInputBits)
                    .Select(r => r.Kind switch { ReadKind.Sign => "sign read", ReadKind.Identity => "identity read", _ => "lookup" }).ToArray();
                var labels = reads.Constraints.Where(c => c.Layer == layer.Index).Select(c => c.Label).ToArray();
                Assert.Equal(expected.Length, labels.Length);
                for (int i = 0; i < labels.Length; i++) Assert.Contains(expected[i], labels[i]);
            }
        }, iter: 300);
    }
}
