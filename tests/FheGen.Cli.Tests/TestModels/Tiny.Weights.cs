namespace FheGen.Cli.Tests.TestModels;

public static partial class Tiny
{
    static readonly float[] Hidden = { 0.9f, -0.5f, 0.4f, -0.3f, 0.8f, 0.6f, 0.5f, 0.5f, -0.9f };  // [outputs, inputs]
    static readonly float[] HiddenBias = { 0.1f, 0f, -0.2f };
    static readonly float[] Output = { 0.7f, -0.6f, 0.3f, -0.2f, 0.9f, 0.4f };
    static readonly float[] OutputBias = { 0f, 0.1f };
}
