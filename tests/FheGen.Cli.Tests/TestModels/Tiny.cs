using FheGen;

namespace FheGen.Cli.Tests.TestModels;

// The README's five-minute model: 3 inputs, one 4-bit TLU layer of 3 neurons, 2 outputs; keys of about 25 MiB.
[FheModel(Inputs = 3, InputBits = 2, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 2, ActivationBits = 2)]
[Dense("Hidden", 3, Activation = Activation.Relu, OutputMin = 0, OutputMax = 1)]
[Dense("Output", 2)]
public static partial class Tiny
{
}
