using System;
using System.Numerics.Tensors;
using System.Threading;

namespace FheGen.Training;

/// <summary>
/// Trains a float MLP classifier with softmax cross-entropy and mini-batch Adam: small, single-threaded
/// and deterministic, meant to produce the constant weights of an FHE model.
/// </summary>
/// <remarks>
/// <para>
/// Determinism: one <see cref="Random"/> seeded with <see cref="MlpTrainerOptions.Seed"/> draws the
/// initial weights (He uniform <c>±sqrt(6 / fanIn)</c> for ReLU-like layers, Glorot uniform
/// <c>±sqrt(6 / (fanIn + fanOut))</c> otherwise, zero biases) and then the Fisher-Yates shuffle of every
/// epoch. All arithmetic is float, in a fixed order, on one thread, so the same data and options give
/// bit-identical weights on a given machine and runtime. The matrix products are written as element-wise
/// <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
/// accumulations (no horizontal sums), so they do not depend on the SIMD width either; the vectorized
/// exponential of the softmax and of sigmoid/tanh may still differ in the last bit across CPUs.
/// </para>
/// <para>
/// Inputs: the network trains on features rescaled as <see cref="MlpTrainerOptions.Normalization"/> says,
/// and the rescaling is folded into the first layer afterwards, so the returned model acts on raw
/// features (FHE clients quantize raw inputs). With the default power-of-two scale the fold is exact.
/// </para>
/// </remarks>
public static class MlpTrainer
{
    /// <summary>Trains a model on <paramref name="train"/>.</summary>
    /// <param name="train">Training rows; at least one row and two classes.</param>
    /// <param name="options">Hyper-parameters; validated first.</param>
    /// <param name="cancellationToken">Checked between mini-batches.</param>
    /// <returns>The trained model: hidden layers with <see cref="MlpTrainerOptions.HiddenActivation"/>, then an identity output layer of <see cref="Dataset.Classes"/> logits.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or the data set is empty or has fewer than two classes.</exception>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite (lower the learning rate).</exception>
    public static TrainedMlp Train(Dataset train, MlpTrainerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty.", nameof(train));
        }

        if (train.Classes < 2)
        {
            throw new ArgumentException($"A classifier needs at least two classes; the training set has {train.Classes}.", nameof(train));
        }

        var sizes = new int[options.HiddenSizes.Length + 2];
        sizes[0] = train.Features;
        options.HiddenSizes.CopyTo(sizes, 1);
        sizes[^1] = train.Classes;

        var (scale, shift) = ComputeNormalization(train, options.Normalization);
        float[] xs = Normalize(train, scale, shift);

        var state = new State(sizes, options, scale);
        state.Run(xs, train.Y, cancellationToken);
        return state.ToModel(scale, shift);
    }

    /// <summary>
    /// Per-feature <c>scale</c> and <c>shift</c> such that the network sees <c>(x - shift) * scale</c>.
    /// Constant features get scale 0 and their constant as shift, so they read as exactly +0.
    /// </summary>
    private static (float[] Scale, float[] Shift) ComputeNormalization(Dataset data, InputNormalization mode)
    {
        int n = data.Count, f = data.Features;
        var scale = new float[f];
        var shift = new float[f];
        var constant = new bool[f];
        double maxAbs = 0;
        for (int j = 0; j < f; j++)
        {
            float first = data.X[j];
            bool isConstant = true;
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                float v = data.X[(i * f) + j];
                isConstant &= v == first;
                sum += v;
            }

            constant[j] = isConstant;
            if (isConstant)
            {
                shift[j] = first;
                continue;
            }

            switch (mode)
            {
                case InputNormalization.None:
                    scale[j] = 1;
                    break;
                case InputNormalization.PowerOfTwo:
                    for (int i = 0; i < n; i++)
                    {
                        maxAbs = Math.Max(maxAbs, Math.Abs(data.X[(i * f) + j]));
                    }

                    break;
                case InputNormalization.Standardize:
                    double mean = sum / n, squares = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double d = data.X[(i * f) + j] - mean;
                        squares += d * d;
                    }

                    // Not constant, so the population standard deviation is positive.
                    scale[j] = (float)(1 / Math.Sqrt(squares / n));
                    shift[j] = (float)mean;
                    break;
            }
        }

        if (mode == InputNormalization.PowerOfTwo && maxAbs > 0)
        {
            // The smallest power of two >= maxAbs, so that |x * s| <= 1 and folding s into weights is exact.
            int exponent = Math.ILogB(maxAbs);
            if (Math.ScaleB(1.0, exponent) < maxAbs)
            {
                exponent++;
            }

            float s = (float)Math.ScaleB(1.0, -exponent);
            for (int j = 0; j < f; j++)
            {
                scale[j] = constant[j] ? 0 : s;
            }
        }

        return (scale, shift);
    }

    private static float[] Normalize(Dataset data, float[] scale, float[] shift)
    {
        var xs = new float[data.X.Length];
        int f = data.Features;
        for (int i = 0; i < data.Count; i++)
        {
            Span<float> row = xs.AsSpan(i * f, f);
            TensorPrimitives.Subtract(data.Row(i), shift, row);
            TensorPrimitives.Multiply(row, scale, row);
        }

        return xs;
    }

    /// <summary>Parameters, gradients, Adam moments and scratch buffers of one training run.</summary>
    private sealed class State
    {
        private readonly int[] _sizes;
        private readonly int _layers;
        private readonly Activation[] _activation;
        private readonly MlpTrainerOptions _options;
        private readonly Random _random;

        // Weights are kept input-major ([inputs, outputs]) so the forward pass and the weight gradient are
        // element-wise accumulations over rows, skipping zero inputs (half the digits pixels, all inactive
        // ReLUs). The backward pass needs the output-major copy _w, refreshed after every update.
        private readonly float[][] _wt, _w, _b;
        private readonly float[][] _gwt, _gb;
        private readonly float[][] _mwt, _vwt, _mb, _vb;
        private readonly float[][] _z, _a, _delta;
        private readonly float[] _scratch;

        public State(int[] sizes, MlpTrainerOptions options, float[] inputScale)
        {
            _sizes = sizes;
            _layers = sizes.Length - 1;
            _options = options;
            _random = new Random(options.Seed);
            _activation = new Activation[_layers];
            _wt = new float[_layers][];
            _w = new float[_layers][];
            _b = new float[_layers][];
            _gwt = new float[_layers][];
            _gb = new float[_layers][];
            _mwt = new float[_layers][];
            _vwt = new float[_layers][];
            _mb = new float[_layers][];
            _vb = new float[_layers][];
            _z = new float[_layers][];
            _a = new float[_layers][];
            _delta = new float[_layers][];
            int largest = 0;
            for (int l = 0; l < _layers; l++)
            {
                int inputs = sizes[l], outputs = sizes[l + 1];
                bool isOutput = l == _layers - 1;
                _activation[l] = isOutput ? Activation.Identity : options.HiddenActivation;
                int count = inputs * outputs;
                largest = Math.Max(largest, count);
                _wt[l] = new float[count];
                _w[l] = new float[count];
                _b[l] = new float[outputs];
                _gwt[l] = new float[count];
                _gb[l] = new float[outputs];
                _mwt[l] = new float[count];
                _vwt[l] = new float[count];
                _mb[l] = new float[outputs];
                _vb[l] = new float[outputs];
                _z[l] = new float[outputs];
                _a[l] = new float[outputs];
                _delta[l] = new float[outputs];

                bool reluLike = _activation[l] is Activation.Relu or Activation.LeakyRelu;
                double limit = reluLike ? Math.Sqrt(6.0 / inputs) : Math.Sqrt(6.0 / (inputs + outputs));
                for (int o = 0; o < outputs; o++)
                {
                    for (int i = 0; i < inputs; i++)
                    {
                        float w = (float)(((2 * _random.NextDouble()) - 1) * limit);

                        // Constant features read as 0 and never get a gradient; a zero weight keeps it so.
                        _wt[l][(i * outputs) + o] = l == 0 && inputScale[i] == 0 ? 0 : w;
                    }
                }

                Transpose(_wt[l], _w[l], inputs, outputs);
            }

            _scratch = new float[largest];
        }

        public void Run(float[] xs, int[] labels, CancellationToken cancellationToken)
        {
            int n = labels.Length, features = _sizes[0], batchSize = _options.BatchSize;
            var order = new int[n];
            for (int i = 0; i < n; i++)
            {
                order[i] = i;
            }

            long step = 0;
            for (int epoch = 1; epoch <= _options.Epochs; epoch++)
            {
                for (int i = n - 1; i > 0; i--)
                {
                    int j = _random.Next(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }

                double lossSum = 0;
                int correct = 0;
                for (int start = 0; start < n; start += batchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int end = Math.Min(n, start + batchSize);
                    for (int l = 0; l < _layers; l++)
                    {
                        Array.Clear(_gwt[l]);
                        Array.Clear(_gb[l]);
                    }

                    for (int k = start; k < end; k++)
                    {
                        int row = order[k];
                        ReadOnlySpan<float> x = xs.AsSpan(row * features, features);
                        Forward(x);
                        lossSum += OutputDelta(labels[row], ref correct);
                        Backward(x);
                    }

                    if (!double.IsFinite(lossSum))
                    {
                        throw new InvalidOperationException(
                            $"Training diverged at epoch {epoch}: the loss is {lossSum}. Lower the learning rate.");
                    }

                    Update(++step, 1f / (end - start));
                }

                _options.Progress?.Invoke(epoch, lossSum / n, (double)correct / n);
            }
        }

        public TrainedMlp ToModel(float[] scale, float[] shift)
        {
            var layers = new TrainedLayer[_layers];
            for (int l = 0; l < _layers; l++)
            {
                int inputs = _sizes[l], outputs = _sizes[l + 1];
                var weights = new float[inputs * outputs];
                var bias = (float[])_b[l].Clone();
                Transpose(_wt[l], weights, inputs, outputs);
                if (l == 0)
                {
                    // The network computed W ((x - shift) * scale) + b; fold to (W * scale) x + (b - W (scale * shift)).
                    for (int o = 0; o < outputs; o++)
                    {
                        Span<float> row = weights.AsSpan(o * inputs, inputs);
                        double offset = 0;
                        for (int i = 0; i < inputs; i++)
                        {
                            row[i] *= scale[i];
                            offset += (double)row[i] * shift[i];
                        }

                        // A zero offset (power-of-two or no scaling) keeps the bias bit for bit.
                        if (offset != 0)
                        {
                            bias[o] = (float)(bias[o] - offset);
                        }
                    }
                }

                layers[l] = new TrainedLayer(inputs, outputs, weights, bias, _activation[l]);
            }

            return new TrainedMlp(layers);
        }

        private void Forward(ReadOnlySpan<float> x)
        {
            ReadOnlySpan<float> input = x;
            for (int l = 0; l < _layers; l++)
            {
                int outputs = _sizes[l + 1];
                Span<float> z = _z[l];
                ReadOnlySpan<float> wt = _wt[l];
                _b[l].CopyTo(z);
                for (int i = 0; i < input.Length; i++)
                {
                    float xi = input[i];
                    if (xi != 0)
                    {
                        TensorPrimitives.MultiplyAdd(wt.Slice(i * outputs, outputs), xi, z, z);
                    }
                }

                z.CopyTo(_a[l]);
                ActivationMath.Apply(_activation[l], _a[l]);
                input = _a[l];
            }
        }

        /// <summary>Softmax of the logits into the output delta <c>p - onehot(label)</c>; returns the cross-entropy.</summary>
        private double OutputDelta(int label, ref int correct)
        {
            int last = _layers - 1;
            ReadOnlySpan<float> logits = _z[last];
            Span<float> p = _delta[last];
            if (TensorPrimitives.IndexOfMax(logits) == label)
            {
                correct++;
            }

            // Shift by the maximum so exp cannot overflow; the log-sum-exp form of the loss stays exact for confident rows.
            float max = TensorPrimitives.Max(logits);
            TensorPrimitives.Subtract(logits, max, p);
            TensorPrimitives.Exp(p, p);
            float sum = TensorPrimitives.Sum<float>(p);
            TensorPrimitives.Divide(p, sum, p);
            p[label] -= 1;
            return Math.Log(sum) - (logits[label] - max);
        }

        private void Backward(ReadOnlySpan<float> x)
        {
            for (int l = _layers - 1; l >= 0; l--)
            {
                int inputs = _sizes[l], outputs = _sizes[l + 1];
                ReadOnlySpan<float> delta = _delta[l];
                ReadOnlySpan<float> input = l == 0 ? x : _a[l - 1];
                TensorPrimitives.Add(_gb[l], delta, _gb[l]);
                Span<float> gwt = _gwt[l];
                for (int i = 0; i < inputs; i++)
                {
                    float xi = input[i];
                    if (xi != 0)
                    {
                        Span<float> row = gwt.Slice(i * outputs, outputs);
                        TensorPrimitives.MultiplyAdd(delta, xi, row, row);
                    }
                }

                if (l == 0)
                {
                    break;
                }

                Span<float> previous = _delta[l - 1];
                previous.Clear();
                ReadOnlySpan<float> w = _w[l];
                for (int o = 0; o < outputs; o++)
                {
                    float d = delta[o];
                    if (d != 0)
                    {
                        TensorPrimitives.MultiplyAdd(w.Slice(o * inputs, inputs), d, previous, previous);
                    }
                }

                ActivationMath.MultiplyByDerivative(_activation[l - 1], _z[l - 1], _a[l - 1], previous);
            }
        }

        private void Update(long step, float inverseBatch)
        {
            var adam = AdamStep.At(step, _options.LearningRate, _options.Beta1, _options.Beta2, _options.Epsilon, inverseBatch);
            float l2 = (float)_options.L2;
            for (int l = 0; l < _layers; l++)
            {
                adam.Apply(_wt[l], _gwt[l], _mwt[l], _vwt[l], l2, _scratch);
                adam.Apply(_b[l], _gb[l], _mb[l], _vb[l], 0, _scratch);

                // Layer 0 never propagates a delta, so it needs no output-major copy.
                if (l > 0)
                {
                    Transpose(_wt[l], _w[l], _sizes[l], _sizes[l + 1]);
                }
            }
        }

        /// <summary>Writes the <c>[rows, columns]</c> matrix <paramref name="source"/> transposed into <paramref name="destination"/>.</summary>
        private static void Transpose(float[] source, float[] destination, int rows, int columns)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    destination[(c * rows) + r] = source[(r * columns) + c];
                }
            }
        }
    }
}
