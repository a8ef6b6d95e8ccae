using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FheGen.Training.Sweeps;

/// <summary>
/// A whole sweep as one document: what was swept, every result and the Pareto front. <see cref="Results"/> has
/// fewer entries than <see cref="GridSize"/> when the sweep was stopped before the end.
/// </summary>
/// <param name="Model">The model's name.</param>
/// <param name="GridSize">How many points the grid has.</param>
/// <param name="Seed">Seed of the simulated TLU errors (<see cref="SweepOptions.Seed"/>).</param>
/// <param name="TestSamples">How many test rows each point was measured on.</param>
/// <param name="Results">Every measured point, in grid order.</param>
/// <param name="ParetoFront"><see cref="Sweep.ParetoFront"/> of <paramref name="Results"/>.</param>
public sealed record SweepReport(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("grid_size")] int GridSize,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("test_samples")] int TestSamples,
    [property: JsonPropertyName("results")] IReadOnlyList<SweepResult> Results,
    [property: JsonPropertyName("pareto_front")] IReadOnlyList<SweepResult> ParetoFront)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The report of <paramref name="results"/>, with its Pareto front computed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gridSize"/> is smaller than the number of results.</exception>
    public static SweepReport Create(string model, int gridSize, ulong seed, int testSamples, IReadOnlyList<SweepResult> results)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(results);
        if (gridSize < results.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(gridSize), gridSize, $"The grid cannot have fewer points than the {results.Count} results.");
        }
        return new SweepReport(model, gridSize, seed, testSamples, results.ToArray(), Sweep.ParetoFront(results).ToArray());
    }

    /// <summary>The report as indented JSON (snake_case names, as the checkpoint's lines).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Indented);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not a sweep report.</exception>
    public static SweepReport Parse(string json, string sourceName = "sweep report")
    {
        ArgumentNullException.ThrowIfNull(json);
        SweepReport? report;
        try
        {
            report = JsonSerializer.Deserialize<SweepReport>(json);
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"{sourceName}: not a sweep report ({e.Message}).", e);
        }
        if (report?.Model is null || report.Results is null || report.ParetoFront is null || report.Results.Any(r => r?.Point is null))
        {
            throw new InvalidDataException($"{sourceName}: not a sweep report (model, results or pareto_front missing).");
        }
        return report;
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>, replacing the file.</summary>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, ToJson() + "\n");
    }

    /// <summary>Reads a report file written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a sweep report.</exception>
    public static SweepReport Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }
}
