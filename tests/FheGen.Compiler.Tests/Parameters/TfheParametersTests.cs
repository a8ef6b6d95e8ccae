using System;
using CsCheck;
using FheGen.Compiler.Parameters;

namespace FheGen.Compiler.Tests.Parameters;


public class TfheParametersTests
{
    private static TfheParameters Make(
        int message = 2, int carry = 2, int n = 834, int k = 1, int bigN = 2048,
        double sLwe = 3.5539902359442825e-06, double sGlwe = 2.845267479601915e-15,
        int pbsB = 23, int pbsL = 1, int ksB = 3, int ksL = 5, int q = 64)
        => TfheParameters.CreateInsecureForTesting(message, carry, n, k, bigN, sLwe, sGlwe, pbsB, pbsL, ksB, ksL, q);

    [Fact]
    public void Properties_are_as_constructed()
    {
        TfheParameters p = KnownParameterSets.Message2Carry2.Parameters;
        Assert.Equal(2, p.MessageBits);
        Assert.Equal(2, p.CarryBits);
        Assert.Equal(4, p.PrecisionBits);
        Assert.Equal(834, p.LweDimension);
        Assert.Equal(1, p.GlweDimension);
        Assert.Equal(2048, p.PolynomialSize);
        Assert.Equal(11, p.Log2PolynomialSize);
        Assert.Equal(2048, p.BigLweDimension);
        Assert.Equal(23, p.PbsBaseLog);
        Assert.Equal(1, p.PbsLevel);
        Assert.Equal(3, p.KsBaseLog);
        Assert.Equal(5, p.KsLevel);
        Assert.Equal(64, p.CiphertextModulusLog);
    }

    [Fact]
    public void Id_is_stable_and_readable()
    {
        Assert.Equal(
            "m2c2-n834-k1-N2048-pbs23x1-ks3x5-slwe3.5539902359442825E-06-sglwe2.845267479601915E-15-q64",
            KnownParameterSets.Message2Carry2.Parameters.Id);
        Assert.Equal(KnownParameterSets.Message2Carry2.Parameters.Id, KnownParameterSets.Message2Carry2.Parameters.ToString());
    }

    [Fact]
    public void Known_sets_round_trip_through_their_id()
    {
        foreach (KnownParameterSet set in KnownParameterSets.All)
        {
            TfheParameters parsed = TfheParameters.Parse(set.Parameters.Id);
            Assert.Equal(set.Parameters, parsed);
            Assert.Equal(set.Parameters.GetHashCode(), parsed.GetHashCode());
        }
    }

    [Fact]
    public void Random_sets_round_trip_through_their_id()
    {
        Gen.Select(
                Gen.Select(Gen.Int[1, 4], Gen.Int[0, 4], Gen.Int[1, 4000], Gen.Int[1, 4]),
                Gen.Select(Gen.Int[9, 16], Gen.Double[-60, -1.1], Gen.Double[-62, -1.1], Gen.Int[1, 4]))
            .Sample(t =>
            {
                ((int m, int c, int n, int k), (int logN, double logSl, double logSg, int l)) = t;
                var p = TfheParameters.CreateInsecureForTesting(m, c, n, k, 1 << logN, Math.Pow(2, logSl), Math.Pow(2, logSg), 64 / l, l, 1, 12);
                TfheParameters back = TfheParameters.Parse(p.Id);
                Assert.Equal(p, back);
                Assert.Equal(p.Id, back.Id);
            }, iter: 300);
    }

    [Fact]
    public void Id_round_trips_powers_of_two_that_dotnet_R_format_gets_wrong()
    {
        // .NET formats 2^-25 with "R" as 2.980232238769531E-08, which parses to the double just below 2^-25.
        var p = TfheParameters.CreateInsecureForTesting(2, 1, 1087, 3, 512, Math.Pow(2, -19), Math.Pow(2, -25), 32, 2, 1, 12);
        Assert.Contains("sglwe2.9802322387695312E-08", p.Id, StringComparison.Ordinal);
        Assert.Equal(p, TfheParameters.Parse(p.Id));
    }

    [Fact]
    public void Value_equality()
    {
        Assert.Equal(Make(), Make());
        Assert.Equal(Make().GetHashCode(), Make().GetHashCode());
        Assert.NotEqual(Make(), Make(n: 835));
        Assert.NotEqual(Make(), Make(sLwe: 3.6e-06));
        Assert.NotEqual(Make(), Make(message: 4, carry: 0)); // same precision, different layout
        Assert.NotEqual(Make(ksB: 3, ksL: 5), Make(ksB: 5, ksL: 3));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("m2c2-n834-k1-N2000-pbs23x1-ks3x5-slwe3.5E-06-sglwe2.8E-15-q64")] // N not a power of two
    [InlineData("m2c2-n834-k1-N2048-pbs23x1-ks3x5-slwe3.5E-06-sglwe2.8E-15-q32")] // unsupported modulus
    [InlineData("m2c2-n834-k1-N2048-pbs23x1-ks3x5-slwe3.5E-06-sglwe2.8E-15")]     // truncated
    public void Parse_rejects_bad_ids(string id)
    {
        Assert.False(TfheParameters.TryParse(id, out _));
        Assert.Throws<FormatException>(() => TfheParameters.Parse(id));
    }

    [Fact]
    public void Validation_errors_are_clear()
    {
        AssertRejects(() => Make(message: 0), "messageBits", "At least one message bit");
        AssertRejects(() => Make(carry: -1), "carryBits", "cannot be negative");
        AssertRejects(() => Make(message: 9, carry: 8, bigN: 65536), "carryBits", "exceeds the 16-bit limit");
        AssertRejects(() => Make(n: 0), "lweDimension", "must be positive");
        AssertRejects(() => Make(k: 0), "glweDimension", "must be positive");
        AssertRejects(() => Make(bigN: 3000), "polynomialSize", "power of two in [256, 65536]");
        AssertRejects(() => Make(bigN: 128), "polynomialSize", "power of two");
        AssertRejects(() => Make(bigN: 131072), "polynomialSize", "power of two");
        AssertRejects(() => Make(sLwe: 0), "lweNoiseStdDev", "(0, 0.5)");
        AssertRejects(() => Make(sLwe: double.NaN), "lweNoiseStdDev", "finite");
        AssertRejects(() => Make(sGlwe: 0.5), "glweNoiseStdDev", "(0, 0.5)");
        AssertRejects(() => Make(sGlwe: -1e-15), "glweNoiseStdDev", "(0, 0.5)");
        AssertRejects(() => Make(pbsB: 0), "pbsBaseLog", "PBS base log");
        AssertRejects(() => Make(pbsL: 0), "pbsLevel", "at least one level");
        AssertRejects(() => Make(pbsB: 33, pbsL: 2), "pbsLevel", "base_log·level = 33·2 = 66 exceeds 64");
        AssertRejects(() => Make(ksB: 6, ksL: 11), "ksLevel", "keyswitch decomposition base_log·level = 6·11 = 66");
        AssertRejects(() => Make(q: 32), "ciphertextModulusLog", "2^64");
        // 10-bit lookups need N >= 1024: 2^11 boxes (padding included) over the 2N = 1024 switched torus points won't fit.
        AssertRejects(() => Make(message: 10, carry: 0, bigN: 512), "polynomialSize", "N >= 2^10 = 1024");
    }

    [Fact]
    public void Edge_values_are_accepted()
    {
        _ = Make(bigN: 256, message: 4, carry: 4);        // N = 2^p exactly: one coefficient per box
        _ = Make(bigN: 65536, message: 16, carry: 0);
        _ = Make(pbsB: 32, pbsL: 2, ksB: 1, ksL: 64);     // base_log·level = 64 exactly
    }

    [Fact]
    public void Validate_without_security_returns_the_same_instance()
    {
        TfheParameters weak = Make(n: 700, sLwe: Math.Pow(2, -20));
        Assert.Same(weak, weak.Validate(requireSecure: false));
        TfheParameters known = KnownParameterSets.Message2Carry2.Parameters;
        Assert.Same(known, known.Validate());
    }

    private static void AssertRejects(Func<TfheParameters> create, string paramName, string messagePart)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => create());
        Assert.Equal(paramName, e.ParamName);
        Assert.Contains(messagePart, e.Message, StringComparison.Ordinal);
    }
}
