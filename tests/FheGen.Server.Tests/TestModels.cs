using FheGen;

namespace FheGen.Server.Tests;

// Small circuits for the server tests: keys at 2- and 3-bit lookups are a few MiB and an evaluation takes milliseconds,
// so several clients and every bad request fit in a fast test. Weights are fixed values.

[FheModel(Inputs = 3, InputBits = 2, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 2, ActivationBits = 2)]
[Dense("Hidden", 3, Activation = Activation.Relu, OutputMin = 0, OutputMax = 1)]
[Dense("Output", 2)]
internal static partial class TinyModel
{
    internal static readonly float[] Hidden = { 0.9f, -0.5f, 0.4f, -0.3f, 0.8f, 0.6f, 0.5f, 0.5f, -0.9f };
    internal static readonly float[] HiddenBias = { 0.1f, 0f, -0.2f };
    internal static readonly float[] Output = { 0.7f, -0.6f, 0.3f, -0.2f, 0.9f, 0.4f };
    internal static readonly float[] OutputBias = { 0f, 0.1f };
}

// Another circuit with as many inputs, rounded exactly to a 3-bit lookup: other parameter sets, so its keys and
// ciphertexts are what a client of another model would send.
[FheModel(Inputs = 3, InputBits = 3, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 3, ActivationBits = 3)]
[Dense("Hidden", 3, Activation = Activation.Relu, OutputMin = 0, OutputMax = 2)]
[Dense("Output", 2)]
[RoundAccumulator("Hidden", Bits = 3)]
internal static partial class OtherModel
{
    internal static readonly float[] Hidden = { 0.8f, -0.5f, 0.3f, -0.2f, 0.6f, 0.75f, 0.5f, 0.5f, -0.6f };
    internal static readonly float[] HiddenBias = { 0.1f, -0.2f, 0.05f };
    internal static readonly float[] Output = { 0.7f, -0.4f, 0.2f, -0.6f, 0.8f, 0.5f };
    internal static readonly float[] OutputBias = { 0.05f, -0.1f };
}
