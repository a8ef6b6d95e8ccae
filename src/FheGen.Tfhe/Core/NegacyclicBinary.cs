using System;

namespace FheGen.Tfhe.Core;

/// <summary>
/// Exact products in Z_{2^64}[X]/(X^N + 1) by a binary polynomial (a secret key), as sums of negacyclically
/// rotated copies masked by each key bit: O(N^2) vectorized additions, constant time in the key. Exactness
/// matters: an encryption mask is uniform over all 64 bits and a double-precision FFT would round the product,
/// so Math's f64 FFT cannot replace this for encryption (a limb-split or f128 FFT, or Karatsuba, could speed
/// it up for large N).
/// </summary>
internal static class NegacyclicBinary
{
    /// <summary>acc += a · s mod (X^N + 1), where every coefficient of <paramref name="s"/> is 0 or 1.</summary>
    internal static void MultiplyAdd(Span<ulong> acc, ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> s)
    {
        int n = acc.Length;
        if (a.Length != n || s.Length != n)
        {
            throw new ArgumentException("Polynomial sizes differ.");
        }

        for (int j = 0; j < n; j++)
        {
            // Masked rather than skipped when s[j] = 0: no branch or timing that depends on the key.
            ulong mask = 0UL - (s[j] & 1);

            // a · X^j: coefficient i gets a[i − j] for i ≥ j, and −a[N + i − j] for i < j (X^N = −1).
            TorusSpan.AddMasked(acc.Slice(j), a.Slice(0, n - j), mask, subtract: false);
            TorusSpan.AddMasked(acc.Slice(0, j), a.Slice(n - j), mask, subtract: true);
        }
    }
}
