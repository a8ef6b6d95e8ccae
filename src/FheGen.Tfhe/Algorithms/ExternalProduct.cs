using System;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Algorithms;

/// <summary>
/// The external product GGSW ⊡ GLWE in the Fourier domain, with reusable scratch (allocation-free after
/// construction). Not thread-safe: use one instance per thread.
/// </summary>
internal sealed class ExternalProduct
{
    private readonly NegacyclicFft _fft;
    private readonly long[] _digits;
    private readonly double[] _digitFourier;
    private readonly double[] _accumulators;

    /// <summary>Scratch for GLWE dimension <paramref name="glweDimension"/>, size N, gadget <paramref name="decomposer"/>.</summary>
    public ExternalProduct(int glweDimension, int polynomialSize, GadgetDecomposer decomposer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(glweDimension);
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        Decomposer = decomposer;
        _fft = NegacyclicFft.ForSize(polynomialSize);
        _digits = new long[decomposer.LevelCount * polynomialSize];
        _digitFourier = new double[polynomialSize];
        _accumulators = new double[(glweDimension + 1) * polynomialSize];
    }

    /// <summary>GLWE dimension k.</summary>
    public int GlweDimension { get; }

    /// <summary>Polynomial size N.</summary>
    public int PolynomialSize { get; }

    /// <summary>The gadget (must match the GGSW's).</summary>
    public GadgetDecomposer Decomposer { get; }

    /// <summary><c>output = ggsw ⊡ input</c>. <paramref name="output"/> may not be <paramref name="input"/>.</summary>
    public void Compute(FourierGgsw ggsw, GlweCiphertext input, GlweCiphertext output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Accumulate(ggsw, input);
        Finish(output, accumulate: false);
    }

    /// <summary><c>output += ggsw ⊡ input</c>. <paramref name="output"/> may be <paramref name="input"/>.</summary>
    public void ComputeAdd(FourierGgsw ggsw, GlweCiphertext input, GlweCiphertext output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Accumulate(ggsw, input);
        Finish(output, accumulate: true);
    }

    private void Accumulate(FourierGgsw ggsw, GlweCiphertext input)
    {
        ArgumentNullException.ThrowIfNull(ggsw);
        ArgumentNullException.ThrowIfNull(input);
        int k = GlweDimension;
        int n = PolynomialSize;
        int l = Decomposer.LevelCount;
        if (ggsw.GlweDimension != k || ggsw.PolynomialSize != n || ggsw.Decomposer != Decomposer)
            throw new ArgumentException("GGSW shape or gadget does not match.", nameof(ggsw));
        if (input.GlweDimension != k || input.PolynomialSize != n)
            throw new ArgumentException("GLWE shape does not match.", nameof(input));

        // No clear: the first row's products overwrite the accumulators (one pass less over them per CMux).
        for (int i = 0; i <= k; i++)
        {
            ReadOnlySpan<ulong> poly = i < k ? input.MaskPolynomial(i) : input.Body;
            Decomposer.DecomposePolynomial(poly, _digits);
            for (int j = 0; j < l; j++)
            {
                _fft.ForwardInteger(_digits.AsSpan(j * n, n), _digitFourier);
                int row = i * l + j;
                for (int c = 0; c <= k; c++)
                {
                    if (row == 0)
                        NegacyclicFft.MultiplyAccumulateFirst(_accumulators.AsSpan(c * n, n), _digitFourier, ggsw.Polynomial(row, c));
                    else
                        NegacyclicFft.MultiplyAccumulate(_accumulators.AsSpan(c * n, n), _digitFourier, ggsw.Polynomial(row, c));
                }
            }
        }
    }

    private void Finish(GlweCiphertext output, bool accumulate)
    {
        int k = GlweDimension;
        int n = PolynomialSize;
        if (output.GlweDimension != k || output.PolynomialSize != n)
            throw new ArgumentException("GLWE shape does not match.", nameof(output));
        for (int c = 0; c <= k; c++)
        {
            Span<ulong> target = c < k ? output.MaskPolynomial(c) : output.Body;
            Span<double> acc = _accumulators.AsSpan(c * n, n);
            if (accumulate)
                _fft.BackwardAddTorus(acc, target);
            else
                _fft.BackwardTorus(acc, target);
        }
    }
}
