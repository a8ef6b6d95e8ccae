using System.Collections.Generic;
using FheGen.Compiler.Bounds;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Pipeline
{
    /// <summary>The remedies for a layer over budget.</summary>
    /// <param name="Text">The sentence appended to FHE0001 (starts with ". Fits with: ").</param>
    /// <param name="RoundLsbs">LSBs that rounding to the budget removes.</param>
    /// <param name="MaxActiveInputs">Largest MaxActiveInputs that fits, exact for these weights, if any fits.</param>
    /// <param name="WorstCaseMaxActiveInputs">Concrete ML's weight-independent rule.</param>
    /// <param name="WeightBits">Largest lower weight width that fits, if any.</param>
    /// <param name="InputBits">Largest lower input (previous activation) width that fits, if any.</param>
    public sealed record BudgetAdvice(string Text, int RoundLsbs, int? MaxActiveInputs, long WorstCaseMaxActiveInputs, int? WeightBits, int? InputBits);

    /// <summary>
    /// Computes exact remedies by recompiling the one layer under changed settings (pruning keeps the largest
    /// weights, so the weight scale and bias do not move and bounds shrink monotonically with fewer inputs).
    /// </summary>
    public static class BudgetAdvisor
    {
        /// <summary>Remedies that bring layer <paramref name="layer"/>'s TLU input within <paramref name="budget"/> bits.</summary>
        public static BudgetAdvice Remedies(ModelSpec spec, LayerPlan layer, LayerSettings settings, UniformQuantizer domain, int budget)
        {
            int index = layer.Index;
            string name = layer.Name;
            var parts = new List<string>();

            var rounding = RoundingPlanner.Plan(layer.AccumulatorMin, layer.AccumulatorMax, budget);
            parts.Add($"[RoundAccumulator(\"{name}\", Bits = {budget})] (removes {rounding.Lsbs} LSBs{(rounding.ExtraBit ? ", one for the carry at the top of the range" : "")})");

            int? bestK = null;
            int lo = 1, hi = (settings.MaxActiveInputs is int current ? current : layer.Inputs) - 1;
            while (lo <= hi)
            {
                int mid = lo + (hi - lo) / 2;
                if (Fits(spec, index, settings with { MaxActiveInputs = mid }, domain, budget))
                {
                    bestK = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            long worst = IntegerRange.WorstCaseMaxFanIn(budget, settings.WeightBits, domain.Bits);
            parts.Add(bestK is int k
                ? $"[Prune(\"{name}\", MaxActiveInputs = {k})] (any weights fit at {worst})"
                : $"no MaxActiveInputs fits (the bias alone is too wide)");

            int? weightBits = null;
            for (int w = settings.WeightBits - 1; w >= 2; w--)
            {
                if (Fits(spec, index, settings with { WeightBits = w }, domain, budget))
                {
                    weightBits = w;
                    break;
                }
            }
            if (weightBits is int wb) parts.Add($"WeightBits = {wb}");

            int? inputBits = null;
            for (int a = domain.Bits - 1; a >= 1; a--)
            {
                var narrower = UniformQuantizer.ForRange(a, domain.Offset, domain.Max);
                if (Fits(spec, index, settings, narrower, budget))
                {
                    inputBits = a;
                    break;
                }
            }
            if (inputBits is int ib)
            {
                parts.Add(index == 0
                    ? $"InputBits = {ib}"
                    : $"ActivationBits = {ib} on '{spec.Layers[index - 1].Name}'");
            }

            return new BudgetAdvice(". Fits with: " + string.Join("; ", parts), rounding.Lsbs, bestK, worst, weightBits, inputBits);
        }

        private static bool Fits(ModelSpec spec, int index, LayerSettings settings, UniformQuantizer domain, int budget)
        {
            try
            {
                return LayerCompiler.Compile(spec, index, settings, domain, null).TluInputBits <= budget;
            }
            catch (System.OverflowException)
            {
                return false;
            }
            catch (CircuitCompilationException)
            {
                return false;
            }
        }
    }
}
