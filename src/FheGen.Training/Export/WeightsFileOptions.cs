using System.Collections.Generic;

namespace FheGen.Training;

/// <summary>
/// What <see cref="WeightsFileWriter"/> writes: the model, its names and the partial class that holds it.
/// A record, so variants are one <c>with</c> expression away.
/// </summary>
public sealed record WeightsFileOptions
{
    /// <summary>Namespace of the class (written file-scoped), or <see langword="null"/> for the global namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Name of the partial class; the other part carries the <see cref="FheModelAttribute"/> and <see cref="DenseAttribute"/>s.</summary>
    public required string ClassName { get; init; }

    /// <summary>
    /// Accessibility written on the partial declaration: <c>"public"</c>, <c>"internal"</c> or <c>""</c> to
    /// write none (C# requires the parts that state one to agree). Default <c>"public"</c>.
    /// </summary>
    public string Accessibility { get; init; } = "public";

    /// <summary>Whether the partial declaration says <c>static</c>; match the other part. Default <see langword="true"/>.</summary>
    public bool IsStatic { get; init; } = true;

    /// <summary>
    /// Accessibility of the weight and bias fields: <c>"internal"</c> (default), <c>"public"</c> or <c>"private"</c>.
    /// </summary>
    public string FieldAccessibility { get; init; } = "internal";

    /// <summary>
    /// One name per layer of <see cref="Model"/>, as the <see cref="DenseAttribute"/>s name them: the weights go
    /// in a field of that name and the bias in <c>name + "Bias"</c>.
    /// </summary>
    public required IReadOnlyList<string> LayerNames { get; init; }

    /// <summary>The model whose weights are written.</summary>
    public required TrainedMlp Model { get; init; }

    /// <summary>
    /// Calibrated output ranges of the hidden layers (all but the last), as <see cref="ActivationCalibrator.Calibrate"/>
    /// returns them, written as <see cref="ActivationRangeAttribute"/>s; <see langword="null"/> writes none.
    /// </summary>
    public IReadOnlyList<(double Min, double Max)>? Calibration { get; init; }

    /// <summary>
    /// The settings quantization-aware training used (<see cref="Qat.QatResult.Settings"/>), written as
    /// <see cref="TrainedWithAttribute"/>s so the compiler warns (FHE0011) when the model's attributes later drift from
    /// them; <see langword="null"/> writes none (weights trained in float).
    /// </summary>
    public IReadOnlyList<FheGen.Compiler.Model.TrainedSetting>? Trained { get; init; }

    /// <summary>
    /// Per-feature input ranges (<see cref="InputCalibrator.Calibrate"/>), written as members <c>FeatureMin</c> and
    /// <c>FeatureMax</c> that replace the <c>[FheModel]</c>'s InputMin and InputMax (remove those there, or FHE0003 says so);
    /// <see langword="null"/> writes none.
    /// </summary>
    public (float[] Min, float[] Max)? FeatureRanges { get; init; }

    /// <summary>One line saying how the weights were produced (data, options, accuracy), written in the header comment.</summary>
    public string? Provenance { get; init; }
}
