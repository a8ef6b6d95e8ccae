using System.Collections.Generic;
using FheGen.Compiler.Model;

namespace FheGen.Onnx;

/// <summary>What <see cref="OnnxImporter.Import"/> wrote and the figures of the model and the circuit it compiles to.</summary>
public sealed record ImportResult
{
    /// <summary>The files written, full paths: the model class, then its weights file.</summary>
    public required IReadOnlyList<string> WrittenPaths { get; init; }

    /// <summary>The parsed model.</summary>
    public required OnnxMlp Onnx { get; init; }

    /// <summary>
    /// The compiler input the written class declares (what its generated <c>Spec</c> returns): compile it with
    /// <c>CircuitCompiler</c> to evaluate or sweep the imported model without building the class.
    /// </summary>
    public required ModelSpec Spec { get; init; }

    /// <summary>Name of the partial class written.</summary>
    public required string ClassName { get; init; }

    /// <summary>Number of dense layers.</summary>
    public int Layers { get; init; }

    /// <summary>Weights plus biases.</summary>
    public long Parameters { get; init; }

    /// <summary>Whether calibration data set the activation (and input) ranges.</summary>
    public bool Calibrated { get; init; }

    /// <summary>Rows of calibration data, 0 without.</summary>
    public int CalibrationRows { get; init; }

    /// <summary>Widest TLU input of the compiled circuit, in bits (as the generator will compile it).</summary>
    public int MaxTluInputBits { get; init; }

    /// <summary>Table lookups (one PBS each) per inference of the compiled circuit.</summary>
    public int PbsCount { get; init; }

    /// <summary>All bootstrappings per inference, exact rounding's extraction steps included.</summary>
    public int TotalPbsCount { get; init; }

    /// <summary>Accuracy of the float model on the calibration rows (their last column as the label); null without calibration.</summary>
    public double? FloatAccuracy { get; init; }

    /// <summary>Accuracy of the clear integer circuit on the calibration rows; null without calibration.</summary>
    public double? CircuitAccuracy { get; init; }
}
