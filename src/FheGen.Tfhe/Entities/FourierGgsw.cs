using System;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// A GGSW ciphertext with every polynomial in the Fourier domain of <see cref="NegacyclicFft"/>: (k+1)·l rows of
/// k+1 Fourier polynomials (N doubles each, the FFT's private layout), row (i, j) at index <c>i·l + (j−1)</c>
/// as in <see cref="GgswCiphertext"/>. Immutable once built; one contiguous array.
/// </summary>
internal sealed class FourierGgsw
{
    private readonly double[] _data;

    internal FourierGgsw(int glweDimension, int polynomialSize, GadgetDecomposer decomposer, double[] data)
    {
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        Decomposer = decomposer;
        _data = data;
    }

    /// <summary>GLWE dimension k.</summary>
    public int GlweDimension { get; }

    /// <summary>Polynomial size N.</summary>
    public int PolynomialSize { get; }

    /// <summary>The gadget.</summary>
    public GadgetDecomposer Decomposer { get; }

    /// <summary>Size in bytes of the Fourier data.</summary>
    public long SizeInBytes => (long)_data.Length * sizeof(double);

    /// <summary>All (k+1)·l·(k+1) Fourier polynomials, polynomial (row, column) at <c>(row·(k+1) + column)·N</c>.</summary>
    internal ReadOnlySpan<double> Data => _data;

    /// <summary>The Fourier polynomial <paramref name="column"/> (in [0, k]) of row <paramref name="row"/> (in [0, (k+1)·l)).</summary>
    public ReadOnlySpan<double> Polynomial(int row, int column)
    {
        int k1 = GlweDimension + 1;
        return _data.AsSpan((row * k1 + column) * PolynomialSize, PolynomialSize);
    }

    /// <summary>Converts a standard-domain GGSW (forward FFT of every polynomial).</summary>
    public static FourierGgsw FromStandard(GgswCiphertext ggsw)
    {
        ArgumentNullException.ThrowIfNull(ggsw);
        int k = ggsw.GlweDimension;
        int n = ggsw.PolynomialSize;
        int l = ggsw.Decomposer.LevelCount;
        var fft = NegacyclicFft.ForSize(n);
        var data = new double[(k + 1) * l * (k + 1) * n];
        for (int i = 0; i <= k; i++)
        {
            for (int j = 1; j <= l; j++)
            {
                var row = ggsw.Row(i, j);
                int r = i * l + j - 1;
                for (int c = 0; c <= k; c++)
                {
                    ReadOnlySpan<ulong> poly = c < k ? row.MaskPolynomial(c) : row.Body;
                    fft.ForwardTorus(poly, data.AsSpan((r * (k + 1) + c) * n, n));
                }
            }
        }

        return new FourierGgsw(k, n, ggsw.Decomposer, data);
    }
}
