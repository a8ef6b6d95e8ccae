using FheGen.Compiler.Model;

namespace FheGen.Onnx;

/// <summary>What <see cref="OnnxImporter.Import"/> reads, how the model class it writes is declared, and where it goes.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>The ONNX file.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The model class file to write (e.g. <c>Model.cs</c>); the weights go next to it in <c>Model.Weights.cs</c>.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Name of the partial class; null derives it from the ONNX file name (<c>digits-mlp.onnx</c> gives <c>DigitsMlp</c>).</summary>
    public string? ClassName { get; init; }

    /// <summary>Namespace of the class (file-scoped), or null for the global namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// A CSV of calibration rows (features, then an integer label, as <see cref="FheGen.Training.Dataset.LoadCsv(string, bool, int?)"/>
    /// reads; <c>.gz</c> is expanded). It sets the hidden layers' <c>[ActivationRange]</c>s and, unless
    /// <see cref="InputMin"/>/<see cref="InputMax"/> are given, the input range; null writes no ranges (the compiler
    /// then derives each layer's output range from its exact accumulator bounds, which is wide and wastes levels).
    /// </summary>
    public string? CalibrationCsv { get; init; }

    /// <summary>Whether the calibration CSV's first line is a header to skip.</summary>
    public bool CalibrationHasHeader { get; init; }

    /// <summary>Bits of each quantized input, 1..16. Default 4.</summary>
    public int InputBits { get; init; } = 4;

    /// <summary>Real value mapped to input level 0; with <see cref="InputMax"/>, overrides the calibrated range. Required (with InputMax) without calibration data.</summary>
    public double? InputMin { get; init; }

    /// <summary>Real value mapped to the top input level.</summary>
    public double? InputMax { get; init; }

    /// <summary>
    /// Quantize each input feature over its own calibrated range (members <c>FeatureMin</c>/<c>FeatureMax</c> in the
    /// weights file) instead of one model-wide range; needs <see cref="CalibrationCsv"/> and excludes InputMin/InputMax.
    /// </summary>
    public bool PerFeatureInputRanges { get; init; }

    /// <summary>Weight bits, 2..16 (<c>[Quantize(WeightBits = ...)]</c>). Default 4.</summary>
    public int WeightBits { get; init; } = ModelDefaults.WeightBits;

    /// <summary>Activation bits of the hidden layers, 1..16 (<c>[Quantize(ActivationBits = ...)]</c>). Default 4.</summary>
    public int ActivationBits { get; init; } = ModelDefaults.ActivationBits;

    /// <summary>The widest TLU input allowed without FHE0001, 1..16 (<c>[FheModel(PbsBudgetBits = ...)]</c>). Default 8.</summary>
    public int PbsBudgetBits { get; init; } = ModelDefaults.PbsBudgetBits;

    /// <summary>
    /// Model-wide <c>[RoundAccumulator(Bits = ...)]</c>: the TLU input width after rounding, 1..16, or
    /// <see cref="RoundAccumulatorAttribute.Auto"/> (the default) to round each hidden layer to the budget with the
    /// fewest LSBs; null writes no rounding (a wide accumulator then gets FHE0001 and may not be encryptable).
    /// </summary>
    public int? RoundBits { get; init; } = RoundAccumulatorAttribute.Auto;
}
