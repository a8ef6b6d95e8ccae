using System.Collections.Generic;
using FheGen.Training;

namespace FheGen.Onnx;

/// <summary>A float MLP read from an ONNX file by <see cref="OnnxImporter.Read"/>.</summary>
public sealed class OnnxMlp
{
    internal OnnxMlp(TrainedMlp model, IReadOnlyList<string> layerNames, long opset, string producerName, string producerVersion,
        string inputName, IReadOnlyList<long> inputShape, string outputName)
    {
        Model = model;
        LayerNames = layerNames;
        Opset = opset;
        ProducerName = producerName;
        ProducerVersion = producerVersion;
        InputName = inputName;
        InputShape = inputShape;
        OutputName = outputName;
    }

    /// <summary>The layers with their weights (<c>[outputs, inputs]</c> row-major, Gemm's alpha and beta folded in) and activations.</summary>
    public TrainedMlp Model { get; }

    /// <summary>Number of input features (the product of the input's dimensions after the batch dimension).</summary>
    public int Inputs => Model.Inputs;

    /// <summary>Number of outputs.</summary>
    public int Outputs => Model.Outputs;

    /// <summary>
    /// One C# identifier per layer, derived from the weight initializer's name (<c>fc1.weight</c> gives <c>Fc1</c>), or
    /// <c>Layer1</c>, <c>Layer2</c>... where that gives nothing usable; distinct, and none is a member FheGen generates.
    /// </summary>
    public IReadOnlyList<string> LayerNames { get; }

    /// <summary>The default-domain (<c>ai.onnx</c>) opset version the model imports, 9..21.</summary>
    public long Opset { get; }

    /// <summary>The model's <c>producer_name</c> (empty when it states none).</summary>
    public string ProducerName { get; }

    /// <summary>The model's <c>producer_version</c> (empty when it states none).</summary>
    public string ProducerVersion { get; }

    /// <summary>Name of the graph input (the one that is not an initializer).</summary>
    public string InputName { get; }

    /// <summary>The input's shape after the batch dimension, as declared (e.g. <c>[64]</c> or <c>[8, 8]</c>).</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>Name of the graph output.</summary>
    public string OutputName { get; }
}
