namespace FheGen.Training;

/// <summary>
/// How <see cref="MlpTrainer"/> rescales the raw features while training. Whatever the choice, the
/// scaling is folded into the first layer afterwards, so the returned <see cref="TrainedMlp"/> always
/// acts on raw features: FHE clients quantize raw inputs, and the float model must see the same range.
/// </summary>
/// <remarks>
/// In every mode a feature that is constant over the training set is fed to the network as 0 and gets a
/// zero weight in the returned model: it carries no information, and a non-zero weight on it would only
/// widen the encrypted accumulator's range over the box of possible inputs.
/// </remarks>
public enum InputNormalization
{
    /// <summary>Train on the raw features.</summary>
    None = 0,

    /// <summary>
    /// Divide every feature by one power of two, the smallest not below the largest absolute feature value
    /// of the training set (16 for the digits pixels). Folding a power of two into the weights is exact,
    /// and a single scale keeps the relative sizes of the first layer's weights, which per-tensor weight
    /// quantization relies on. The default.
    /// </summary>
    PowerOfTwo = 1,

    /// <summary>
    /// Standardize each feature to zero mean and unit variance over the training set. Converges best when
    /// features have very different scales (wine), but the folded weights then differ by the features'
    /// scales, which costs precision under per-tensor weight quantization, and the folded bias is rounded.
    /// </summary>
    Standardize = 2,
}
