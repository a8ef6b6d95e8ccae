using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FheGen.Tfhe.Fft;

namespace FheGen.Tfhe.Commons;

/// <summary>
/// Balanced signed gadget decomposition of torus values with base <c>B = 2^baseLog</c> and <c>levelCount</c>
/// levels. A value is first rounded to its closest representable value (the nearest multiple of
/// <c>2^(64 - baseLog * levelCount)</c>, ties up), then split into digits <c>d_1 .. d_l</c> in <c>[-B/2, B/2)</c>
/// such that <c>sum_i d_i * 2^(64 - i * baseLog)</c> equals the rounded value exactly mod 2^64. Level 1 is the most
/// significant; digit arrays are indexed by level - 1.
/// </summary>
internal readonly struct GadgetDecomposer : IEquatable<GadgetDecomposer>
{
    /// <summary>Creates a decomposer.</summary>
    /// <param name="baseLog">Base-2 logarithm of the base, at least 1.</param>
    /// <param name="levelCount">Number of levels, at least 1, with <c>baseLog * levelCount &lt;= 64</c>.</param>
    public GadgetDecomposer(int baseLog, int levelCount)
    {
        if (baseLog < 1 || baseLog > 64)
            throw new ArgumentOutOfRangeException(nameof(baseLog), baseLog, "Expected 1..64.");
        if (levelCount < 1 || baseLog * levelCount > 64)
            throw new ArgumentOutOfRangeException(nameof(levelCount), levelCount, "Expected baseLog * levelCount in 1..64.");
        BaseLog = baseLog;
        LevelCount = levelCount;
    }

    /// <summary>Base-2 logarithm of the base <c>B</c>.</summary>
    public int BaseLog { get; }

    /// <summary>The number of levels <c>l</c>.</summary>
    public int LevelCount { get; }

    /// <summary>Bits dropped by the rounding, <c>64 - baseLog * levelCount</c>.</summary>
    public int NonRepresentableBits => 64 - BaseLog * LevelCount;

    /// <summary>
    /// The nearest multiple of <c>2^(64 - baseLog * levelCount)</c> (ties up, wrapping): the value the digits
    /// reconstruct. The rounding error is at most <c>2^(63 - baseLog * levelCount)</c>.
    /// </summary>
    /// <param name="value">A torus value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ClosestRepresentable(ulong value)
    {
        int drop = NonRepresentableBits;
        if (drop == 0)
            return value;
        return (value + (1UL << (drop - 1))) >> drop << drop;
    }

    /// <summary>
    /// The gadget weight of level <paramref name="level"/> (1-based): <c>2^(64 - level * baseLog)</c>, the torus
    /// value a digit of 1 stands for.
    /// </summary>
    /// <param name="level">1..<see cref="LevelCount"/>.</param>
    public ulong Weight(int level)
    {
        if (level < 1 || level > LevelCount)
            throw new ArgumentOutOfRangeException(nameof(level), level, "Expected 1..LevelCount.");
        int shift = 64 - level * BaseLog;
        return 1UL << shift;
    }

    /// <summary>Decomposes one value into <see cref="LevelCount"/> digits.</summary>
    /// <param name="value">A torus value.</param>
    /// <param name="digits">At least <see cref="LevelCount"/> entries; <c>digits[i]</c> receives level <c>i + 1</c>.</param>
    public void Decompose(ulong value, Span<long> digits)
    {
        int levels = LevelCount;
        CheckInitialized();
        if (digits.Length < levels)
            throw new ArgumentException("Too few digit slots.", nameof(digits));
        int baseLog = BaseLog;
        if (baseLog == 64)
        {
            // One level over all 64 bits: the balanced digit is the value read as signed.
            digits[0] = (long)value;
            return;
        }

        ulong state = RoundedState(value);
        ulong mask = (1UL << baseLog) - 1;
        for (int level = levels; level >= 1; level--)
        {
            ulong res = state & mask;
            state >>= baseLog;
            // res >= B/2 becomes res - B with a carry into the next (more significant) level.
            ulong carry = res >> (baseLog - 1);
            state += carry;
            digits[level - 1] = (long)res - (long)(carry << baseLog);
        }
    }

    /// <summary>
    /// Decomposes every coefficient of <paramref name="polynomial"/> into level-major output:
    /// <c>digits[(level - 1) * N + j]</c> is the level's digit of coefficient <c>j</c>, so each level is one small
    /// polynomial ready for <see cref="NegacyclicFft.ForwardInteger"/>. Vectorized, allocation-free.
    /// </summary>
    /// <param name="polynomial">N torus coefficients.</param>
    /// <param name="digits">At least <c>LevelCount * N</c> entries.</param>
    public void DecomposePolynomial(ReadOnlySpan<ulong> polynomial, Span<long> digits)
    {
        int n = polynomial.Length;
        int levels = LevelCount;
        CheckInitialized();
        if (digits.Length < (long)levels * n)
            throw new ArgumentException("Too few digit slots.", nameof(digits));
        int baseLog = BaseLog;
        if (baseLog == 64)
        {
            MemoryMarshal.Cast<ulong, long>(polynomial).CopyTo(digits);
            return;
        }

        int drop = NonRepresentableBits;
        ulong mask = (1UL << baseLog) - 1;
        ref ulong src = ref MemoryMarshal.GetReference(polynomial);
        ref long dst = ref MemoryMarshal.GetReference(digits);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vMask = Vector256.Create(mask);
            for (; j + 4 <= n; j += 4)
                StoreDigits(Vector256.LoadUnsafe(ref src, (nuint)j), drop, baseLog, levels, vMask, ref dst, j, n);
        }

        Span<long> scalarDigits = stackalloc long[levels];
        for (; j < n; j++)
        {
            Decompose(Unsafe.Add(ref src, j), scalarDigits);
            for (int level = 0; level < levels; level++)
                Unsafe.Add(ref dst, level * n + j) = scalarDigits[level];
        }
    }

    /// <summary>
    /// <see cref="DecomposePolynomial"/> of <c>X^power · source − source</c> mod <c>X^N + 1</c> (the blind rotation's
    /// CMux input), computed coefficient by coefficient on the way in: the rotated difference is never stored.
    /// The digits are exactly those of <c>DecomposePolynomial</c> applied to
    /// <see cref="Entities.Polynomial.MultiplyByMonomialMinusSource"/>'s result.
    /// </summary>
    /// <param name="source">N torus coefficients.</param>
    /// <param name="power">The monomial's exponent (any integer; X^N = −1).</param>
    /// <param name="digits">At least <c>LevelCount * N</c> entries, level-major.</param>
    public void DecomposeRotatedMinus(ReadOnlySpan<ulong> source, int power, Span<long> digits)
    {
        int n = source.Length;
        CheckInitialized();
        if (digits.Length < (long)LevelCount * n)
            throw new ArgumentException("Too few digit slots.", nameof(digits));
        if (n == 0)
            return;
        int twoN = 2 * n;
        int p = ((power % twoN) + twoN) % twoN;
        bool negateAll = p >= n;
        if (negateAll)
            p -= n;
        // Coefficient j is s·source[j − p] − source[j] for j ≥ p and −s·source[j − p + N] − source[j] for j < p (s = ±1).
        ref ulong src = ref MemoryMarshal.GetReference(source);
        ref long dst = ref MemoryMarshal.GetReference(digits);
        DecomposeRotatedSegment(ref Unsafe.Add(ref src, n - p), ref src, ref dst, p, n, !negateAll);
        DecomposeRotatedSegment(ref src, ref Unsafe.Add(ref src, p), ref Unsafe.Add(ref dst, p), n - p, n, negateAll);
    }

    // The signed digits of four coefficients, stored at column j of each level (level stride n): rounded to the kept
    // bits (the bit below them decides), then split least significant digit first, with the carry that keeps each digit in
    // [−B/2, B/2). Shared by both decompositions; inlined, so the loops stay as fast as when each had its own copy.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDigits(Vector256<ulong> value, int drop, int baseLog, int levels, Vector256<ulong> vMask, ref long dst, int j, int n)
    {
        Vector256<ulong> state;
        if (drop == 0)
        {
            state = value;
        }
        else
        {
            var shifted = Vector256.ShiftRightLogical(value, drop - 1);
            state = Vector256.ShiftRightLogical(shifted, 1) + (shifted & Vector256<ulong>.One);
        }

        for (int level = levels; level >= 1; level--)
        {
            var res = state & vMask;
            state = Vector256.ShiftRightLogical(state, baseLog);
            var carry = Vector256.ShiftRightLogical(res, baseLog - 1);
            state += carry;
            var digit = res.AsInt64() - Vector256.ShiftLeft(carry, baseLog).AsInt64();
            digit.StoreUnsafe(ref dst, (nuint)((level - 1) * n + j));
        }
    }

    // Digits of (negate ? −moved[j] : moved[j]) − own[j] for j < count, level stride n.
    private void DecomposeRotatedSegment(ref ulong moved, ref ulong own, ref long dst, int count, int n, bool negate)
    {
        int levels = LevelCount;
        int baseLog = BaseLog;
        int drop = NonRepresentableBits;
        int j = 0;
        if (Vector256.IsHardwareAccelerated && baseLog < 64)
        {
            var vMask = Vector256.Create((1UL << baseLog) - 1);
            for (; j + 4 <= count; j += 4)
            {
                var m = Vector256.LoadUnsafe(ref moved, (nuint)j);
                var value = (negate ? Vector256<ulong>.Zero - m : m) - Vector256.LoadUnsafe(ref own, (nuint)j);
                StoreDigits(value, drop, baseLog, levels, vMask, ref dst, j, n);
            }
        }

        Span<long> scalarDigits = stackalloc long[levels];
        for (; j < count; j++)
        {
            ulong mv = Unsafe.Add(ref moved, j);
            Decompose((negate ? 0UL - mv : mv) - Unsafe.Add(ref own, j), scalarDigits);
            for (int level = 0; level < levels; level++)
                Unsafe.Add(ref dst, level * n + j) = scalarDigits[level];
        }
    }

    /// <summary>
    /// <c>sum_i digits[i] * 2^(64 - (i + 1) * baseLog)</c> mod 2^64: the inverse of <see cref="Decompose"/>, which
    /// gives back <see cref="ClosestRepresentable"/> of the decomposed value.
    /// </summary>
    /// <param name="digits">At least <see cref="LevelCount"/> digits, level 1 first.</param>
    public ulong Recompose(ReadOnlySpan<long> digits)
    {
        if (digits.Length < LevelCount)
            throw new ArgumentException("Too few digits.", nameof(digits));
        ulong sum = 0;
        for (int level = 1; level <= LevelCount; level++)
            sum += (ulong)digits[level - 1] << (64 - level * BaseLog);
        return sum;
    }

    /// <inheritdoc/>
    public bool Equals(GadgetDecomposer other) => BaseLog == other.BaseLog && LevelCount == other.LevelCount;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is GadgetDecomposer other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(BaseLog, LevelCount);

    /// <inheritdoc/>
    public override string ToString() => $"GadgetDecomposer(baseLog: {BaseLog}, levels: {LevelCount})";

    /// <summary>Equality of base and level count.</summary>
    /// <param name="left">First decomposer.</param>
    /// <param name="right">Second decomposer.</param>
    public static bool operator ==(GadgetDecomposer left, GadgetDecomposer right) => left.Equals(right);

    /// <summary>Inequality of base or level count.</summary>
    /// <param name="left">First decomposer.</param>
    /// <param name="right">Second decomposer.</param>
    public static bool operator !=(GadgetDecomposer left, GadgetDecomposer right) => !left.Equals(right);

    // default(GadgetDecomposer) has no base; decomposing with it would shift by -1.
    private void CheckInitialized()
    {
        if (BaseLog == 0)
            throw new InvalidOperationException("The decomposer was not constructed (default value).");
    }

    // The rounded value's top baseLog * levelCount bits as an integer; it may equal 2^(baseLog * levelCount) when
    // rounding up overflows, a carry that leaves the top level and vanishes mod 2^64, as it should.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong RoundedState(ulong value)
    {
        int drop = NonRepresentableBits;
        if (drop == 0)
            return value;
        ulong shifted = value >> (drop - 1);
        return (shifted >> 1) + (shifted & 1);
    }
}
