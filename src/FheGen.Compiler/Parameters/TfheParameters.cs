using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FheGen.Compiler.Parameters;

/// <summary>
/// One TFHE parameter set for keyswitch-then-PBS over the torus mod 2^64 with binary keys and Gaussian noise.
/// </summary>
/// <remarks>
/// <para>
/// Plaintext layout: one padding bit, then <see cref="CarryBits"/> carry bits, then <see cref="MessageBits"/> message
/// bits. A table lookup reads all <see cref="PrecisionBits"/> = message + carry bits, so the noise model's p_fail uses
/// that width.
/// </para>
/// <para>
/// The constructor checks structural consistency (powers of two, decomposition fits in 64 bits, the test polynomial
/// can hold one coefficient per box) and 128-bit security (<see cref="Security.IsSecure(TfheParameters)"/>): a set
/// below the curve is rejected, so neither key generation nor the readers (which parse the
/// <see cref="Id"/> back) ever see one. Tests that want small, fast, insecure sets name them with
/// <see cref="CreateInsecureForTesting"/>; only the sets a process has named that way are accepted below the curve.
/// </para>
/// <para>
/// Properties are get-only on purpose: a <c>with</c> expression could otherwise copy a validated instance and change
/// one field without going through the constructor's checks.
/// </para>
/// </remarks>
public sealed record TfheParameters
{
    /// <summary>log2 of the ciphertext modulus q; only the native 2^64 modulus is supported.</summary>
    public const int NativeCiphertextModulusLog = 64;

    /// <summary>Smallest supported polynomial size N.</summary>
    public const int MinPolynomialSize = 256;

    /// <summary>Largest supported polynomial size N.</summary>
    public const int MaxPolynomialSize = 65536;

    /// <summary>
    /// Smallest keyswitching-key noise σ (torus) for which a key of at most 32 gadget bits is held in 32-bit words
    /// (<see cref="KeySwitchIn32Bits(int, int, double)"/>): 2^-30, four units of 2^-32, as the 2^64 security floor is
    /// four units of 2^-64.
    /// </summary>
    public const double KeySwitch32MinimumStdDev = 1.0 / (1L << 30);

    /// <summary>
    /// Whether a keyswitch with this gadget and key noise runs on 32-bit words (TFHE-rs' KS32): the gadget keeps at
    /// most 32 bits (base_log·level ≤ 32), so the rows can be rounded to 2^32 without touching the digits' weights,
    /// and σ is at least <see cref="KeySwitch32MinimumStdDev"/>, so the rows' noise survives the rounding. The TFHE
    /// backend and the noise model (<see cref="NoiseModel.KeySwitchVariancePerInputCoefficient"/>) both apply this rule.
    /// </summary>
    public static bool KeySwitchIn32Bits(int ksBaseLog, int ksLevel, double lweNoiseStdDev)
        => (long)ksBaseLog * ksLevel <= 32 && lweNoiseStdDev >= KeySwitch32MinimumStdDev;

    /// <summary>Whether this set's keyswitch runs on 32-bit words (see <see cref="KeySwitchIn32Bits(int, int, double)"/>).</summary>
    public bool KeySwitchUses32BitWords => KeySwitchIn32Bits(KsBaseLog, KsLevel, LweNoiseStdDev);

    /// <summary>Widest table lookup input (message + carry bits); FheGen's hard limit for a TLU is 16 bits.</summary>
    public const int MaxPrecisionBits = 16;

    /// <summary>Creates and validates a parameter set, which must be 128-bit secure.</summary>
    /// <param name="messageBits">Message bits (at least 1).</param>
    /// <param name="carryBits">Carry bits above the message (0 for a plain TLU input).</param>
    /// <param name="lweDimension">Small LWE dimension n (the PBS input, keyswitch output).</param>
    /// <param name="glweDimension">GLWE dimension k.</param>
    /// <param name="polynomialSize">Polynomial size N: a power of two in [256, 65536].</param>
    /// <param name="lweNoiseStdDev">Torus standard deviation of the LWE (keyswitching key) noise.</param>
    /// <param name="glweNoiseStdDev">Torus standard deviation of the GLWE (bootstrapping key) noise.</param>
    /// <param name="pbsBaseLog">log2 of the PBS gadget base.</param>
    /// <param name="pbsLevel">Number of PBS decomposition levels.</param>
    /// <param name="ksBaseLog">log2 of the keyswitch gadget base.</param>
    /// <param name="ksLevel">Number of keyswitch decomposition levels.</param>
    /// <param name="ciphertextModulusLog">log2 q; must be 64.</param>
    /// <exception cref="ArgumentException">A value is out of range, the combination is inconsistent, or the set is below the
    /// 128-bit security curve (and was not named by <see cref="CreateInsecureForTesting"/>).</exception>
    public TfheParameters(
        int messageBits,
        int carryBits,
        int lweDimension,
        int glweDimension,
        int polynomialSize,
        double lweNoiseStdDev,
        double glweNoiseStdDev,
        int pbsBaseLog,
        int pbsLevel,
        int ksBaseLog,
        int ksLevel,
        int ciphertextModulusLog = NativeCiphertextModulusLog)
        : this(messageBits, carryBits, lweDimension, glweDimension, polynomialSize, lweNoiseStdDev, glweNoiseStdDev,
            pbsBaseLog, pbsLevel, ksBaseLog, ksLevel, ciphertextModulusLog, allowInsecure: false)
    {
    }

    private TfheParameters(
        int messageBits,
        int carryBits,
        int lweDimension,
        int glweDimension,
        int polynomialSize,
        double lweNoiseStdDev,
        double glweNoiseStdDev,
        int pbsBaseLog,
        int pbsLevel,
        int ksBaseLog,
        int ksLevel,
        int ciphertextModulusLog,
        bool allowInsecure)
    {
        if (messageBits < 1)
            throw new ArgumentOutOfRangeException(nameof(messageBits), messageBits, "At least one message bit is required.");
        if (carryBits < 0)
            throw new ArgumentOutOfRangeException(nameof(carryBits), carryBits, "Carry bits cannot be negative.");
        if (messageBits + carryBits > MaxPrecisionBits)
            throw new ArgumentOutOfRangeException(nameof(carryBits), carryBits,
                $"Message + carry bits = {messageBits + carryBits} exceeds the {MaxPrecisionBits}-bit limit of a table lookup.");
        if (lweDimension < 1)
            throw new ArgumentOutOfRangeException(nameof(lweDimension), lweDimension, "The LWE dimension n must be positive.");
        if (glweDimension < 1)
            throw new ArgumentOutOfRangeException(nameof(glweDimension), glweDimension, "The GLWE dimension k must be positive.");
        if (polynomialSize < MinPolynomialSize || polynomialSize > MaxPolynomialSize || (polynomialSize & (polynomialSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(polynomialSize), polynomialSize,
                $"The polynomial size N must be a power of two in [{MinPolynomialSize}, {MaxPolynomialSize}].");
        if ((long)glweDimension * polynomialSize > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(glweDimension), glweDimension, "k·N does not fit in an int.");
        CheckStdDev(lweNoiseStdDev, nameof(lweNoiseStdDev));
        CheckStdDev(glweNoiseStdDev, nameof(glweNoiseStdDev));
        CheckDecomposition(pbsBaseLog, pbsLevel, nameof(pbsBaseLog), nameof(pbsLevel), "PBS");
        CheckDecomposition(ksBaseLog, ksLevel, nameof(ksBaseLog), nameof(ksLevel), "keyswitch");
        if (ciphertextModulusLog != NativeCiphertextModulusLog)
            throw new ArgumentOutOfRangeException(nameof(ciphertextModulusLog), ciphertextModulusLog,
                "Only the native ciphertext modulus q = 2^64 is supported.");

        // After the modulus switch to 2N, the 2^(p+1) boxes of the padded plaintext space share 2N torus points,
        // and the test polynomial (N coefficients) covers the half with padding bit 0: N / 2^p coefficients per box.
        // Fewer than one coefficient per box cannot encode a table, hence N >= 2^p.
        int precision = messageBits + carryBits;
        if (polynomialSize < (1 << precision))
            throw new ArgumentOutOfRangeException(nameof(polynomialSize), polynomialSize,
                $"N = {polynomialSize} cannot hold a {precision}-bit table: the PBS needs N >= 2^{precision} = {1 << precision} " +
                "(2^(p+1) boxes, padding included, over the 2N points of the modulus-switched torus).");

        MessageBits = messageBits;
        CarryBits = carryBits;
        LweDimension = lweDimension;
        GlweDimension = glweDimension;
        PolynomialSize = polynomialSize;
        LweNoiseStdDev = lweNoiseStdDev;
        GlweNoiseStdDev = glweNoiseStdDev;
        PbsBaseLog = pbsBaseLog;
        PbsLevel = pbsLevel;
        KsBaseLog = ksBaseLog;
        KsLevel = ksLevel;
        CiphertextModulusLog = ciphertextModulusLog;
        if (!allowInsecure && !InsecureSets.ContainsKey(this))
            Security.EnsureSecure(this);
    }

    /// <summary>
    /// Creates a parameter set without the 128-bit security check, for tests that need small, fast keys. The set is
    /// remembered for the life of the process, so that the constructor, <see cref="Parse(string)"/> and therefore the
    /// key readers accept this exact set again (a round trip through bytes); no other set below the curve is accepted.
    /// Never use it for data that matters: such keys can be broken.
    /// </summary>
    /// <inheritdoc cref="TfheParameters(int, int, int, int, int, double, double, int, int, int, int, int)"/>
    public static TfheParameters CreateInsecureForTesting(
        int messageBits,
        int carryBits,
        int lweDimension,
        int glweDimension,
        int polynomialSize,
        double lweNoiseStdDev,
        double glweNoiseStdDev,
        int pbsBaseLog,
        int pbsLevel,
        int ksBaseLog,
        int ksLevel,
        int ciphertextModulusLog = NativeCiphertextModulusLog)
    {
        var set = new TfheParameters(messageBits, carryBits, lweDimension, glweDimension, polynomialSize, lweNoiseStdDev, glweNoiseStdDev,
            pbsBaseLog, pbsLevel, ksBaseLog, ksLevel, ciphertextModulusLog, allowInsecure: true);
        if (!Security.IsSecure(set)) InsecureSets.TryAdd(set, 0);
        return set;
    }

    // The insecure sets this process named explicitly; see CreateInsecureForTesting.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<TfheParameters, byte> InsecureSets = new();

    /// <summary>Message bits.</summary>
    public int MessageBits { get; }

    /// <summary>Carry bits above the message (0 for a plain TLU input).</summary>
    public int CarryBits { get; }

    /// <summary>Width p of a table lookup input: message + carry bits (the padding bit comes on top).</summary>
    public int PrecisionBits => MessageBits + CarryBits;

    /// <summary>Small LWE dimension n.</summary>
    public int LweDimension { get; }

    /// <summary>GLWE dimension k.</summary>
    public int GlweDimension { get; }

    /// <summary>Polynomial size N.</summary>
    public int PolynomialSize { get; }

    /// <summary>log2 N.</summary>
    public int Log2PolynomialSize => Numerics.Log2Exact(PolynomialSize);

    /// <summary>Dimension k·N of the big LWE key (sample extraction output, keyswitch input).</summary>
    public int BigLweDimension => GlweDimension * PolynomialSize;

    /// <summary>Torus standard deviation of the LWE noise (keyswitching key).</summary>
    public double LweNoiseStdDev { get; }

    /// <summary>Torus standard deviation of the GLWE noise (bootstrapping key).</summary>
    public double GlweNoiseStdDev { get; }

    /// <summary>log2 of the PBS gadget base.</summary>
    public int PbsBaseLog { get; }

    /// <summary>PBS decomposition levels.</summary>
    public int PbsLevel { get; }

    /// <summary>log2 of the keyswitch gadget base.</summary>
    public int KsBaseLog { get; }

    /// <summary>Keyswitch decomposition levels.</summary>
    public int KsLevel { get; }

    /// <summary>log2 of the ciphertext modulus q (always 64).</summary>
    public int CiphertextModulusLog { get; }

    /// <summary>
    /// Stable identifier, e.g. <c>m2c2-n834-k1-N2048-pbs23x1-ks3x5-slwe3.5539902359442825E-06-sglwe2.845267479601915E-15-q64</c>.
    /// Standard deviations use the shortest form that parses back to the same double (17 digits at worst), so
    /// <see cref="Parse(string)"/> gives back an equal set.
    /// </summary>
    public string Id => Numerics.Invariant($"m{MessageBits}c{CarryBits}-n{LweDimension}-k{GlweDimension}-N{PolynomialSize}") +
        Numerics.Invariant($"-pbs{PbsBaseLog}x{PbsLevel}-ks{KsBaseLog}x{KsLevel}") +
        Numerics.Invariant($"-slwe{FormatRoundTrip(LweNoiseStdDev)}-sglwe{FormatRoundTrip(GlweNoiseStdDev)}-q{CiphertextModulusLog}");

    /// <summary>
    /// Checks the set again and, when <paramref name="requireSecure"/> is true, that both its LWE side (n, sigma_lwe)
    /// and its GLWE side (k·N, sigma_glwe) are on or above the 128-bit security curve (only a set made by
    /// <see cref="CreateInsecureForTesting"/> can fail this).
    /// </summary>
    /// <param name="requireSecure">Whether to enforce 128-bit security.</param>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentException">The set is below the 128-bit curve (message names the side and numbers).</exception>
    public TfheParameters Validate(bool requireSecure = true)
    {
        if (requireSecure)
            Security.EnsureSecure(this);
        return this;
    }

    /// <summary>Parses an <see cref="Id"/> back into a validated parameter set.</summary>
    /// <exception cref="FormatException">The text is not a parameter set identifier, or describes an invalid set (one below
    /// the 128-bit security curve included).</exception>
    public static TfheParameters Parse(string id)
    {
        Numerics.ThrowIfNull(id, nameof(id));
        if (!TryParse(id, out TfheParameters? parameters, out string? error))
            throw new FormatException($"'{id}' is not a valid TFHE parameter set id: {error}");
        return parameters;
    }

    /// <summary>Parses an <see cref="Id"/>; returns false instead of throwing.</summary>
    public static bool TryParse(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TfheParameters? parameters)
        => TryParse(id, out parameters, out _);

    /// <summary>Returns <see cref="Id"/>.</summary>
    public override string ToString() => Id;

    private static readonly Regex IdPattern = new(
        @"^m(\d+)c(\d+)-n(\d+)-k(\d+)-N(\d+)-pbs(\d+)x(\d+)-ks(\d+)x(\d+)" +
        @"-slwe([0-9.]+(?:E[-+]?[0-9]+)?)-sglwe([0-9.]+(?:E[-+]?[0-9]+)?)-q(\d+)$",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static bool TryParse(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TfheParameters? parameters, out string? error)
    {
        parameters = null;
        if (id is null)
        {
            error = "null";
            return false;
        }

        Match m = IdPattern.Match(id);
        if (!m.Success)
        {
            error = "expected m<msg>c<carry>-n<n>-k<k>-N<N>-pbs<base>x<level>-ks<base>x<level>-slwe<sigma>-sglwe<sigma>-q<log q>";
            return false;
        }

        var ints = new int[12];
        foreach (int g in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 12 })
        {
            if (!int.TryParse(m.Groups[g].Value, NumberStyles.None, CultureInfo.InvariantCulture, out ints[g - 1]))
            {
                error = $"'{m.Groups[g].Value}' is not a valid integer";
                return false;
            }
        }

        if (!double.TryParse(m.Groups[10].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double sLwe) ||
            !double.TryParse(m.Groups[11].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double sGlwe))
        {
            error = "invalid standard deviation";
            return false;
        }

        try
        {
            parameters = new TfheParameters(ints[0], ints[1], ints[2], ints[3], ints[4], sLwe, sGlwe, ints[5], ints[6], ints[7], ints[8], ints[11]);
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static string FormatRoundTrip(double value)
    {
        // "R" is meant to be the shortest round-trip form, but .NET 10 gets some powers of two wrong (2^-25 prints as
        // 2.980232238769531E-08, which parses to the double below it); fall back to 17 digits, which always round-trip.
        string shortest = value.ToString("R", CultureInfo.InvariantCulture);
        return double.Parse(shortest, NumberStyles.Float, CultureInfo.InvariantCulture) == value
            ? shortest
            : value.ToString("G17", CultureInfo.InvariantCulture);
    }

    private static void CheckStdDev(double sigma, string name)
    {
        // A torus std-dev of 1/2 or more is uniform noise: no message survives, so it is certainly a typo.
        if (!Numerics.IsFinite(sigma) || sigma <= 0 || sigma >= 0.5)
            throw new ArgumentOutOfRangeException(name, sigma, "A torus noise standard deviation must be finite and in (0, 0.5).");
    }

    private static void CheckDecomposition(int baseLog, int level, string baseName, string levelName, string what)
    {
        if (baseLog < 1)
            throw new ArgumentOutOfRangeException(baseName, baseLog, $"The {what} base log must be at least 1.");
        if (level < 1)
            throw new ArgumentOutOfRangeException(levelName, level, $"The {what} decomposition needs at least one level.");
        // The decomposition keeps the top base_log·level bits of a 64-bit torus value.
        if ((long)baseLog * level > NativeCiphertextModulusLog)
            throw new ArgumentOutOfRangeException(levelName, level,
                $"The {what} decomposition base_log·level = {baseLog}·{level} = {baseLog * level} exceeds {NativeCiphertextModulusLog} bits.");
    }
}
