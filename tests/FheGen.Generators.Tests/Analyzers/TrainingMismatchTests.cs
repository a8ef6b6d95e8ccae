using System.Threading.Tasks;
using static FheGen.Generators.Tests.Analyzers.FheAnalyzerTest;

namespace FheGen.Generators.Tests.Analyzers;

/// <summary>FHE0011: a setting changed after quantization-aware training is reported on the [TrainedWith] that recorded it.</summary>
public class TrainingMismatchTests
{
    private static string Model(string quantize, string trained) => $$"""
        using FheGen;

        [FheModel(Inputs = 2, InputBits = 4)]
        {{quantize}}
        [Dense("Hidden", 2, NoBias = true)]
        [Dense("Output", 1, NoBias = true)]
        [ActivationRange("Hidden", 0, 2)]
        {{trained}}
        public partial class M
        {
            static readonly float[] Hidden = { 1f, -1f, 0.5f, 0.25f };
            static readonly float[] Output = { 1f, -1f };
        }
        """;

    [Fact]
    public Task Settings_as_trained_are_silent()
        => VerifyAsync(Model("[Quantize(WeightBits = 3)]", """
            [TrainedWith(InputBits = 4, InputMin = 0, InputMax = 1)]
            [TrainedWith("Hidden", WeightBits = 3, ActivationBits = 4, PerChannel = false, MaxActiveInputs = 0, RoundBits = 0)]
            [TrainedWith("Output", WeightBits = 3, PerChannel = false, MaxActiveInputs = 0)]
            """));

    [Fact]
    public Task Changed_weight_bits_warn_on_each_record()
        => VerifyAsync(Model("[Quantize(WeightBits = 4)]", """
            [{|#0:TrainedWith("Hidden", WeightBits = 3, ActivationBits = 4)|}]
            [{|#1:TrainedWith("Output", WeightBits = 3)|}]
            [{|#2:TrainedWith("Gone", WeightBits = 3)|}]
            """),
            Warning("FHE0011", 0, "layer 'Hidden' was trained (quantization-aware) with WeightBits = 3 but compiles with 4; " +
                "the weights are tuned for the trained settings: retrain, or restore them"),
            Warning("FHE0011", 1, "layer 'Output' was trained (quantization-aware) with WeightBits = 3 but compiles with 4; " +
                "the weights are tuned for the trained settings: retrain, or restore them"),
            Warning("FHE0011", 2, "the weights were trained (quantization-aware) for a layer 'Gone' that the model no longer declares; " +
                "retrain, or remove the stale [TrainedWith]"));

    [Fact]
    public Task Changed_inputs_warn_on_the_model_record()
        => VerifyAsync(Model("", """
            [{|#0:TrainedWith(InputBits = 5, InputMax = 16)|}]
            """),
            Warning("FHE0011", 0, "the inputs were trained (quantization-aware) with InputBits = 5 but compiles with 4, " +
                "InputMax = 16 but compiles with 1; the weights are tuned for the trained settings: retrain, or restore them"));
}
