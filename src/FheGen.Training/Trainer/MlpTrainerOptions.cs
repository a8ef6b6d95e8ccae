using System;

namespace FheGen.Training;

/// <summary>Hyper-parameters of <see cref="MlpTrainer.Train"/>: architecture, Adam and regularization.</summary>
public sealed class MlpTrainerOptions
{
    /// <summary>Neurons of each hidden layer, input side first. Empty trains a softmax regression. Default <c>{ 32 }</c>.</summary>
    public int[] HiddenSizes { get; init; } = { 32 };

    /// <summary>Activation of every hidden layer (the output layer is always <see cref="Activation.Identity"/>). Default ReLU.</summary>
    public Activation HiddenActivation { get; init; } = Activation.Relu;

    /// <summary>Passes over the training set. Default 60.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Rows per mini-batch; the last batch of an epoch may be smaller. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam step size. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam decay of the first moment, in <c>[0, 1)</c>. Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam decay of the second moment, in <c>[0, 1)</c>. Default 0.999.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam's denominator guard. Default 1e-8.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>
    /// L2 penalty <c>L2 / 2 * sum(w^2)</c> on the weights (not the biases), added to the mean batch loss, so
    /// its gradient <c>L2 * w</c> goes through Adam as in PyTorch's <c>Adam(weight_decay=...)</c>. Default 1e-4.
    /// </summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>Seed of the weight initialization and of the per-epoch shuffles. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>How features are rescaled during training (always folded back). Default <see cref="InputNormalization.PowerOfTwo"/>.</summary>
    public InputNormalization Normalization { get; init; } = InputNormalization.PowerOfTwo;

    /// <summary>
    /// Called after each epoch with the 1-based epoch number, the mean cross-entropy and the training
    /// accuracy of that epoch. Both are running figures, measured on each batch just before its update, so
    /// they cost nothing extra; evaluate the returned model for exact numbers.
    /// </summary>
    public Action<int, double, double>? Progress { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message says which and why.</exception>
    public void Validate()
    {
        if (HiddenSizes is null)
        {
            throw new ArgumentException("HiddenSizes must not be null (use an empty array for no hidden layer).", nameof(HiddenSizes));
        }

        for (int i = 0; i < HiddenSizes.Length; i++)
        {
            if (HiddenSizes[i] < 1)
            {
                throw new ArgumentException($"HiddenSizes[{i}] is {HiddenSizes[i]}; every hidden layer needs at least one neuron.", nameof(HiddenSizes));
            }
        }

        if (!Enum.IsDefined(HiddenActivation))
        {
            throw new ArgumentException($"HiddenActivation {(int)HiddenActivation} is not a defined Activation.", nameof(HiddenActivation));
        }

        if (!Enum.IsDefined(Normalization))
        {
            throw new ArgumentException($"Normalization {(int)Normalization} is not a defined InputNormalization.", nameof(Normalization));
        }

        if (Epochs < 1)
        {
            throw new ArgumentException($"Epochs is {Epochs}; it must be at least 1.", nameof(Epochs));
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"BatchSize is {BatchSize}; it must be at least 1.", nameof(BatchSize));
        }

        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
        {
            throw new ArgumentException($"LearningRate is {LearningRate}; it must be positive and finite.", nameof(LearningRate));
        }

        if (!(Beta1 >= 0 && Beta1 < 1))
        {
            throw new ArgumentException($"Beta1 is {Beta1}; it must be in [0, 1).", nameof(Beta1));
        }

        if (!(Beta2 >= 0 && Beta2 < 1))
        {
            throw new ArgumentException($"Beta2 is {Beta2}; it must be in [0, 1).", nameof(Beta2));
        }

        if (!(Epsilon > 0 && double.IsFinite(Epsilon)))
        {
            throw new ArgumentException($"Epsilon is {Epsilon}; it must be positive and finite.", nameof(Epsilon));
        }

        if (!(L2 >= 0 && double.IsFinite(L2)))
        {
            throw new ArgumentException($"L2 is {L2}; it must be non-negative and finite.", nameof(L2));
        }
    }
}
