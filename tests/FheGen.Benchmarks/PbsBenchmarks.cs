using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FheGen.Compiler.Parameters;

namespace FheGen.Benchmarks;

/// <summary>
/// One table lookup under TFHE (keyswitch then programmable bootstrapping, on one thread) at each width
/// <see cref="Bits"/>, with the parameter set <see cref="ParameterSelector"/> picks for p_error 2^-40 (the models'
/// default). Keys are generated in the global setup, which also checks that the lookup decrypts to the table entry.
/// The widths come from <c>FHEGEN_PBS_BITS</c> ("2-8" by default; CI uses "2,4", since key generation grows to minutes
/// at 7 and 8 bits). The <c>vs 4-bit</c> column is the ratio of medians to the 4-bit case of the same run.
/// </summary>
[Config(typeof(Config))]
[BenchmarkCategory("Tfhe")]
public class PbsBenchmarks
{
    /// <summary>The p_error the parameter sets are selected for, as log2.</summary>
    public const double Log2PError = -40;

    /// <summary>The width the ratio column divides by.</summary>
    public const int BaselineBits = 4;

    /// <summary>Environment variable that lists the widths to run ("2-8", "2,4").</summary>
    public const string BitsVariable = "FHEGEN_PBS_BITS";

    private PbsFixture _fixture = null!;

    /// <summary>Lookup input width p.</summary>
    [ParamsSource(nameof(Widths))]
    public int Bits { get; set; }

    /// <summary>The widths to run: <c>FHEGEN_PBS_BITS</c>, else 2..8. Read by the host process only.</summary>
    public static IEnumerable<int> Widths()
    {
        string? text = Environment.GetEnvironmentVariable(BitsVariable);
        return string.IsNullOrWhiteSpace(text) ? Enumerable.Range(2, 7) : PbsFixture.ParseBits(text);
    }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = PbsFixture.Create(Bits, Log2PError);
        var p = _fixture.Parameters;
        var server = _fixture.Server;
        // The columns compute the key sizes from the shape in the host process; make sure that matches the real keys.
        if (server.BootstrapKey.SizeInBytes != PbsFixture.BootstrapKeyBytes(p) || server.KeySwitchKey.SizeInBytes != PbsFixture.KeySwitchKeyBytes(p))
        {
            throw new InvalidOperationException(
                $"Key sizes {server.BootstrapKey.SizeInBytes} / {server.KeySwitchKey.SizeInBytes} bytes differ from the shape formulas " +
                $"{PbsFixture.BootstrapKeyBytes(p)} / {PbsFixture.KeySwitchKeyBytes(p)}.");
        }

        _fixture.Apply();
        ulong got = _fixture.DecryptOutput();
        if (got != _fixture.Table[_fixture.Message])
        {
            throw new InvalidOperationException($"{Bits}-bit lookup of {_fixture.Message} decrypted to {got}, expected {_fixture.Table[_fixture.Message]}.");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// {Bits} bits: {PbsFixture.Shape(p)}; log2 p_fail {_fixture.Selection.Log2PFail:F2}; keys generated in {_fixture.KeyGeneration.TotalSeconds:F1} s; " +
            $"BSK {server.BootstrapKey.SizeInBytes:N0} B ({PbsFixture.Size(server.BootstrapKey.SizeInBytes)}), " +
            $"KSK {server.KeySwitchKey.SizeInBytes:N0} B ({PbsFixture.Size(server.KeySwitchKey.SizeInBytes)}); lookup checked"));
    }

    /// <summary>Keyswitch k·N → n, then PBS back to k·N, on the calling thread.</summary>
    [Benchmark]
    public void KeySwitchAndPbs() => _fixture.Apply();

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // Median and Min next to the default Mean: other work on the machine skews a mean more than a median.
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
            AddColumn(new ParametersColumn(), new KeySizeColumn(bootstrap: true), new KeySizeColumn(bootstrap: false), new RatioToBaselineColumn());
        }
    }

    private static TfheParameters ParametersOf(BenchmarkCase benchmarkCase)
        => ParameterSelector.SelectForLog2PError(BitsOf(benchmarkCase), Log2PError).Parameters;

    private static int BitsOf(BenchmarkCase benchmarkCase) => (int)benchmarkCase.Parameters[nameof(Bits)];

    /// <summary>Base class of the custom columns: static text, computed in the host process.</summary>
    private abstract class TextColumn : IColumn
    {
        public abstract string Id { get; }
        public abstract string ColumnName { get; }
        public abstract string Legend { get; }
        public abstract int PriorityInCategory { get; }
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public bool IsNumeric => false;
        public UnitType UnitType => UnitType.Dimensionless;
        public abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase);
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
    }

    private sealed class ParametersColumn : TextColumn
    {
        public override string Id => "PbsParameters";
        public override string ColumnName => "Parameters";
        public override string Legend => "The parameter set ParameterSelector picks at p_error 2^-40 (128-bit security, 2-norm 1)";
        public override int PriorityInCategory => 0;
        public override string GetValue(Summary summary, BenchmarkCase benchmarkCase) => PbsFixture.Shape(ParametersOf(benchmarkCase));
    }

    private sealed class KeySizeColumn(bool bootstrap) : TextColumn
    {
        public override string Id => bootstrap ? "BootstrapKeySize" : "KeySwitchKeySize";
        public override string ColumnName => bootstrap ? "BSK" : "KSK";
        public override string Legend => bootstrap
            ? "Bootstrapping key size in memory (Fourier domain), checked against ServerKey.BootstrapKey.SizeInBytes in the setup"
            : "Keyswitching key size in memory, checked against ServerKey.KeySwitchKey.SizeInBytes in the setup";
        public override int PriorityInCategory => bootstrap ? 1 : 2;
        public override string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var p = ParametersOf(benchmarkCase);
            return PbsFixture.Size(bootstrap ? PbsFixture.BootstrapKeyBytes(p) : PbsFixture.KeySwitchKeyBytes(p));
        }
    }

    /// <summary>BenchmarkDotNet's Ratio compares methods, not parameter values; this compares medians across widths.</summary>
    private sealed class RatioToBaselineColumn : TextColumn
    {
        public override string Id => "RatioToBaselineBits";
        public override string ColumnName => $"vs {BaselineBits}-bit";
        public override string Legend => $"Median over the {BaselineBits}-bit case's median, same run";
        public override int PriorityInCategory => 3;
        public override string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            double? Median(BenchmarkCase c) => summary[c]?.ResultStatistics?.Median;
            var baseline = summary.BenchmarksCases.FirstOrDefault(c =>
                BitsOf(c) == BaselineBits && c.Descriptor == benchmarkCase.Descriptor && c.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo);
            double? own = Median(benchmarkCase), reference = baseline is null ? null : Median(baseline);
            return own is double o && reference is double r && r > 0 ? (o / r).ToString("0.00", CultureInfo.InvariantCulture) : "?";
        }
    }
}
