using FheGen.Compiler.Model;

namespace FheGen.Compiler.Pipeline;

/// <summary>A layer's effective hyper-parameters: its override if any, else the model default, else built-ins.</summary>
/// <param name="WeightBits">Weight bits.</param>
/// <param name="ActivationBits">Bits of the activation output (TLU output).</param>
/// <param name="PerChannel">Per-neuron weight scales.</param>
/// <param name="MaxActiveInputs">Unstructured pruning, if any.</param>
/// <param name="RoundBits">TLU input width after rounding, if any.</param>
/// <param name="OutputMin">Activation output minimum from Dense or calibration, if any.</param>
/// <param name="OutputMax">Activation output maximum from Dense or calibration, if any.</param>
/// <param name="RoundMethod">How the rounding is computed.</param>
public sealed record LayerSettings(
    int WeightBits,
    int ActivationBits,
    bool PerChannel,
    int? MaxActiveInputs,
    int? RoundBits,
    double? OutputMin,
    double? OutputMax,
    RoundingKind RoundMethod = RoundingKind.Exact)
{
    /// <summary>
    /// Per neuron, whether the next layer reads its output (false) or not (true); empty when all are read. The circuit
    /// compiler fills it in; unread neurons are evaluated as constants.
    /// </summary>
    public EquatableArray<bool> Unread { get; init; } = EquatableArray<bool>.Empty;

    /// <summary>Whether neuron <paramref name="j"/> is unread by the next layer.</summary>
    public bool IsUnread(int j) => j < Unread.Count && Unread[j];

    /// <summary>Resolves the settings of layer <paramref name="index"/>; assumes a validated spec.</summary>
    public static LayerSettings Resolve(ModelSpec spec, int index)
    {
        var layer = spec.Layers[index];
        bool isOutput = index == spec.Layers.Count - 1;
        int? weightBits = null, activationBits = null, maxActive = null, roundBits = null;
        bool? perChannel = null;
        int? dw = null, da = null, dm = null, dr = null;
        bool? dp = null;
        RoundingKind? method = null, dmethod = null;
        foreach (var q in spec.Quantize)
        {
            if (q.Layer is null)
            {
                dw = q.WeightBits ?? dw;
                da = q.ActivationBits ?? da;
                dp = q.PerChannel ?? dp;
            }
            else if (q.Layer == layer.Name)
            {
                weightBits = q.WeightBits ?? weightBits;
                activationBits = q.ActivationBits ?? activationBits;
                perChannel = q.PerChannel ?? perChannel;
            }
        }
        foreach (var p in spec.Prune)
        {
            if (p.Layer is null) dm = p.MaxActiveInputs ?? dm;
            else if (p.Layer == layer.Name) maxActive = p.MaxActiveInputs ?? maxActive;
        }
        foreach (var r in spec.Round)
        {
            if (r.Layer is null)
            {
                dr = r.Bits ?? dr;
                dmethod = r.Method ?? dmethod;
            }
            else if (r.Layer == layer.Name)
            {
                roundBits = r.Bits ?? roundBits;
                method = r.Method ?? method;
            }
        }
        int? bits = roundBits ?? dr;
        // Auto: the fewest LSBs that fit the layer's budget, which is what rounding to the budget's width does.
        if (bits == RoundSetting.AutoBits) bits = spec.BudgetOf(index);
        double? outMin = layer.OutputMin, outMax = layer.OutputMax;
        if (outMin is null || outMax is null)
        {
            foreach (var range in spec.Ranges)
            {
                if (range.Layer == layer.Name)
                {
                    outMin = range.Min;
                    outMax = range.Max;
                }
            }
        }
        return new LayerSettings(
            weightBits ?? dw ?? ModelDefaults.WeightBits,
            activationBits ?? da ?? ModelDefaults.ActivationBits,
            perChannel ?? dp ?? false,
            maxActive ?? dm,
            // The model-wide rounding default only concerns layers that have a TLU.
            isOutput ? null : bits,
            outMin,
            outMax,
            method ?? dmethod ?? RoundingKind.Exact);
    }
}
