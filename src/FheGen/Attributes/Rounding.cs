namespace FheGen;

/// <summary>How a rounded accumulator is computed before its table lookup.</summary>
/// <remarks>Numeric values are part of the contract: the generator reads them from attribute constants.</remarks>
public enum Rounding
{
    /// <summary>
    /// <c>round(x) = floor(x / 2^t + 1/2)</c> exactly. Under TFHE this costs extra bootstrappings (one per removed
    /// bit) before the lookup.
    /// </summary>
    Exact = 0,

    /// <summary>
    /// The lookup reads the top bits of the accumulator directly, so the removed bits act as noise: the rounding
    /// threshold is off-centre by a small random amount and the result can be off by one near a tie. No extra
    /// bootstrapping. The clear backend computes the exact value; the simulated backend reproduces the error.
    /// </summary>
    Approximate = 1,
}
