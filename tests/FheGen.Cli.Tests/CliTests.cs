using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using FheGen.Backends;
using FheGen.Circuits;
using FheGen.Cli.Tests.TestModels;
using FheGen.Samples.Digits;
using FheGen.Training;

namespace FheGen.Cli.Tests;

public sealed class CliTests
{
    private static Dataset DigitsRows(int count)
    {
        var all = Dataset.LoadCsv(DigitsExperiment.DataPath, hasHeader: false, classes: 10);
        return all.Subset(Enumerable.Range(0, count).ToArray());
    }

    private static void WriteCsv(string path, Dataset data) =>
        File.WriteAllLines(path, Enumerable.Range(0, data.Count).Select(i =>
            string.Join(",", data.Row(i).ToArray().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "," + data.Y[i]));

    /// <summary>An ONNX model trained outside FheGen (TensorFlow.js; tests/FheGen.Onnx.Tests/Data/external), on pixels / 16.</summary>
    private static string ExternalOnnx(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "FheGen.Onnx.Tests", "Data", "external", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(name + " not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Import_writes_a_model_class_that_the_report_compiles_to_the_same_circuit()
    {
        using var temp = new CliRunner.TempFolder();
        var rows = DigitsRows(400);
        WriteCsv(temp.File("train.csv"), new Dataset(rows.X.Select(v => v / 16).ToArray(), rows.Y, rows.Features, rows.Classes));
        string model = temp.File(Path.Combine("Models", "Digits.cs"));

        var import = CliRunner.Run("import", ExternalOnnx("digits-gemm-relu.onnx"), "-o", model, "--name", "ImportedDigits", "--namespace", "My.App",
            "--calibrate", temp.File("train.csv"), "--round", "6", "--json");

        Assert.True(import.ExitCode == 0, import.Error);
        var json = import.Json();
        Assert.Equal("ImportedDigits", json.GetProperty("class").GetString());
        Assert.Equal(2, json.GetProperty("layers").GetInt32());
        Assert.Equal(400, json.GetProperty("calibration_rows").GetInt32());
        Assert.True(json.GetProperty("max_tlu_bits").GetInt32() <= 6);
        Assert.True(json.GetProperty("circuit_accuracy").GetDouble() > 0.85, import.Out);
        string weights = temp.File(Path.Combine("Models", "Digits.Weights.cs"));
        Assert.Equal(new[] { model, weights }.Order(), json.GetProperty("written").EnumerateArray().Select(p => Path.GetFullPath(p.GetString()!)).Order());
        Assert.Contains("namespace My.App", File.ReadAllText(model));

        // The written files are a model like any other: the generator compiles them to the circuit the import reported.
        var report = CliRunner.Run("report", "--source", model, weights, "--json");
        Assert.True(report.ExitCode == 0, report.Error);
        Assert.True(report.Json().GetProperty("compiles").GetBoolean());
        Assert.Equal(json.GetProperty("pbs").GetInt32(), report.Json().GetProperty("circuit").GetProperty("pbs").GetInt32());
    }

    [Fact]
    public void Import_errors_name_the_file_and_write_nothing()
    {
        using var temp = new CliRunner.TempFolder();
        File.WriteAllText(temp.File("broken.onnx"), "not a protobuf");
        string model = temp.File("M.cs");

        var broken = CliRunner.Run("import", temp.File("broken.onnx"), "-o", model, "--input-range", "0,1");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("broken.onnx", broken.Error);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.cs"));

        File.WriteAllText(temp.File("bad.csv"), "0.1,0.2,x\n");
        var badData = CliRunner.Run("import", ExternalOnnx("digits-gemm-relu.onnx"), "-o", model, "--calibrate", temp.File("bad.csv"));
        Assert.Equal(1, badData.ExitCode);
        Assert.Contains("bad.csv", badData.Error);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.cs"));

        Assert.Equal(2, CliRunner.Run("import", ExternalOnnx("digits-gemm-relu.onnx"), "--input-range", "0,1").ExitCode);             // no --out
        Assert.Equal(2, CliRunner.Run("import", ExternalOnnx("digits-gemm-relu.onnx"), "-o", model).ExitCode);                         // no range
        Assert.Equal(2, CliRunner.Run("import", ExternalOnnx("digits-gemm-relu.onnx"), "-o", model, "--input-range", "1,0").ExitCode); // empty range
        Assert.Equal(2, CliRunner.Run("import", ExternalOnnx("digits-gemm-relu.onnx"), "-o", model, "--input-range", "0,1", "--round", "17").ExitCode);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.cs"));
    }

    [Fact]
    public void Report_on_the_digits_assembly_matches_the_models_own_plan_and_accuracy()
    {
        using var temp = new CliRunner.TempFolder();
        var data = DigitsRows(200);
        WriteCsv(temp.File("test.csv"), data);

        var r = CliRunner.Run("report", "--assembly", CliRunner.DigitsAssembly, "--model", "FheGen.Samples.Digits.DigitsMlp", "--data", temp.File("test.csv"), "--json");

        Assert.True(r.ExitCode == 0, r.Error);
        var json = r.Json();
        var plan = DigitsMlp.Interpreter.Plan;
        var info = CircuitInfo.FromPlan(plan);
        var circuit = json.GetProperty("circuit");
        Assert.Equal("DigitsMlp", json.GetProperty("model").GetString());
        Assert.Equal(info.PbsCount, circuit.GetProperty("pbs").GetInt32());
        Assert.Equal(info.MaxTluInputBits, circuit.GetProperty("max_tlu_bits").GetInt32());
        Assert.Equal(info.Layers.Select(l => l.AccumulatorMax), circuit.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("accumulator_max").GetInt64()));
        Assert.Contains(json.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("id").GetString() == "FHE0006" && d.GetProperty("severity").GetString() == "info");
        var accuracy = json.GetProperty("accuracy");
        Assert.Equal(200, accuracy.GetProperty("samples").GetInt32());
        Assert.Equal(CircuitAccuracy.Clear(plan, data), accuracy.GetProperty("clear").GetDouble());
        Assert.Equal(CircuitAccuracy.Simulated(plan, data, 42), accuracy.GetProperty("simulated").GetDouble());

        // Without --json: the circuit table itself.
        var text = CliRunner.Run("report", "--assembly", CliRunner.DigitsAssembly, "--model", "FheGen.Samples.Digits.DigitsMlp");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains(info.ToTable(), text.Out.ReplaceLineEndings(Environment.NewLine));
    }

    [Fact]
    public void Report_on_source_files_equals_the_generated_model_and_locates_its_diagnostics()
    {
        var r = CliRunner.Run(["report", "--source", .. CliRunner.TinySources, "--json"]);

        Assert.True(r.ExitCode == 0, r.Error);
        var json = r.Json();
        var info = CircuitInfo.FromPlan(Tiny.Interpreter.Plan);
        var circuit = json.GetProperty("circuit");
        Assert.Equal("Tiny", json.GetProperty("model").GetString());
        Assert.True(json.GetProperty("compiles").GetBoolean());
        Assert.Equal(info.Inputs, circuit.GetProperty("inputs").GetInt32());
        Assert.Equal(info.Outputs, circuit.GetProperty("outputs").GetInt32());
        Assert.Equal(info.PbsCount, circuit.GetProperty("pbs").GetInt32());
        Assert.Equal(info.Layers.Select(l => (l.AccumulatorMin, l.AccumulatorMax, l.TluInputBits)),
            circuit.GetProperty("layers").EnumerateArray().Select(l => (l.GetProperty("accumulator_min").GetInt64(), l.GetProperty("accumulator_max").GetInt64(),
                l.GetProperty("output").GetBoolean() ? 0 : l.GetProperty("tlu_bits").GetInt32())).Select((t, i) => info.Layers[i].IsOutput ? (t.Item1, t.Item2, info.Layers[i].TluInputBits) : t));
        // The analyzer's FHE0006 summaries, one per layer, located in the model's file.
        var summaries = json.GetProperty("diagnostics").EnumerateArray().Where(d => d.GetProperty("id").GetString() == "FHE0006").ToList();
        Assert.Equal(2, summaries.Count);
        Assert.All(summaries, d => Assert.StartsWith(CliRunner.TinySources[0] + "(", d.GetProperty("location").GetString()));
    }

    [Fact]
    public void Report_on_a_source_with_errors_lists_them_with_locations_and_exits_1()
    {
        using var temp = new CliRunner.TempFolder();
        // The declaration alone: no weights file, so every layer lacks its weights (FHE0004, an error).
        File.Copy(CliRunner.TinySources[0], temp.File("Tiny.cs"));
        var r = CliRunner.Run("report", "--source", temp.File("Tiny.cs"), "--json");

        Assert.Equal(1, r.ExitCode);
        var json = r.Json();
        Assert.False(json.GetProperty("compiles").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("circuit").ValueKind);
        var errors = json.GetProperty("diagnostics").EnumerateArray().Where(d => d.GetProperty("severity").GetString() == "error").ToList();
        Assert.Equal(["FHE0004", "FHE0004"], errors.Select(d => d.GetProperty("id").GetString()));
        Assert.All(errors, d => Assert.StartsWith(temp.File("Tiny.cs") + "(", d.GetProperty("location").GetString()));

        // A C# error in otherwise valid sources is reported with its location, not as a crash.
        File.WriteAllText(temp.File("Broken.cs"), "namespace X; public static class Broken { static void F() { int x = \"no\"; } }");
        var broken = CliRunner.Run(["report", "--source", .. CliRunner.TinySources, temp.File("Broken.cs")]);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("CS0029", broken.Error);
        Assert.Contains("Broken.cs", broken.Error);
    }

    [Fact]
    public void Keygen_encrypt_run_decrypt_equals_the_clear_circuit()
    {
        using var temp = new CliRunner.TempFolder();
        float[][] rows = [[0.9f, 0.1f, 0.6f], [0.2f, 0.7f, 0.4f], [0f, 1f, 0.5f], [1f, 1f, 1f]];
        File.WriteAllLines(temp.File("rows.csv"), rows.Select(r => string.Join(",", r.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        string keys = temp.File("keys");

        var keygen = CliRunner.Run(["keygen", "--source", .. CliRunner.TinySources, "--out", keys, "--json"]);
        Assert.True(keygen.ExitCode == 0, keygen.Error);
        var files = keygen.Json().GetProperty("files");
        foreach (string name in new[] { "client_bundle", "secret_key", "evaluation_key", "server_bundle" })
            Assert.Equal(new FileInfo(files.GetProperty(name).GetProperty("path").GetString()!).Length, files.GetProperty(name).GetProperty("bytes").GetInt64());

        var encrypt = CliRunner.Run("encrypt", "--client", keys, "--data", temp.File("rows.csv"), "-o", temp.File("inputs.bin"));
        Assert.True(encrypt.ExitCode == 0, encrypt.Error);
        var run = CliRunner.Run("run", "--server-bundle", Path.Combine(keys, "server.bundle"), "--key", Path.Combine(keys, "evaluation.key"), temp.File("inputs.bin"), "-o", temp.File("outputs.bin"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("evaluating: 4/4", run.Error); // progress, on standard error
        var decrypt = CliRunner.Run("decrypt", "--client", keys, temp.File("outputs.bin"), "--json");
        Assert.True(decrypt.ExitCode == 0, decrypt.Error);

        var decrypted = decrypt.Json().GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(rows.Length, decrypted.Count);
        for (int i = 0; i < rows.Length; i++)
        {
            var q = new long[3];
            var clear = new long[2];
            Tiny.Io.QuantizeInputs(rows[i], q);
            Tiny.Interpreter.Run<ClearBackend, long>(default, q, clear);
            var y = new float[2];
            Tiny.Io.DequantizeOutputs(clear, y);
            Assert.Equal(clear, decrypted[i].GetProperty("accumulators").EnumerateArray().Select(v => v.GetInt64()));
            Assert.Equal(y, decrypted[i].GetProperty("outputs").EnumerateArray().Select(v => v.GetSingle()));
            Assert.Equal(CircuitAccuracy.ArgMax(y), decrypted[i].GetProperty("prediction").GetInt32());
        }

        // A damaged batch is refused naming the file; nothing is written.
        var damaged = File.ReadAllBytes(temp.File("outputs.bin"));
        damaged[damaged.Length / 2] ^= 1;
        File.WriteAllBytes(temp.File("damaged.bin"), damaged);
        var refused = CliRunner.Run("decrypt", "--client", keys, temp.File("damaged.bin"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(temp.File("damaged.bin") + ": checksum mismatch", refused.Error);
        // Inputs given where outputs are expected: the kind is checked.
        var swapped = CliRunner.Run("decrypt", "--client", keys, temp.File("inputs.bin"));
        Assert.Equal(1, swapped.ExitCode);
        Assert.Contains("batch of encrypted inputs, not a batch of encrypted outputs", swapped.Error);
        // A server bundle given as the client folder's bundle is refused by the library's container check.
        File.Copy(Path.Combine(keys, "server.bundle"), Path.Combine(keys, "client.bundle"), overwrite: true);
        var wrongBundle = CliRunner.Run("encrypt", "--client", keys, "--data", temp.File("rows.csv"), "-o", temp.File("again.bin"));
        Assert.Equal(1, wrongBundle.ExitCode);
        Assert.Contains(Path.Combine(keys, "client.bundle") + ":", wrongBundle.Error);
        Assert.False(File.Exists(temp.File("again.bin")));
    }

    [Fact]
    public void Sweep_then_plot_writes_a_report_and_a_png()
    {
        using var temp = new CliRunner.TempFolder();
        var rng = new Random(7);
        File.WriteAllLines(temp.File("test.csv"), Enumerable.Range(0, 40).Select(_ =>
            string.Join(",", Enumerable.Range(0, 3).Select(_ => rng.NextDouble().ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))) + "," + rng.Next(2)));
        string dir = temp.File("sweep");

        var sweep = CliRunner.Run(["sweep", "--source", .. CliRunner.TinySources, "--data", temp.File("test.csv"), "--out", dir,
            "--weight-bits", "2,3", "--activation-bits", "2", "--round-bits", "none,3", "--rounding", "exact", "--p-error", "0.001", "--json"]);

        Assert.True(sweep.ExitCode == 0, sweep.Error);
        var json = sweep.Json();
        Assert.Equal("Tiny", json.GetProperty("model").GetString());
        Assert.Equal(4, json.GetProperty("grid_size").GetInt32());
        Assert.Equal(40, json.GetProperty("test_samples").GetInt32());
        Assert.Contains("[4/4]", sweep.Error); // per-point progress on standard error with --json
        var report = FheGen.Training.Sweeps.SweepReport.Read(Path.Combine(dir, "sweep.json"));
        Assert.Equal(report.ParetoFront.Select(r => r.Point.Key), json.GetProperty("pareto_front").EnumerateArray().Select(p => p.GetProperty("key").GetString()));

        var plot = CliRunner.Run("plot", Path.Combine(dir, "sweep.json"), "-o", temp.File("front.png"), "--json");
        Assert.True(plot.ExitCode == 0, plot.Error);
        byte[] png = File.ReadAllBytes(temp.File("front.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(png.Length, plot.Json().GetProperty("bytes").GetInt32());
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("report")]                                              // no model
    [InlineData("report --assembly a.dll --source b.cs")]   // both
    [InlineData("report stray.cs")]                                  // a file without --source
    [InlineData("sweep --assembly a.dll")]                        // no --data
    [InlineData("sweep --assembly a.dll --data t.csv --weight-bits x")]
    [InlineData("keygen --assembly a.dll")]                       // no --out
    [InlineData("run in.bin --key k")]                         // no --server-bundle
    [InlineData("plot")]                                                // no report
    [InlineData("report --assembly a.dll --seed minus-one")]
    public void Bad_command_lines_exit_2_with_a_message(string commandLine)
    {
        var r = CliRunner.Run(commandLine.Split(' '));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usage error: ", r.Error);
    }

    [Fact]
    public void Bad_input_files_exit_1_naming_the_file_and_write_nothing()
    {
        using var temp = new CliRunner.TempFolder();
        string missing = temp.File("missing.dll");
        var noAssembly = CliRunner.Run("report", "--assembly", missing);
        Assert.Equal(1, noAssembly.ExitCode);
        Assert.Contains(missing + ": no such file", noAssembly.Error);

        File.WriteAllText(temp.File("not.dll"), "not an assembly");
        var notAssembly = CliRunner.Run("report", "--assembly", temp.File("not.dll"));
        Assert.Equal(1, notAssembly.ExitCode);
        Assert.Contains(temp.File("not.dll") + ": not a .NET assembly", notAssembly.Error);

        var noType = CliRunner.Run("report", "--assembly", CliRunner.DigitsAssembly, "--model", "No.Such.Type");
        Assert.Equal(1, noType.ExitCode);
        Assert.Contains("has no type 'No.Such.Type' (models: FheGen.Samples.Digits.DigitsMlp", noType.Error);

        File.WriteAllText(temp.File("ragged.csv"), "0.1,0.2,0.3,1\n0.1,0.2,1\n");
        var ragged = CliRunner.Run(["report", "--source", .. CliRunner.TinySources, "--data", temp.File("ragged.csv")]);
        Assert.Equal(1, ragged.ExitCode);
        Assert.Contains(temp.File("ragged.csv"), ragged.Error);

        File.WriteAllText(temp.File("sweep.json"), "{\"not\": \"a report\"}");
        var plot = CliRunner.Run("plot", temp.File("sweep.json"), "-o", temp.File("out.png"));
        Assert.Equal(1, plot.ExitCode);
        Assert.Contains(temp.File("sweep.json") + ": not a sweep report", plot.Error);
        Assert.False(File.Exists(temp.File("out.png")));

        var noClient = CliRunner.Run("encrypt", "--client", temp.File("nokeys"), "--data", temp.File("ragged.csv"), "-o", temp.File("in.bin"));
        Assert.Equal(1, noClient.ExitCode);
        Assert.Contains(temp.File("nokeys") + ": no such folder", noClient.Error);
        Assert.Empty(Directory.GetFiles(temp.Path, "in.bin*"));
    }

    [Fact]
    public void The_tool_runs_as_a_process()
    {
        var r = CliRunner.RunProcess(["report", "--source", .. CliRunner.TinySources, "--json"]);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(CircuitInfo.FromPlan(Tiny.Interpreter.Plan).PbsCount, r.Json().GetProperty("circuit").GetProperty("pbs").GetInt32());

        var usage = CliRunner.RunProcess("report", "--assembly", "x.dll", "--source", "y.cs");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("usage error", usage.Error);
    }

    [Fact]
    public void Every_command_is_registered()
    {
        Assert.Equal(["decrypt", "encrypt", "import", "keygen", "plot", "report", "run", "sweep"], CliApp.Commands().Select(c => c.Attribute.Name));
        var help = CliRunner.Run("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.All(CliApp.Commands(), c => Assert.Contains(c.Attribute.Name, help.Out));
    }
}
