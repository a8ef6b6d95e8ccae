using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FheGen.Compiler.Model;
using FheGen.Training;
using Onnx;

namespace FheGen.Onnx;

/// <summary>
/// Turns an ONNX graph into dense layers. The graph must be one chain from its input to its output: each layer is a
/// Gemm, or a MatMul followed by Adds of constant biases, then at most one activation; Flatten, Identity and Reshape
/// to <c>[batch, features]</c> may sit anywhere in the chain. Weights come from initializers or Constant nodes.
/// </summary>
internal static class OnnxGraphReader
{
    internal const long MinOpset = 9;
    internal const long MaxOpset = 21;

    // Members FheGen generates in a model class (FHE0009/FHE0003 otherwise) and the per-feature range members.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "InputCount", "OutputCount", "Circuit", "Io", "Spec", "Interpreter", "Run", "Predict", "PredictFloat",
        ModelSpec.FeatureMinMember, ModelSpec.FeatureMaxMember,
    };

    private sealed class Layer
    {
        public required string WeightName;
        public required int Inputs;
        public required int Outputs;
        public required float[] Weights;
        public required float[] Bias;
        public Activation Activation = Activation.Identity;
        public bool HasActivation;
    }

    internal static OnnxMlp Read(ModelProto model, string source)
    {
        long opset = ReadOpset(model, source);
        GraphProto graph = model.Graph ?? throw new OnnxImportException($"{source}: the model has no graph.");

        var constants = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (TensorProto t in graph.Initializer) constants[t.Name] = t;
        if (graph.SparseInitializer.Count > 0)
        {
            throw new OnnxImportException($"{source}: sparse initializers ('{graph.SparseInitializer[0].Values?.Name}') are not supported.");
        }

        var inputs = graph.Input.Where(i => !constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new OnnxImportException($"{source}: an MLP has one graph input, this graph has {inputs.Count} ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}).");
        }
        if (graph.Output.Count != 1)
        {
            throw new OnnxImportException($"{source}: an MLP has one graph output, this graph has {graph.Output.Count}.");
        }

        ValueInfoProto input = inputs[0];
        long[] declaredShape = InputShape(input, source);
        long[] sampleShape = declaredShape;
        long features = sampleShape.Aggregate(1L, (a, b) => a * b);
        bool flat = sampleShape.Length == 1;
        string current = input.Name;
        var layers = new List<Layer>();

        foreach (NodeProto node in graph.Node)
        {
            string nodeName = string.IsNullOrEmpty(node.Name) ? (node.Output.Count > 0 ? node.Output[0] : "?") : node.Name;
            OnnxImportException Fail(string what) => new($"{source}: node '{nodeName}' ({node.OpType}): {what}", nodeName, node.OpType);

            if (node.Domain is not ("" or "ai.onnx"))
            {
                throw Fail($"operator domain '{node.Domain}' is not supported (only the default ai.onnx domain).");
            }
            if (node.OpType == "Constant")
            {
                AttributeProto? value = node.Attribute.FirstOrDefault(a => a.Name == "value");
                if (value?.T is null || node.Attribute.Count != 1 || node.Output.Count != 1)
                {
                    throw Fail("only a Constant with a 'value' tensor is supported.");
                }
                constants[node.Output[0]] = value.T;
                continue;
            }
            if (node.Input.Count == 0 || node.Output.Count != 1)
            {
                throw Fail($"expected a data input and one output, got {node.Input.Count} inputs and {node.Output.Count} outputs.");
            }

            string data = node.Input[0];
            bool commuted = false;
            if (data != current && node.OpType == "Add" && node.Input.Count == 2 && node.Input[1] == current)
            {
                data = current; // Add(bias, x) is Add(x, bias)
                commuted = true;
            }
            if (data != current)
            {
                throw Fail($"reads '{node.Input[0]}', but the chain's current value is '{current}'; only a single chain of layers from input to output is supported.");
            }

            Layer? last = layers.Count > 0 ? layers[^1] : null;
            switch (node.OpType)
            {
                case "Identity":
                    break;
                case "Flatten":
                {
                    long axis = IntAttribute(node, "axis", 1);
                    if (axis < 0) axis += sampleShape.Length + 1;
                    if (axis != 1)
                    {
                        throw Fail($"axis = {IntAttribute(node, "axis", 1)} is not supported: only axis 1 (keep the batch, flatten each sample) is.");
                    }
                    flat = true;
                    break;
                }
                case "Reshape":
                {
                    if (node.Input.Count != 2) throw Fail("expected the data and a shape input.");
                    long[] shape = ReadInt64s(Constant(node.Input[1], "shape"), Fail);
                    bool keepsBatch = shape.Length == 2 && (shape[0] == -1 || (shape[0] == 0 && IntAttribute(node, "allowzero", 0) == 0));
                    bool flattens = keepsBatch && (shape[1] == features || (shape[1] == -1 && shape[0] == 0));
                    if (!flattens)
                    {
                        throw Fail($"reshape to [{string.Join(", ", shape)}] is not supported: only [-1, {features}] or [0, -1], which keep the batch and flatten each sample of {features} values.");
                    }
                    flat = true;
                    break;
                }
                case "Gemm":
                {
                    RequireFlat();
                    if (node.Input.Count is < 2 or > 3) throw Fail($"expected 2 or 3 inputs, got {node.Input.Count}.");
                    if (IntAttribute(node, "transA", 0) != 0) throw Fail("transA = 1 is not supported (it would transpose the batch).");
                    bool transB = IntAttribute(node, "transB", 0) != 0;
                    float alpha = FloatAttribute(node, "alpha", 1f), beta = FloatAttribute(node, "beta", 1f);
                    TensorProto bTensor = Constant(node.Input[1], "B");
                    long[] dims = bTensor.Dims.ToArray();
                    if (dims.Length != 2) throw Fail($"B ('{node.Input[1]}') has shape [{string.Join(", ", dims)}]; a 2-D matrix is expected.");
                    long k = transB ? dims[1] : dims[0], n = transB ? dims[0] : dims[1];
                    if (k != features) throw Fail($"B ('{node.Input[1]}') has shape [{string.Join(", ", dims)}], which takes {k} inputs, but the layer receives {features}.");
                    float[] b = ReadFloats(bTensor, Fail);
                    var weights = new float[n * k];
                    for (long o = 0; o < n; o++)
                    {
                        for (long i = 0; i < k; i++)
                        {
                            weights[o * k + i] = alpha * (transB ? b[o * k + i] : b[i * n + o]);
                        }
                    }
                    var bias = new float[n];
                    if (node.Input.Count == 3 && node.Input[2].Length > 0)
                    {
                        float[] c = BiasVector(Constant(node.Input[2], "C"), n, "C");
                        for (int o = 0; o < n; o++) bias[o] = beta * c[o];
                    }
                    Add(node.Input[1], (int)k, (int)n, weights, bias);
                    break;
                }
                case "MatMul":
                {
                    RequireFlat();
                    if (node.Input.Count != 2) throw Fail($"expected 2 inputs, got {node.Input.Count}.");
                    TensorProto bTensor = Constant(node.Input[1], "B");
                    long[] dims = bTensor.Dims.ToArray();
                    if (dims.Length != 2 || dims[0] != features)
                    {
                        throw Fail($"B ('{node.Input[1]}') has shape [{string.Join(", ", dims)}]; [{features}, outputs] is expected for {features} inputs.");
                    }
                    float[] b = ReadFloats(bTensor, Fail);
                    long k = dims[0], n = dims[1];
                    var weights = new float[n * k];
                    for (long o = 0; o < n; o++)
                    {
                        for (long i = 0; i < k; i++) weights[o * k + i] = b[i * n + o];
                    }
                    Add(node.Input[1], (int)k, (int)n, weights, new float[n]);
                    break;
                }
                case "Add":
                {
                    if (node.Input.Count != 2) throw Fail($"expected 2 inputs, got {node.Input.Count}.");
                    if (last is null || last.HasActivation) throw Fail("an Add must follow a MatMul or Gemm (before its activation), as a bias.");
                    string biasName = commuted ? node.Input[0] : node.Input[1];
                    float[] c = BiasVector(Constant(biasName, "bias"), last.Outputs, "the bias");
                    for (int o = 0; o < last.Outputs; o++) last.Bias[o] += c[o];
                    break;
                }
                case "Relu":
                    SetActivation(Activation.Relu);
                    break;
                case "Sigmoid":
                    SetActivation(Activation.Sigmoid);
                    break;
                case "Tanh":
                    SetActivation(Activation.Tanh);
                    break;
                case "LeakyRelu":
                {
                    float alpha = FloatAttribute(node, "alpha", 0.01f);
                    if (alpha != (float)Activations.LeakySlope)
                    {
                        throw Fail($"alpha = {alpha.ToString("R", CultureInfo.InvariantCulture)}, but FheGen's LeakyRelu has the slope {Activations.LeakySlope.ToString(CultureInfo.InvariantCulture)} for negative inputs.");
                    }
                    SetActivation(Activation.LeakyRelu);
                    break;
                }
                default:
                    throw Fail("unsupported operator; an MLP may use Gemm, MatMul, Add, Relu, Sigmoid, Tanh, LeakyRelu, Flatten, Identity, Reshape and Constant.");
            }
            current = node.Output[0];
            continue;

            void RequireFlat()
            {
                if (!flat) throw Fail($"its input has shape [batch, {string.Join(", ", sampleShape)}]; Flatten or Reshape it to [batch, {features}] first.");
            }

            TensorProto Constant(string name, string role) => constants.TryGetValue(name, out var t)
                ? t
                : throw Fail($"{role} ('{name}') is not an initializer or Constant; weights, biases and shapes must be constants.");

            float[] BiasVector(TensorProto t, long n, string role)
            {
                long[] dims = t.Dims.ToArray();
                long count = dims.Aggregate(1L, (a, b) => a * b);
                bool broadcasts = dims.Length <= 2 && (count == 1 || (count == n && dims[^1] == n));
                if (!broadcasts) throw Fail($"{role} ('{t.Name}') has shape [{string.Join(", ", dims)}]; [{n}], [1, {n}] or a scalar is expected.");
                float[] values = ReadFloats(t, Fail);
                return count == n ? values : Enumerable.Repeat(values[0], (int)n).ToArray();
            }

            void Add(string weightName, int k, int n, float[] weights, float[] bias)
            {
                if (k <= 0 || n <= 0) throw Fail($"a layer of {k} inputs and {n} outputs is empty.");
                layers.Add(new Layer { WeightName = weightName, Inputs = k, Outputs = n, Weights = weights, Bias = bias });
                features = n;
                sampleShape = [n];
                flat = true;
            }

            void SetActivation(Activation activation)
            {
                if (last is null || last.HasActivation)
                {
                    throw Fail("an activation must follow a Gemm or MatMul layer (one activation per layer).");
                }
                last.Activation = activation;
                last.HasActivation = true;
            }
        }

        string outputName = graph.Output[0].Name;
        if (layers.Count == 0) throw new OnnxImportException($"{source}: the graph has no Gemm or MatMul layer.");
        if (current != outputName)
        {
            throw new OnnxImportException($"{source}: the graph output '{outputName}' is not the end of the layer chain ('{current}').");
        }

        var trained = new TrainedMlp(layers.Select(l => new TrainedLayer(l.Inputs, l.Outputs, l.Weights, l.Bias, l.Activation)).ToArray());
        return new OnnxMlp(trained, LayerNames(layers.Select(l => l.WeightName).ToList()), opset, model.ProducerName ?? "",
            model.ProducerVersion ?? "", input.Name, declaredShape, outputName);
    }

    private static long ReadOpset(ModelProto model, string source)
    {
        var opsets = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        if (opsets.Count == 0) throw new OnnxImportException($"{source}: the model imports no default-domain (ai.onnx) opset.");
        long opset = opsets.Max(o => o.Version);
        if (opset < MinOpset || opset > MaxOpset)
        {
            throw new OnnxImportException($"{source}: opset {opset} is not supported; FheGen reads opsets {MinOpset} to {MaxOpset}.");
        }
        return opset;
    }

    /// <summary>The input's dimensions after the batch: it must be a float tensor of rank 2 or more with known sample dimensions.</summary>
    private static long[] InputShape(ValueInfoProto input, string source)
    {
        var tensor = input.Type?.TensorType;
        if (tensor is null) throw new OnnxImportException($"{source}: graph input '{input.Name}' is not a tensor.");
        if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw new OnnxImportException($"{source}: graph input '{input.Name}' has data type {TypeName(tensor.ElemType)}; FLOAT is expected.");
        }
        var dims = tensor.Shape?.Dim;
        if (dims is null || dims.Count < 2)
        {
            throw new OnnxImportException($"{source}: graph input '{input.Name}' has {(dims is null ? "no shape" : $"rank {dims.Count}")}; [batch, features] (or [batch, d1, d2, ...] then Flatten) is expected.");
        }
        var shape = new long[dims.Count - 1];
        for (int d = 1; d < dims.Count; d++)
        {
            if (dims[d].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dims[d].DimValue <= 0)
            {
                throw new OnnxImportException($"{source}: graph input '{input.Name}' dimension {d} is '{dims[d]}'; every dimension after the batch must be a fixed positive size.");
            }
            shape[d - 1] = dims[d].DimValue;
        }
        if (shape.Aggregate(1L, (a, b) => a * b) > int.MaxValue) throw new OnnxImportException($"{source}: graph input '{input.Name}' is too large.");
        return shape;
    }

    private static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static float FloatAttribute(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    private static string TypeName(int type) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), type) ? ((TensorProto.Types.DataType)type).ToString().ToUpperInvariant() : type.ToString(CultureInfo.InvariantCulture);

    private static long Count(TensorProto t, Func<string, OnnxImportException> fail)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External) throw fail($"tensor '{t.Name}' keeps its data in an external file, which is not supported.");
        long count = 1;
        foreach (long d in t.Dims)
        {
            if (d < 0) throw fail($"tensor '{t.Name}' has a negative dimension.");
            count *= d;
            if (count > int.MaxValue) throw fail($"tensor '{t.Name}' is too large.");
        }
        return count;
    }

    private static float[] ReadFloats(TensorProto t, Func<string, OnnxImportException> fail)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw fail($"tensor '{t.Name}' has data type {TypeName(t.DataType)}; only FLOAT weights are supported.");
        }
        long count = Count(t, fail);
        float[] values;
        if (!t.RawData.IsEmpty)
        {
            if (t.RawData.Length != count * 4) throw fail($"tensor '{t.Name}' has {t.RawData.Length} bytes of raw_data for {count} floats.");
            values = new float[count];
            ReadOnlySpan<byte> bytes = t.RawData.Span;
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
        }
        else
        {
            if (t.FloatData.Count != count) throw fail($"tensor '{t.Name}' has {t.FloatData.Count} float_data values for {count} elements.");
            values = t.FloatData.ToArray();
        }
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) throw fail($"tensor '{t.Name}' holds a non-finite value at {i}.");
        }
        return values;
    }

    private static long[] ReadInt64s(TensorProto t, Func<string, OnnxImportException> fail)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Int64)
        {
            throw fail($"tensor '{t.Name}' has data type {TypeName(t.DataType)}; INT64 is expected.");
        }
        long count = Count(t, fail);
        if (!t.RawData.IsEmpty)
        {
            if (t.RawData.Length != count * 8) throw fail($"tensor '{t.Name}' has {t.RawData.Length} bytes of raw_data for {count} int64 values.");
            var values = new long[count];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(t.RawData.Span.Slice(i * 8, 8));
            return values;
        }
        if (t.Int64Data.Count != count) throw fail($"tensor '{t.Name}' has {t.Int64Data.Count} int64_data values for {count} elements.");
        return t.Int64Data.ToArray();
    }

    /// <summary>C# names from the weight initializers' names, made distinct and kept clear of generated members.</summary>
    internal static IReadOnlyList<string> LayerNames(IReadOnlyList<string> weightNames)
    {
        var names = new string[weightNames.Count];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (int l = 0; l < names.Length; l++)
        {
            string name = FromInitializer(weightNames[l]);
            if (!Usable(name)) name = $"Layer{l + 1}";
            for (int suffix = 2; !Usable(name); suffix++) name = $"Layer{l + 1}_{suffix}";
            names[l] = name;
            taken.Add(name);
            taken.Add(name + "Bias");
        }
        return names;

        bool Usable(string name) => name.Length > 0 && !char.IsDigit(name[0]) && !taken.Contains(name) && !taken.Contains(name + "Bias")
            && !Reserved.Contains(name) && !Reserved.Contains(name + "Bias") && !name.StartsWith("__FheGen", StringComparison.Ordinal)
            && !name.EndsWith("Bias", StringComparison.Ordinal);
    }

    /// <summary><c>fc1.weight</c> gives <c>Fc1</c>, <c>dense_1/kernel</c> gives <c>Dense1</c>: ASCII letters and digits, pascal-cased.</summary>
    internal static string FromInitializer(string name)
    {
        var result = new StringBuilder();
        foreach (string token in name.SplitWhere(c => !(char.IsAsciiLetterOrDigit(c))))
        {
            if (token.Length == 0 || token.Equals("weight", StringComparison.OrdinalIgnoreCase) || token.Equals("kernel", StringComparison.OrdinalIgnoreCase)
                || token.Equals("W", StringComparison.Ordinal)) continue;
            result.Append(char.ToUpperInvariant(token[0])).Append(token, 1, token.Length - 1);
        }
        return result.ToString();
    }

    private static string[] SplitWhere(this string s, Func<char, bool> separator)
    {
        var parts = new List<string>();
        int start = 0;
        for (int i = 0; i <= s.Length; i++)
        {
            if (i == s.Length || separator(s[i]))
            {
                parts.Add(s[start..i]);
                start = i + 1;
            }
        }
        return parts.ToArray();
    }
}
