using System.Collections.Generic;
using FheGen.Compiler.Model;

namespace FheGen.Training.Qat;

/// <summary>What quantization-aware fine-tuning produced.</summary>
/// <param name="Model">The float weights (pruned weights exactly zero), to write into the weights file.</param>
/// <param name="Ranges">One activation range per hidden layer, to write as <c>[ActivationRange]</c>.</param>
/// <param name="Spec">The input spec with these weights and ranges: compiling it gives the circuit the generator will build.</param>
/// <param name="Settings">The settings training used, to write as <c>[TrainedWith]</c> (the inputs first, then each layer).</param>
/// <param name="History">One entry per epoch.</param>
/// <param name="SelectedEpoch">The epoch whose weights were kept: the best on the validation set if one was given, else the last.</param>
public sealed record QatResult(
    TrainedMlp Model,
    IReadOnlyList<(double Min, double Max)> Ranges,
    ModelSpec Spec,
    IReadOnlyList<TrainedSetting> Settings,
    IReadOnlyList<QatEpoch> History,
    int SelectedEpoch);

/// <summary>One epoch of quantization-aware training.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Loss">Mean cross-entropy of the quantized circuit's outputs over the epoch.</param>
/// <param name="TrainAccuracy">Accuracy of the circuit on the training rows as they were seen (weights changing within the epoch).</param>
/// <param name="ValidationAccuracy">Accuracy of the end-of-epoch circuit on the validation set, when one was given.</param>
/// <param name="MaxActiveInputs">Per layer, the pruning in force at the end of the epoch (null when none).</param>
/// <param name="Ranges">Activation ranges at the end of the epoch.</param>
public sealed record QatEpoch(
    int Epoch,
    int Epochs,
    double Loss,
    double TrainAccuracy,
    double? ValidationAccuracy,
    IReadOnlyList<int?> MaxActiveInputs,
    IReadOnlyList<(double Min, double Max)> Ranges);
