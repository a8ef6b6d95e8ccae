using System;

namespace FheGen.Onnx;

/// <summary>
/// An ONNX file that FheGen cannot import: not ONNX, an opset outside 9..21, an operator, shape or data type outside
/// the MLP subset, or a missing initializer. The message names the file and, when one is at fault, the node and its
/// operator type.
/// </summary>
public sealed class OnnxImportException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and where.</param>
    /// <param name="nodeName">The node at fault, if any.</param>
    /// <param name="opType">Its operator type, if any.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public OnnxImportException(string message, string? nodeName = null, string? opType = null, Exception? inner = null)
        : base(message, inner)
    {
        NodeName = nodeName;
        OpType = opType;
    }

    /// <summary>Name of the node at fault (or its first output when it has no name), or null for a model-level problem.</summary>
    public string? NodeName { get; }

    /// <summary>Operator type of the node at fault, or null.</summary>
    public string? OpType { get; }
}
