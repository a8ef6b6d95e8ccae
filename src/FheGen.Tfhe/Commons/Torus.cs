using System;
using System.Runtime.CompilerServices;

namespace FheGen.Tfhe.Commons;

/// <summary>
/// Helpers for the discretized torus <c>T_q = (1/q) Z / Z</c> with <c>q = 2^64</c>: a torus value is a
/// <see cref="ulong"/> and all arithmetic wraps. Messages of <c>p</c> bits are encoded with one padding bit, at
/// <c>Delta = 2^(64 - (p + 1))</c>.
/// </summary>
internal static class Torus
{
    /// <summary><c>2^64</c> as a double.</summary>
    public const double Two64 = 18446744073709551616.0;

    /// <summary><c>2^-64</c> as a double.</summary>
    public const double InverseTwo64 = 1.0 / Two64;

    /// <summary>The largest message width <see cref="Encode"/> accepts (the padding bit takes the 64th).</summary>
    public const int MaxMessageBits = 63;

    /// <summary>
    /// The scaling factor <c>Delta = 2^(63 - p)</c> for a <paramref name="messageBits"/>-bit message with one padding bit.
    /// </summary>
    /// <param name="messageBits">Message width <c>p</c>, 1..63.</param>
    public static ulong Delta(int messageBits)
    {
        CheckMessageBits(messageBits);
        return 1UL << (63 - messageBits);
    }

    /// <summary>
    /// Encodes <paramref name="message"/> (taken mod <c>2^p</c>) as <c>message * Delta</c>, leaving the top bit (the
    /// padding bit) clear.
    /// </summary>
    /// <param name="message">The message; only its low <paramref name="messageBits"/> bits are used.</param>
    /// <param name="messageBits">Message width <c>p</c>, 1..63.</param>
    public static ulong Encode(ulong message, int messageBits)
    {
        CheckMessageBits(messageBits);
        ulong mask = (1UL << messageBits) - 1;
        return (message & mask) << (63 - messageBits);
    }

    /// <summary>
    /// Rounds <paramref name="value"/> to the nearest multiple of <c>Delta</c> (ties up) and returns the multiple
    /// mod <c>2^(p+1)</c>, padding bit included, so a value that drifted across the padding bit is visible.
    /// </summary>
    /// <param name="value">A torus value.</param>
    /// <param name="messageBits">Message width <c>p</c>, 1..63.</param>
    public static ulong DecodeWithPadding(ulong value, int messageBits)
    {
        CheckMessageBits(messageBits);
        int shift = 63 - messageBits;
        if (shift == 0)
            return value; // Delta = 1: nothing to round.
        // Adding Delta/2 before the shift rounds to nearest; the wrapping add keeps the result mod 2^(p+1).
        return (value + (1UL << (shift - 1))) >> shift;
    }

    /// <summary>
    /// Rounding decode: the nearest multiple of <c>Delta</c>, mod <c>2^p</c> (the padding bit dropped). Succeeds for
    /// any noise with <c>|noise| &lt; Delta / 2</c>.
    /// </summary>
    /// <param name="value">A torus value.</param>
    /// <param name="messageBits">Message width <c>p</c>, 1..63.</param>
    public static ulong Decode(ulong value, int messageBits) =>
        DecodeWithPadding(value, messageBits) & ((1UL << messageBits) - 1);

    /// <summary>
    /// The torus value as a real number in <c>[-1/2, 1/2]</c> (the centered representative; exactly 1/2 only when
    /// the double rounding of values within 2^9 of <c>2^63</c> reaches it).
    /// </summary>
    /// <param name="value">A torus value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble(ulong value) => (long)value * InverseTwo64;

    /// <summary>
    /// The torus value nearest to the real number <paramref name="x"/> taken mod 1 (any finite value; precision is
    /// that of the fractional part of <paramref name="x"/>).
    /// </summary>
    /// <param name="x">A finite real number.</param>
    public static ulong FromDouble(double x)
    {
        // x - round(x) is exact (no bits above x's are created) and lies in [-1/2, 1/2]; scaling by 2^64 is exact.
        // (x - floor(x) would lose the low bits of small negative values to the 1.)
        double fraction = x - System.Math.Round(x);
        return WrapRound(fraction * Two64);
    }

    /// <summary>
    /// <c>round(x) mod 2^64</c> for any finite <paramref name="x"/> (ties to even). This is how a double that stands
    /// for an integer multiple of <c>2^-64</c>, possibly far beyond 64 bits in magnitude, becomes a torus value.
    /// </summary>
    /// <param name="x">A finite real number, in units of <c>2^-64</c>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong WrapRound(double x)
    {
        double r = System.Math.Round(x);
        // Reduce into [-2^63, 2^63) with the nearest multiple of 2^64: the result is a multiple of ulp(r) of at
        // most 2^63, so it needs at most 53 significant bits and the subtraction is exact. (Reducing into
        // [0, 2^64) instead would round small negative values.) floor(y + 1/2) is exact here: when y + 1/2 is not
        // representable, y is an even integer and the sum rounds back to y.
        double reduced = r - Two64 * System.Math.Floor(r * InverseTwo64 + 0.5);
        return (ulong)(long)reduced;
    }

    /// <summary>
    /// Modulus switch of a torus value to <c>2^log2Modulus</c> (e.g. <c>2N</c> before a blind rotation), rounding to
    /// the nearest (ties up): <c>(x + 2^(63 - log2Modulus)) &gt;&gt; (64 - log2Modulus)</c>, wrapping.
    /// </summary>
    /// <param name="value">A torus value.</param>
    /// <param name="log2Modulus">Base-2 logarithm of the target modulus, 1..63.</param>
    /// <returns>A value in <c>[0, 2^log2Modulus)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ModulusSwitch(ulong value, int log2Modulus)
    {
        if ((uint)(log2Modulus - 1) > 62)
            throw new ArgumentOutOfRangeException(nameof(log2Modulus), log2Modulus, "Expected 1..63.");
        return (value + (1UL << (63 - log2Modulus))) >> (64 - log2Modulus);
    }

    /// <summary>
    /// Modulus switch to <c>2N</c> for a polynomial size <paramref name="polynomialSize"/> (a power of two).
    /// </summary>
    /// <param name="value">A torus value.</param>
    /// <param name="polynomialSize">The GLWE polynomial size <c>N</c>.</param>
    /// <returns>A value in <c>[0, 2N)</c>.</returns>
    public static int ModulusSwitchTo2N(ulong value, int polynomialSize)
    {
        if (polynomialSize < 1 || polynomialSize > (1 << 30) || (polynomialSize & (polynomialSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(polynomialSize), polynomialSize, "Expected a power of two.");
        return (int)ModulusSwitch(value, System.Numerics.BitOperations.Log2((uint)polynomialSize) + 1);
    }

    private static void CheckMessageBits(int messageBits)
    {
        if ((uint)(messageBits - 1) >= MaxMessageBits)
            throw new ArgumentOutOfRangeException(nameof(messageBits), messageBits, "Expected 1..63.");
    }
}
