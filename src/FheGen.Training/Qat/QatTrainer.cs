using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading;
using FheGen.Circuits;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;

namespace FheGen.Training.Qat;

/// <summary>
/// Quantization-aware fine-tuning: the forward pass is the integer circuit itself, compiled from the current float
/// weights by the compiler core (<see cref="CircuitCompiler"/>) and run by <see cref="PlanInterpreter"/>, so training
/// sees exactly the weight and activation bits, scales, pruning masks, rounding and lookup tables the generator will
/// emit; the backward pass is the straight-through estimator.
/// </summary>
/// <remarks>
/// <para>
/// Backward (straight-through): each quantizer is treated as the identity, except that an activation whose output
/// falls outside the layer's activation range gets no gradient (the table clamps it). With <c>z = s * acc</c> the real
/// pre-activation of a neuron (<c>s</c> its accumulator scale), the loss gradient reaches the float weight <c>w_ji</c>
/// as <c>dL/dz_j * x_i</c>, with <c>x_i</c> the dequantized integer input the circuit actually read, and flows back to
/// the inputs through the dequantized integer weights.
/// </para>
/// <para>
/// Per batch the circuit is recompiled from the weights, the activation ranges move by an exponential moving average
/// of each batch's observed range (frozen for the last epochs), and unstructured pruning tightens along a cubic
/// schedule to the spec's <c>MaxActiveInputs</c>; pruned weights are set to zero with their Adam moments, so a
/// written model satisfies <c>[Prune]</c> by construction. Single-threaded and seeded: the same inputs give the same
/// weights.
/// </para>
/// </remarks>
public static class QatTrainer
{
    /// <summary>Fine-tunes the weights of <paramref name="spec"/> for the circuit its settings describe.</summary>
    /// <param name="spec">The model as declared, with the starting weights (see <see cref="TrainedModelSpec.WithWeights"/>).</param>
    /// <param name="train">Training rows with raw features, as clients send them.</param>
    /// <param name="options">Hyper-parameters; defaults when null.</param>
    /// <param name="validation">When given, evaluated after every epoch once pruning has reached its target; the best epoch is kept.</param>
    /// <param name="cancellationToken">Checked between mini-batches.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the data does not fit the spec.</exception>
    /// <exception cref="CircuitCompilationException">The spec does not compile.</exception>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite.</exception>
    public static QatResult FineTune(ModelSpec spec, Dataset train, QatOptions? options = null, Dataset? validation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new QatOptions();
        options.Validate();
        CheckData(spec, train, nameof(train));
        if (validation is not null) CheckData(spec, validation, nameof(validation));
        var start = TrainedModelSpec.ToTrainedMlp(spec);
        // Fails early, with the compiler's own errors, on a spec that cannot be compiled at all.
        CircuitCompiler.Compile(spec, CompileOptions.Generator).PlanOrThrow();
        var run = new Run(spec, start, train, options, validation);
        return run.Execute(cancellationToken);
    }

    private static void CheckData(ModelSpec spec, Dataset data, string name)
    {
        if (data.Features != spec.Inputs) throw new ArgumentException($"'{spec.Name}' takes {spec.Inputs} features but the data set has {data.Features}.", name);
        if (data.Count == 0) throw new ArgumentException("The data set is empty.", name);
        int outputs = spec.Layers[spec.Layers.Count - 1].Outputs;
        if (data.Classes > outputs) throw new ArgumentException($"The data set has {data.Classes} classes but '{spec.Name}' has {outputs} outputs.", name);
    }

    /// <summary>The settings one trained model records: the inputs, then each layer as <paramref name="spec"/> resolves it.</summary>
    public static IReadOnlyList<TrainedSetting> SettingsOf(ModelSpec spec, bool trainedWithRounding = true)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var settings = new List<TrainedSetting>
        {
            new TrainedSetting(null) { InputBits = spec.InputBits, InputMin = spec.InputMin, InputMax = spec.InputMax },
        };
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var s = LayerSettings.Resolve(spec, l);
            bool isOutput = l == spec.Layers.Count - 1;
            int roundBits = trainedWithRounding ? s.RoundBits ?? 0 : 0;
            settings.Add(new TrainedSetting(spec.Layers[l].Name)
            {
                WeightBits = s.WeightBits,
                ActivationBits = isOutput ? null : s.ActivationBits,
                PerChannel = s.PerChannel,
                MaxActiveInputs = TrainingCheck.ActiveInputs(spec, l, s.MaxActiveInputs),
                RoundBits = isOutput ? null : roundBits,
                RoundMethod = isOutput || roundBits == 0 ? null : s.RoundMethod,
            });
        }
        return settings;
    }

    /// <summary>
    /// The cubic pruning schedule of Zhu and Gupta (2017): at step <paramref name="step"/> of a ramp of
    /// <paramref name="rampSteps"/>, <c>k = target + (fanIn - target) (1 - step / rampSteps)^3</c>, rounded up; the target
    /// from the end of the ramp on. Null when the layer is not pruned.
    /// </summary>
    public static int? ActiveInputsAt(long step, long rampSteps, int fanIn, int? target)
    {
        if (target is not int k || k >= fanIn) return null;
        if (step >= rampSteps) return k;
        double remaining = 1 - ((double)step / rampSteps);
        return Math.Min(fanIn, k + (int)Math.Ceiling((fanIn - k) * remaining * remaining * remaining));
    }

    /// <summary>The state of one fine-tuning run.</summary>
    private sealed class Run
    {
        private readonly ModelSpec _spec;
        private readonly Dataset _train;
        private readonly Dataset? _validation;
        private readonly QatOptions _options;
        private readonly int _layers;
        private readonly int[] _sizes;
        private readonly int?[] _targets;
        private readonly float[][] _w, _b, _gw, _gb, _wDequantized;

        // The first layer is trained as u = w * sigma (sigma: the power of two at or above the largest input), so Adam's
        // steps are those it would take on inputs scaled into [-1, 1], as MlpTrainer trains: Adam is invariant to the
        // scale of a gradient, not of a parameter, and raw inputs (pixels in 0..255) make first-layer weights tiny
        // next to its steps.
        private float[]? _sigma, _u0, _u0Before;
        private readonly AdamMoments[] _mw, _mb;
        private readonly bool[][] _keep;
        private readonly float[] _scratch;

        // The output layer's pre-activations and logits, reused by every row.
        private readonly float[] _logitZ, _logits;
        private readonly (double Min, double Max)[] _ranges;
        private readonly long _rampSteps;

        public Run(ModelSpec spec, TrainedMlp start, Dataset train, QatOptions options, Dataset? validation)
        {
            _spec = spec;
            _train = train;
            _options = options;
            _validation = validation;
            _layers = spec.Layers.Count;
            _sizes = new int[_layers + 1];
            _sizes[0] = spec.Inputs;
            _targets = new int?[_layers];
            _w = new float[_layers][];
            _b = new float[_layers][];
            _gw = new float[_layers][];
            _gb = new float[_layers][];
            _wDequantized = new float[_layers][];
            _mw = new AdamMoments[_layers];
            _mb = new AdamMoments[_layers];
            _keep = new bool[_layers][];
            int largest = 0;
            for (int l = 0; l < _layers; l++)
            {
                var layer = start.Layers[l];
                _sizes[l + 1] = layer.Outputs;
                _w[l] = (float[])layer.Weights.Clone();
                _b[l] = (float[])layer.Bias.Clone();
                _gw[l] = new float[_w[l].Length];
                _gb[l] = new float[_b[l].Length];
                _wDequantized[l] = new float[_w[l].Length];
                _mw[l] = new AdamMoments(_w[l].Length);
                _mb[l] = new AdamMoments(_b[l].Length);
                largest = Math.Max(largest, _w[l].Length);
                _targets[l] = LayerSettings.Resolve(spec, l).MaxActiveInputs;
            }
            _scratch = new float[largest];
            _logitZ = new float[_sizes[_layers]];
            _logits = new float[_sizes[_layers]];
            _ranges = InitialRanges(spec, start, train, options).ToArray();
            long batchesPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
            // Without pruning there is no ramp to wait for: validation selects among all epochs.
            bool prunes = Enumerable.Range(0, _layers).Any(l => ActiveInputsAt(0, 1, _sizes[l], _targets[l]) is not null);
            _rampSteps = prunes ? (long)Math.Round(options.PruningRampFraction * batchesPerEpoch * options.Epochs) : 0;
        }

        private static IReadOnlyList<(double Min, double Max)> InitialRanges(ModelSpec spec, TrainedMlp start, Dataset train, QatOptions options)
        {
            // Declared ranges (a model being re-tuned) are the starting point; otherwise the float model's, measured.
            var declared = new (double Min, double Max)[spec.Layers.Count - 1];
            int found = 0;
            for (int l = 0; l < declared.Length; l++)
            {
                var s = LayerSettings.Resolve(spec, l);
                if (s.OutputMin is double lo && s.OutputMax is double hi && hi > lo)
                {
                    declared[l] = (lo, hi);
                    found++;
                }
            }
            if (found == declared.Length) return declared;
            var measured = ActivationCalibrator.Calibrate(start, train, options.RangePercentile);
            return measured.Select(r => r.Max > r.Min ? r : (r.Min, r.Min + 1)).ToArray();
        }

        public QatResult Execute(CancellationToken cancellationToken)
        {
            int n = _train.Count, batch = _options.BatchSize;
            long batchesPerEpoch = (n + batch - 1) / batch;
            long totalSteps = batchesPerEpoch * _options.Epochs;
            long rampSteps = _rampSteps;
            int freezeEpoch = Math.Max(1, (int)Math.Ceiling(_options.FreezeRangesAfter * _options.Epochs));
            var random = new Random(_options.Seed);
            var order = Enumerable.Range(0, n).ToArray();

            // Inputs are quantized once: the input quantizer depends on the spec, not on the weights.
            var firstPlan = Compile(ActiveInputs(0), _options.TrainWithRounding);
            var io = CircuitIo.FromPlan(firstPlan);
            var quantized = new long[n][];
            var real = new float[n][];
            for (int i = 0; i < n; i++)
            {
                quantized[i] = new long[_spec.Inputs];
                io.QuantizeInputs(_train.Row(i), quantized[i]);
                real[i] = new float[_spec.Inputs];
                for (int c = 0; c < _spec.Inputs; c++) real[i][c] = (float)firstPlan.InputQuantizer(c).Dequantize(quantized[i][c]);
            }

            InitializeFirstLayerScale(real);

            var acc = new long[_layers][];
            var outs = new long[_layers][];
            var z = new float[_layers][];
            var a = new float[_layers][];
            var f = new float[_layers][];
            var gate = new float[_layers][];
            var delta = new float[_layers][];
            for (int l = 0; l < _layers; l++)
            {
                acc[l] = new long[_sizes[l + 1]];
                outs[l] = new long[_sizes[l + 1]];
                z[l] = new float[_sizes[l + 1]];
                a[l] = new float[_sizes[l + 1]];
                f[l] = new float[_sizes[l + 1]];
                gate[l] = new float[_sizes[l + 1]];
                delta[l] = new float[_sizes[l + 1]];
            }
            var observed = new float[_layers][];
            for (int l = 0; l < _layers - 1; l++) observed[l] = new float[batch * _sizes[l + 1]];

            var history = new List<QatEpoch>();
            int selected = _options.Epochs;
            double bestValidation = double.NegativeInfinity;
            (float[][] W, float[][] B, (double, double)[] Ranges)? best = null;
            long step = 0;
            for (int epoch = 1; epoch <= _options.Epochs; epoch++)
            {
                for (int i = n - 1; i > 0; i--)
                {
                    int j = random.Next(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
                double lossSum = 0;
                int correct = 0;
                for (int first = 0; first < n; first += batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int end = Math.Min(n, first + batch);
                    var k = ActiveInputs(step);
                    ApplyMasks(k);
                    var plan = Compile(k, _options.TrainWithRounding);
                    var interpreter = new PlanInterpreter(plan);
                    PrepareDequantizedWeights(plan);
                    for (int l = 0; l < _layers; l++)
                    {
                        Array.Clear(_gw[l]);
                        Array.Clear(_gb[l]);
                    }
                    for (int r = first; r < end; r++)
                    {
                        int row = order[r];
                        interpreter.RunClearTraced(quantized[row], acc, outs);
                        Activations(plan, acc, outs, z, f, a, gate);
                        // The unclamped activations, so a range can grow past its current top.
                        for (int l = 0; l < _layers - 1; l++) f[l].CopyTo(observed[l], (r - first) * _sizes[l + 1]);
                        lossSum += OutputDelta(plan, acc[_layers - 1], _train.Y[row], delta[_layers - 1], ref correct);
                        Backward(real[row], a, gate, delta);
                    }
                    if (!double.IsFinite(lossSum))
                    {
                        throw new InvalidOperationException($"Quantization-aware training diverged at epoch {epoch}: the loss is {lossSum}. Lower the learning rate.");
                    }
                    if (epoch <= freezeEpoch) UpdateRanges(observed, end - first);
                    step++;
                    Update(step, totalSteps, 1f / (end - first));
                }

                var kEnd = ActiveInputs(step);
                double? validationAccuracy = null;
                if (_validation is not null && step >= rampSteps)
                {
                    validationAccuracy = CircuitAccuracy.Clear(Compile(kEnd, rounding: true), _validation);
                    if (validationAccuracy > bestValidation)
                    {
                        bestValidation = validationAccuracy.Value;
                        selected = epoch;
                        best = (_w.Select(x => (float[])x.Clone()).ToArray(), _b.Select(x => (float[])x.Clone()).ToArray(), ((double, double)[])_ranges.Clone());
                    }
                }
                var report = new QatEpoch(epoch, _options.Epochs, lossSum / n, (double)correct / n, validationAccuracy, kEnd, _ranges.ToArray());
                history.Add(report);
                _options.Progress?.Invoke(report);
            }

            if (best is { } b)
            {
                for (int l = 0; l < _layers; l++)
                {
                    b.W[l].CopyTo(_w[l], 0);
                    b.B[l].CopyTo(_b[l], 0);
                }
                b.Ranges.CopyTo(_ranges, 0);
            }
            // The written model: the final masks applied, so its zeros are exact and [Prune] keeps just those weights.
            ApplyMasks(ActiveInputs(rampSteps));
            var model = new TrainedMlp(Enumerable.Range(0, _layers).Select(l => new TrainedLayer(_sizes[l], _sizes[l + 1],
                (float[])_w[l].Clone(), (float[])_b[l].Clone(), _spec.Layers[l].Activation.ToActivation())).ToArray());
            var ranges = _ranges.ToArray();
            var settings = SettingsOf(_spec, _options.TrainWithRounding);
            var spec = TrainedModelSpec.WithWeights(_spec, model, ranges) with { Trained = new EquatableArray<TrainedSetting>(settings.ToArray()) };
            return new QatResult(model, ranges, spec, settings, history, selected);
        }

        /// <summary>Per layer, the pruning at step <paramref name="step"/> of the ramp.</summary>
        private int?[] ActiveInputs(long step)
        {
            var k = new int?[_layers];
            for (int l = 0; l < _layers; l++) k[l] = ActiveInputsAt(step, _rampSteps, _sizes[l], _targets[l]);
            return k;
        }

        /// <summary>The spec under training: current weights and ranges, the given pruning, rounding as declared or none.</summary>
        private ModelSpec Current(int?[] activeInputs, bool rounding)
        {
            var layers = new LayerSpec[_layers];
            for (int l = 0; l < _layers; l++)
            {
                layers[l] = _spec.Layers[l] with
                {
                    Weights = new EquatableArray<float>(_w[l]),
                    Bias = new EquatableArray<float>(_b[l]),
                };
            }
            // Each pruned layer gets a per-layer setting in place of its declared one; model-wide defaults stay.
            var pruned = new HashSet<string>(Enumerable.Range(0, _layers).Where(l => _targets[l] is not null).Select(l => _spec.Layers[l].Name));
            var prune = _spec.Prune.Where(p => p.Layer is null || !pruned.Contains(p.Layer)).Concat(Enumerable.Range(0, _layers)
                .Where(l => _targets[l] is not null)
                .Select(l => new PruneSetting(_spec.Layers[l].Name, activeInputs[l] ?? _sizes[l]))).ToArray();
            var spec = _spec with
            {
                Layers = new EquatableArray<LayerSpec>(layers),
                Prune = new EquatableArray<PruneSetting>(prune),
                Round = rounding ? _spec.Round : EquatableArray<RoundSetting>.Empty,
            };
            return TrainedModelSpec.WithRanges(spec, _ranges);
        }

        private CircuitPlan Compile(int?[] activeInputs, bool rounding)
            => CircuitCompiler.Compile(Current(activeInputs, rounding), CompileOptions.Generator).PlanOrThrow();

        private void InitializeFirstLayerScale(float[][] inputs)
        {
            // One power of two for every input, as MlpTrainer's default normalization: per-input scales would
            // distort the relative step sizes that per-tensor quantization depends on, and give near-constant
            // inputs huge steps; a power of two makes u = w * sigma and back exact.
            float largest = 0;
            foreach (var row in inputs) largest = Math.Max(largest, TensorPrimitives.MaxMagnitude<float>(row) is var m && float.IsFinite(m) ? Math.Abs(m) : 0);
            float sigma = largest > 0 ? MathF.Pow(2, MathF.Ceiling(MathF.Log2(largest))) : 1f;
            _sigma = new float[_w[0].Length];
            Array.Fill(_sigma, sigma);
            _u0 = new float[_w[0].Length];
            _u0Before = new float[_w[0].Length];
            TensorPrimitives.Multiply(_w[0], _sigma, _u0);
        }

        /// <summary>Zeroes the weights (and their Adam moments) that pruning at <paramref name="activeInputs"/> removes.</summary>
        private void ApplyMasks(int?[] activeInputs)
        {
            for (int l = 0; l < _layers; l++)
            {
                _keep[l] = LayerCompiler.Prune(_w[l], _sizes[l + 1], _sizes[l], activeInputs[l]);
                var keep = _keep[l];
                var w = _w[l];
                for (int i = 0; i < w.Length; i++)
                {
                    if (keep[i]) continue;
                    w[i] = 0;
                    if (l == 0 && _u0 is not null) _u0[i] = 0;
                    _mw[l].M[i] = 0;
                    _mw[l].V[i] = 0;
                }
            }
        }

        /// <summary>The integer weights the circuit uses, dequantized: what the backward pass propagates through.</summary>
        private void PrepareDequantizedWeights(CircuitPlan plan)
        {
            for (int l = 0; l < _layers; l++)
            {
                var layer = plan.Layers[l];
                var wq = _wDequantized[l];
                Array.Clear(wq);
                int inputs = _sizes[l];
                for (int j = 0; j < layer.Outputs; j++)
                {
                    var neuron = layer.Neurons[j];
                    float scale = (float)layer.WeightScales[j];
                    for (int e = 0; e < neuron.Weights.Count; e++) wq[(j * inputs) + neuron.InputIndices[e]] = neuron.Weights[e] * scale;
                }
            }
        }

        /// <summary>
        /// Real pre-activations <c>z = s * acc</c>, dequantized outputs and the straight-through gates: the activation's
        /// derivative where its value lies within the output quantizer's range, 0 where the table clamps it.
        /// </summary>
        private void Activations(CircuitPlan plan, long[][] acc, long[][] outs, float[][] z, float[][] f, float[][] a, float[][] gate)
        {
            for (int l = 0; l < _layers - 1; l++)
            {
                var layer = plan.Layers[l];
                var output = layer.Output!;
                double lo = output.Offset, hi = output.Max;
                for (int j = 0; j < layer.Outputs; j++)
                {
                    double zj = layer.AccumulatorScale(j) * acc[l][j];
                    double fj = FheGen.Compiler.Model.Activations.Apply(layer.Activation, zj);
                    z[l][j] = (float)zj;
                    f[l][j] = (float)fj;
                    a[l][j] = (float)output.Dequantize(outs[l][j]);
                    gate[l][j] = fj < lo || fj > hi ? 0f : 1f;
                }
                // Times the activation's own derivative at z (ReLU: 0 below zero), as the float trainer computes it.
                ActivationMath.MultiplyByDerivative(layer.Activation.ToActivation(), z[l], f[l], gate[l]);
            }
        }

        /// <summary>Softmax cross-entropy on the dequantized outputs; writes <c>dL/dz</c> of the last layer.</summary>
        private double OutputDelta(CircuitPlan plan, long[] accumulators, int label, float[] delta, ref int correct)
        {
            var layer = plan.Layers[_layers - 1];
            var logits = _logits;
            var z = _logitZ;
            for (int j = 0; j < logits.Length; j++)
            {
                z[j] = (float)(layer.AccumulatorScale(j) * accumulators[j]);
                logits[j] = (float)FheGen.Compiler.Model.Activations.Apply(layer.Activation, z[j]);
            }
            if (CircuitAccuracy.ArgMax(logits) == label) correct++;
            float max = TensorPrimitives.Max<float>(logits);
            TensorPrimitives.Subtract(logits, max, delta);
            TensorPrimitives.Exp(delta, delta);
            float sum = TensorPrimitives.Sum<float>(delta);
            TensorPrimitives.Divide(delta, sum, delta);
            delta[label] -= 1;
            ActivationMath.MultiplyByDerivative(layer.Activation.ToActivation(), z, logits, delta);
            return Math.Log(sum) - (logits[label] - max);
        }

        private void Backward(float[] input, float[][] a, float[][] gate, float[][] delta)
        {
            for (int l = _layers - 1; l >= 0; l--)
            {
                int inputs = _sizes[l], outputs = _sizes[l + 1];
                ReadOnlySpan<float> x = l == 0 ? input : a[l - 1];
                var d = delta[l];
                TensorPrimitives.Add(_gb[l], d, _gb[l]);
                var gw = _gw[l];
                for (int j = 0; j < outputs; j++)
                {
                    if (d[j] == 0) continue;
                    var row = gw.AsSpan(j * inputs, inputs);
                    TensorPrimitives.MultiplyAdd(x, d[j], row, row);
                }
                if (l == 0) break;
                var previous = delta[l - 1];
                Array.Clear(previous);
                var wq = _wDequantized[l];
                for (int j = 0; j < outputs; j++)
                {
                    if (d[j] == 0) continue;
                    TensorPrimitives.MultiplyAdd(wq.AsSpan(j * inputs, inputs), d[j], previous, previous);
                }
                TensorPrimitives.Multiply(previous, gate[l - 1], previous);
            }
        }

        /// <summary>Moves each hidden layer's range towards the batch's observed one (minimum, percentile top).</summary>
        private void UpdateRanges(float[][] observed, int rows)
        {
            double m = _options.RangeMomentum;
            for (int l = 0; l < _layers - 1; l++)
            {
                var values = observed[l].AsSpan(0, rows * _sizes[l + 1]).ToArray();
                Array.Sort(values);
                double span = values.Length - 1;
                double lo = values[0];
                double hi = ActivationCalibrator.AtRank(values, _options.RangePercentile * span / 100);
                if (!(hi > lo)) continue;
                var (min, max) = _ranges[l];
                _ranges[l] = ((m * min) + ((1 - m) * lo), (m * max) + ((1 - m) * hi));
            }
        }

        private void Update(long step, long totalSteps, float inverseBatch)
        {
            // Cosine decay from the initial rate to FinalLearningRateFactor of it.
            double progress = (double)(step - 1) / Math.Max(1, totalSteps - 1);
            double factor = _options.FinalLearningRateFactor + ((1 - _options.FinalLearningRateFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
            var adam = AdamStep.At(step, _options.LearningRate * factor, _options.Beta1, _options.Beta2, _options.Epsilon, inverseBatch);
            float l2 = (float)_options.L2;
            for (int l = 0; l < _layers; l++)
            {
                var keep = _keep[l];
                var gw = _gw[l];
                for (int i = 0; i < gw.Length; i++)
                {
                    if (!keep[i]) gw[i] = 0;
                }
                if (l == 0 && _u0 is not null)
                {
                    // dL/du = dL/dw / sigma; then w moves by (u' - u) / sigma (not w = u' / sigma, which would
                    // round every weight on every step even where u did not change).
                    TensorPrimitives.Divide(gw, _sigma!, gw);
                    _u0.CopyTo(_u0Before!, 0);
                    adam.Apply(_u0, gw, _mw[l].M, _mw[l].V, l2, _scratch);
                    TensorPrimitives.Subtract(_u0, _u0Before!, _u0Before);
                    TensorPrimitives.Divide(_u0Before!, _sigma!, _u0Before);
                    TensorPrimitives.Add(_w[l], _u0Before!, _w[l]);
                }
                else
                {
                    adam.Apply(_w[l], gw, _mw[l].M, _mw[l].V, l2, _scratch);
                }
                adam.Apply(_b[l], _gb[l], _mb[l].M, _mb[l].V, 0, _scratch);
            }
            // No re-masking here: a masked weight has zero gradient and zero moments, so Adam leaves it at zero,
            // and the next batch's ApplyMasks prunes the updated weights.
        }
    }
}
