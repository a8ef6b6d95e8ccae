using System;
using System.Threading;
using FheGen.Tfhe.Algorithms;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// A binary GLWE secret key: k polynomials S_0..S_{k−1} of size N with 0/1 coefficients, in
/// Z[X]/(X^N + 1). Client-side only; the coefficients are never printed.
/// </summary>
internal sealed class GlweSecretKey
{
    // Polynomial i occupies [i·N, (i+1)·N): this layout is also the flattened LWE key.
    private readonly ulong[] _coefficients;

    // Forward FFT of every key polynomial (k·N doubles), built on the first product: every GLWE encryption or
    // decryption under this key multiplies by the same polynomials, so they are transformed once. As secret as
    // the key itself.
    private double[]? _fourier;

    private GlweSecretKey(int glweDimension, int polynomialSize, ulong[] coefficients)
    {
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        _coefficients = coefficients;
    }

    /// <summary>A key with the given k·N coefficients (each 0 or 1), polynomial after polynomial; copied.</summary>
    internal static GlweSecretKey FromCoefficients(int glweDimension, int polynomialSize, ReadOnlySpan<ulong> coefficients)
    {
        if (glweDimension < 1 || polynomialSize < 1 || coefficients.Length != (long)glweDimension * polynomialSize)
            throw new ArgumentException($"Expected k·N = {(long)glweDimension * polynomialSize} coefficients, got {coefficients.Length}.", nameof(coefficients));
        foreach (ulong c in coefficients)
        {
            if (c > 1) throw new ArgumentException("Key coefficients must be 0 or 1.", nameof(coefficients));
        }
        return new GlweSecretKey(glweDimension, polynomialSize, coefficients.ToArray());
    }

    /// <summary>The GLWE dimension k (number of key polynomials).</summary>
    public int GlweDimension { get; }

    /// <summary>The polynomial size N (a power of two).</summary>
    public int PolynomialSize { get; }

    /// <summary>All k·N coefficients, polynomial after polynomial.</summary>
    internal ReadOnlySpan<ulong> Coefficients => _coefficients;

    /// <summary>Key polynomial <paramref name="index"/> (0 ≤ index &lt; k).</summary>
    internal ReadOnlySpan<ulong> Polynomial(int index)
        => _coefficients.AsSpan(checked(index * PolynomialSize), PolynomialSize);

    /// <summary>
    /// acc += a · S_<paramref name="index"/> mod (X^N + 1), exactly: the mask·key product of encryption and
    /// decryption (<see cref="NegacyclicBinary"/>), through the cached Fourier form of the key when N is large.
    /// </summary>
    internal void MultiplyAdd(Span<ulong> acc, ReadOnlySpan<ulong> a, int index)
    {
        if (NegacyclicBinary.UsesFourier(PolynomialSize))
        {
            NegacyclicBinary.MultiplyAddFourier(acc, a, FourierPolynomial(index));
        }
        else
        {
            NegacyclicBinary.MultiplyAddReference(acc, a, Polynomial(index));
        }
    }

    /// <summary>The Fourier form of key polynomial <paramref name="index"/> (N doubles), computed on first use.</summary>
    internal ReadOnlySpan<double> FourierPolynomial(int index)
    {
        if ((uint)index >= (uint)GlweDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        // The plain read first: the method group would allocate a delegate on every call.
        double[] fourier = Volatile.Read(ref _fourier) ?? LazyInitializer.EnsureInitialized(ref _fourier, ComputeFourier);
        return fourier.AsSpan(index * PolynomialSize, PolynomialSize);
    }

    /// <summary>Draws a uniformly random binary key with k = <paramref name="glweDimension"/> polynomials of size N.</summary>
    public static GlweSecretKey Generate(int glweDimension, int polynomialSize, NoiseSampler sampler)
    {
        GlweCiphertext.CheckShape(glweDimension, polynomialSize);
        ArgumentNullException.ThrowIfNull(sampler);
        var coefficients = new ulong[glweDimension * polynomialSize];
        sampler.FillBinary(coefficients);
        return new GlweSecretKey(glweDimension, polynomialSize, coefficients);
    }

    /// <summary>
    /// The flattened LWE key of dimension k·N: bit i·N + j is coefficient j of S_i. A ciphertext from
    /// <see cref="GlweCiphertext.SampleExtract(int)"/> decrypts under it. Returns a copy.
    /// </summary>
    public LweSecretKey ToFlattenedLweKey() => LweSecretKey.FromBits(_coefficients);

    // Racing threads may each compute it; the results are identical, and one wins.
    private double[] ComputeFourier()
    {
        int n = PolynomialSize;
        var fourier = new double[_coefficients.Length];
        for (int i = 0; i < GlweDimension; i++)
        {
            NegacyclicBinary.KeyToFourier(Polynomial(i), fourier.AsSpan(i * n, n));
        }

        return fourier;
    }

    /// <inheritdoc/>
    public override string ToString() => $"GlweSecretKey(k = {GlweDimension}, N = {PolynomialSize}, coefficients hidden)";
}
