using FheGen;

namespace FheGen.Tfhe.Tests.Circuits;

// Small models compiled by the source generator, so the encrypted backend runs generated code. Weights are fixed
// random values; the accumulators are 7-9 bits wide, rounded to 3-4-bit lookups (exact, approximate) or not rounded.

[FheModel(Inputs = 5, InputBits = 3, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 3, ActivationBits = 3)]
[Dense("Hidden", 4, Activation = Activation.Relu, OutputMin = 0, OutputMax = 2)]
[Dense("Output", 3)]
[RoundAccumulator("Hidden", Bits = 4)]
internal static partial class ExactRoundedModel
{
    internal static readonly float[] Hidden =
    {
        0.8f, -0.5f, 0.3f, 0.9f, -0.7f,
        -0.2f, 0.6f, 0.75f, -0.9f, 0.4f,
        0.5f, 0.5f, -0.6f, 0.1f, 0.85f,
        -0.95f, 0.15f, 0.45f, 0.65f, -0.3f,
    };
    internal static readonly float[] HiddenBias = { 0.1f, -0.2f, 0.05f, 0.3f };
    internal static readonly float[] Output =
    {
        0.7f, -0.4f, 0.2f, 0.9f,
        -0.6f, 0.8f, 0.5f, -0.1f,
        0.3f, 0.3f, -0.9f, 0.6f,
    };
    internal static readonly float[] OutputBias = { 0.05f, -0.1f, 0.2f };
}

[FheModel(Inputs = 5, InputBits = 3, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 3, ActivationBits = 3)]
[Dense("Hidden", 4, Activation = Activation.Relu, OutputMin = 0, OutputMax = 2)]
[Dense("Output", 3)]
[RoundAccumulator("Hidden", Bits = 3, Method = Rounding.Approximate)]
internal static partial class ApproximateRoundedModel
{
    internal static readonly float[] Hidden =
    {
        0.8f, -0.5f, 0.3f, 0.9f, -0.7f,
        -0.2f, 0.6f, 0.75f, -0.9f, 0.4f,
        0.5f, 0.5f, -0.6f, 0.1f, 0.85f,
        -0.95f, 0.15f, 0.45f, 0.65f, -0.3f,
    };
    internal static readonly float[] HiddenBias = { 0.1f, -0.2f, 0.05f, 0.3f };
    internal static readonly float[] Output =
    {
        0.7f, -0.4f, 0.2f, 0.9f,
        -0.6f, 0.8f, 0.5f, -0.1f,
        0.3f, 0.3f, -0.9f, 0.6f,
    };
    internal static readonly float[] OutputBias = { 0.05f, -0.1f, 0.2f };
}

[FheModel(Inputs = 3, InputBits = 2, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 2, ActivationBits = 2)]
[Dense("Hidden", 3, Activation = Activation.Relu, OutputMin = 0, OutputMax = 1)]
[Dense("Output", 2)]
internal static partial class UnroundedModel
{
    internal static readonly float[] Hidden = { 0.9f, -0.5f, 0.4f, -0.3f, 0.8f, 0.6f, 0.5f, 0.5f, -0.9f };
    internal static readonly float[] HiddenBias = { 0.1f, 0f, -0.2f };
    internal static readonly float[] Output = { 0.7f, -0.6f, 0.3f, -0.2f, 0.9f, 0.4f };
    internal static readonly float[] OutputBias = { 0f, 0.1f };
}

// Two lookup layers of different TLU widths, both rounded exactly: the first layer's 2-bit rounding leaves a 1-bit
// lookup (its table only changes at one point), the second's a 4-bit one. The circuit runs at two key sets: the second
// layer keyswitches from the 1-bit set's big key and its extraction reads bootstrap back into it.
[FheModel(Inputs = 4, InputBits = 3, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 3, ActivationBits = 3)]
[Dense("First", 4, Activation = Activation.Relu, OutputMin = 0, OutputMax = 2)]
[Dense("Second", 3, Activation = Activation.Relu, OutputMin = 0, OutputMax = 2)]
[Dense("Output", 2)]
[RoundAccumulator("First", Bits = 2)]
[RoundAccumulator("Second", Bits = 4)]
internal static partial class TwoWidthModel
{
    internal static readonly float[] First =
    {
        0.8f, -0.5f, 0.3f, 0.9f,
        -0.2f, 0.6f, 0.75f, -0.9f,
        0.5f, 0.5f, -0.6f, 0.1f,
        -0.95f, 0.15f, 0.45f, 0.65f,
    };
    internal static readonly float[] FirstBias = { 0.1f, -0.2f, 0.05f, 0.3f };
    internal static readonly float[] Second =
    {
        0.7f, -0.4f, 0.2f, 0.9f,
        -0.6f, 0.8f, 0.5f, -0.1f,
        0.3f, 0.3f, -0.9f, 0.6f,
    };
    internal static readonly float[] SecondBias = { 0.05f, -0.1f, 0.2f };
    internal static readonly float[] Output = { 0.9f, -0.3f, 0.4f, -0.7f, 0.6f, 0.2f };
    internal static readonly float[] OutputBias = { 0f, 0.1f };
}
