namespace FheGen;

/// <summary>The activation applied to a dense layer's pre-activation, fused into its lookup table.</summary>
/// <remarks>Numeric values are part of the contract: the generator reads them from attribute constants.</remarks>
public enum Activation
{
    /// <summary>No activation: <c>f(z) = z</c>.</summary>
    Identity = 0,
    /// <summary>Rectified linear unit: <c>max(0, z)</c>.</summary>
    Relu = 1,
    /// <summary>Logistic sigmoid: <c>1 / (1 + e^-z)</c>.</summary>
    Sigmoid = 2,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 3,
    /// <summary>Leaky ReLU: <c>z</c> for positive <c>z</c>, else <c>0.01 z</c>.</summary>
    LeakyRelu = 4,
}
