using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>
/// FHE0001's remedies are numerically right: applying each one removes the warning for that layer, the suggested
/// <c>MaxActiveInputs</c> is the largest that does, and the weight-independent figure is the README's rule
/// <c>floor((2^n - 1) / ((2^w - 1)(2^a - 1)))</c>. Checked on seeded random models.
/// </summary>
public class RemedyTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 14).Select(i => new object[] { i });

    [Fact]
    public async Task Random_models_exercise_every_kind_of_remedy()
    {
        int withPrune = 0, withoutPrune = 0, weightBits = 0, inputBits = 0, activationBits = 0;
        foreach (var seed in Seeds().Select(s => (int)s[0]))
        {
            foreach (var d in (await AnalyzeAsync(RandomModel.Create(seed).Source())).Where(d => d.Id == "FHE0001"))
            {
                var message = d.GetMessage(CultureInfo.InvariantCulture);
                if (message.Contains("[Prune(")) withPrune++; else withoutPrune++;
                if (message.Contains(", WeightBits = ")) weightBits++;
                if (message.Contains("[FheModel(InputBits = ")) inputBits++;
                if (message.Contains(", ActivationBits = ")) activationBits++;
            }
        }
        Assert.True(withPrune > 0 && withoutPrune > 0 && weightBits > 0 && inputBits > 0 && activationBits > 0,
            $"prune {withPrune}, no prune {withoutPrune}, weight bits {weightBits}, input bits {inputBits}, activation bits {activationBits}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Every_remedy_removes_the_warning(int seed)
    {
        var model = RandomModel.Create(seed);
        var diagnostics = await AnalyzeAsync(model.Source());
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var warnings = diagnostics.Where(d => d.Id == "FHE0001").ToList();
        // Some seeds fit their budget; RandomModels_ExerciseEveryKindOfRemedy checks the seeds cover every branch.
        foreach (var warning in warnings)
        {
            string layer = warning.Properties["Layer"]!;
            int index = model.Layers.FindIndex(l => l.Name == layer);
            var message = warning.GetMessage(CultureInfo.InvariantCulture);
            CheckRange(message, model.Budget);

            // [RoundAccumulator(layer, Bits = budget)]
            Assert.Equal(model.Budget.ToString(CultureInfo.InvariantCulture), warning.Properties["RoundBits"]);
            Assert.Contains($"[RoundAccumulator(\"{layer}\", Bits = {model.Budget})]", message);
            await AssertFits(model, layer, $"[RoundAccumulator(\"{layer}\", Bits = {model.Budget})]", fits: true);

            // The README's worst-case rule for the layer's weight and input widths.
            int inputBits = index == 0 ? model.InputBits : model.ActivationBits;
            long rule = ((1L << model.Budget) - 1) / (((1L << model.WeightBits) - 1) * ((1L << inputBits) - 1));

            var prune = Regex.Match(message, $@"\[Prune\(""{layer}"", MaxActiveInputs = (\d+)\)\]");
            if (prune.Success)
            {
                int k = int.Parse(prune.Groups[1].Value, CultureInfo.InvariantCulture);
                // Offered (with a code fix) exactly when the kept weights carry 80 % of the layer's |w|.
                double mass = KeptMass(model.Layers[index].Weights, model.InputsOf(index), k);
                bool offered = mass >= 0.80;
                Assert.Equal(offered ? kText(k) : null, warning.Properties.TryGetValue("MaxActiveInputs", out var p) ? p : null);
                Assert.Contains(offered
                    ? $"[Prune(\"{layer}\", MaxActiveInputs = {k})] (keeps {Math.Floor(mass * 100 + 1e-9)} % of |w| mass"
                    : $"[Prune(\"{layer}\", MaxActiveInputs = {k})] keeps {Math.Floor(mass * 100 + 1e-9)} % of |w| mass", message);
                if (offered) Assert.Contains($"weight-independent rule: {rule})", message);
                // The rule ignores the bias (and the input offset folded into it): only without them is it a lower bound.
                if (model.Layers[index].Bias is null && (index > 0 || model.InputMin == 0))
                {
                    Assert.True(k >= rule, $"the exact level {k} is below the worst-case rule {rule}");
                }
                await AssertFits(model, layer, $"[Prune(\"{layer}\", MaxActiveInputs = {k})]", fits: true);
                if (k + 1 < model.InputsOf(index))
                {
                    await AssertFits(model, layer, $"[Prune(\"{layer}\", MaxActiveInputs = {k + 1})]", fits: false);
                }
            }
            else
            {
                Assert.Contains("no MaxActiveInputs fits", message);
                Assert.False(warning.Properties.ContainsKey("MaxActiveInputs"));
                Assert.Equal(0, rule);
                await AssertFits(model, layer, $"[Prune(\"{layer}\", MaxActiveInputs = 1)]", fits: false);
            }

            var weightBits = Regex.Match(message, $@"\[Quantize\(""{layer}"", WeightBits = (\d+)\)\]");
            if (weightBits.Success)
            {
                int w = int.Parse(weightBits.Groups[1].Value, CultureInfo.InvariantCulture);
                Assert.InRange(w, 2, model.WeightBits - 1);
                Assert.Equal(w >= 0.75 * model.WeightBits ? kText(w) : null, warning.Properties.TryGetValue("WeightBits", out var p) ? p : null);
                await AssertFits(model, layer, $"[Quantize(\"{layer}\", WeightBits = {w})]", fits: true);
                if (w + 1 < model.WeightBits) await AssertFits(model, layer, $"[Quantize(\"{layer}\", WeightBits = {w + 1})]", fits: false);
            }
            else
            {
                Assert.False(warning.Properties.ContainsKey("WeightBits"));
            }

            var narrower = Regex.Match(message, index == 0 ? @"\[FheModel\(InputBits = (\d+)\)\]" : @"\[Quantize\(""(\w+)"", ActivationBits = (\d+)\)\]");
            if (narrower.Success)
            {
                int a = int.Parse(narrower.Groups[index == 0 ? 1 : 2].Value, CultureInfo.InvariantCulture);
                Assert.InRange(a, 1, inputBits - 1);
                Assert.Contains($" keeps {a} of {inputBits} {(index == 0 ? "input" : "activation")} bits", message);
                if (index > 0) Assert.Equal(model.Layers[index - 1].Name, narrower.Groups[1].Value);
                await AssertFits(model, layer, index == 0 ? null : $"[Quantize(\"{model.Layers[index - 1].Name}\", ActivationBits = {a})]",
                    fits: true, inputBits: index == 0 ? a : null);
            }
        }
    }

    private static string kText(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The share of |w| the k largest weights of each row keep (ties to the lower index), computed here independently.</summary>
    private static double KeptMass(float[] weights, int inputs, int k)
    {
        double total = 0, kept = 0;
        for (int row = 0; row < weights.Length / inputs; row++)
        {
            var magnitudes = Enumerable.Range(0, inputs).Select(i => (double)Math.Abs(weights[row * inputs + i])).ToArray();
            total += magnitudes.Sum();
            kept += Enumerable.Range(0, inputs).OrderByDescending(i => magnitudes[i]).ThenBy(i => i).Take(k).Sum(i => magnitudes[i]);
        }
        return total > 0 ? kept / total : 1;
    }

    /// <summary>The message's range and bit count agree with each other (Concrete's Integer.that_can_represent).</summary>
    private static void CheckRange(string message, int budget)
    {
        var m = Regex.Match(message, @"accumulator range \[(-?\d+), (-?\d+)\] needs (\d+) bits");
        Assert.True(m.Success, message);
        long min = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), max = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(min <= max);
        Assert.Equal(BitsFor(min, max), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        Assert.Contains($"budget is {budget} bits", message);
    }

    private static int BitsFor(long min, long max)
    {
        for (int bits = 1; bits < 63; bits++)
        {
            bool fits = min >= 0 ? max <= (1L << bits) - 1 : min >= -(1L << (bits - 1)) && max <= (1L << (bits - 1)) - 1;
            if (fits) return bits;
        }
        return 63;
    }

    private static async Task AssertFits(RandomModel model, string layer, string? extra, bool fits, int? inputBits = null)
    {
        var diagnostics = await AnalyzeAsync(model.Source(extra, inputBits));
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        bool over = diagnostics.Any(d => d.Id == "FHE0001" && d.Properties["Layer"] == layer);
        Assert.True(fits != over, $"{extra ?? $"InputBits = {inputBits}"}: expected layer '{layer}' {(fits ? "within" : "over")} budget {model.Budget}\n{model.Source(extra, inputBits)}");
    }

    private sealed class RandomModel
    {
        public int Inputs, InputBits, WeightBits, ActivationBits, Budget;
        public double InputMin, InputMax;
        public List<(string Name, int Outputs, float[] Weights, float[]? Bias)> Layers = new();

        public int InputsOf(int index) => index == 0 ? Inputs : Layers[index - 1].Outputs;

        public static RandomModel Create(int seed)
        {
            var random = new Random(seed);
            var model = new RandomModel
            {
                Inputs = random.Next(3, 24),
                InputBits = random.Next(2, 7),
                WeightBits = random.Next(3, 7),
                ActivationBits = random.Next(2, 6),
                Budget = random.Next(5, 10),
                InputMin = random.Next(3) == 0 ? -1 : 0,
                InputMax = 1,
            };
            string[] names = { "Hidden", "Second", "Output" };
            int layers = random.Next(2, 4);
            for (int l = 0; l < layers; l++)
            {
                string name = l == layers - 1 ? "Output" : names[l];
                int outputs = l == layers - 1 ? random.Next(1, 4) : random.Next(3, 12);
                int inputs = model.InputsOf(l);
                var weights = new float[inputs * outputs];
                for (int i = 0; i < weights.Length; i++) weights[i] = (float)Math.Round(random.NextDouble() * 2 - 1, 3);
                float[]? bias = random.Next(3) != 0 ? null : Enumerable.Range(0, outputs).Select(_ => (float)Math.Round(random.NextDouble() - 0.5, 3)).ToArray();
                model.Layers.Add((name, outputs, weights, bias));
            }
            return model;
        }

        public string Source(string? extra = null, int? inputBits = null)
        {
            var s = new StringBuilder();
            s.AppendLine("using FheGen;");
            s.AppendLine(FormattableString.Invariant(
                $"[FheModel(Inputs = {Inputs}, InputBits = {inputBits ?? InputBits}, InputMin = {InputMin}, InputMax = {InputMax}, PbsBudgetBits = {Budget})]"));
            s.AppendLine(FormattableString.Invariant($"[Quantize(WeightBits = {WeightBits}, ActivationBits = {ActivationBits})]"));
            for (int l = 0; l < Layers.Count; l++)
            {
                s.AppendLine($"[Dense(\"{Layers[l].Name}\", {Layers[l].Outputs}{(l < Layers.Count - 1 ? ", Activation = Activation.Relu" : "")})]");
            }
            if (extra is not null) s.AppendLine(extra);
            s.AppendLine("public partial class M");
            s.AppendLine("{");
            foreach (var layer in Layers)
            {
                s.AppendLine($"    static readonly float[] {layer.Name} = {{ {Floats(layer.Weights)} }};");
                if (layer.Bias is not null) s.AppendLine($"    static readonly float[] {layer.Name}Bias = {{ {Floats(layer.Bias)} }};");
            }
            s.AppendLine("}");
            return s.ToString();
        }

        private static string Floats(float[] values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f"));
    }
}
