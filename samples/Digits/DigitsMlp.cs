using FheGen;

namespace FheGen.Samples.Digits;

/// <summary>
/// A 64-32-10 MLP for 8x8 handwritten digits. This file holds the architecture and the optimization knobs; the
/// weights, calibrated activation ranges and training record live in DigitsMlp.Weights.cs, written by <c>--train</c>.
/// Pixels are 0..16 and quantized to 4 bits client side.
/// </summary>
[FheModel(Inputs = 64, InputBits = 4, InputMin = 0, InputMax = 16, PbsBudgetBits = 8)]
[Quantize(WeightBits = 4, ActivationBits = 4)]
[Dense("Hidden", 32, Activation = Activation.Relu)]
[Dense("Output", 10)]
// Without these two the hidden accumulator needs 12 bits (FHE0006 says so). 40 inputs per neuron and a 5-bit rounded
// TLU lose 2 points after post-training quantization; the committed weights were fine-tuned for exactly these settings
// (quantization-aware training, recorded as [TrainedWith] in DigitsMlp.Weights.cs) and recover them (see the README).
[Prune("Hidden", MaxActiveInputs = 40)]
[RoundAccumulator("Hidden", Bits = 5)]
public static partial class DigitsMlp;
