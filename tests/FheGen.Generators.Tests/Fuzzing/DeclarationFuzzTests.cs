extern alias gen;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using FheGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;
using FheModelAnalyzer = gen::FheGen.Generators.Analyzers.FheModelAnalyzer;

namespace FheGen.Generators.Tests.Fuzzing;

/// <summary>
/// Random model declarations (attributes with valid and invalid values, odd names, weights of right and wrong shapes,
/// missing and mistyped members, extreme ranges, project properties), each batch compiled once and run through the
/// generator and the analyzer as a build does (the analyzer sees the generated code). Properties: neither throws
/// (no CS8785, no AD0001, no analyzer exception); a model the analyzer reports no FHE error for, in a declaration the
/// C# compiler accepts, gets generated code; a model with an FHE error gets none; and the generated code adds no
/// compiler error anywhere. Reduced count by default; <c>FHEGEN_HEAVY=1</c> runs 10,000 declarations.
/// </summary>
public sealed class DeclarationFuzzTests
{
    private static readonly bool Heavy = Environment.GetEnvironmentVariable("FHEGEN_HEAVY") == "1";

    /// <summary>Declarations per compilation (more in the heavy run: one compilation's fixed cost is then shared by more).</summary>
    private static int BatchSize => Heavy ? 40 : 8;

    private static int Batches => Environment.GetEnvironmentVariable("FHEGEN_FUZZ_COUNT") is string n
        ? int.Parse(n, CultureInfo.InvariantCulture) / BatchSize
        : Heavy ? 10_000 / BatchSize : 6;

    private readonly ITestOutputHelper _output;

    public DeclarationFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Random_declarations_never_crash_and_generate_code_exactly_when_the_analyzer_reports_no_error()
    {
        var counts = new Counts();
        Gen.Select(Fuzz.Declaration.Array[BatchSize], Fuzz.Options).Sample(t =>
        {
            Check(t.Item1, t.Item2, counts);
        }, iter: Batches, threads: Heavy ? -1 : 2, print: t => t.Item2 + "\n" + string.Join("\n", t.Item1.Select((d, i) => d.Source(i))));
        string summary = $"{counts.Declarations} declarations: {counts.Generated} generated and compiled, {counts.Rejected} with an FHE error and no code, " +
            $"{counts.CSharpErrors} rejected by C# itself; FHE errors seen: {string.Join(", ", counts.Ids.OrderBy(k => k.Key).Select(k => $"{k.Key} x{k.Value}"))}";
        _output.WriteLine(summary);
        Console.WriteLine(summary);
        // The fuzzer explores both sides of the property.
        Assert.True(counts.Generated > 0 && counts.Rejected > 0, summary);
    }

    private sealed class Counts
    {
        public int Declarations, Generated, Rejected, CSharpErrors;
        public readonly Dictionary<string, int> Ids = new Dictionary<string, int>();

        public void Add(string id)
        {
            lock (Ids) Ids[id] = Ids.TryGetValue(id, out int n) ? n + 1 : 1;
        }
    }

    private static void Check(Fuzz.Decl[] batch, Fuzz.ProjectOptions options, Counts counts)
    {
        var trees = batch.Select((d, i) => TestCompilation.Parse(d.Source(i), $"Decl{i}.cs")).ToArray();
        var input = TestCompilation.Create(trees);
        var properties = new List<KeyValuePair<string, string>>();
        if (options.Budget is string b) properties.Add(new KeyValuePair<string, string>("build_property.FheGenPbsBudgetBits", b));
        if (options.UnrollLimit is int u) properties.Add(new KeyValuePair<string, string>(GeneratorHarness.UnrollLimitKey, u.ToString(CultureInfo.InvariantCulture)));
        var provider = new TestAnalyzerConfigOptionsProvider(properties);
        var run = GeneratorHarness.Run(input, GeneratorHarness.CreateDriver(provider));
        run.AssertNoGeneratorFailure();

        // The analyzer as a build runs it: over the compilation that includes the generated code.
        var exceptions = new List<Exception>();
        var analyzerOptions = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, provider),
            (e, _, _) => { lock (exceptions) exceptions.Add(e); }, concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        var analyzerDiagnostics = run.Output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new FheModelAnalyzer()), analyzerOptions)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exceptions.Count == 0, "analyzer threw: " + string.Join("\n", exceptions));
        Assert.DoesNotContain(analyzerDiagnostics, d => d.Id == "AD0001");

        // No compiler error that the input did not already have (in generated files or, through a collision, in user files).
        var before = new HashSet<string>(input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(Key));
        var added = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !before.Contains(Key(d))).ToList();
        Assert.True(added.Count == 0, "the generated code does not compile:\n" + TestCompilation.Format(added.Take(10)));

        var generated = run.Result.GeneratedSources.Select(s => s.HintName).ToList();
        for (int i = 0; i < batch.Length; i++)
        {
            Interlocked.Increment(ref counts.Declarations);
            var tree = trees[i];
            bool csharpErrors = input.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree);
            var errors = analyzerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("FHE", StringComparison.Ordinal)
                && d.Location.SourceTree == tree).ToList();
            bool hasCode = generated.Any(h => h.StartsWith(Fuzz.Namespace(i, batch[i]) + ".", StringComparison.Ordinal));
            foreach (var e in errors) counts.Add(e.Id);
            // FHE0008 says the circuit cannot be encrypted; it is still valid in the clear and in simulation, so the
            // generator emits it (a clear-only model turns the rule off and keeps its code). It decides nothing here.
            errors.RemoveAll(e => e.Id == "FHE0008");
            if (Environment.GetEnvironmentVariable("FHEGEN_FUZZ_VERBOSE") == "1" && errors.Count > 0) Console.WriteLine("  " + errors[0].Id + ": " + errors[0].GetMessage(CultureInfo.InvariantCulture));
            if (errors.Count > 0)
            {
                Assert.True(!hasCode, $"declaration {i} has {errors[0].Id} ({errors[0].GetMessage(CultureInfo.InvariantCulture)}) but got generated code");
                Interlocked.Increment(ref counts.Rejected);
            }
            else if (csharpErrors)
            {
                Interlocked.Increment(ref counts.CSharpErrors);
            }
            else
            {
                Assert.True(hasCode, $"declaration {i} compiles and has no FHE error, but got no generated code: " +
                    string.Join("; ", analyzerDiagnostics.Where(d => d.Location.SourceTree == tree).Select(d => d.ToString())));
                Interlocked.Increment(ref counts.Generated);
            }
        }
    }

    private static string Key(Diagnostic d) => d.Id + "@" + d.Location.SourceTree?.FilePath + ":" + d.Location.SourceSpan;
}

/// <summary>The declaration generators.</summary>
internal static class Fuzz
{
    /// <summary>MSBuild properties of one batch.</summary>
    internal sealed record ProjectOptions(string? Budget, int? UnrollLimit)
    {
        public override string ToString() => $"// FheGenPbsBudgetBits = {Budget ?? "(unset)"}, FheGenUnrollLimit = {UnrollLimit?.ToString(CultureInfo.InvariantCulture) ?? "(unset)"}";
    }

    internal sealed record Layer(string Name, string Outputs, int OutputCount, string? Activation, string? OutputRange, string? Bias, string? Budget,
        string WeightsMember, string? BiasMember);

    /// <summary>One model declaration; <see cref="Source"/> renders it in namespace <see cref="Namespace"/>.</summary>
    internal sealed record Decl(string TypeName, string Modifiers, bool CaseTwin, string ModelArgs, Layer[] Layers, string[] Settings, string[] Extra)
    {
        public string Source(int index)
        {
            var s = new StringBuilder();
            s.Append("using System;\nusing FheGen;\n\nnamespace ").Append(Namespace(index, this)).Append("\n{\n");
            s.Append("    [FheModel(").Append(ModelArgs).Append(")]\n");
            foreach (var l in Layers)
            {
                s.Append("    [Dense(").Append(l.Name).Append(", ").Append(l.Outputs);
                if (l.Activation is not null) s.Append(", Activation = ").Append(l.Activation);
                if (l.OutputRange is not null) s.Append(", ").Append(l.OutputRange);
                if (l.Bias is not null) s.Append(", Bias = ").Append(l.Bias);
                if (l.Budget is not null) s.Append(", PbsBudgetBits = ").Append(l.Budget);
                s.Append(")]\n");
            }
            foreach (var setting in Settings) s.Append("    ").Append(setting).Append('\n');
            s.Append("    ").Append(Modifiers).Append(' ').Append(TypeName).Append("\n    {\n");
            foreach (var l in Layers)
            {
                s.Append("        ").Append(l.WeightsMember).Append('\n');
                if (l.BiasMember is not null) s.Append("        ").Append(l.BiasMember).Append('\n');
            }
            foreach (var e in Extra) s.Append("        ").Append(e).Append('\n');
            s.Append("    }\n}\n");
            return s.ToString();
        }
    }

    /// <summary>
    /// Each declaration gets its own namespace (so its generated file is recognised by its hint name's prefix); a
    /// "case twin" uses the lower-case namespace of the declaration before it, so the two hint names collide
    /// ignoring case when the type names match.
    /// </summary>
    public static string Namespace(int index, Decl d) => d.CaseTwin && index > 0 ? "f" + (index - 1).ToString(CultureInfo.InvariantCulture) : "F" + index.ToString(CultureInfo.InvariantCulture);

    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static Gen<string> OneOf(params string[] values) => Pick(values);

    private static Gen<T> Mostly<T>(Gen<T> usual, Gen<T> odd, int oddPercent = 15)
        => Gen.Int[0, 99].SelectMany(r => r < oddPercent ? odd : usual);

    private static Gen<string?> Optional(Gen<string> gen, int percent)
        => Gen.Int[0, 99].SelectMany(r => r < percent ? gen.Select(v => (string?)v) : Gen.Const((string?)null));

    private static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Doubles as C# expressions: ordinary, edge and extreme.</summary>
    private static readonly Gen<string> Real = Mostly(
        Gen.Double[-3, 3].Select(F),
        OneOf("0", "-0.0", "1e308", "-1e308", "1e-310", "1e300", "double.NaN", "double.PositiveInfinity", "double.Epsilon", "5e-324", "1e15", "-1e-9"));

    private static readonly Gen<string> Bits = Mostly(Gen.Int[1, 8].Select(b => b.ToString(CultureInfo.InvariantCulture)),
        OneOf("0", "-1", "16", "17", "9", "12", "int.MaxValue", "int.MinValue"));

    /// <summary>Weight values: ordinary floats, zeros, extremes; rarely something C# rejects or is not constant.</summary>
    private static readonly Gen<string> Weight = Gen.Frequency(
        (300, Gen.Float[-2f, 2f].Select(f => f.ToString("R", CultureInfo.InvariantCulture) + "f")),
        (60, Gen.Const("0f")),
        (30, Gen.Int[-8, 8].Select(k => (k * 0.25f).ToString("R", CultureInfo.InvariantCulture) + "f")),
        (1, OneOf("3e38f", "-3e38f", "1e-45f", "float.NaN", "float.PositiveInfinity", "float.MaxValue", "1", "(float)0.5", "0x7", "1e39f", "Two()")));

    /// <summary>Layer <paramref name="index"/>'s name: distinct as a rule, now and then odd or repeated.</summary>
    private static Gen<string> LayerName(int index) => Gen.Frequency(
        (30, Gen.Const("L" + index.ToString(CultureInfo.InvariantCulture))),
        (1, OneOf("", "L0", "Run", "Io", "Spec", "class", "var", "__FheGen_x", "A b", "Ä", "Nope")));

    /// <summary>A range as <c>min, max</c> expressions: mostly ordered and ordinary.</summary>
    private static readonly Gen<(string Min, string Max)> Range = Mostly(
        Gen.Select(Gen.Double[-3, 1], Gen.Double[0.05, 4], (lo, w) => (F(lo), F(lo + w))),
        Gen.Select(Real, Real));

    private static Gen<string> MemberLiteral(string name, int count)
        => Gen.Frequency(
            (40, Gen.Const(count)),
            (1, Gen.Int[0, count + 3]))
            .SelectMany(n => Weight.Array[n])
            .SelectMany(values => Gen.Int[0, 99].Select(style =>
            {
                string list = string.Join(", ", values);
                string id = name == "class" ? "@class" : name;
                return style switch
                {
                    < 20 => $"static ReadOnlySpan<float> {id} => new float[] {{ {list} }};",
                    < 40 => $"static readonly float[] {id} = [{list}];",
                    40 => $"static float[] {id} = {{ {list} }};",                       // mutable: FHE0004
                    41 => $"static readonly double[] {id} = {{ {list.Replace("f", "", StringComparison.Ordinal)} }};", // wrong type
                    42 => $"static readonly float[] {id} = Make({count});",             // not constant
                    _ => $"static readonly float[] {id} = {{ {list} }};",
                };
            }));

    private static Gen<Layer> LayerGen(int index, int inputs, bool last)
        => from name in LayerName(index)
           from outputs in Mostly(Gen.Int[1, 6], Pick(0, -1, 2_000_000, 17), 4)
           from activation in Optional(Mostly(OneOf("Activation.Relu", "Activation.Sigmoid", "Activation.Tanh", "Activation.LeakyRelu", "Activation.Identity"),
               OneOf("(Activation)7", "(Activation)(-1)"), 5), 60)
           from range in Optional(Range.Select(r => $"OutputMin = {r.Min}, OutputMax = {r.Max}"), last ? 3 : 25)
           from bias in Optional(Mostly(Gen.Const("\"B_" + name + "\""), OneOf("\"Nope\"", "\"Io\"", "null"), 20), 15)
           from budget in Optional(Mostly(Gen.Int[2, 12].Select(b => b.ToString(CultureInfo.InvariantCulture)), Bits, 20), 10)
           let count = Math.Max(0, Math.Min(outputs, 6)) * Math.Max(0, inputs)
           from weightsMember in Gen.Int[0, 49].SelectMany(r => r == 0 ? Gen.Const("") : MemberLiteral(name, count))
           from biasKind in Gen.Int[0, 3]
           from biasMember in biasKind == 0 && bias is null ? Gen.Const((string?)null) : MemberLiteral(bias is not null && bias.StartsWith("\"B_", StringComparison.Ordinal) ? "B_" + name : name + "Bias", Math.Max(0, Math.Min(outputs, 6))).Select(s => (string?)s)
           select new Layer("\"" + name + "\"", outputs.ToString(CultureInfo.InvariantCulture), outputs, activation, range, bias, budget,
               name.Length == 0 || name.Contains(' ', StringComparison.Ordinal) ? "" : weightsMember, biasMember);

    private static Gen<Layer[]> Layers(int inputs, int depth)
    {
        Gen<Layer[]> gen = Gen.Const(Array.Empty<Layer>());
        for (int i = 0; i < depth; i++)
        {
            bool last = i == depth - 1;
            int index = i;
            gen = gen.SelectMany(done => LayerGen(index, done.Length == 0 ? inputs : Math.Max(0, Math.Min(done[^1].OutputCount, 6)), last)
                .Select(l => done.Append(l).ToArray()));
        }
        return gen;
    }

    private static Gen<string> LayerRef(Layer[] layers)
        => Gen.Frequency((3, Gen.Const("")), (6, Pick(layers.Select(l => l.Name + ", ").ToArray())), (1, Gen.Const("\"Nope\", ")))
            .Select(r => r);

    private static Gen<string[]> Settings(Layer[] layers)
    {
        var quantize = from layer in LayerRef(layers)
                       from w in Optional(Mostly(Gen.Int[2, 8].Select(b => b.ToString(CultureInfo.InvariantCulture)), OneOf("1", "0", "16", "17")).Select(v => "WeightBits = " + v), 70)
                       from a in Optional(Bits.Select(v => "ActivationBits = " + v), 60)
                       from pc in Optional(OneOf("PerChannel = true", "PerChannel = false"), 30)
                       select $"[Quantize({layer}{string.Join(", ", new[] { w, a, pc }.Where(x => x is not null))})]".Replace(", )", ")", StringComparison.Ordinal);
        var prune = from layer in LayerRef(layers)
                    from m in Optional(Mostly(Gen.Int[1, 6].Select(v => v.ToString(CultureInfo.InvariantCulture)), OneOf("0", "-3")).Select(v => "MaxActiveInputs = " + v), 90)
                    select $"[Prune({layer}{m})]".Replace(", )", ")", StringComparison.Ordinal);
        var round = from layer in LayerRef(layers)
                    from b in Optional(Mostly(Gen.Int[1, 10].Select(v => v.ToString(CultureInfo.InvariantCulture)), OneOf("RoundAccumulatorAttribute.Auto", "0", "17", "-2")).Select(v => "Bits = " + v), 85)
                    from m in Optional(OneOf("Method = Rounding.Exact", "Method = Rounding.Approximate", "Method = (Rounding)5"), 40)
                    select $"[RoundAccumulator({layer}{string.Join(", ", new[] { b, m }.Where(x => x is not null))})]".Replace(", )", ")", StringComparison.Ordinal);
        var range = from layer in Mostly(Pick(layers.Take(Math.Max(1, layers.Length - 1)).Select(l => l.Name).ToArray()), Pick(layers.Select(l => l.Name).Append("\"Nope\"").ToArray()), 10)
                    from r in Range
                    select $"[ActivationRange({layer}, {r.Min}, {r.Max})]";
        var one = Gen.Frequency((3, quantize), (2, prune), (3, round), (1, range));
        return Gen.Frequency((3, Gen.Int[0, 1]), (1, Gen.Int[2, 4])).SelectMany(n => one.Array[n]);
    }

    private static readonly Gen<string> ModelArgs =
        from inputs in Mostly(Gen.Int[1, 6], Pick(0, -2, 2_000_000), 5)
        from inputBits in Optional(Mostly(Gen.Int[1, 8].Select(b => b.ToString(CultureInfo.InvariantCulture)), Bits, 5), 60)
        from range in Optional(Range.Select(r => $"InputMin = {r.Min}, InputMax = {r.Max}"), 60)
        from budget in Optional(Mostly(Gen.Int[2, 12].Select(v => v.ToString(CultureInfo.InvariantCulture)), OneOf("0", "17", "-1")), 30)
        from pError in Optional(Mostly(OneOf("0.001", "1e-9", "0"), OneOf("1", "-0.5", "double.NaN", "2")), 10)
        from global in Optional(Mostly(OneOf("0.01", "0.5"), OneOf("0", "1", "double.NaN")), 5)
        select string.Join(", ", new[]
        {
            "Inputs = " + inputs.ToString(CultureInfo.InvariantCulture),
            inputBits is null ? null : "InputBits = " + inputBits,
            range,
            budget is null ? null : "PbsBudgetBits = " + budget,
            pError is null ? null : "PError = " + pError,
            global is null ? null : "GlobalPError = " + global,
        }.Where(x => x is not null));

    private static readonly Gen<string> TypeName = Gen.Frequency(
        (14, Gen.Const("M")),
        (1, OneOf("m", "@event", "M<T>", "M<Spec>", "InputCount", "Run", "Circuit", "A\u203FB", "A_B", "e\u0301", "Ünïcode", "M<T, U>")));

    private static readonly Gen<string> Modifiers = Gen.Frequency(
        (30, Gen.Const("public static partial class")),
        (3, OneOf("internal sealed partial class", "public partial class", "static partial class")),
        (1, OneOf("public static class", "public partial struct", "public partial record", "file static partial class")));

    private static readonly Gen<string[]> Extra = Gen.Frequency(
        (25, Gen.Const(Array.Empty<string>())),
        (1, OneOf("public static void Run() { }", "static int Io;", "class Circuit { }", "static int Predict => 1;", "static int __FheGen_spec;",
            "public static int PredictFloat(int x) => x;", "static int Interpreter;", "const int OutputCount = 3;").Array[1, 2]));

    /// <summary>One model declaration (the helpers <c>Make</c> and <c>Two</c> exist so non-constant weights compile).</summary>
    public static readonly Gen<Decl> Declaration =
        from inputs in Gen.Int[1, 6]
        from depth in Mostly(Gen.Int[1, 3], Pick(0, 4), 5)
        from layers in Layers(inputs, depth)
        from args in ModelArgs
        from settings in Settings(layers.Length == 0 ? new[] { new Layer("\"A\"", "1", 1, null, null, null, null, "", null) } : layers)
        from typeName in TypeName
        from modifiers in Modifiers
        from twin in Gen.Int[0, 9].Select(r => r == 0)
        from extra in Extra
        from oddInputs in Gen.Int[0, 9].Select(r => r == 0)
        select new Decl(typeName, modifiers, twin,
            // Mostly the input count the members' shapes were drawn against; sometimes the odd one drawn with the attribute.
            oddInputs ? args : System.Text.RegularExpressions.Regex.Replace(args, @"^Inputs = [^,]+", "Inputs = " + inputs.ToString(CultureInfo.InvariantCulture)),
            layers, settings,
            extra.Append("static float[] Make(int n) => new float[n];").Append("static float Two() => 2f;").ToArray());

    /// <summary>Project properties: mostly unset, sometimes a valid or invalid budget, sometimes a low unroll limit.</summary>
    public static readonly Gen<ProjectOptions> Options =
        from budget in Optional(Mostly(OneOf("6", "8", "12"), OneOf("0", "40", "six", "")), 20)
        from limit in Gen.Frequency((3, Gen.Const((int?)null)), (1, Pick<int?>(0, 3, 10)))
        select new ProjectOptions(budget, limit);
}
