using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;
using FheGen.Tfhe.Serialization;

namespace FheGen.Tfhe.Deployment;

/// <summary>
/// A <see cref="CircuitPlan"/> as JSON inside a bundle: every field the interpreter, the encoding and the client's
/// codec read, so a loaded plan runs bit for bit as the original, and every field besides: a loaded plan equals the
/// original and has its <see cref="PlanFingerprint"/>.
/// </summary>
/// <remarks>
/// <c>GlobalPError</c> was added after the first bundles were written. It is an optional member (absent means null), so
/// bundles written before it still load (their plans then lack only that record of how the per-TLU value was derived),
/// older builds ignore it, and it is written only when set, so other plans serialize byte for byte as before; the container's <see cref="DeploymentFormat.FormatVersion"/> is therefore unchanged,
/// since bumping it would make this build refuse every existing bundle.
/// </remarks>
internal static class PlanFormat
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static JsonElement ToJson(CircuitPlan plan) => JsonSerializer.SerializeToElement(PlanDto.From(plan), Options);

    /// <exception cref="TfheFormatException">The JSON is not a consistent plan.</exception>
    public static CircuitPlan FromJson(JsonElement json)
    {
        PlanDto? dto;
        try
        {
            dto = json.Deserialize<PlanDto>(Options);
        }
        catch (JsonException e)
        {
            throw new TfheFormatException($"The bundle's plan is not valid: {e.Message}", e);
        }

        if (dto is null) throw new TfheFormatException("The bundle has no plan.");
        return dto.ToPlan();
    }

    internal sealed record QuantizerDto(int Bits, double Offset, double Scale)
    {
        public static QuantizerDto From(UniformQuantizer q) => new(q.Bits, q.Offset, q.Scale);

        public UniformQuantizer ToQuantizer() => new(Bits, Offset, Scale);
    }

    internal sealed record NeuronDto(int[] InputIndices, long[] Weights, long Bias, long AccumulatorMin, long AccumulatorMax, int Table, long ConstantOutput);

    internal sealed record TableDto(int Index, long InputMin, long[] Entries, int OutputBits);

    internal sealed record LayerDto(
        string Name, int Index, bool IsOutput, ActivationKind Activation, QuantizerDto Input, int Inputs, int WeightBits, int ActivationBits,
        bool PerChannel, int? MaxActiveInputs, NeuronDto[] Neurons, double[] WeightScales, long AccumulatorMin, long AccumulatorMax,
        int AccumulatorBits, int RoundedBits, bool RoundedExtraBit, long TluInputMin, long TluInputMax, int TluInputBits,
        QuantizerDto? Output, RoundingKind RoundingMethod, int FoldedNeurons, int UnreadNeurons);

    internal sealed record PlanDto(string Name, QuantizerDto Input, QuantizerDto[]? Features, int Inputs, double PError, int BudgetBits,
        LayerDto[] Layers, TableDto[] Tables,
        // Left out when null, so a plan without it serializes exactly as before the field existed (bundle fingerprints unchanged).
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? GlobalPError = null)
    {
        public static PlanDto From(CircuitPlan p) => new(
            p.Name, QuantizerDto.From(p.Input), p.Features?.Select(QuantizerDto.From).ToArray(), p.Inputs, p.PError, p.BudgetBits,
            p.Layers.Select(l => new LayerDto(
                l.Name, l.Index, l.IsOutput, l.Activation, QuantizerDto.From(l.Input), l.Inputs, l.WeightBits, l.ActivationBits, l.PerChannel,
                l.MaxActiveInputs,
                l.Neurons.Select(n => new NeuronDto(n.InputIndices.ToArray(), n.Weights.ToArray(), n.Bias, n.AccumulatorMin, n.AccumulatorMax, n.Table, n.ConstantOutput)).ToArray(),
                l.WeightScales.ToArray(), l.AccumulatorMin, l.AccumulatorMax, l.AccumulatorBits, l.RoundedBits, l.RoundedExtraBit, l.TluInputMin, l.TluInputMax,
                l.TluInputBits, l.Output is null ? null : QuantizerDto.From(l.Output), l.RoundingMethod, l.FoldedNeurons, l.UnreadNeurons)).ToArray(),
            p.Tables.Select(t => new TableDto(t.Index, t.InputMin, t.Entries.ToArray(), t.OutputBits)).ToArray(), p.GlobalPError);

        /// <summary>The plan, after the structural checks the interpreter and encoding rely on (a checksum only proves integrity).</summary>
        public CircuitPlan ToPlan()
        {
            if (string.IsNullOrEmpty(Name) || Input is null || Layers is null || Tables is null || Layers.Length == 0)
                throw new TfheFormatException("The bundle's plan lacks its name, input quantizer, layers or tables.");
            if (Inputs < 1) throw new TfheFormatException($"The bundle's plan has {Inputs} inputs.");
            if (Features is not null && Features.Length != Inputs)
                throw new TfheFormatException($"The bundle's plan has {Features.Length} feature quantizers for {Inputs} inputs.");
            for (int t = 0; t < Tables.Length; t++)
            {
                if (Tables[t] is null || Tables[t].Index != t || Tables[t].Entries is null || Tables[t].Entries.Length == 0)
                    throw new TfheFormatException($"The bundle's table {t} is missing, misnumbered or empty.");
            }

            int width = Inputs;
            var layers = new LayerPlan[Layers.Length];
            for (int i = 0; i < Layers.Length; i++)
            {
                var l = Layers[i];
                if (l is null || l.Neurons is null || l.WeightScales is null || l.Input is null || l.Name is null)
                    throw new TfheFormatException($"The bundle's layer {i} is incomplete.");
                if (l.Index != i || l.IsOutput != (i == Layers.Length - 1) || l.Inputs != width || l.Neurons.Length == 0
                    || l.WeightScales.Length != l.Neurons.Length || (!l.IsOutput && l.Output is null))
                    throw new TfheFormatException($"The bundle's layer {i} ('{l.Name}') does not fit the layers around it.");
                var neurons = new NeuronPlan[l.Neurons.Length];
                for (int j = 0; j < neurons.Length; j++)
                {
                    var n = l.Neurons[j];
                    if (n is null || n.InputIndices is null || n.Weights is null || n.InputIndices.Length != n.Weights.Length
                        || n.InputIndices.Any(x => x < 0 || x >= width) || (!l.IsOutput && n.Weights.Length > 0 && (n.Table < 0 || n.Table >= Tables.Length)))
                        throw new TfheFormatException($"The bundle's neuron {j} of layer '{l.Name}' is inconsistent.");
                    neurons[j] = new NeuronPlan
                    {
                        InputIndices = new EquatableArray<int>(n.InputIndices),
                        Weights = new EquatableArray<long>(n.Weights),
                        Bias = n.Bias,
                        AccumulatorMin = n.AccumulatorMin,
                        AccumulatorMax = n.AccumulatorMax,
                        Table = n.Table,
                        ConstantOutput = n.ConstantOutput,
                    };
                }

                layers[i] = new LayerPlan
                {
                    Name = l.Name,
                    Index = l.Index,
                    IsOutput = l.IsOutput,
                    Activation = l.Activation,
                    Input = l.Input.ToQuantizer(),
                    Inputs = l.Inputs,
                    WeightBits = l.WeightBits,
                    ActivationBits = l.ActivationBits,
                    PerChannel = l.PerChannel,
                    MaxActiveInputs = l.MaxActiveInputs,
                    Neurons = new EquatableArray<NeuronPlan>(neurons),
                    WeightScales = new EquatableArray<double>(l.WeightScales),
                    AccumulatorMin = l.AccumulatorMin,
                    AccumulatorMax = l.AccumulatorMax,
                    AccumulatorBits = l.AccumulatorBits,
                    RoundedBits = l.RoundedBits,
                    RoundedExtraBit = l.RoundedExtraBit,
                    RoundingMethod = l.RoundingMethod,
                    TluInputMin = l.TluInputMin,
                    TluInputMax = l.TluInputMax,
                    TluInputBits = l.TluInputBits,
                    Output = l.Output?.ToQuantizer(),
                    FoldedNeurons = l.FoldedNeurons,
                    UnreadNeurons = l.UnreadNeurons,
                };
                width = neurons.Length;
            }

            var tables = Tables.Select(t => new TablePlan { Index = t.Index, InputMin = t.InputMin, Entries = new EquatableArray<long>(t.Entries), OutputBits = t.OutputBits }).ToArray();
            return new CircuitPlan
            {
                Name = Name,
                Input = Input.ToQuantizer(),
                Features = Features is null ? null : new EquatableArray<UniformQuantizer>(Features.Select(f => f.ToQuantizer()).ToArray()),
                Inputs = Inputs,
                PError = PError,
                GlobalPError = GlobalPError,
                BudgetBits = BudgetBits,
                Layers = new EquatableArray<LayerPlan>(layers),
                Tables = new EquatableArray<TablePlan>(tables),
            };
        }
    }
}
