using FheGen;

namespace FheGen.Samples.Digits;

/// <summary>
/// A 64-32-10 MLP for 8x8 handwritten digits. This file holds the architecture and the optimization knobs; the
/// weights and calibrated activation ranges live in DigitsMlp.Weights.cs, written by <c>--train</c>.
/// Pixels are 0..16 and quantized to 4 bits client side.
/// </summary>
[FheModel(Inputs = 64, InputBits = 4, InputMin = 0, InputMax = 16, PbsBudgetBits = 8)]
[Quantize(WeightBits = 4, ActivationBits = 4)]
[Dense("Hidden", 32, Activation = Activation.Relu)]
[Dense("Output", 10)]
// Without these two the hidden accumulator needs 12 bits (FHE0006 says so); 40 inputs per neuron and a 6-bit
// rounded TLU keep the test accuracy within half a point of float (see the README's sweep).
[Prune("Hidden", MaxActiveInputs = 40)]
[RoundAccumulator("Hidden", Bits = 6)]
public static partial class DigitsMlp;
