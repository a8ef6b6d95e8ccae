using System;

namespace FheGen.Tfhe.Fft;

/// <summary>
/// A polynomial of size <c>N</c> in the Fourier domain of <see cref="NegacyclicFft"/>: <c>N / 2</c> complex values
/// stored as <c>N / 2</c> real parts followed by <c>N / 2</c> imaginary parts. The order of the values is the
/// transform's own (a permutation of the frequencies), so only pointwise operations are meaningful on it.
/// Bulk storage (a bootstrapping key) can skip this class and keep many such <c>N</c>-double blocks in one array.
/// </summary>
internal sealed class FourierPolynomial
{
    private readonly double[] data;

    /// <summary>Creates a zero Fourier polynomial for polynomial size <paramref name="polynomialSize"/>.</summary>
    /// <param name="polynomialSize">The coefficient-domain size <c>N</c>.</param>
    public FourierPolynomial(int polynomialSize)
    {
        NegacyclicFft.CheckPolynomialSize(polynomialSize);
        data = new double[polynomialSize];
    }

    /// <summary>The coefficient-domain polynomial size <c>N</c> (the buffer holds <c>N</c> doubles).</summary>
    public int PolynomialSize => data.Length;

    /// <summary>The whole buffer: real parts, then imaginary parts.</summary>
    public Span<double> Span => data;

    /// <summary>The real parts.</summary>
    public Span<double> Real => data.AsSpan(0, data.Length / 2);

    /// <summary>The imaginary parts.</summary>
    public Span<double> Imaginary => data.AsSpan(data.Length / 2);

    /// <summary>The Fourier transform of the torus polynomial <paramref name="coefficients"/>.</summary>
    /// <param name="coefficients">N torus coefficients (read as signed 64-bit integers).</param>
    public static FourierPolynomial FromTorus(ReadOnlySpan<ulong> coefficients)
    {
        var result = new FourierPolynomial(coefficients.Length);
        NegacyclicFft.ForSize(coefficients.Length).ForwardTorus(coefficients, result.data);
        return result;
    }

    /// <summary>The Fourier transform of the integer polynomial <paramref name="coefficients"/>.</summary>
    /// <param name="coefficients">N signed integer coefficients.</param>
    public static FourierPolynomial FromIntegers(ReadOnlySpan<long> coefficients)
    {
        var result = new FourierPolynomial(coefficients.Length);
        NegacyclicFft.ForSize(coefficients.Length).ForwardInteger(coefficients, result.data);
        return result;
    }
}
