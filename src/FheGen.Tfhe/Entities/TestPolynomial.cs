using System;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// The test polynomial (accumulator seed) of a programmable bootstrap for a lookup table of 2^p entries with one
/// padding bit. After the modulus switch to 2N, message m sits near m·box with box = N/2^p. Coefficient j holds
/// T[m] for m = floor((j + box/2) / box) (the half-box rotation: rounding noise of less than box/2 in either
/// direction reads the right entry). Negacyclic convention: the last half box [N − box/2, N) holds −T[0], and an
/// input whose padding bit is set (phase in the upper half of the torus) reads −T[m − 2^p], i.e. the negated
/// table: keep the padding bit clear.
/// </summary>
internal sealed class TestPolynomial
{
    private readonly ulong[] _coefficients;

    private TestPolynomial(ulong[] coefficients, int messageBits)
    {
        _coefficients = coefficients;
        MessageBits = messageBits;
    }

    /// <summary>Input precision p (table size 2^p); 0 for a <see cref="Constant"/> sign read.</summary>
    public int MessageBits { get; }

    /// <summary>Polynomial size N.</summary>
    public int PolynomialSize => _coefficients.Length;

    /// <summary>The N torus coefficients.</summary>
    public ReadOnlySpan<ulong> Coefficients => _coefficients;

    /// <summary>
    /// Test polynomial for <paramref name="table"/> (2^p message entries, each taken mod 2^outputBits), output
    /// encoded with Δ_out = 2^(63 − outputBits) (one padding bit).
    /// </summary>
    /// <param name="polynomialSize">N, at least 2^(p+1) so a box has at least two coefficients.</param>
    /// <param name="table">2^p entries; p is inferred from the length.</param>
    /// <param name="outputBits">Output precision (defaults to p when 0).</param>
    public static TestPolynomial FromTable(int polynomialSize, ReadOnlySpan<ulong> table, int outputBits = 0)
    {
        int p = CheckTable(table.Length);
        int outBits = outputBits == 0 ? p : outputBits;
        var values = new ulong[table.Length];
        for (int m = 0; m < table.Length; m++)
            values[m] = Torus.Encode(table[m], outBits);
        return FromTorusValues(polynomialSize, values);
    }

    /// <summary>Test polynomial whose entry m is the raw torus value <paramref name="values"/>[m] (2^p entries).</summary>
    public static TestPolynomial FromTorusValues(int polynomialSize, ReadOnlySpan<ulong> values)
    {
        int p = CheckTable(values.Length);
        if (polynomialSize < 2 * values.Length || (polynomialSize & (polynomialSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(polynomialSize), polynomialSize, "Expected a power of two ≥ 2^(p+1).");
        int box = polynomialSize >> p;
        int half = box / 2;
        var coefficients = new ulong[polynomialSize];
        for (int j = 0; j < polynomialSize; j++)
        {
            int m = (j + half) / box;
            coefficients[j] = m < values.Length ? values[m] : 0UL - values[0];
        }

        return new TestPolynomial(coefficients, p);
    }

    /// <summary>
    /// The test polynomial whose every coefficient is <paramref name="value"/>, without the half-box rotation: a sign
    /// read. It returns <paramref name="value"/> for a phase in [0, 1/2) and its negation for [1/2, 1), so the padding
    /// bit of the input decides the sign of the output.
    /// </summary>
    /// <param name="polynomialSize">N, a power of two ≥ 2.</param>
    /// <param name="value">The torus value returned for a clear padding bit.</param>
    public static TestPolynomial Constant(int polynomialSize, ulong value)
    {
        if (polynomialSize < 2 || (polynomialSize & (polynomialSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(polynomialSize), polynomialSize, "Expected a power of two ≥ 2.");
        var coefficients = new ulong[polynomialSize];
        Array.Fill(coefficients, value);
        return new TestPolynomial(coefficients, 0);
    }

    private static int CheckTable(int length)
    {
        if (length < 2 || (length & (length - 1)) != 0)
            throw new ArgumentException("The table needs 2^p entries, p ≥ 1.");
        return System.Numerics.BitOperations.Log2((uint)length);
    }
}
