using System;

namespace FheGen.Compiler.Parameters;

/// <summary>
/// The few numeric helpers the parameter math needs that netstandard2.0 lacks (Math.Log2, Math.ScaleB,
/// double.IsFinite, ArgumentNullException.ThrowIfNull, string.Create with a culture).
/// </summary>
internal static class Numerics
{
    private static readonly double Ln2 = Math.Log(2.0);

    /// <summary>2^n exactly for n in the normal range, x·2^n by repeated exact scaling beyond it.</summary>
    public static double ScaleB(double x, int n)
    {
        // A power of two is exact in double; multiplying by it is exact unless the result leaves the normal range.
        while (n > 1023)
        {
            x *= PowerOfTwo(1023);
            n -= 1023;
        }

        while (n < -1022)
        {
            x *= PowerOfTwo(-1022);
            n += 1022;
        }

        return x * PowerOfTwo(n);
    }

    /// <summary>
    /// log2 x: exact for powers of two (the exponent is read from the bits), within an ulp or two of Math.Log2 otherwise.
    /// </summary>
    public static double Log2(double x)
    {
        if (double.IsNaN(x) || x < 0) return double.NaN;
        if (x == 0) return double.NegativeInfinity;
        if (double.IsPositiveInfinity(x)) return double.PositiveInfinity;
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF);
        if (exponent == 0)
            return Log2(x * PowerOfTwo(64)) - 64; // subnormal: scale into the normal range first
        // x = m·2^e with m in [1, 2): log2 x = e + ln m / ln 2, and ln 1 = 0 keeps powers of two exact.
        double mantissa = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        return (exponent - 1023) + Math.Log(mantissa) / Ln2;
    }

    /// <summary>log2 of a positive power of two.</summary>
    public static int Log2Exact(int powerOfTwo)
    {
        int log = 0;
        while ((1 << log) < powerOfTwo) log++;
        return log;
    }

    /// <summary>Whether a double is neither NaN nor infinite.</summary>
    public static bool IsFinite(double x) => !double.IsNaN(x) && !double.IsInfinity(x);

    /// <summary>Throws <see cref="ArgumentNullException"/> when <paramref name="value"/> is null.</summary>
    public static void ThrowIfNull(object? value, string name)
    {
        if (value is null) throw new ArgumentNullException(name);
    }

    /// <summary>Formats with the invariant culture.</summary>
    public static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static double PowerOfTwo(int n) => BitConverter.Int64BitsToDouble((long)(n + 1023) << 52);
}
