using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;

namespace FheGen.Tfhe.Tests.Circuits;

/// <summary>
/// <see cref="FheModel"/> over the small generated models: each mode against the generated code, the simulation's seed,
/// real encryption, batch progress, and the errors for bad input.
/// </summary>
public sealed class FheModelTests
{
    private static float[][] RandomRows(int count, int features, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, features).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
    }

    [Fact]
    public void Clear_mode_equals_the_generated_Predict()
    {
        var model = FheModel.Create(ExactRoundedModel.Interpreter);
        var rows = RandomRows(50, ExactRoundedModel.InputCount, seed: 1);
        var batch = model.PredictBatch(rows);
        for (int i = 0; i < rows.Length; i++)
        {
            var expected = ExactRoundedModel.Predict(rows[i]);
            Assert.Equal(expected, model.Predict(rows[i]));
            Assert.Equal(expected, model.Predict(rows[i], FheMode.Clear));
            Assert.Equal(expected, batch[i]);
        }
    }

    [Fact]
    public void Simulation_at_p_error_0_equals_clear_and_at_a_large_p_error_differs_reproducibly_by_seed()
    {
        var model = FheModel.Create(ApproximateRoundedModel.Interpreter);
        var rows = RandomRows(40, ApproximateRoundedModel.InputCount, seed: 2);
        var clear = model.PredictBatch(rows, FheMode.Clear);

        var exact = model.PredictBatch(rows, FheMode.Simulate, new FhePredictOptions { PError = 0, Seed = 5 });
        for (int i = 0; i < rows.Length; i++) Assert.Equal(clear[i], exact[i]);

        var noisy = new FhePredictOptions { PError = 0.5, Seed = 7 };
        var first = model.PredictBatch(rows, FheMode.Simulate, noisy);
        var again = model.PredictBatch(rows, FheMode.Simulate, noisy);
        var otherSeed = model.PredictBatch(rows, FheMode.Simulate, new FhePredictOptions { PError = 0.5, Seed = 8 });
        for (int i = 0; i < rows.Length; i++) Assert.Equal(first[i], again[i]);
        Assert.Contains(Enumerable.Range(0, rows.Length), i => !first[i].SequenceEqual(clear[i]));
        Assert.Contains(Enumerable.Range(0, rows.Length), i => !first[i].SequenceEqual(otherSeed[i]));
        // Row i of a batch runs with Seed + i, so it equals a single prediction with that seed.
        for (int i = 0; i < rows.Length; i++)
            Assert.Equal(first[i], model.Predict(rows[i], FheMode.Simulate, new FhePredictOptions { PError = 0.5, Seed = 7 + (ulong)i }));
    }

    [Fact]
    public void Encryption_with_the_generated_runner_or_the_interpreter_equals_clear_and_keeps_its_keys()
    {
        var rows = new[] { new[] { 0f, 0f, 0f }, new[] { 1f, 1f, 1f }, new[] { 0.9f, 0.1f, 0.6f }, new[] { 0.2f, 0.7f, 0.4f } };
        var options = new FhePredictOptions { Threads = 1 };
        var generated = FheModel.Create(UnroundedModel.Interpreter, UnroundedModel.Run<EncryptedBackend, LweCiphertext>);
        var encrypted = generated.PredictBatch(rows, FheMode.Encrypt, options);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(UnroundedModel.Predict(rows[i]), encrypted[i]);
            Assert.Equal(encrypted[i], generated.Predict(rows[i], FheMode.Encrypt, options));
        }
        // The keys are generated once per p_error and kept: the same encoding comes back, a new p_error gets its own.
        var encoding = generated.GenerateKeys();
        Assert.Same(encoding, generated.GenerateKeys(UnroundedModel.Interpreter.Plan.PError));
        Assert.NotSame(encoding, generated.GenerateKeys(1e-3));

        var interpreted = FheModel.Create(UnroundedModel.Interpreter.Plan);
        Assert.Equal(UnroundedModel.Predict(rows[2]), interpreted.Predict(rows[2], FheMode.Encrypt, options));
    }

    [Fact]
    public void A_batch_reports_progress_after_each_row()
    {
        var model = FheModel.Create(ExactRoundedModel.Interpreter);
        var rows = RandomRows(7, ExactRoundedModel.InputCount, seed: 3);
        foreach (var mode in new[] { FheMode.Clear, FheMode.Simulate })
        {
            var progress = new Recorder();
            model.PredictBatch(rows, mode, progress: progress);
            Assert.Equal(Enumerable.Range(1, 7), progress.Reports.Select(r => r.Completed));
            Assert.All(progress.Reports, r => Assert.Equal(7, r.Total));
            Assert.True(progress.Reports.Zip(progress.Reports.Skip(1)).All(p => p.First.Elapsed <= p.Second.Elapsed));
        }
        var none = new Recorder();
        Assert.Empty(model.PredictBatch(Array.Empty<float[]>(), FheMode.Clear, progress: none));
        Assert.Empty(none.Reports);
    }

    [Fact]
    public void Bad_input_is_an_error_before_anything_runs()
    {
        var model = FheModel.Create(ExactRoundedModel.Interpreter);
        int n = ExactRoundedModel.InputCount;
        Assert.Throws<ArgumentNullException>(() => FheModel.Create((FheGen.Circuits.PlanInterpreter)null!));
        Assert.Throws<ArgumentException>(() => model.Predict(new float[n - 1]));
        Assert.Throws<ArgumentException>(() => model.Predict(new float[n + 1], FheMode.Simulate));
        var nan = new float[n];
        nan[2] = float.NaN;
        Assert.Throws<ArgumentException>(() => model.Predict(nan));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(new float[n], (FheMode)3));
        Assert.Throws<ArgumentException>(() => model.Predict(new float[n], FheMode.Simulate, new FhePredictOptions { PError = 1 }));
        Assert.Throws<ArgumentException>(() => model.Predict(new float[n], FheMode.Simulate, new FhePredictOptions { PError = -0.1 }));
        // These fail on the options, before any key is generated.
        Assert.Throws<ArgumentException>(() => model.Predict(new float[n], FheMode.Encrypt, new FhePredictOptions { PError = 0 }));
        Assert.Throws<ArgumentException>(() => model.Predict(new float[n], FheMode.Encrypt, new FhePredictOptions { Threads = 0 }));
        Assert.Throws<ArgumentNullException>(() => model.PredictBatch(null!));

        // One bad row fails the whole batch up front: no row is reported.
        var progress = new Recorder();
        var rows = new[] { new float[n], new float[n], nan };
        var e = Assert.Throws<ArgumentException>(() => model.PredictBatch(rows, FheMode.Encrypt, progress: progress));
        Assert.Contains("Row 2", e.Message);
        Assert.Throws<ArgumentException>(() => model.PredictBatch(new[] { new float[n], null! }, progress: progress));
        Assert.Throws<ArgumentException>(() => model.PredictBatch(new[] { new float[n - 1] }, progress: progress));
        Assert.Empty(progress.Reports);
    }

    // Synchronous, unlike Progress<T>, which posts each report to the thread pool.
    private sealed class Recorder : IProgress<FheBatchProgress>
    {
        public List<FheBatchProgress> Reports { get; } = new();

        public void Report(FheBatchProgress value) => Reports.Add(value);
    }
}
