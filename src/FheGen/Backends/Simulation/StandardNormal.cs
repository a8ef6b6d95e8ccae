using System;

namespace FheGen.Backends;

/// <summary>
/// The standard normal distribution function <c>Phi</c>, its complement and their inverses, accurate to a few
/// ulps in relative terms far into the tails (probabilities down to 1e-300), which is where TLU error rates live.
/// </summary>
/// <remarks>
/// <see cref="Cdf"/> is W. J. Cody's rational Chebyshev approximation (ANORM, SPECFUN, 1993), which evaluates
/// the tail directly as <c>exp(-x^2/2) R(x)</c> with <c>x^2</c> split so that the exponential keeps full
/// relative precision; <c>1 - Phi</c> is never formed for a small tail. <see cref="Quantile"/> is M. J. Wichura's
/// AS 241 (PPND16, 1988), relative accuracy about 1e-16, with the tail branch driven by <c>log p</c>. The upper
/// tail functions go through the symmetry <c>1 - Phi(x) = Phi(-x)</c>, so they are exactly as accurate.
/// </remarks>
public static class StandardNormal
{
    private const double InvSqrt2Pi = 0.398942280401432677939946059934;

    // Cody's coefficients: |x| <= 0.67448975 (A/B), up to sqrt(32) (C/D), beyond (P/Q, in 1/x^2).
    private static readonly double[] A = { 2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249, 0.065682337918207449113 };
    private static readonly double[] B = { 47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956 };
    private static readonly double[] C =
    {
        0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226, 2494.5375852903726711,
        6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218, 1.0765576773720192317e-8,
    };
    private static readonly double[] D =
    {
        22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755, 18615.571640885098091,
        34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
    };
    private static readonly double[] P = { 0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303 };
    private static readonly double[] Q = { 1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244, 7.29751555083966205e-5 };

    /// <summary><c>Phi(x) = P(N(0, 1) &lt;= x)</c>; relatively accurate for tiny results (large negative <paramref name="x"/>).</summary>
    /// <returns>The probability; 0 once it underflows (<paramref name="x"/> below about -38.5); NaN for NaN.</returns>
    public static double Cdf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double y = Math.Abs(x);
        if (y <= 0.67448975)
        {
            // Central region: Phi = 1/2 + x R(x^2), no tail to lose.
            double xsq = x * x;
            double num = A[4] * xsq, den = xsq;
            for (int i = 0; i < 3; i++)
            {
                num = (num + A[i]) * xsq;
                den = (den + B[i]) * xsq;
            }
            return 0.5 + x * (num + A[3]) / (den + B[3]);
        }
        double ratio;
        if (y <= 5.656854249492380195206754896838)
        {
            double num = C[8] * y, den = y;
            for (int i = 0; i < 7; i++)
            {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            ratio = (num + C[7]) / (den + D[7]);
        }
        else if (y < 38.5)
        {
            double z = 1.0 / (x * x);
            double num = P[5] * z, den = z;
            for (int i = 0; i < 4; i++)
            {
                num = (num + P[i]) * z;
                den = (den + Q[i]) * z;
            }
            ratio = (InvSqrt2Pi - z * (num + P[4]) / (den + Q[4])) / y;
        }
        else
        {
            return x > 0 ? 1.0 : 0.0;
        }
        // exp(-y^2/2) with y^2 split into an exact part (y truncated to 1/16) and a small remainder, because
        // exp amplifies the rounding error of y*y by y^2 (a relative 1e-13 at y = 37 otherwise).
        double high = Math.Truncate(y * 16.0) / 16.0;
        double del = (y - high) * (y + high);
        double tail = Math.Exp(-high * high * 0.5) * Math.Exp(-del * 0.5) * ratio;
        return x > 0 ? 1.0 - tail : tail;
    }

    /// <summary><c>1 - Phi(x) = Phi(-x)</c>, computed directly, so relatively accurate for large <paramref name="x"/>.</summary>
    public static double UpperTail(double x) => Cdf(-x);

    /// <summary>The density <c>exp(-x^2/2) / sqrt(2 pi)</c>, with the same care for large <paramref name="x"/>.</summary>
    public static double Density(double x)
    {
        double y = Math.Abs(x);
        double high = Math.Truncate(y * 16.0) / 16.0;
        double del = (y - high) * (y + high);
        return InvSqrt2Pi * Math.Exp(-high * high * 0.5) * Math.Exp(-del * 0.5);
    }

    /// <summary><c>P(a &lt;= N(0, 1) &lt; b)</c> for <c>a &lt;= b</c>, taken from the tail on the side where it is small.</summary>
    public static double Interval(double a, double b)
    {
        if (!(a <= b)) throw new ArgumentOutOfRangeException(nameof(b), b, "The interval needs a <= b.");
        if (a >= 0) return UpperTail(a) - UpperTail(b);
        if (b <= 0) return Cdf(b) - Cdf(a);
        return 1.0 - Cdf(a) - UpperTail(b);
    }

    /// <summary>
    /// <c>Phi^-1(p)</c>: the <c>x</c> with <c>Phi(x) = p</c>. Accurate for tiny <paramref name="p"/> (a large negative
    /// result); for a tiny upper tail <c>q</c> use <see cref="UpperTailQuantile"/> rather than <c>Quantile(1 - q)</c>,
    /// which has already lost <c>q</c> to rounding.
    /// </summary>
    /// <returns>The quantile; minus or plus infinity for 0 and 1.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1] or NaN.</exception>
    public static double Quantile(double p)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "A probability must lie in [0, 1].");
        if (p == 0) return double.NegativeInfinity;
        if (p == 1) return double.PositiveInfinity;
        double q = p - 0.5;
        if (Math.Abs(q) <= 0.425)
        {
            double r = 0.180625 - q * q;
            return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r
                + 3.387132872796366608)
                / (((((((r * 5226.495278852854561 + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1.0);
        }
        // 1 - p is exact here (p >= 0.925 when q > 0), so this is the smaller tail without cancellation.
        double s = Math.Sqrt(-Math.Log(q < 0 ? p : 1.0 - p));
        double value;
        if (s <= 5.0)
        {
            s -= 1.6;
            value = (((((((s * 7.7454501427834140764e-4 + 0.0227238449892691845833) * s + 0.24178072517745061177) * s
                + 1.27045825245236838258) * s + 3.64784832476320460504) * s + 5.7694972214606914055) * s + 4.6303378461565452959) * s
                + 1.42343711074968357734)
                / (((((((s * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * s + 0.0151986665636164571966) * s
                + 0.14810397642748007459) * s + 0.68976733498510000455) * s + 1.6763848301838038494) * s + 2.05319162663775882187) * s + 1.0);
        }
        else
        {
            s -= 5.0;
            value = (((((((s * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * s + 0.0012426609473880784386) * s
                + 0.026532189526576123093) * s + 0.29656057182850489123) * s + 1.7848265399172913358) * s + 5.4637849111641143699) * s
                + 6.6579046435011037772)
                / (((((((s * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * s + 1.8463183175100546818e-5) * s
                + 7.868691311456132591e-4) * s + 0.0148753612908506148525) * s + 0.13692988092273580531) * s + 0.59983220655588793769) * s + 1.0);
        }
        return q < 0 ? -value : value;
    }

    /// <summary>The <c>x</c> with <c>1 - Phi(x) = q</c>, i.e. <c>-Phi^-1(q)</c>: accurate for a tiny upper tail <paramref name="q"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="q"/> is outside [0, 1] or NaN.</exception>
    public static double UpperTailQuantile(double q) => -Quantile(q);
}
