using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using FheGen.Compiler.Model;

namespace FheGen.Training.Pruning;

/// <summary>How a hidden neuron's importance is scored; the lowest scores are removed first.</summary>
public enum NeuronCriterion
{
    /// <summary>
    /// The L2 norm of the neuron's incoming weights times that of its outgoing weights: data-free, the default.
    /// </summary>
    WeightNorm = 0,

    /// <summary>
    /// The standard deviation, over a data set, of the neuron's activation times the L2 norm of its outgoing weights:
    /// how much it moves the next layer's pre-activations on real inputs beyond a constant, since the mean of a removed
    /// neuron is folded into the next layer's bias. Needs data. On digits it is no better than
    /// <see cref="WeightNorm"/> overall (better at some fractions, worse at others; README).
    /// </summary>
    ActivationSpread = 1,
}

/// <summary>What structured pruning removed.</summary>
/// <param name="Model">The smaller model: pruned hidden layers have fewer outputs, the layers after them fewer inputs.</param>
/// <param name="Kept">Per hidden layer, the original indices of the neurons kept, ascending.</param>
/// <param name="Scores">Per hidden layer, every original neuron's score under the criterion.</param>
/// <param name="Means">Per hidden layer, every original neuron's mean activation over the data (null without data).</param>
public sealed record StructuredPruningResult(TrainedMlp Model, IReadOnlyList<int[]> Kept, IReadOnlyList<double[]> Scores, IReadOnlyList<double[]>? Means);

/// <summary>
/// Structured pruning: removes whole hidden neurons, which removes their PBS and one input from every neuron of the
/// next layer (so that layer's accumulators narrow too). Without data the result is the model with those neurons'
/// outgoing weights zeroed, sliced: same function, smaller shapes; with data each removed neuron is replaced by its
/// mean activation, folded into the next layer's bias. Fine-tune afterwards (<see cref="Qat.QatTrainer"/> on
/// <see cref="WithArchitecture"/>'s spec), and set the layer's <c>[Dense]</c> output count to the new size.
/// </summary>
public static class StructuredPruning
{
    /// <summary>Removes <paramref name="fraction"/> of the neurons of each hidden layer in <paramref name="layers"/> (all when null).</summary>
    /// <param name="model">The float model.</param>
    /// <param name="fraction">In [0, 1): the share of each layer's neurons removed, rounded down; at least one neuron always stays.</param>
    /// <param name="criterion">How neurons are scored.</param>
    /// <param name="data">Rows for <see cref="NeuronCriterion.ActivationSpread"/>; ignored by the weight criterion.</param>
    /// <param name="layers">Indices of the hidden layers to prune; null for every hidden layer.</param>
    /// <param name="foldMeans">With data: add each removed neuron's mean activation times its outgoing weights to the next layer's bias.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">A layer index is not a hidden layer, or the criterion needs data that was not given or does not fit.</exception>
    public static StructuredPruningResult Prune(TrainedMlp model, double fraction, NeuronCriterion criterion = NeuronCriterion.WeightNorm,
        Dataset? data = null, IReadOnlyList<int>? layers = null, bool foldMeans = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The pruned fraction must be in [0, 1): 0 removes nothing, and at least one neuron per layer must stay.");
        }
        int hidden = model.Layers.Count - 1;
        var selected = new HashSet<int>(layers ?? Enumerable.Range(0, hidden));
        foreach (int l in selected)
        {
            if (l < 0 || l >= hidden) throw new ArgumentException($"Layer {l} is not a hidden layer (the model has {hidden}).", nameof(layers));
        }
        if (criterion == NeuronCriterion.ActivationSpread && data is null) throw new ArgumentException("The activation-spread criterion needs data.", nameof(data));
        (double[][] Means, double[][] Deviations)? statistics = data is null ? null : Statistics(model, data);
        var scores = Scores(model, criterion, statistics);
        var kept = new int[hidden][];
        for (int l = 0; l < hidden; l++)
        {
            int n = model.Layers[l].Outputs;
            int remove = selected.Contains(l) ? Math.Min(n - 1, (int)Math.Floor(fraction * n)) : 0;
            // Lowest scores go; ties go to the higher index, so the result does not depend on sort stability.
            var order = Enumerable.Range(0, n).OrderBy(j => scores[l][j]).ThenByDescending(j => j).ToArray();
            kept[l] = order.Skip(remove).OrderBy(j => j).ToArray();
        }
        var means = statistics?.Means;
        return new StructuredPruningResult(Slice(model, kept, foldMeans ? means : null), kept, scores, means);
    }

    /// <summary>Every hidden neuron's score under <paramref name="criterion"/>, per hidden layer.</summary>
    /// <exception cref="ArgumentException">The criterion needs data that was not given or does not fit.</exception>
    public static IReadOnlyList<double[]> Scores(TrainedMlp model, NeuronCriterion criterion, Dataset? data = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (criterion == NeuronCriterion.ActivationSpread && data is null) throw new ArgumentException("The activation-spread criterion needs data.", nameof(data));
        return Scores(model, criterion, data is null ? ((double[][], double[][])?)null : Statistics(model, data));
    }

    private static double[][] Scores(TrainedMlp model, NeuronCriterion criterion, (double[][] Means, double[][] Deviations)? statistics)
    {
        int hidden = model.Layers.Count - 1;
        var scores = new double[hidden][];
        for (int l = 0; l < hidden; l++)
        {
            var layer = model.Layers[l];
            var outgoing = ColumnNorms(model.Layers[l + 1]);
            scores[l] = new double[layer.Outputs];
            for (int j = 0; j < layer.Outputs; j++)
            {
                scores[l][j] = criterion switch
                {
                    NeuronCriterion.WeightNorm => TensorPrimitives.Norm<float>(layer.Weights.AsSpan(j * layer.Inputs, layer.Inputs)) * outgoing[j],
                    NeuronCriterion.ActivationSpread => statistics!.Value.Deviations[l][j] * outgoing[j],
                    _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown criterion."),
                };
            }
        }
        return scores;
    }

    /// <summary>Mean and standard deviation of every hidden activation over <paramref name="data"/>.</summary>
    private static (double[][] Means, double[][] Deviations) Statistics(TrainedMlp model, Dataset data)
    {
        if (data.Features != model.Inputs) throw new ArgumentException($"The model takes {model.Inputs} features but the data set has {data.Features}.", nameof(data));
        if (data.Count == 0) throw new ArgumentException("The data set is empty.", nameof(data));
        int hidden = model.Layers.Count - 1;
        var sum = new double[hidden][];
        var squares = new double[hidden][];
        for (int l = 0; l < hidden; l++)
        {
            sum[l] = new double[model.Layers[l].Outputs];
            squares[l] = new double[model.Layers[l].Outputs];
        }
        var buffers = model.Layers.Select(x => new float[x.Outputs]).ToArray();
        for (int r = 0; r < data.Count; r++)
        {
            ReadOnlySpan<float> x = data.Row(r);
            for (int l = 0; l < hidden; l++)
            {
                Dense(model.Layers[l], x, buffers[l]);
                for (int j = 0; j < buffers[l].Length; j++)
                {
                    sum[l][j] += buffers[l][j];
                    squares[l][j] += (double)buffers[l][j] * buffers[l][j];
                }
                x = buffers[l];
            }
        }
        var means = new double[hidden][];
        var deviations = new double[hidden][];
        for (int l = 0; l < hidden; l++)
        {
            means[l] = sum[l].Select(v => v / data.Count).ToArray();
            deviations[l] = squares[l].Select((q, j) => Math.Sqrt(Math.Max(0, q / data.Count - means[l][j] * means[l][j]))).ToArray();
        }
        return (means, deviations);
    }

    /// <summary>
    /// <paramref name="spec"/> reshaped to <paramref name="model"/>: each layer's output count from the model, its
    /// weights and biases, and activation ranges when given; pruning and rounding settings carry over.
    /// </summary>
    /// <exception cref="ArgumentException">The layer count, input count or activations differ.</exception>
    public static ModelSpec WithArchitecture(ModelSpec spec, TrainedMlp model, IReadOnlyList<(double Min, double Max)>? ranges = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(model);
        if (model.Layers.Count != spec.Layers.Count || model.Inputs != spec.Inputs)
        {
            throw new ArgumentException($"The model has {model.Layers.Count} layers and {model.Inputs} inputs; '{spec.Name}' has {spec.Layers.Count} and {spec.Inputs}.", nameof(model));
        }
        var reshaped = spec with
        {
            Layers = new EquatableArray<LayerSpec>(spec.Layers.Select((l, i) => l with { Outputs = model.Layers[i].Outputs }).ToArray()),
        };
        return TrainedModelSpec.WithWeights(reshaped, model, ranges);
    }

    /// <summary>The model restricted to the kept neurons of each hidden layer; removed neurons' means, when given, move into the next bias.</summary>
    private static TrainedMlp Slice(TrainedMlp model, int[][] kept, double[][]? means)
    {
        var layers = new TrainedLayer[model.Layers.Count];
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = model.Layers[l];
            int[] rows = l < kept.Length ? kept[l] : Enumerable.Range(0, layer.Outputs).ToArray();
            int[] columns = l == 0 ? Enumerable.Range(0, layer.Inputs).ToArray() : kept[l - 1];
            var weights = new float[rows.Length * columns.Length];
            var bias = new float[rows.Length];
            for (int r = 0; r < rows.Length; r++)
            {
                double b = layer.Bias[rows[r]];
                if (l > 0 && means is not null)
                {
                    // A removed neuron's constant part: its mean activation through its outgoing weight.
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        if (Array.BinarySearch(columns, i) < 0) b += means[l - 1][i] * layer.Weights[rows[r] * layer.Inputs + i];
                    }
                }
                bias[r] = (float)b;
                for (int c = 0; c < columns.Length; c++) weights[r * columns.Length + c] = layer.Weights[rows[r] * layer.Inputs + columns[c]];
            }
            layers[l] = new TrainedLayer(columns.Length, rows.Length, weights, bias, layer.Activation);
        }
        return new TrainedMlp(layers);
    }

    /// <summary>Per input j of <paramref name="layer"/>, the L2 norm of column j of its weights.</summary>
    private static double[] ColumnNorms(TrainedLayer layer)
    {
        var norms = new double[layer.Inputs];
        for (int j = 0; j < layer.Outputs; j++)
        {
            for (int i = 0; i < layer.Inputs; i++)
            {
                double w = layer.Weights[j * layer.Inputs + i];
                norms[i] += w * w;
            }
        }
        for (int i = 0; i < norms.Length; i++) norms[i] = Math.Sqrt(norms[i]);
        return norms;
    }

    private static void Dense(TrainedLayer layer, ReadOnlySpan<float> x, float[] output)
    {
        for (int j = 0; j < layer.Outputs; j++)
        {
            output[j] = TensorPrimitives.Dot<float>(layer.Weights.AsSpan(j * layer.Inputs, layer.Inputs), x) + layer.Bias[j];
        }
        ActivationMath.Apply(layer.Activation, output);
    }
}
