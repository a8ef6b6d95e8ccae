extern alias gen;
using System.Threading;
using System.Threading.Tasks;
using FheGen.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using static FheGen.CodeFixes.BiasCodeFixProvider;
using FheModelAnalyzer = gen::FheGen.Generators.Analyzers.FheModelAnalyzer;

namespace FheGen.CodeFixes.Tests;

/// <summary>FHE0007's fixes: point <c>Bias</c> at the misspelled member, or declare the layer without a bias.</summary>
public class BiasFixTests
{
    private sealed class BiasFixTest : CSharpCodeFixTest<FheModelAnalyzer, BiasCodeFixProvider, DefaultVerifier>
    {
        public BiasFixTest(string source, string fixedSource, string key, string title)
        {
            ReferenceAssemblies = FixTest.NoPackages;
            TestState.AdditionalReferences.AddRange(FixTest.References);
            TestState.Sources.Add(source);
            FixedState.Sources.Add(fixedSource);
            DisabledDiagnostics.Add("FHE0006");
            CodeActionValidationMode = CodeActionValidationMode.Full;
            CodeActionEquivalenceKey = key;
            CodeActionVerifier = (action, verifier) => verifier.Equal(title, action.Title);
        }
    }

    // Hidden: one weight 0.5 over one 4-bit input: [0, 105], 7 bits, within budget; only FHE0007 remains.
    private const string Misspelled = """
        using FheGen;

        [FheModel(Inputs = 1, InputBits = 4)]
        [{|FHE0007:Dense("Hidden", 1, Activation = Activation.Relu)|}]
        [Dense("Output", 1)]
        public partial class M
        {
            static readonly float[] Hidden = { 0.5f };
            static readonly float[] HiddenBais = { 0.25f };
            static readonly float[] Output = { 1f };
            static readonly float[] OutputBias = { 0f };
        }
        """;

    [Fact]
    public Task Use_the_candidate_sets_bias()
        => new BiasFixTest(Misspelled, Misspelled.Replace("[{|FHE0007:Dense(\"Hidden\", 1, Activation = Activation.Relu)|}]",
                "[Dense(\"Hidden\", 1, Activation = Activation.Relu, Bias = \"HiddenBais\")]"),
            UseCandidateEquivalenceKey, "Use 'HiddenBais' as the bias of 'Hidden'").RunAsync(CancellationToken.None);

    [Fact]
    public Task No_bias_declares_the_layer_without_bias()
        => new BiasFixTest(Misspelled.Replace("    static readonly float[] HiddenBais = { 0.25f };\n", ""),
            Misspelled.Replace("    static readonly float[] HiddenBais = { 0.25f };\n", "")
                .Replace("[{|FHE0007:Dense(\"Hidden\", 1, Activation = Activation.Relu)|}]", "[Dense(\"Hidden\", 1, Activation = Activation.Relu, NoBias = true)]"),
            NoBiasEquivalenceKey, "Declare 'Hidden' without a bias").RunAsync(CancellationToken.None);

    [Fact]
    public Task No_bias_on_an_attribute_without_arguments_after_the_layer_name()
        => new BiasFixTest("""
            using FheGen;

            [FheModel(Inputs = 1, InputBits = 4)]
            [Dense("Hidden", 1, NoBias = true)]
            [{|FHE0007:Dense("Output", 1)|}]
            public partial class M
            {
                static readonly float[] Hidden = { 0.5f };
                static readonly float[] Output = { 1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 1, InputBits = 4)]
            [Dense("Hidden", 1, NoBias = true)]
            [Dense("Output", 1, NoBias = true)]
            public partial class M
            {
                static readonly float[] Hidden = { 0.5f };
                static readonly float[] Output = { 1f };
            }
            """, NoBiasEquivalenceKey, "Declare 'Output' without a bias").RunAsync(CancellationToken.None);
}
