using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;
using FheGen.Generators.Extraction;

namespace FheGen.Generators.Emission;

/// <summary>A generated file: value-equatable so unchanged models leave the output cached.</summary>
/// <param name="HintName">File name.</param>
/// <param name="Text">Source text.</param>
internal sealed record GeneratedSource(string HintName, string Text);

/// <summary>
/// Emits the circuit of a model: per layer, straight-line multiply-adds over a backend type parameter (zero
/// weights never appear, every weight and bias is a literal), split into methods small enough for the JIT to
/// optimize, then one batched round and lookup. A layer with more multiply-adds than the unroll limit is emitted as
/// data instead (its integer weights in a <c>ReadOnlySpan&lt;sbyte/short&gt;</c> over a literal array, which the C#
/// compiler stores as raw data in the assembly) evaluated by a loop (<c>PackedCircuit</c>), and a large table as
/// run-length coded data: generated text and build time then grow with the model's size, not with its
/// multiply-adds, and the backend sees the same calls.
/// </summary>
internal static class CircuitEmitter
{
    /// <summary>
    /// Default <c>FheGenUnrollLimit</c>: layers with more multiply-adds are emitted as data. Unrolled code runs faster
    /// but costs about 50 characters of source, and compile time, per multiply-add (see the generator and inference
    /// benchmarks for both forms).
    /// </summary>
    public const int DefaultUnrollLimit = 16384;

    /// <summary>Tables with more entries than this (or than the unroll limit, if smaller) are run-length coded.</summary>
    public const int MaxUnrolledTableEntries = 1024;

    /// <summary>Values per line of a data array.</summary>
    private const int ValuesPerLine = 64;

    /// <summary>
    /// The oldest C# the generated code compiles with: <c>[InlineArray]</c> buffers need C# 12 (and
    /// <c>#nullable</c>, init-only setters and <c>ReadOnlySpan</c> data over array literals, older versions).
    /// </summary>
    public const int MinimumLanguageVersion = 1200;

    /// <summary><see cref="MinimumLanguageVersion"/> as users write it.</summary>
    public const string MinimumLanguageVersionText = "12";
    /// <summary>
    /// Multiply-add statements per method. The JIT compiles very large methods without optimization
    /// (MinOpts); a few hundred statements keep each chunk well inside its limits.
    /// </summary>
    public const int MaxStatementsPerMethod = 384;

    /// <summary>Buffers up to this many values live on the stack; larger ones are arrays.</summary>
    private const int MaxStackBuffer = 1024;

    private const string Rt = "global::FheGen";
    private const string Backend = "global::FheGen.Backends.ICircuitBackend<TValue>";
    /// <summary>The generator's version as its assembly states it (the package version), not a literal to keep in step.</summary>
    private static readonly string GeneratorVersion = typeof(CircuitEmitter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static readonly string GeneratedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"FheGen.Generators\", \"{GeneratorVersion}\")]";

    /// <summary>The generated file of a compiled model: text only, every decision about the circuit is in its plan.</summary>
    public static GeneratedSource Emit(CompiledModel compiled, CancellationToken ct)
        => new GeneratedSource(compiled.Model.HintName, Write(compiled, ct));

    /// <summary>Whether layer <paramref name="l"/> is emitted as data.</summary>
    private static bool IsPacked(LayerPlan l, int unrollLimit) => l.ActiveWeights > unrollLimit;

    /// <summary>Whether table <paramref name="t"/> is emitted run-length coded.</summary>
    private static bool IsPacked(TablePlan t, int unrollLimit) => t.Entries.Count > Math.Min(unrollLimit, MaxUnrolledTableEntries);

    /// <summary>A capacity for the writer: unrolled terms cost about 56 characters, packed ones about 8.</summary>
    private static int Capacity(CircuitPlan plan, int unrollLimit)
    {
        long chars = 64 * 1024;
        foreach (var l in plan.Layers) chars += (long)l.ActiveWeights * (IsPacked(l, unrollLimit) ? 8 : 56) + 16L * l.Outputs;
        foreach (var t in plan.Tables) chars += IsPacked(t, unrollLimit) ? 256 : 8L * t.Entries.Count;
        // Beyond this, let the builder grow: a wrong estimate must not allocate gigabytes up front.
        return (int)Math.Min(chars, 64L * 1024 * 1024);
    }

    private static string Write(CompiledModel compiled, CancellationToken ct)
    {
        var model = compiled.Model;
        var plan = compiled.Plan;
        int unrollLimit = compiled.UnrollLimit;
        var w = new CodeWriter(Capacity(plan, unrollLimit));
        w.Line("// <auto-generated/>");
        w.Line("// Generated by FheGen from the attributes of " + model.Spec.Name + "; edit the attributes or the weights, not this file.");
        w.Line("#nullable enable");
        // CS0693: in a generic model type, Run<TBackend, TValue> and the buffer structs' <T> may reuse the names of
        // the model's own type parameters; the generated code only ever means the inner ones.
        w.Line("#pragma warning disable CS0169, CS0649, CS0693, CS1591");
        w.Line();
        if (model.Namespace is not null) w.Open("namespace " + model.Namespace);
        var types = model.Types;
        for (int i = 0; i < types.Count; i++)
        {
            var t = types[i];
            w.Open((t.IsStatic ? "static " : "") + "partial " + t.Keyword + " " + t.Name);
        }

        WriteInfo(w, model, plan, compiled.Fingerprint);
        WriteSpec(w, model);
        WriteTables(w, plan, unrollLimit);
        WriteRun(w, plan, unrollLimit);
        WritePredict(w, plan);
        // The unrolled statements have nothing nullable; skipping the nullability pass over them cuts the
        // compile time of large circuits by about 40% (measured on a 784-128-10 model).
        w.Line("#nullable disable");
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            if (IsPacked(plan.Layers[i], unrollLimit)) WriteLayerData(w, plan.Layers[i], ct);
            else WriteLayerChunks(w, plan.Layers[i]);
        }
        WriteBuffers(w, plan);

        for (int i = 0; i < types.Count; i++) w.Close();
        if (model.Namespace is not null) w.Close();
        return w.ToString();
    }

    private static void WriteInfo(CodeWriter w, GeneratorModel model, CircuitPlan plan, string fingerprint)
    {
        var last = plan.Layers[plan.Layers.Count - 1];
        w.Line("/// <summary>");
        w.Line("/// The fingerprint (<c>FheGen.Compiler.Plan.PlanFingerprint</c>) of the plan this code was generated from:");
        w.Line("/// <see cref=\"Interpreter\"/> checks that the plan it compiles at run time has the same one.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line("public const string PlanFingerprint = " + CodeWriter.Literal(fingerprint) + ";");
        w.Line();
        w.Line("/// <summary>Number of quantized inputs of the circuit.</summary>");
        w.Line(GeneratedCode);
        w.Line("public const int InputCount = " + plan.Inputs + ";");
        w.Line();
        w.Line("/// <summary>Number of outputs of the circuit.</summary>");
        w.Line(GeneratedCode);
        w.Line("public const int OutputCount = " + plan.Outputs + ";");
        w.Line();
        w.Line("/// <summary>Build-time facts: per-layer accumulator ranges, bit-widths and PBS counts.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public static {Rt}.Circuits.CircuitInfo Circuit {{ get; }} = new {Rt}.Circuits.CircuitInfo(");
        w.Line($"    {CodeWriter.Literal(plan.Name)}, {plan.Inputs}, {plan.BudgetBits}, {CodeWriter.Literal(plan.PError)}, {plan.Tables.Count},");
        w.Line($"    new {Rt}.Circuits.LayerInfo[]");
        w.Line("    {");
        // No latency estimate here: it depends on measurements that change without the model changing; CircuitInfo
        // computes it at run time from the cost model.
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            var l = plan.Layers[i];
            w.Line($"        new {Rt}.Circuits.LayerInfo({CodeWriter.Literal(l.Name)}, {l.Inputs}, {l.Outputs}, {l.ActiveWeights}, " +
                $"{CodeWriter.Literal(l.AccumulatorMin)}, {CodeWriter.Literal(l.AccumulatorMax)}, {l.AccumulatorBits}, {l.RoundedBits}, " +
                $"{l.TluInputBits}, {l.PbsCount}, {CodeWriter.Literal(l.IsOutput)}, global::FheGen.Rounding.{l.RoundingMethod})" +
                // Only when there are some, so layers without keep their generated text.
                (l.FoldedNeurons + l.UnreadNeurons == 0 ? "" : $" {{ FoldedNeurons = {l.FoldedNeurons}, UnreadNeurons = {l.UnreadNeurons} }}") + ",");
        }
        w.Line("    });");
        w.Line();
        w.Line("/// <summary>Client-side quantization of inputs and dequantization of outputs.</summary>");
        w.Line(GeneratedCode);
        if (plan.Features is { } features)
        {
            // Per-feature ranges: each feature's offset and step as exact literals, so the client quantizes as the plan does.
            w.Line($"public static {Rt}.Circuits.CircuitIo Io {{ get; }} = {Rt}.Circuits.CircuitIo.PerFeature(");
            w.Line($"    {Quantizer(plan.Input)},");
            w.Line("    new double[] { " + string.Join(", ", features.Select(f => CodeWriter.Literal(f.Offset))) + " },");
            w.Line("    new double[] { " + string.Join(", ", features.Select(f => CodeWriter.Literal(f.Scale))) + " },");
        }
        else
        {
            w.Line($"public static {Rt}.Circuits.CircuitIo Io {{ get; }} = new {Rt}.Circuits.CircuitIo(");
            w.Line($"    {Quantizer(plan.Input)},");
        }
        w.Line("    new double[] { " + string.Join(", ", Enumerable.Range(0, last.Outputs).Select(j => CodeWriter.Literal(last.AccumulatorScale(j)))) + " },");
        w.Line($"    (global::FheGen.Compiler.Model.ActivationKind){(int)last.Activation});");
        w.Line();
    }

    private static string Quantizer(UniformQuantizer q)
        => $"new global::FheGen.Compiler.Quantization.UniformQuantizer({q.Bits}, {CodeWriter.Literal(q.Offset)}, {CodeWriter.Literal(q.Scale)})";

    private static void WriteSpec(CodeWriter w, GeneratorModel model)
    {
        const string M = "global::FheGen.Compiler.Model";
        var spec = model.Spec;
        w.Line($"private static {M}.ModelSpec? __FheGen_spec;");
        w.Line($"private static {Rt}.Circuits.FloatReference? __FheGen_float;");
        w.Line($"private static {Rt}.Circuits.PlanInterpreter? __FheGen_interpreter;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The model as declared, rebuilt at run time from the weight members: tools compile variants of it");
        w.Line("/// with <c>CircuitCompiler</c> and evaluate them with <c>PlanInterpreter</c> without regenerating code.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line($"public static {M}.ModelSpec Spec => __FheGen_spec ??= __FheGen_BuildSpec();");
        w.Line();
        w.Line("/// <summary>An interpreter of this model's plan, compiled at run time from <see cref=\"Spec\"/> by the same compiler core.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public static {Rt}.Circuits.PlanInterpreter Interpreter => __FheGen_interpreter ??= {Rt}.Circuits.PlanInterpreter.ForGeneratedModel(global::FheGen.Compiler.Pipeline.CircuitCompiler.Compile(Spec).PlanOrThrow(), {CodeWriter.Literal(model.Spec.Name)}, PlanFingerprint);");
        w.Line();
        // Named members, one per line, so the rebuilt spec reads like the declaration it comes from; members at their
        // type's default (no bias, no settings, no per-layer budget) are left out as the attributes leave them out.
        w.Open($"private static {M}.ModelSpec __FheGen_BuildSpec()");
        w.Line($"return new {M}.ModelSpec");
        w.Line("{");
        w.Line($"    Name = {CodeWriter.Literal(spec.Name)},");
        w.Line($"    Inputs = {spec.Inputs},");
        w.Line($"    InputBits = {spec.InputBits},");
        w.Line($"    InputMin = {CodeWriter.Literal(spec.InputMin)},");
        w.Line($"    InputMax = {CodeWriter.Literal(spec.InputMax)},");
        w.Line($"    PbsBudgetBits = {spec.PbsBudgetBits},");
        w.Line($"    PError = {CodeWriter.Literal(spec.PError)},");
        if (spec.GlobalPError is double global) w.Line($"    GlobalPError = {CodeWriter.Literal(global)},");
        w.Line($"    Layers = new {M}.EquatableArray<{M}.LayerSpec>(new {M}.LayerSpec[]");
        w.Line("    {");
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var l = spec.Layers[i];
            var m = model.Members[i];
            w.Line($"        new {M}.LayerSpec");
            w.Line("        {");
            w.Line($"            Name = {CodeWriter.Literal(l.Name)},");
            w.Line($"            Outputs = {l.Outputs},");
            w.Line($"            Activation = {M}.ActivationKind.{l.Activation},");
            if (l.OutputMin is double lo) w.Line($"            OutputMin = {CodeWriter.Literal(lo)},");
            if (l.OutputMax is double hi) w.Line($"            OutputMax = {CodeWriter.Literal(hi)},");
            w.Line($"            Weights = new {M}.EquatableArray<float>({Copy(m.Weights, m.WeightsIsSpan)}),");
            if (m.Bias is not null) w.Line($"            Bias = new {M}.EquatableArray<float>({Copy(m.Bias, m.BiasIsSpan)}),");
            if (l.PbsBudgetBits is int budget) w.Line($"            PbsBudgetBits = {budget},");
            w.Line("        },");
        }
        w.Line("    }),");
        Settings(w, "Quantize", $"{M}.QuantizeSetting", spec.Quantize.Select(q =>
            $"new {M}.QuantizeSetting(Layer: {CodeWriter.Literal(q.Layer)}, WeightBits: {CodeWriter.Literal(q.WeightBits)}, " +
            $"ActivationBits: {CodeWriter.Literal(q.ActivationBits)}, PerChannel: {CodeWriter.Literal(q.PerChannel)})"));
        Settings(w, "Prune", $"{M}.PruneSetting", spec.Prune.Select(p =>
            $"new {M}.PruneSetting(Layer: {CodeWriter.Literal(p.Layer)}, MaxActiveInputs: {CodeWriter.Literal(p.MaxActiveInputs)})"));
        Settings(w, "Round", $"{M}.RoundSetting", spec.Round.Select(r =>
            $"new {M}.RoundSetting(Layer: {CodeWriter.Literal(r.Layer)}, Bits: {CodeWriter.Literal(r.Bits)})" +
            (r.Method is RoundingKind method ? $" {{ Method = {M}.RoundingKind.{method} }}" : "")));
        Settings(w, "Ranges", $"{M}.ActivationRangeSetting", spec.Ranges.Select(r =>
            $"new {M}.ActivationRangeSetting(Layer: {CodeWriter.Literal(r.Layer)}, Min: {CodeWriter.Literal(r.Min)}, Max: {CodeWriter.Literal(r.Max)})"));
        Settings(w, "Trained", $"{M}.TrainedSetting", spec.Trained.Select(t =>
            $"new {M}.TrainedSetting(Layer: {CodeWriter.Literal(t.Layer)}) {{ InputBits = {CodeWriter.Literal(t.InputBits)}, InputMin = {CodeWriter.Literal(t.InputMin)}, " +
            $"InputMax = {CodeWriter.Literal(t.InputMax)}, WeightBits = {CodeWriter.Literal(t.WeightBits)}, ActivationBits = {CodeWriter.Literal(t.ActivationBits)}, " +
            $"PerChannel = {CodeWriter.Literal(t.PerChannel)}, MaxActiveInputs = {CodeWriter.Literal(t.MaxActiveInputs)}, RoundBits = {CodeWriter.Literal(t.RoundBits)}, " +
            $"RoundMethod = {(t.RoundMethod is RoundingKind rm ? $"{M}.RoundingKind.{rm}" : "null")} }}"));
        if (spec.HasFeatureRanges)
        {
            w.Line($"    FeatureMin = new {M}.EquatableArray<float>({Copy(ModelSpec.FeatureMinMember, model.FeatureMinIsSpan)}),");
            w.Line($"    FeatureMax = new {M}.EquatableArray<float>({Copy(ModelSpec.FeatureMaxMember, model.FeatureMaxIsSpan)}),");
        }
        w.Line("};");
        w.Close();
        w.Line();
    }

    /// <summary>One settings member of the rebuilt spec, one setting per line; nothing when there are none (the default is empty).</summary>
    private static void Settings(CodeWriter w, string member, string type, IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count == 0) return;
        w.Line($"    {member} = new global::FheGen.Compiler.Model.EquatableArray<{type}>(new {type}[]");
        w.Line("    {");
        foreach (string item in list) w.Line($"        {item},");
        w.Line("    }),");
    }

    /// <summary>A fresh array with a float member's values (the spec must not alias user arrays that code could change).</summary>
    private static string Copy(string member, bool isSpan) => isSpan ? $"{Identifier(member)}.ToArray()" : $"(float[]){Identifier(member)}.Clone()";

    /// <summary>A member name as an identifier: keywords need a verbatim <c>@</c> (a member <c>@class</c> is named "class").</summary>
    private static string Identifier(string name)
        => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    private static void WriteTables(CodeWriter w, CircuitPlan plan, int unrollLimit)
    {
        foreach (var t in plan.Tables)
        {
            int inputBits = t.InputBits;
            if (IsPacked(t, unrollLimit))
            {
                w.Line($"private static readonly {Rt}.Backends.LookupTable __FheGen_T{t.Index} = new {Rt}.Backends.LookupTable({t.Index}, {CodeWriter.Literal(t.InputMin)}, {inputBits}, {t.OutputBits}, " +
                    $"{Rt}.Circuits.PackedCircuit.ExpandRuns(__FheGen_T{t.Index}_runs, {t.Entries.Count}));");
                var runs = new List<long>();
                for (int e = 0; e < t.Entries.Count;)
                {
                    int start = e;
                    while (e < t.Entries.Count && t.Entries[e] == t.Entries[start]) e++;
                    runs.Add(e - start);
                    runs.Add(t.Entries[start]);
                }
                WriteData(w, $"__FheGen_T{t.Index}_runs", "long", runs.Count, k => runs[(int)k]);
                continue;
            }
            w.Indent();
            w.Raw.Append($"private static readonly {Rt}.Backends.LookupTable __FheGen_T{t.Index} = new {Rt}.Backends.LookupTable({t.Index}, {CodeWriter.Literal(t.InputMin)}, {inputBits}, {t.OutputBits}, new long[] {{ ");
            for (int e = 0; e < t.Entries.Count; e++)
            {
                if (e > 0) w.Raw.Append(", ");
                w.Raw.Append(CodeWriter.Int(t.Entries[e]));
            }
            w.Raw.Append(" });\n");
        }
        foreach (var l in plan.Layers)
        {
            if (l.IsOutput) continue;
            if (l.ActiveTables.Count > 0)
            {
                w.Line($"private static readonly {Rt}.Backends.LookupTable[] __FheGen_L{l.Index}_tables = new {Rt}.Backends.LookupTable[] {{ " +
                    string.Join(", ", l.ActiveTables.Select(t => "__FheGen_T" + t)) + " };");
            }
            if (l.RoundedBits > 0)
            {
                w.Line($"private static readonly {Rt}.Backends.RoundingStep __FheGen_L{l.Index}_round = new {Rt}.Backends.RoundingStep({l.RoundedBits}, " +
                    $"{CodeWriter.Literal(l.AccumulatorMin)}, {CodeWriter.Literal(l.AccumulatorMax)}, global::FheGen.Rounding.{l.RoundingMethod});");
            }
        }
        w.Line();
    }

    private static string Buffer(string name, int size)
    {
        if (size == 0) return $"global::System.Span<TValue> {name} = global::System.Span<TValue>.Empty;";
        if (size > MaxStackBuffer) return $"global::System.Span<TValue> {name} = new TValue[{size}];";
        return $"__FheGen_Buffer{size}<TValue> __{name} = default; global::System.Span<TValue> {name} = __{name};";
    }

    private static void WriteRun(CodeWriter w, CircuitPlan plan, int unrollLimit)
    {
        w.Line("/// <summary>");
        w.Line("/// Runs the integer circuit on <paramref name=\"backend\"/>: <paramref name=\"inputs\"/> are quantized inputs (see");
        w.Line("/// <see cref=\"Io\"/>), <paramref name=\"outputs\"/> receive the last layer's accumulators.");
        w.Line("/// </summary>");
        w.Line($"/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A clear input lies outside [0, {(1L << plan.Input.Bits) - 1}].</exception>");
        w.Line(GeneratedCode);
        w.Line($"public static void Run<TBackend, TValue>(TBackend backend, global::System.ReadOnlySpan<TValue> inputs, global::System.Span<TValue> outputs)");
        w.Line($"    where TBackend : {Backend}");
        w.Line("{");
        w.Line($"    if (inputs.Length != {plan.Inputs}) throw new global::System.ArgumentException(\"Expected {plan.Inputs} inputs.\", nameof(inputs));");
        w.Line($"    if (outputs.Length != {plan.Outputs}) throw new global::System.ArgumentException(\"Expected room for {plan.Outputs} outputs.\", nameof(outputs));");
        w.Line($"    {Rt}.Circuits.CircuitInputs.ThrowIfOutOfRange(inputs, {plan.Input.Bits});");
        string current = "inputs";
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            var l = plan.Layers[i];
            var active = l.ActiveNeurons;
            string acc = l.IsOutput ? "outputs" : $"acc{i}";
            if (!l.IsOutput) w.Line("    " + Buffer(acc, active.Count));
            if (IsPacked(l, unrollLimit))
            {
                w.Line("    " + PackedCall(l, current, acc) + ";");
            }
            else
            {
                foreach (var chunk in Chunks(l))
                {
                    w.Line($"    __FheGen_L{i}_{chunk.Index}(ref backend, {current}, {acc});");
                }
            }
            if (l.IsOutput) break;
            string h = $"h{i}";
            w.Line("    " + Buffer(h, l.Outputs));
            if (active.Count > 0)
            {
                if (l.RoundedBits > 0) w.Line($"    backend.Round({acc}, __FheGen_L{i}_round);");
                if (active.Count == l.Outputs)
                {
                    w.Line($"    backend.Lookup({acc}, {h}, __FheGen_L{i}_tables);");
                }
                else
                {
                    w.Line("    " + Buffer($"t{i}", active.Count));
                    w.Line($"    backend.Lookup({acc}, t{i}, __FheGen_L{i}_tables);");
                    for (int k = 0; k < active.Count; k++) w.Line($"    {h}[{active[k]}] = t{i}[{k}];");
                }
            }
            foreach (int j in l.ConstantNeurons)
            {
                w.Line($"    {h}[{j}] = backend.Constant({CodeWriter.Literal(l.Neurons[j].ConstantOutput)});");
            }
            current = h;
        }
        w.Line("}");
        w.Line();
    }

    private static void WritePredict(CodeWriter w, CircuitPlan plan)
    {
        string inputs = plan.Inputs <= MaxStackBuffer ? $"stackalloc long[{plan.Inputs}]" : $"new long[{plan.Inputs}]";
        string outputs = plan.Outputs <= MaxStackBuffer ? $"stackalloc long[{plan.Outputs}]" : $"new long[{plan.Outputs}]";
        w.Line("/// <summary>Quantizes <paramref name=\"features\"/>, runs the circuit in the clear with exact integer semantics, and dequantizes.</summary>");
        w.Line(GeneratedCode);
        w.Open("public static float[] Predict(global::System.ReadOnlySpan<float> features)");
        w.Line($"var result = new float[{plan.Outputs}];");
        w.Line("Predict(features, result);");
        w.Line("return result;");
        w.Close();
        w.Line();
        w.Line("/// <summary>Allocation-free <see cref=\"Predict(global::System.ReadOnlySpan{float})\"/>.</summary>");
        w.Line(GeneratedCode);
        w.Open("public static void Predict(global::System.ReadOnlySpan<float> features, global::System.Span<float> outputs)");
        w.Line($"global::System.Span<long> q = {inputs};");
        w.Line("Io.QuantizeInputs(features, q);");
        w.Line($"global::System.Span<long> acc = {outputs};");
        w.Line($"Run<{Rt}.Backends.ClearBackend, long>(default, q, acc);");
        w.Line("Io.DequantizeOutputs(acc, outputs);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The unquantized float model (the accuracy reference).</summary>");
        w.Line(GeneratedCode);
        w.Line($"public static float[] PredictFloat(global::System.ReadOnlySpan<float> features) => (__FheGen_float ??= new {Rt}.Circuits.FloatReference(Spec)).Predict(features);");
        w.Line();
    }

    private readonly struct Chunk
    {
        public Chunk(int index, int firstActive, int firstTerm, int lastActive, int endTerm)
        {
            Index = index;
            FirstActive = firstActive;
            FirstTerm = firstTerm;
            LastActive = lastActive;
            EndTerm = endTerm;
        }

        public int Index { get; }
        public int FirstActive { get; }
        public int FirstTerm { get; }
        public int LastActive { get; }
        public int EndTerm { get; }
    }

    /// <summary>Splits a layer's statements into chunks; a neuron may straddle chunks (its partial sum is carried in the buffer).</summary>
    private static List<Chunk> Chunks(LayerPlan l)
    {
        var active = l.ActiveNeurons;
        var chunks = new List<Chunk>();
        int startK = 0, startTerm = 0, budget = MaxStatementsPerMethod;
        for (int k = 0; k < active.Count; k++)
        {
            var n = l.Neurons[active[k]];
            int term = k == startK ? startTerm : 0;
            int cost = 1 + (n.Weights.Count - term);
            if (cost > budget && budget < 2 && k > startK)
            {
                // No room left for this neuron's opening statement and one term: end the chunk after the previous
                // neuron, so no chunk opens a neuron without adding to it (which would start it twice).
                chunks.Add(new Chunk(chunks.Count, startK, startTerm, k - 1, l.Neurons[active[k - 1]].Weights.Count));
                startK = k;
                startTerm = 0;
                budget = MaxStatementsPerMethod;
            }
            while (cost > budget)
            {
                // Close the chunk inside this neuron.
                int take = Math.Max(0, budget - 1);
                chunks.Add(new Chunk(chunks.Count, startK, startTerm, k, term + take));
                term += take;
                startK = k;
                startTerm = term;
                budget = MaxStatementsPerMethod;
                cost = 1 + (n.Weights.Count - term);
            }
            budget -= cost;
        }
        if (active.Count > 0) chunks.Add(new Chunk(chunks.Count, startK, startTerm, active.Count - 1, l.Neurons[active[active.Count - 1]].Weights.Count));
        return chunks;
    }

    private static void WriteLayerChunks(CodeWriter w, LayerPlan l)
    {
        var active = l.ActiveNeurons;
        foreach (var c in Chunks(l))
        {
            w.Line($"private static void __FheGen_L{l.Index}_{c.Index}<TBackend, TValue>(ref TBackend backend, global::System.ReadOnlySpan<TValue> x, global::System.Span<TValue> acc)");
            w.Line($"    where TBackend : {Backend}");
            w.Line("{");
            w.Line("    TValue a;");
            for (int k = c.FirstActive; k <= c.LastActive; k++)
            {
                var n = l.Neurons[active[k]];
                int from = k == c.FirstActive ? c.FirstTerm : 0;
                int to = k == c.LastActive ? c.EndTerm : n.Weights.Count;
                string slot = l.IsOutput ? CodeWriter.Int(active[k]) : CodeWriter.Int(k);
                w.Line(from == 0 ? $"    a = backend.Constant({CodeWriter.Literal(n.Bias)});" : $"    a = acc[{slot}];");
                for (int e = from; e < to; e++)
                {
                    w.Indent();
                    w.Raw.Append("    backend.MultiplyAdd(ref a, in x[").Append(n.InputIndices[e].ToString(CultureInfo.InvariantCulture))
                        .Append("], ").Append(n.Weights[e].ToString(CultureInfo.InvariantCulture)).Append("L);\n");
                }
                w.Line($"    acc[{slot}] = a;");
            }
            w.Line("}");
            w.Line();
        }
    }

    /// <summary>How a packed layer stores its terms: dense rows or (index, weight) pairs, whichever is smaller.</summary>
    private readonly struct Packing
    {
        public Packing(LayerPlan l)
        {
            var active = l.ActiveNeurons;
            long maxWeight = 0;
            foreach (int j in active)
            {
                foreach (long v in l.Neurons[j].Weights) maxWeight = Math.Max(maxWeight, Math.Abs(v));
            }
            WeightType = maxWeight <= sbyte.MaxValue ? "sbyte" : "short";
            IndexType = l.Inputs <= ushort.MaxValue + 1 ? "ushort" : "int";
            int weightBytes = WeightType == "sbyte" ? 1 : 2, indexBytes = IndexType == "ushort" ? 2 : 4;
            long dense = (long)active.Count * l.Inputs * weightBytes;
            long sparse = (long)l.ActiveWeights * (weightBytes + indexBytes) + 4L * active.Count;
            IsDense = dense <= sparse;
        }

        public string WeightType { get; }
        public string IndexType { get; }
        public bool IsDense { get; }
    }

    private static string PackedCall(LayerPlan l, string x, string acc)
    {
        var p = new Packing(l);
        string prefix = $"__FheGen_L{l.Index}";
        return p.IsDense
            ? $"{Rt}.Circuits.PackedCircuit.Dense<TBackend, TValue, {p.WeightType}>(ref backend, {x}, {acc}, {prefix}_bias, {prefix}_weights)"
            : $"{Rt}.Circuits.PackedCircuit.Sparse<TBackend, TValue, {p.WeightType}, {p.IndexType}>(ref backend, {x}, {acc}, {prefix}_bias, {prefix}_ends, {prefix}_indices, {prefix}_weights)";
    }

    /// <summary>A packed layer's data: per non-constant neuron (every neuron of the output layer) its bias and terms.</summary>
    private static void WriteLayerData(CodeWriter w, LayerPlan l, CancellationToken ct)
    {
        var active = l.ActiveNeurons;
        var p = new Packing(l);
        string prefix = $"__FheGen_L{l.Index}";
        WriteData(w, prefix + "_bias", "long", active.Count, k => l.Neurons[active[(int)k]].Bias);
        if (p.IsDense)
        {
            int n = l.Inputs;
            var row = new long[n];
            int loaded = -1;
            WriteData(w, prefix + "_weights", p.WeightType, (long)active.Count * n, e =>
            {
                int k = (int)(e / n);
                if (k != loaded)
                {
                    if ((k & 255) == 0) ct.ThrowIfCancellationRequested();
                    Array.Clear(row, 0, n);
                    var neuron = l.Neurons[active[k]];
                    for (int t = 0; t < neuron.Weights.Count; t++) row[neuron.InputIndices[t]] = neuron.Weights[t];
                    loaded = k;
                }
                return row[e % n];
            });
            return;
        }
        var ends = new int[active.Count];
        var terms = new List<(int Index, long Weight)>(l.ActiveWeights);
        for (int k = 0; k < active.Count; k++)
        {
            var neuron = l.Neurons[active[k]];
            for (int t = 0; t < neuron.Weights.Count; t++) terms.Add((neuron.InputIndices[t], neuron.Weights[t]));
            ends[k] = terms.Count;
        }
        WriteData(w, prefix + "_ends", "int", ends.Length, k => ends[(int)k]);
        WriteData(w, prefix + "_indices", p.IndexType, terms.Count, e => terms[(int)e].Index);
        WriteData(w, prefix + "_weights", p.WeightType, terms.Count, e => terms[(int)e].Weight);
    }

    /// <summary>
    /// <c>static ReadOnlySpan&lt;T&gt; name =&gt; new T[] { ... };</c>: the C# compiler stores the literal as raw data in
    /// the assembly and the property allocates nothing (for multi-byte types through <c>RuntimeHelpers.CreateSpan</c>).
    /// </summary>
    private static void WriteData(CodeWriter w, string name, string type, long count, Func<long, long> value)
    {
        w.Line($"private static global::System.ReadOnlySpan<{type}> {name} => new {type}[]");
        w.Line("{");
        for (long e = 0; e < count; e++)
        {
            if (e % ValuesPerLine == 0)
            {
                if (e > 0) w.Raw.Append('\n');
                w.Indent();
                w.Raw.Append("    ");
            }
            w.Raw.Append(value(e).ToString(CultureInfo.InvariantCulture)).Append(',');
        }
        if (count > 0) w.Raw.Append('\n');
        w.Line("};");
        w.Line();
    }

    private static void WriteBuffers(CodeWriter w, CircuitPlan plan)
    {
        var sizes = new SortedSet<int>();
        foreach (var l in plan.Layers)
        {
            if (l.IsOutput) continue;
            int active = l.ActiveNeurons.Count;
            foreach (int s in new[] { active, l.Outputs })
            {
                if (s > 0 && s <= MaxStackBuffer) sizes.Add(s);
            }
        }
        foreach (int s in sizes)
        {
            w.Line($"[global::System.Runtime.CompilerServices.InlineArray({s})]");
            w.Line($"private struct __FheGen_Buffer{s}<T> {{ private T _element0; }}");
            w.Line();
        }
    }
}
