using System;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Entities;

/// <summary>
/// An LWE ciphertext (a_0..a_{n−1}, b) over the torus Z/2^64: its phase under key s is b − &lt;a, s&gt; = m + e.
/// Stored as n + 1 words, mask first and body last. Holds no key: every linear operation below runs on the
/// server without one. In-place methods (…Assign, <see cref="MultiplyAdd"/>, <see cref="AddPlaintext"/>)
/// allocate nothing; the operators allocate a new ciphertext.
/// </summary>
public sealed class LweCiphertext
{
    private readonly ulong[] _data;

    /// <summary>The trivial encryption of 0 (all words zero) with LWE dimension <paramref name="lweDimension"/>.</summary>
    public LweCiphertext(int lweDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lweDimension);
        _data = new ulong[checked(lweDimension + 1)];
    }

    /// <summary>Wraps <paramref name="data"/> (n + 1 words, mask then body) without copying: for the deserializer.</summary>
    internal LweCiphertext(ulong[] data)
    {
        if (data.Length < 2)
            throw new ArgumentException("A ciphertext has a mask of at least one word and a body.", nameof(data));
        _data = data;
    }

    /// <summary>The LWE dimension n (mask length).</summary>
    public int LweDimension => _data.Length - 1;

    /// <summary>The mask a.</summary>
    public Span<ulong> Mask => _data.AsSpan(0, _data.Length - 1);

    /// <summary>The body b.</summary>
    public ref ulong Body => ref _data[^1];

    /// <summary>All n + 1 words (mask, then body), for serialization and low-level algorithms.</summary>
    public Span<ulong> AsSpan() => _data;

    /// <summary>Encrypts <paramref name="plaintext"/> (already a torus element, e.g. m · Δ) under <paramref name="key"/>.</summary>
    /// <param name="key">The secret key; its dimension is the ciphertext's.</param>
    /// <param name="plaintext">The torus plaintext.</param>
    /// <param name="noiseStdDev">Standard deviation of the Gaussian noise, in torus units.</param>
    /// <param name="sampler">Source of the uniform mask and the noise.</param>
    internal static LweCiphertext Encrypt(LweSecretKey key, ulong plaintext, double noiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(key);
        var ciphertext = new LweCiphertext(key.Dimension);
        ciphertext.EncryptAssign(key, plaintext, noiseStdDev, sampler);
        return ciphertext;
    }

    /// <summary>Overwrites this ciphertext with a fresh encryption: uniform a, b = &lt;a, s&gt; + plaintext + e.</summary>
    internal void EncryptAssign(LweSecretKey key, ulong plaintext, double noiseStdDev, NoiseSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(sampler);
        CheckDimension(key.Dimension);
        Span<ulong> mask = Mask;
        sampler.FillUniform(mask);
        Body = TorusSpan.Dot(mask, key.Bits) + plaintext + sampler.NextGaussianTorus(noiseStdDev);
    }

    /// <summary>The trivial (noiseless, keyless) encryption a = 0, b = plaintext; it decrypts under any key.</summary>
    public static LweCiphertext Trivial(int lweDimension, ulong plaintext)
    {
        var ciphertext = new LweCiphertext(lweDimension);
        ciphertext.Body = plaintext;
        return ciphertext;
    }

    /// <summary>Overwrites this ciphertext with the trivial encryption of <paramref name="plaintext"/>.</summary>
    public void TrivialAssign(ulong plaintext)
    {
        Mask.Clear();
        Body = plaintext;
    }

    /// <summary>The phase b − &lt;a, s&gt; = plaintext + noise (decode it to get the message).</summary>
    internal ulong DecryptPhase(LweSecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckDimension(key.Dimension);
        return Body - TorusSpan.Dot(Mask, key.Bits);
    }

    /// <summary>this += other.</summary>
    public void AddAssign(LweCiphertext other) => TorusSpan.Add(_data, Same(other)._data);

    /// <summary>this −= other.</summary>
    public void SubtractAssign(LweCiphertext other) => TorusSpan.Subtract(_data, Same(other)._data);

    /// <summary>this = −this.</summary>
    public void NegateAssign() => TorusSpan.Negate(_data);

    /// <summary>this = weight · this (wrapping; noise std-dev grows by |weight|).</summary>
    public void MultiplyAssign(long weight)
    {
        if (weight == 1)
        {
            return;
        }

        // x + (w − 1)x = w·x, with the fused multiply-add kernel; the span aliases itself element-wise safely.
        TorusSpan.MultiplyAdd(_data, _data, unchecked((ulong)(weight - 1)));
    }

    /// <summary>
    /// this += weight · x: the step of a linear layer with a small signed integer weight. Multiplication is
    /// mod 2^64 (two's complement for negative weights); the weight must keep the result in the message space.
    /// </summary>
    public void MultiplyAdd(LweCiphertext x, long weight)
    {
        Same(x);
        switch (weight)
        {
            case 0:
                return;
            case 1:
                TorusSpan.Add(_data, x._data);
                return;
            case -1:
                TorusSpan.Subtract(_data, x._data);
                return;
            default:
                TorusSpan.MultiplyAdd(_data, x._data, unchecked((ulong)weight));
                return;
        }
    }

    /// <summary>b += plaintext (adds a clear torus constant; the noise is unchanged).</summary>
    public void AddPlaintext(ulong plaintext) => Body += plaintext;

    /// <summary>
    /// destination = Σ weights[i] · inputs[i] + plaintextBias: a neuron's accumulator. Zero weights (pruned
    /// inputs) cost nothing. Noise variance is Σ weights[i]² · Var(inputs[i]).
    /// </summary>
    public static void LinearCombination(ReadOnlySpan<LweCiphertext> inputs, ReadOnlySpan<long> weights, ulong plaintextBias, LweCiphertext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (inputs.Length != weights.Length)
        {
            throw new ArgumentException("One weight per input.", nameof(weights));
        }

        destination.TrivialAssign(plaintextBias);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (ReferenceEquals(inputs[i], destination))
            {
                throw new ArgumentException("The destination cannot also be an input.", nameof(destination));
            }

            destination.MultiplyAdd(inputs[i], weights[i]);
        }
    }

    /// <summary>Copies the words of <paramref name="source"/> into this ciphertext.</summary>
    public void CopyFrom(LweCiphertext source) => Same(source)._data.CopyTo(_data, 0);

    /// <summary>A copy of this ciphertext.</summary>
    public LweCiphertext Clone()
    {
        var copy = new LweCiphertext(LweDimension);
        _data.CopyTo(copy._data, 0);
        return copy;
    }

    /// <summary>The sum of two ciphertexts (allocates).</summary>
    public static LweCiphertext operator +(LweCiphertext left, LweCiphertext right)
    {
        ArgumentNullException.ThrowIfNull(left);
        LweCiphertext result = left.Clone();
        result.AddAssign(right);
        return result;
    }

    /// <summary>The difference of two ciphertexts (allocates).</summary>
    public static LweCiphertext operator -(LweCiphertext left, LweCiphertext right)
    {
        ArgumentNullException.ThrowIfNull(left);
        LweCiphertext result = left.Clone();
        result.SubtractAssign(right);
        return result;
    }

    /// <summary>The negation of a ciphertext (allocates).</summary>
    public static LweCiphertext operator -(LweCiphertext value)
    {
        ArgumentNullException.ThrowIfNull(value);
        LweCiphertext result = value.Clone();
        result.NegateAssign();
        return result;
    }

    /// <summary>A ciphertext times a small signed integer (allocates).</summary>
    public static LweCiphertext operator *(long weight, LweCiphertext value)
    {
        ArgumentNullException.ThrowIfNull(value);
        LweCiphertext result = value.Clone();
        result.MultiplyAssign(weight);
        return result;
    }

    /// <summary>A ciphertext times a small signed integer (allocates).</summary>
    public static LweCiphertext operator *(LweCiphertext value, long weight) => weight * value;

    /// <inheritdoc/>
    public override string ToString() => $"LweCiphertext(n = {LweDimension})";

    private LweCiphertext Same(LweCiphertext other)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckDimension(other.LweDimension);
        return other;
    }

    private void CheckDimension(int dimension)
    {
        if (dimension != LweDimension)
        {
            throw new ArgumentException($"LWE dimensions differ: {LweDimension} and {dimension}.");
        }
    }
}
