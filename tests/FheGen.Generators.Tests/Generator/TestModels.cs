namespace FheGen.Generators.Tests.Generator;

/// <summary>Fixed model sources shared by several tests.</summary>
internal static class TestModels
{
    /// <summary>The smoke-test model: a constant hidden neuron, a rounded layer, a span property for weights.</summary>
    public const string Tiny = """
        using System;
        using FheGen;

        namespace Smoke
        {
            [FheModel(Inputs = 3, InputBits = 4, InputMin = 0, InputMax = 1)]
            [Quantize(WeightBits = 4, ActivationBits = 4)]
            [Dense("Hidden", 4, Activation = Activation.Relu)]
            [Dense("Output", 2)]
            [RoundAccumulator("Hidden", Bits = 5)]
            public static partial class Tiny
            {
                static readonly float[] Hidden = { 0.5f, -0.25f, 1f, 0.1f, 0.2f, 0.3f, -1f, -0.5f, 0.25f, 0f, 0f, 0f };
                static readonly float[] HiddenBias = { 0.1f, 0f, -0.2f, 0.3f };
                static ReadOnlySpan<float> Output => new float[] { 1f, -1f, 0.5f, 0.25f, -0.5f, 1f, 0.75f, 2 };
            }
        }
        """;

    public const string TinyType = "Smoke.Tiny";
}
