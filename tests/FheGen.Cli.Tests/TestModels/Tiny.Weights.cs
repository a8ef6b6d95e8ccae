namespace FheGen.Cli.Tests.TestModels;

public static partial class Tiny
{
    private static readonly float[] Hidden = { 0.9f, -0.5f, 0.4f, -0.3f, 0.8f, 0.6f, 0.5f, 0.5f, -0.9f };  // [outputs, inputs]
    private static readonly float[] HiddenBias = { 0.1f, 0f, -0.2f };
    private static readonly float[] Output = { 0.7f, -0.6f, 0.3f, -0.2f, 0.9f, 0.4f };
    private static readonly float[] OutputBias = { 0f, 0.1f };
}
