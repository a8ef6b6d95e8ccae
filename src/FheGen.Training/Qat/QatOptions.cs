using System;

namespace FheGen.Training.Qat;

/// <summary>Hyper-parameters of quantization-aware fine-tuning (<see cref="QatTrainer"/>).</summary>
public sealed record QatOptions
{
    /// <summary>Passes over the training set (at least 1).</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Rows per mini-batch; the circuit is recompiled from the current weights once per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam's initial step size; it decays along a cosine to <see cref="FinalLearningRateFactor"/> times this.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The learning rate at the end, as a fraction of <see cref="LearningRate"/> (0..1).</summary>
    public double FinalLearningRateFactor { get; init; } = 0.05;

    /// <summary>Adam's first-moment decay.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam's second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam's denominator guard.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>L2 penalty on weights (not biases).</summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>Seed of the shuffles.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Percentile (50..100] of a batch's activation outputs that sets the observed top of a hidden layer's range (the
    /// bottom is the batch minimum); 100 is the maximum. A high percentile ignores the rare outlier that would
    /// otherwise coarsen every other activation's step.
    /// </summary>
    public double RangePercentile { get; init; } = 99.99;

    /// <summary>Weight of the old range in the exponential moving average of activation ranges (0..1).</summary>
    public double RangeMomentum { get; init; } = 0.9;

    /// <summary>
    /// Fraction of the epochs (0..1] after which activation ranges stop moving, so the last epochs fine-tune the weights
    /// for the quantizers that will be written.
    /// </summary>
    public double FreezeRangesAfter { get; init; } = 0.7;

    /// <summary>
    /// Fraction of the epochs [0..1) over which unstructured pruning tightens from the full fan-in to the spec's
    /// <c>MaxActiveInputs</c> along the cubic schedule of Zhu and Gupta (2017); 0 prunes at once.
    /// </summary>
    public double PruningRampFraction { get; init; } = 0.4;

    /// <summary>
    /// Whether the forward pass rounds accumulators as the spec's <c>[RoundAccumulator]</c> says (the network then
    /// learns under the TLU width it will get); false trains on unrounded accumulators.
    /// </summary>
    public bool TrainWithRounding { get; init; } = true;

    /// <summary>Called after every epoch.</summary>
    public Action<QatEpoch>? Progress { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1 (got {Epochs}).", nameof(Epochs));
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be at least 1 (got {BatchSize}).", nameof(BatchSize));
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"LearningRate must be positive and finite (got {LearningRate}).", nameof(LearningRate));
        if (!(FinalLearningRateFactor >= 0 && FinalLearningRateFactor <= 1)) throw new ArgumentException($"FinalLearningRateFactor must be in [0, 1] (got {FinalLearningRateFactor}).", nameof(FinalLearningRateFactor));
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentException($"Beta1 must be in [0, 1) (got {Beta1}).", nameof(Beta1));
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentException($"Beta2 must be in [0, 1) (got {Beta2}).", nameof(Beta2));
        if (!(Epsilon > 0)) throw new ArgumentException($"Epsilon must be positive (got {Epsilon}).", nameof(Epsilon));
        if (!(L2 >= 0) || !double.IsFinite(L2)) throw new ArgumentException($"L2 must be non-negative and finite (got {L2}).", nameof(L2));
        if (!(RangePercentile > 50 && RangePercentile <= 100)) throw new ArgumentException($"RangePercentile must be in (50, 100] (got {RangePercentile}).", nameof(RangePercentile));
        if (!(RangeMomentum >= 0 && RangeMomentum < 1)) throw new ArgumentException($"RangeMomentum must be in [0, 1) (got {RangeMomentum}).", nameof(RangeMomentum));
        if (!(FreezeRangesAfter > 0 && FreezeRangesAfter <= 1)) throw new ArgumentException($"FreezeRangesAfter must be in (0, 1] (got {FreezeRangesAfter}).", nameof(FreezeRangesAfter));
        if (!(PruningRampFraction >= 0 && PruningRampFraction < 1)) throw new ArgumentException($"PruningRampFraction must be in [0, 1) (got {PruningRampFraction}).", nameof(PruningRampFraction));
    }
}
