using FheGen;

namespace FheGen.Samples.FashionMnist;

/// <summary>
/// A 784-128-10 MLP for 28x28 Fashion-MNIST images. Pixels are 0..255 and quantized to 4 bits client side. This file
/// holds the architecture and the optimization knobs; the weights, calibrated activation range and training record live
/// in FashionMnistMlp.Weights.cs, written by <c>--train</c> (float training, then quantization-aware fine-tuning for
/// exactly these attributes).
/// </summary>
[FheModel(Inputs = 784, InputBits = 4, InputMin = 0, InputMax = 255, PbsBudgetBits = 8)]
[Quantize(WeightBits = 4, ActivationBits = 4)]
[Dense("Hidden", 128, Activation = Activation.Relu)]
[Dense("Output", 10)]
// 784 inputs per neuron would need a 16-bit accumulator; 64 per neuron and a 6-bit rounded TLU keep it encryptable.
[Prune("Hidden", MaxActiveInputs = 64)]
[RoundAccumulator("Hidden", Bits = 6)]
public static partial class FashionMnistMlp;
