using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using FheGen.Training;

namespace FheGen.Cli.Infrastructure;

/// <summary>The CSV files commands read.</summary>
internal static class DataFiles
{
    /// <summary>
    /// Labelled rows (features, then the integer label last: <see cref="Dataset.LoadCsv(string, bool, int?)"/>) for a
    /// model of <paramref name="inputs"/> features and <paramref name="classes"/> outputs.
    /// </summary>
    public static Dataset LoadLabelled(string path, bool header, int inputs, int classes, int? limit = null)
    {
        var data = Files.Parse(path, p => Dataset.LoadCsv(p, header, classes));
        if (data.Features != inputs)
            throw new InputFileException(path, $"rows have {data.Features} features and a label; the model takes {inputs} features.");
        return limit is int n && n < data.Count ? data.Subset(Enumerable.Range(0, n).ToArray()) : data;
    }

    /// <summary>
    /// Rows of <paramref name="inputs"/> features each, for encryption; a row of one more column is taken as features and a
    /// label (the test files <c>report</c> reads), and the label is dropped.
    /// </summary>
    public static List<float[]> LoadFeatures(string path, bool header, int inputs)
    {
        Files.RequireFile(path);
        var rows = new List<float[]>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, e.Message, e);
        }
        for (int i = header ? 1 : 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            string[] fields = lines[i].Split(',');
            if (fields.Length != inputs && fields.Length != inputs + 1)
                throw new InputFileException(path, $"line {i + 1} has {fields.Length} columns; the model takes {inputs} features (and optionally a label last).");
            var row = new float[inputs];
            for (int j = 0; j < inputs; j++)
            {
                if (!float.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]) || !float.IsFinite(row[j]))
                    throw new InputFileException(path, $"line {i + 1}, column {j + 1}: '{fields[j].Trim()}' is not a finite number.");
            }
            rows.Add(row);
        }
        if (rows.Count == 0) throw new InputFileException(path, "no rows.");
        return rows;
    }
}
