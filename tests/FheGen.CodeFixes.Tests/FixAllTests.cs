using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using static FheGen.CodeFixes.FheGenCodeFixProvider;

namespace FheGen.CodeFixes.Tests;

/// <summary>Fix All (document, project, solution) through the batch fixer, over several layers and models.</summary>
public class FixAllTests
{
    // FHE0006's estimate at the default p_error 2^-40, from the cost model's measured table (regenerated per machine,
    // so computed here rather than hard-coded).
    private static double Lookup(int bits) => FheGen.Compiler.Cost.CostModel.PbsLatencyMs(bits, System.Math.Pow(2, -40));

    private static string Estimate(double ms) => $"est. {FheGen.Compiler.Cost.CostModel.FormatLatency(ms)} on one core";

    // Hidden: 4 inputs of 4 bits, q = 7: [0, 420], 9 bits. Second: 4 inputs of 4-bit activations, q = 7: 9 bits too.
    private const string TwoLayers = """
        using FheGen;

        [FheModel(Inputs = 4, InputBits = 4)]
        [{|FHE0001:Dense("Hidden", 4, Activation = Activation.Relu)|}]
        [{|FHE0001:Dense("Second", 2, Activation = Activation.Relu)|}]
        [Dense("Output", 1)]
        public partial class M
        {
            static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
            static readonly float[] Second = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    [Fact]
    public async Task Round_fixes_every_layer()
    {
        var test = new FixTest(TwoLayers, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 4, Activation = Activation.Relu)]
            [Dense("Second", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            [RoundAccumulator("Hidden", Bits = 8)]
            [RoundAccumulator("Second", Bits = 8)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Second = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """)
        {
            CodeActionEquivalenceKey = RoundEquivalenceKey,
            NumberOfIncrementalIterations = 2,
            NumberOfFixAllIterations = 1,
        };
        await test.RunAsync();
    }

    [Fact]
    public async Task Prune_fixes_every_layer()
    {
        // Rows (1, 1, 0.43, 0.15) quantize to (7, 7, 3, 1): [0, 18 * 15] = [0, 270], 9 bits in both layers. Each keeps 3
        // of 4 inputs (17 * 15 = 255) and 94 % of its |w|, so pruning is offered; Hidden's activations stay 4-bit.
        var test = new FixTest(TwoLayers.Replace("Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f }", "Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f }")
            .Replace("Second = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f }", "Second = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f }"), """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 4, Activation = Activation.Relu)]
            [Dense("Second", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            [Prune("Hidden", MaxActiveInputs = 3)]
            [Prune("Second", MaxActiveInputs = 3)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
                static readonly float[] Second = { 1f, 1f, 0.43f, 0.15f, 1f, 1f, 0.43f, 0.15f };
                static readonly float[] Output = { 1f, -1f };
            }
            """)
        {
            CodeActionEquivalenceKey = PruneEquivalenceKey,
            NumberOfIncrementalIterations = 2,
            NumberOfFixAllIterations = 1,
        };
        await test.RunAsync();
    }

    [Fact]
    public async Task Round_updates_one_layer_and_adds_another()
    {
        var test = new FixTest(TwoLayers.Replace("public partial", "[RoundAccumulator(\"Second\", Bits = 9)]\npublic partial"), """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 4, Activation = Activation.Relu)]
            [Dense("Second", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            [RoundAccumulator("Second", Bits = 8)]
            [RoundAccumulator("Hidden", Bits = 8)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Second = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """)
        {
            CodeActionEquivalenceKey = RoundEquivalenceKey,
            NumberOfIncrementalIterations = 2,
            NumberOfFixAllIterations = 1,
        };
        await test.RunAsync();
    }

    [Fact]
    public async Task Round_across_documents_project_and_solution_scopes_fix_everything()
    {
        const string other = """
            using FheGen;

            namespace Other
            {
                [FheModel(Inputs = 4, InputBits = 4)]
                [{|FHE0001:Dense("Layer", 2, Activation = Activation.Relu)|}]
                [Dense("Out", 1)]
                public partial class N
                {
                    static readonly float[] Layer = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                    static readonly float[] Out = { 1f, -1f };
                }
            }
            """;
        var test = new FixTest(TwoLayers, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [Dense("Hidden", 4, Activation = Activation.Relu)]
            [Dense("Second", 2, Activation = Activation.Relu)]
            [Dense("Output", 1)]
            [RoundAccumulator("Hidden", Bits = 8)]
            [RoundAccumulator("Second", Bits = 8)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Second = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """)
        {
            CodeActionEquivalenceKey = RoundEquivalenceKey,
            NumberOfIncrementalIterations = 3,
            NumberOfFixAllInDocumentIterations = 2,
            NumberOfFixAllInProjectIterations = 1,
            NumberOfFixAllIterations = 1,
        };
        test.TestState.Sources.Add(other);
        test.FixedState.Sources.Add(FixTestMarkup.Unmarked(other).Replace("    public partial", "    [RoundAccumulator(\"Layer\", Bits = 8)]\n    public partial"));
        await test.RunAsync();
    }

    [Fact]
    public async Task After_the_fix_only_the_summaries_remain()
    {
        var test = new FixTest("""
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [{|#0:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [{|#1:Dense("Output", 1)|}]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, """
            using FheGen;

            [FheModel(Inputs = 4, InputBits = 4)]
            [{|#0:Dense("Hidden", 2, Activation = Activation.Relu)|}]
            [{|#1:Dense("Output", 1)|}]
            [RoundAccumulator("Hidden", Bits = 8)]
            public partial class M
            {
                static readonly float[] Hidden = { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
                static readonly float[] Output = { 1f, -1f };
            }
            """, summaries: true) { CodeActionEquivalenceKey = RoundEquivalenceKey };
        const string output = "Output: 2 -> 1, 2 active weights, accumulator [-105, 105] (8 bits), output layer (no TLU)";
        test.TestState.ExpectedDiagnostics.Add(new DiagnosticResult("FHE0001", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(0));
        test.TestState.ExpectedDiagnostics.Add(new DiagnosticResult("FHE0006", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(0)
            .WithMessage("Hidden: 4 -> 2, 8 active weights, accumulator [0, 420] (9 bits), 9-bit TLU, 2 PBS, " + Estimate(2 * Lookup(9))));
        test.TestState.ExpectedDiagnostics.Add(new DiagnosticResult("FHE0006", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(1).WithMessage(output));
        // round(420 / 2) = 210: 8 bits. Exact rounding of 1 bit is one sign bootstrapping: 2 lookups at 8 bits per neuron.
        test.FixedState.ExpectedDiagnostics.Add(new DiagnosticResult("FHE0006", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(0)
            .WithMessage("Hidden: 4 -> 2, 8 active weights, accumulator [0, 420] (9 bits), rounded 1 LSB -> 8-bit TLU, 2 PBS, " + Estimate(2 * 2 * Lookup(8))));
        test.FixedState.ExpectedDiagnostics.Add(new DiagnosticResult("FHE0006", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(1).WithMessage(output));
        await test.RunAsync();
    }
}
