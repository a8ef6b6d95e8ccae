using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Onnx;

namespace FheGen.Onnx.Tests;

/// <summary>Small ONNX graphs built with OnnxSharp's protobuf classes, for the operators and the errors the external files do not show.</summary>
internal static class OnnxBuilder
{
    public static TensorProto Floats(string name, long[] dims, float[] values, bool raw = true)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        if (raw)
        {
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            t.RawData = ByteString.CopyFrom(bytes);
        }
        else
        {
            t.FloatData.AddRange(values);
        }
        return t;
    }

    public static TensorProto Int64s(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
    }

    public static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    public static ValueInfoProto Value(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }

    public static NodeProto Node(string opType, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Float(string name, float f) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f };

    public static AttributeProto Int(string name, long i) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i };

    public static AttributeProto Tensor(string name, TensorProto t) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t };

    /// <summary>A 4-3-2 model: Gemm(transB) + Relu, Gemm; the usual starting point of the error cases.</summary>
    public static ModelProto Small(long opset = 13)
    {
        var graph = new GraphProto { Name = "small" };
        graph.Input.Add(Value("x", "batch", 4));
        graph.Output.Add(Value("y", "batch", 2));
        graph.Initializer.Add(Floats("fc1.weight", [3, 4], Random(12, 1)));
        graph.Initializer.Add(Floats("fc1.bias", [3], Random(3, 2)));
        graph.Initializer.Add(Floats("fc2.weight", [2, 3], Random(6, 3)));
        graph.Initializer.Add(Floats("fc2.bias", [2], Random(2, 4)));
        graph.Node.Add(Node("Gemm", "/fc1/Gemm", ["x", "fc1.weight", "fc1.bias"], "h", Int("transB", 1)));
        graph.Node.Add(Node("Relu", "/relu/Relu", ["h"], "a"));
        graph.Node.Add(Node("Gemm", "/fc2/Gemm", ["a", "fc2.weight", "fc2.bias"], "y", Int("transB", 1)));
        return Model(graph, opset);
    }

    public static ModelProto Model(GraphProto graph, long opset)
    {
        var model = new ModelProto { IrVersion = 7, ProducerName = "FheGen.Onnx.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static string Save(ModelProto model, string path)
    {
        using var stream = File.Create(path);
        model.WriteTo(stream);
        return path;
    }
}
