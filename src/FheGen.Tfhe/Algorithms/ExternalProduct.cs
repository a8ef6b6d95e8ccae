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
    // Scratch on cache lines (AlignedArrays: the FFT passes are measurably slower on misaligned buffers).
    private readonly Memory<long> _digits;
    private readonly Memory<double> _digitFourier;
    private readonly Memory<double> _accumulators;

    // The fused CMux's forward transforms of all (k+1)·l decomposed rows, kept until every column has used them.
    private readonly Memory<double> _rowFourier;

    /// <summary>Scratch for GLWE dimension <paramref name="glweDimension"/>, size N, gadget <paramref name="decomposer"/>.</summary>
    public ExternalProduct(int glweDimension, int polynomialSize, GadgetDecomposer decomposer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(glweDimension);
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        Decomposer = decomposer;
        _fft = NegacyclicFft.ForSize(polynomialSize);
        _digits = AlignedArrays.Allocate<long>(decomposer.LevelCount * polynomialSize);
        _digitFourier = AlignedArrays.Allocate<double>(polynomialSize);
        _accumulators = AlignedArrays.Allocate<double>((glweDimension + 1) * polynomialSize);
        _rowFourier = AlignedArrays.Allocate<double>((glweDimension + 1) * decomposer.LevelCount * polynomialSize);
    }

    /// <summary>
    /// Whether <see cref="CMuxAdd"/> prefetches the next GGSW (on by default); a switch for the benchmark that measures
    /// what the prefetch is worth. Results do not depend on it.
    /// </summary>
    internal static bool PrefetchNextKey { get; set; } = true;

    // Largest GGSW prefetched: 128 KiB (5 bits, N 4096, where the prefetch measured neither faster nor slower).
    private const int MaxPrefetchedDoubles = 16384;

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

    /// <summary>
    /// The blind rotation's CMux in place: <c>accumulator += ggsw ⊡ (X^power · accumulator − accumulator)</c>, with the
    /// fused kernels: the rotated difference is decomposed on the fly
    /// (<see cref="GadgetDecomposer.DecomposeRotatedMinus"/>), the fold rides the first FFT pass, each column sums all
    /// GGSW rows in one sweep, and the last inverse pass rounds and adds straight into the accumulator. Bit-identical to
    /// <see cref="Polynomial.MultiplyByMonomialMinusSource"/> into a scratch GLWE and then <see cref="ComputeAdd"/>.
    /// </summary>
    /// <param name="ggsw">The GGSW (BSK_i).</param>
    /// <param name="accumulator">The GLWE accumulator, updated.</param>
    /// <param name="power">The rotation exponent (the modulus-switched mask element).</param>
    /// <param name="next">The GGSW the next call will use, prefetched into L2 while this one streams its own; or null.</param>
    public void CMuxAdd(FourierGgsw ggsw, GlweCiphertext accumulator, int power, FourierGgsw? next)
    {
        ArgumentNullException.ThrowIfNull(ggsw);
        ArgumentNullException.ThrowIfNull(accumulator);
        int k = GlweDimension;
        int n = PolynomialSize;
        int l = Decomposer.LevelCount;
        if (ggsw.GlweDimension != k || ggsw.PolynomialSize != n || ggsw.Decomposer != Decomposer)
            throw new ArgumentException("GGSW shape or gadget does not match.", nameof(ggsw));
        if (accumulator.GlweDimension != k || accumulator.PolynomialSize != n)
            throw new ArgumentException("GLWE shape does not match.", nameof(accumulator));

        // Every row's transform before any column is written: the columns overwrite the polynomials decomposed here.
        for (int i = 0; i <= k; i++)
        {
            ReadOnlySpan<ulong> poly = i < k ? accumulator.MaskPolynomial(i) : accumulator.Body;
            Decomposer.DecomposeRotatedMinus(poly, power, _digits.Span);
            for (int j = 0; j < l; j++)
                _fft.ForwardIntegerFused(_digits.Span.Slice(j * n, n), _rowFourier.Span.Slice((i * l + j) * n, n));
        }

        // Prefetching pays while the GGSW is small next to L2 (time with it against without: 0.84-0.90 at 2 bits, 0.98-0.99
        // at 4 bits); at 256 KiB (6 bits, N 8192) it measured 1 % slower, competing with the current GGSW for L2.
        bool prefetchPays = ggsw.Data.Length <= MaxPrefetchedDoubles;
        ReadOnlySpan<double> prefetch = PrefetchNextKey && prefetchPays && next is not null && next.Data.Length == ggsw.Data.Length ? next.Data : default;
        Span<double> sum = _accumulators.Span.Slice(0, n);
        for (int c = 0; c <= k; c++)
        {
            NegacyclicFft.MultiplyAccumulateRows(sum, _rowFourier.Span, ggsw.Data, c, k + 1, (k + 1) * l, prefetch);
            _fft.BackwardAddTorusFused(sum, c < k ? accumulator.MaskPolynomial(c) : accumulator.Body);
        }
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
            Decomposer.DecomposePolynomial(poly, _digits.Span);
            for (int j = 0; j < l; j++)
            {
                _fft.ForwardInteger(_digits.Span.Slice(j * n, n), _digitFourier.Span);
                int row = i * l + j;
                for (int c = 0; c <= k; c++)
                {
                    if (row == 0)
                        NegacyclicFft.MultiplyAccumulateFirst(_accumulators.Span.Slice(c * n, n), _digitFourier.Span, ggsw.Polynomial(row, c));
                    else
                        NegacyclicFft.MultiplyAccumulate(_accumulators.Span.Slice(c * n, n), _digitFourier.Span, ggsw.Polynomial(row, c));
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
            Span<double> acc = _accumulators.Span.Slice(c * n, n);
            if (accumulate)
                _fft.BackwardAddTorus(acc, target);
            else
                _fft.BackwardTorus(acc, target);
        }
    }
}
