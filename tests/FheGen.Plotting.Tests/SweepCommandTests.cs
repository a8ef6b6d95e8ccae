using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using FheGen.Compiler.Model;
using FheGen.Training;
using FheGen.Training.Sweeps;

namespace FheGen.Plotting.Tests;

/// <summary>A small trained 8-12-3 model on synthetic data, as a sample would hand it to the command.</summary>
public sealed class TinyModel
{
    public TinyModel()
    {
        var random = new Random(5);
        var w = Enumerable.Range(0, 24).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Dataset Make(int count)
        {
            var x = new float[count * 8];
            var y = new int[count];
            for (int r = 0; r < count; r++)
            {
                for (int i = 0; i < 8; i++) x[r * 8 + i] = random.Next(0, 17);
                var scores = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 8).Sum(i => w[c * 8 + i] * x[r * 8 + i])).ToArray();
                y[r] = Array.IndexOf(scores, scores.Max());
            }
            return new Dataset(x, y, 8, 3);
        }
        Train = Make(400);
        Test = Make(200);
        var model = MlpTrainer.Train(Train, new MlpTrainerOptions { HiddenSizes = new[] { 12 }, Epochs = 20, Seed = 1 });
        var layers = new[]
        {
            new LayerSpec { Name = "Hidden", Outputs = 12, Activation = ActivationKind.Relu, Weights = EquatableArray<float>.Empty },
            new LayerSpec { Name = "Output", Outputs = 3, Activation = ActivationKind.Identity, Weights = EquatableArray<float>.Empty },
        };
        var spec = new ModelSpec
        {
            Name = "Tiny",
            Inputs = 8,
            InputBits = 4,
            InputMin = 0,
            InputMax = 16,
            PbsBudgetBits = 8,
            PError = Math.Pow(2, -40),
            Layers = new EquatableArray<LayerSpec>(layers),
            Quantize = EquatableArray.Of(new QuantizeSetting(null, 4, 4, null)),
        };
        Spec = TrainedModelSpec.WithWeights(spec, model, ActivationCalibrator.Calibrate(model, Train));
    }

    public Dataset Train { get; }

    public Dataset Test { get; }

    public ModelSpec Spec { get; }

    public int PruningLoads;

    /// <summary>8 points: no pruning or half the hidden layer, 3- or 4-bit weights, no rounding or a 5-bit TLU.</summary>
    public SweepTarget Target() => new("Tiny", Spec, limit => limit is int n && n < Test.Count ? Test.Subset(Enumerable.Range(0, n).ToArray()) : Test,
        Sweep.Grid(new double?[] { null, 0.5 }, new[] { 3, 4 }, new[] { 4 }, new int?[] { null }, new int?[] { null, 5 }, new[] { RoundingKind.Exact }, new[] { Math.Pow(2, -40) }))
    {
        QuickGrid = Sweep.Grid(new[] { 4 }, new[] { 4 }, new int?[] { null }, new int?[] { 5 }, new[] { RoundingKind.Exact }, new[] { Math.Pow(2, -40) }),
        LoadPruningData = () =>
        {
            Interlocked.Increment(ref PruningLoads);
            return Train;
        },
    };
}

public sealed class SweepCommandTests : IClassFixture<TinyModel>, IDisposable
{
    private readonly TinyModel _model;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"fhegen-sweep-{Guid.NewGuid():N}");

    public SweepCommandTests(TinyModel model) => _model = model;

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A writer that cancels once it has seen <paramref name="lines"/> progress lines ("[n/N] ...").</summary>
    private sealed class CancellingWriter(CancellationTokenSource source, int lines) : StringWriter
    {
        private int _seen;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith('[') == true && ++_seen == lines) source.Cancel();
        }
    }

    private (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = SweepCommand.Run(_model.Target(), args, output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void It_writes_the_checkpoint_report_and_picture_and_a_rerun_measures_nothing()
    {
        var (exit, output, error) = Run("--out", _folder);
        Assert.True(exit == 0, output + error);
        Assert.Contains("sweep of Tiny: 8 points on 200 test samples", output);
        Assert.Equal(8, output.Split('\n').Count(l => l.StartsWith('[')));
        Assert.Contains("[8/8] w4/a4/s0.5/kall/r5/p", output);
        Assert.Contains("Pareto front: ", output);
        Assert.Contains("measured 8 points, resumed 0", output);

        string checkpoint = Path.Combine(_folder, SweepCommand.CheckpointFile);
        Assert.Equal(8, File.ReadAllLines(checkpoint).Length);
        var report = SweepReport.Read(Path.Combine(_folder, SweepCommand.ReportFile));
        Assert.Equal(("Tiny", 8, 8, 200, 42UL), (report.Model, report.GridSize, report.Results.Count, report.TestSamples, report.Seed));
        Assert.Equal(Sweep.ParetoFront(report.Results), report.ParetoFront);
        Assert.Contains(Sweep.FormatTable(report.ParetoFront), output.Replace("\r\n", "\n").Replace("\n", Environment.NewLine));
        Assert.Equal((ParetoPlot.DefaultWidth, ParetoPlot.DefaultHeight), ParetoPlotTests.PngSize(File.ReadAllBytes(Path.Combine(_folder, SweepCommand.PlotFile))));
        // The figures are the library's: the command adds no measurement of its own.
        var direct = Sweep.Run(_model.Spec, _model.Test, _model.Target().Grid, new SweepOptions { PruningData = _model.Train });
        Assert.Equal(direct, report.Results);

        byte[] before = File.ReadAllBytes(checkpoint);
        var again = Run("--out", _folder);
        Assert.Equal(0, again.Exit);
        Assert.Contains("resuming: 8 of 8 points are in", again.Output);
        Assert.DoesNotContain(again.Output.Split('\n'), l => l.StartsWith('['));
        Assert.Contains("measured 0 points, resumed 8", again.Output);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
        Assert.Equal(report.Results, SweepReport.Read(Path.Combine(_folder, SweepCommand.ReportFile)).Results);
    }

    [Fact]
    public void Cancelling_keeps_the_finished_points_and_the_same_command_resumes()
    {
        using var cancel = new CancellationTokenSource();
        var output = new CancellingWriter(cancel, 3);
        int exit = SweepCommand.Run(_model.Target(), new[] { "--out", _folder }, output, new StringWriter(), cancel.Token);
        Assert.Equal(SweepCommand.CancelledExitCode, exit);
        Assert.Contains("3 of 8 points are in", output.ToString());
        Assert.Contains("run the same command again to resume", output.ToString());
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_folder, SweepCommand.CheckpointFile)).Length);
        Assert.False(File.Exists(Path.Combine(_folder, SweepCommand.ReportFile)));

        var resumed = Run("--out", _folder);
        Assert.Equal(0, resumed.Exit);
        Assert.Contains("resuming: 3 of 8 points are in", resumed.Output);
        Assert.Contains("measured 5 points, resumed 3", resumed.Output);
        Assert.Equal(5, resumed.Output.Split('\n').Count(l => l.StartsWith('[')));
        Assert.Contains("[4/8]", resumed.Output);
        Assert.Equal(8, File.ReadAllLines(Path.Combine(_folder, SweepCommand.CheckpointFile)).Length);
    }

    [Fact]
    public void Bad_arguments_and_a_folder_of_another_sweep_are_clear_errors()
    {
        foreach (var (args, message) in new[]
        {
            (new[] { "--limit", "0" }, "--limit takes a positive number of test samples, not '0'"),
            (new[] { "--limit", "ten" }, "--limit takes a positive number of test samples, not 'ten'"),
            (new[] { "--limit" }, "unknown or incomplete argument '--limit'"),
            (new[] { "--out" }, "unknown or incomplete argument '--out'"),
            (new[] { "--out", "--quick" }, "unknown or incomplete argument '--out'"),
            (new[] { "--json", "x" }, "unknown or incomplete argument '--json'"),
        })
        {
            var (exit, output, error) = Run(new[] { "--out", _folder }.Concat(args).ToArray());
            Assert.Equal(2, exit);
            Assert.Contains(message, error);
            Assert.Contains("--out DIR", error); // the usage follows
            Assert.Equal("", output);
        }
        Assert.False(Directory.Exists(_folder)); // nothing is written before the arguments are read

        Assert.Equal(0, Run("--out", _folder, "--quick", "--limit", "50").Exit);
        var other = Run("--out", _folder, "--quick");
        Assert.Equal(1, other.Exit);
        Assert.Contains("holds a sweep measured otherwise (Tiny on 50 test samples, seed 42; this run: Tiny on 200 test samples, seed 42)", other.Error);
        Assert.Single(File.ReadAllLines(Path.Combine(_folder, SweepCommand.CheckpointFile)));
    }

    [Fact]
    public void Training_rows_are_loaded_only_for_a_grid_that_prunes_neurons()
    {
        int before = _model.PruningLoads;
        Assert.Equal(0, Run("--out", _folder, "--quick").Exit);
        Assert.Equal(before, _model.PruningLoads);
        Assert.Equal(0, Run("--out", _folder).Exit);
        Assert.Equal(before + 1, _model.PruningLoads);
        var target = _model.Target() with { QuickGrid = null };
        var error = new StringWriter();
        Assert.Equal(2, SweepCommand.Run(target, new[] { "--quick" }, new StringWriter(), error, CancellationToken.None));
        Assert.Contains("Tiny has no quick grid", error.ToString());
    }
}
