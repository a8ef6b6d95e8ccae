using System;
using System.Numerics;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// A GLWE ciphertext (A_0..A_{k−1}, B) of polynomials in Z_{2^64}[X]/(X^N + 1): its phase under key S is
/// B − Σ A_i · S_i = M + E, coefficient-wise noise. Stored as (k + 1)·N words: mask polynomials, then the body.
/// </summary>
internal sealed class GlweCiphertext
{
    private readonly ulong[] _data;

    /// <summary>The trivial encryption of the zero polynomial.</summary>
    public GlweCiphertext(int glweDimension, int polynomialSize)
    {
        CheckShape(glweDimension, polynomialSize);
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        _data = new ulong[checked((glweDimension + 1) * polynomialSize)];
    }

    /// <summary>The GLWE dimension k (number of mask polynomials).</summary>
    public int GlweDimension { get; }

    /// <summary>The polynomial size N.</summary>
    public int PolynomialSize { get; }

    /// <summary>Mask polynomial A_<paramref name="index"/> (0 ≤ index &lt; k).</summary>
    public Span<ulong> MaskPolynomial(int index)
    {
        if ((uint)index >= (uint)GlweDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return _data.AsSpan(index * PolynomialSize, PolynomialSize);
    }

    /// <summary>All k mask polynomials, one after the other.</summary>
    public Span<ulong> Mask => _data.AsSpan(0, GlweDimension * PolynomialSize);

    /// <summary>The body polynomial B.</summary>
    public Span<ulong> Body => _data.AsSpan(GlweDimension * PolynomialSize);

    /// <summary>All (k + 1)·N words (mask polynomials, then the body).</summary>
    public Span<ulong> AsSpan() => _data;

    /// <summary>Encrypts the plaintext polynomial (N torus coefficients) under <paramref name="key"/>.</summary>
    /// <param name="key">The secret key; it fixes k and N.</param>
    /// <param name="plaintext">N torus coefficients (e.g. m_j · Δ).</param>
    /// <param name="noiseStdDev">Standard deviation of each coefficient's Gaussian noise, in torus units.</param>
    /// <param name="sampler">Source of the uniform masks and the noise.</param>
    public static GlweCiphertext Encrypt(GlweSecretKey key, ReadOnlySpan<ulong> plaintext, double noiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(key);
        var ciphertext = new GlweCiphertext(key.GlweDimension, key.PolynomialSize);
        ciphertext.EncryptAssign(key, plaintext, noiseStdDev, sampler);
        return ciphertext;
    }

    /// <summary>Overwrites this ciphertext with a fresh encryption: uniform A_i, B = Σ A_i · S_i + M + E.</summary>
    public void EncryptAssign(GlweSecretKey key, ReadOnlySpan<ulong> plaintext, double noiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(sampler);
        CheckKey(key);
        CheckPolynomial(plaintext.Length);
        sampler.FillUniform(Mask);
        Span<ulong> body = Body;
        sampler.FillGaussianTorus(body, noiseStdDev);
        TorusSpan.Add(body, plaintext);
        for (int i = 0; i < GlweDimension; i++)
        {
            key.MultiplyAdd(body, MaskPolynomial(i), i);
        }
    }

    /// <summary>The trivial encryption A = 0, B = plaintext.</summary>
    public static GlweCiphertext Trivial(int glweDimension, ReadOnlySpan<ulong> plaintext)
    {
        var ciphertext = new GlweCiphertext(glweDimension, plaintext.Length);
        plaintext.CopyTo(ciphertext.Body);
        return ciphertext;
    }

    /// <summary>Overwrites this ciphertext with the trivial encryption of <paramref name="plaintext"/>.</summary>
    public void TrivialAssign(ReadOnlySpan<ulong> plaintext)
    {
        CheckPolynomial(plaintext.Length);
        Mask.Clear();
        plaintext.CopyTo(Body);
    }

    /// <summary>Writes the phase B − Σ A_i · S_i (N coefficients) to <paramref name="phase"/>, a separate buffer.</summary>
    public void DecryptPhase(GlweSecretKey key, Span<ulong> phase)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckKey(key);
        CheckPolynomial(phase.Length);
        if (phase.Overlaps(_data))
        {
            // Clearing phase first would wipe the ciphertext it is computed from.
            throw new ArgumentException("The phase buffer cannot be part of the ciphertext.", nameof(phase));
        }

        phase.Clear();
        for (int i = 0; i < GlweDimension; i++)
        {
            key.MultiplyAdd(phase, MaskPolynomial(i), i);
        }

        TorusSpan.Negate(phase);
        TorusSpan.Add(phase, Body);
    }

    /// <summary>The phase B − Σ A_i · S_i as a new array.</summary>
    public ulong[] DecryptPhase(GlweSecretKey key)
    {
        var phase = new ulong[PolynomialSize];
        DecryptPhase(key, phase);
        return phase;
    }

    /// <summary>this += other.</summary>
    public void AddAssign(GlweCiphertext other) => TorusSpan.Add(_data, Same(other)._data);

    /// <summary>this −= other.</summary>
    public void SubtractAssign(GlweCiphertext other) => TorusSpan.Subtract(_data, Same(other)._data);

    /// <summary>
    /// Sample extraction: an LWE ciphertext of dimension k·N, under the flattened key
    /// (<see cref="GlweSecretKey.ToFlattenedLweKey"/>), whose phase is exactly coefficient
    /// <paramref name="index"/> of this ciphertext's phase (same plaintext, same noise). For each mask
    /// polynomial A_i and j in [0, N): a[i·N + j] = A_i[index − j] when j ≤ index, and −A_i[N + index − j]
    /// when j &gt; index (the sign from X^N = −1); b = B[index].
    /// </summary>
    public void SampleExtract(int index, LweCiphertext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if ((uint)index >= (uint)PolynomialSize)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        int n = PolynomialSize;
        if (destination.LweDimension != GlweDimension * n)
        {
            throw new ArgumentException($"The LWE dimension must be k·N = {GlweDimension * n}.", nameof(destination));
        }

        Span<ulong> mask = destination.Mask;
        for (int i = 0; i < GlweDimension; i++)
        {
            ReadOnlySpan<ulong> a = MaskPolynomial(i);
            Span<ulong> low = mask.Slice(i * n, index + 1);
            Span<ulong> high = mask.Slice(i * n + index + 1, n - index - 1);

            // a[0..index] is A_i[index..0]; a[index+1..N) is −A_i[N−1..index+1]: copies, reversed, then negated.
            a.Slice(0, index + 1).CopyTo(low);
            low.Reverse();
            a.Slice(index + 1).CopyTo(high);
            high.Reverse();
            TorusSpan.Negate(high);
        }

        destination.Body = Body[index];
    }

    /// <summary>Sample extraction into a new LWE ciphertext (see <see cref="SampleExtract(int, LweCiphertext)"/>).</summary>
    public LweCiphertext SampleExtract(int index)
    {
        var lwe = new LweCiphertext(GlweDimension * PolynomialSize);
        SampleExtract(index, lwe);
        return lwe;
    }

    /// <summary>A copy of this ciphertext.</summary>
    public GlweCiphertext Clone()
    {
        var copy = new GlweCiphertext(GlweDimension, PolynomialSize);
        _data.CopyTo(copy._data, 0);
        return copy;
    }

    /// <inheritdoc/>
    public override string ToString() => $"GlweCiphertext(k = {GlweDimension}, N = {PolynomialSize})";

    /// <summary>Validates k ≥ 1 and N a power of two (what the negacyclic FFT and bootstrapping need).</summary>
    internal static void CheckShape(int glweDimension, int polynomialSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(glweDimension);
        if (polynomialSize < 1 || !BitOperations.IsPow2(polynomialSize))
        {
            throw new ArgumentOutOfRangeException(nameof(polynomialSize), polynomialSize, "The polynomial size must be a power of two.");
        }
    }

    private GlweCiphertext Same(GlweCiphertext other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.GlweDimension != GlweDimension || other.PolynomialSize != PolynomialSize)
        {
            throw new ArgumentException("GLWE shapes differ.", nameof(other));
        }

        return other;
    }

    private void CheckKey(GlweSecretKey key)
    {
        if (key.GlweDimension != GlweDimension || key.PolynomialSize != PolynomialSize)
        {
            throw new ArgumentException("The key's k and N differ from the ciphertext's.", nameof(key));
        }
    }

    private void CheckPolynomial(int length)
    {
        if (length != PolynomialSize)
        {
            throw new ArgumentException($"A polynomial has N = {PolynomialSize} coefficients, not {length}.");
        }
    }
}
