using System;

namespace FheGen.Tfhe.Commons;

/// <summary>
/// Messages of p bits with one padding bit on the 64-bit torus: plaintext = m · Δ with Δ = 2^(64 − (p + 1)),
/// so the top bit (the padding bit) is 0 for m in [0, 2^p) and the p bits below it carry m. Decoding rounds
/// to the nearest multiple of Δ, which corrects any noise of absolute value below Δ/2.
/// Signed messages go through an offset of 2^(p−1): m in [−2^(p−1), 2^(p−1)) is encoded as the unsigned
/// m + 2^(p−1). The offset is not linear (Σ w_i (x_i + o) ≠ Σ w_i x_i + o), so a circuit that mixes signed
/// values must add the right plaintext correction itself; this helper only handles single values.
/// A checked front end over <see cref="Torus"/> (which wraps messages modulo 2^p): it rejects
/// out-of-range messages and adds the signed offset.
/// </summary>
internal static class MessageEncoding
{
    /// <summary>Largest supported message width: Δ = 2^(63 − p) must stay at least 2 for rounding.</summary>
    internal const int MaxBits = 62;

    /// <summary>Δ = 2^(64 − (p + 1)).</summary>
    internal static ulong Delta(int bits)
    {
        CheckBits(bits);
        return Torus.Delta(bits);
    }

    /// <summary>The plaintext m · Δ for 0 ≤ m &lt; 2^p.</summary>
    internal static ulong Encode(ulong message, int bits)
    {
        CheckBits(bits);
        if (message >> bits != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(message), message, $"A {bits}-bit message is below 2^{bits}.");
        }

        return Torus.Encode(message, bits);
    }

    /// <summary>
    /// Rounds the phase to the nearest multiple of Δ and returns all p + 1 bits (padding bit on top), in
    /// [0, 2^(p+1)): a value of 2^p or more means the padding bit was set (the computation overflowed).
    /// </summary>
    internal static ulong DecodeWithPadding(ulong phase, int bits)
    {
        CheckBits(bits);
        return Torus.DecodeWithPadding(phase, bits);
    }

    /// <summary>The p-bit message of the phase (rounded; padding bit dropped, i.e. modulo 2^p).</summary>
    internal static ulong Decode(ulong phase, int bits) => DecodeWithPadding(phase, bits) & ((1UL << bits) - 1);

    /// <summary>The plaintext of a signed m in [−2^(p−1), 2^(p−1)), through the offset 2^(p−1).</summary>
    internal static ulong EncodeSigned(long message, int bits)
    {
        CheckBits(bits);
        long offset = 1L << (bits - 1);
        if (message < -offset || message >= offset)
        {
            throw new ArgumentOutOfRangeException(nameof(message), message, $"A signed {bits}-bit message is in [-2^{bits - 1}, 2^{bits - 1}).");
        }

        return Encode((ulong)(message + offset), bits);
    }

    /// <summary>The signed message of a phase encoded by <see cref="EncodeSigned"/>.</summary>
    internal static long DecodeSigned(ulong phase, int bits) => (long)Decode(phase, bits) - (1L << (bits - 1));

    private static void CheckBits(int bits)
    {
        if (bits < 1 || bits > MaxBits)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"Message width must be in [1, {MaxBits}].");
        }
    }
}
