using System;

namespace FheGen.Compiler.Parameters;


/// <summary>
/// The complementary error function, with a log-domain variant that stays finite far into the tail
/// (failure probabilities of 2^-64 and far below must not round to 0).
/// </summary>
public static class ErrorFunction
{
    // Below this argument the Maclaurin series of erf is used (cancellation in 1 - erf costs at most ~3 digits
    // there); above it the continued fraction converges in a few dozen terms.
    private const double SeriesLimit = 2.0;

    private static readonly double LogSqrtPi = 0.5 * Math.Log(Math.PI);
    private static readonly double TwoOverSqrtPi = 2.0 / Math.Sqrt(Math.PI);

    /// <summary>erfc(x) = 1 - erf(x), accurate to about 1e-13 relative; underflows to 0 beyond x ≈ 27.2.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
            return double.NaN;
        if (x < 0)
            return 2.0 - Erfc(-x);
        if (x < SeriesLimit)
            return 1.0 - ErfSeries(x);
        return Math.Exp(LnErfcContinuedFraction(x));
    }

    /// <summary>ln erfc(x), finite for every finite x (about -x² for large x).</summary>
    public static double LnErfc(double x)
    {
        if (double.IsNaN(x))
            return double.NaN;
        if (double.IsPositiveInfinity(x))
            return double.NegativeInfinity;
        if (x < SeriesLimit)
            return Math.Log(Erfc(x));
        return LnErfcContinuedFraction(x);
    }

    /// <summary>log2 erfc(x), finite for every finite x.</summary>
    public static double Log2Erfc(double x) => LnErfc(x) / Math.Log(2.0);

    /// <summary>
    /// The x ≥ 0 with log2 erfc(x) = <paramref name="log2Value"/>, for a target in (-∞, 0]; found by bisection
    /// (erfc is decreasing), so the result is within a few ulps.
    /// </summary>
    public static double InverseLog2Erfc(double log2Value)
    {
        if (double.IsNaN(log2Value) || log2Value > 0)
            throw new ArgumentOutOfRangeException(nameof(log2Value), log2Value, "log2 erfc(x) for x >= 0 lies in (-inf, 0].");
        if (log2Value == 0)
            return 0;

        double lo = 0, hi = 1;
        while (Log2Erfc(hi) > log2Value)
        {
            lo = hi;
            hi *= 2;
            if (double.IsInfinity(hi))
                return double.PositiveInfinity;
        }

        for (int i = 0; i < 200 && hi - lo > 0; i++)
        {
            double mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi)
                break;
            if (Log2Erfc(mid) > log2Value)
                lo = mid;
            else
                hi = mid;
        }

        return hi; // the end with log2 erfc <= target, so callers bounding a variance stay on the safe side
    }

    private static double ErfSeries(double x)
    {
        // erf(x) = 2/sqrt(pi) · sum_k (-1)^k x^(2k+1) / (k! (2k+1))
        double x2 = x * x;
        double term = x; // (-1)^k x^(2k+1) / k!
        double sum = x;
        for (int k = 1; k < 200; k++)
        {
            term *= -x2 / k;
            double add = term / (2 * k + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                break;
        }

        return TwoOverSqrtPi * sum;
    }

    private static double LnErfcContinuedFraction(double x)
    {
        // erfc(x) = exp(-x²)/sqrt(pi) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), for x > 0,
        // evaluated with the modified Lentz algorithm; the exp(-x²) factor stays in the log domain.
        const double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int j = 1; j < 5000; j++)
        {
            double a = j * 0.5;
            d = x + a * d;
            if (d == 0)
                d = tiny;
            c = x + a / c;
            if (c == 0)
                c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
                break;
        }

        return -x * x - LogSqrtPi - Math.Log(f);
    }
}
