using System;
using System.IO;
using FheGen.Training;

namespace FheGen.Training.Tests;

/// <summary>Locates the data sets the training tests use, relative to the test binaries.</summary>
internal static class TrainingData
{
    private static readonly Lazy<Dataset> LazyDigits = new(() => Dataset.LoadCsv(DigitsPath, hasHeader: false));

    /// <summary>The committed digits sample (1797 rows), which every checkout has.</summary>
    public static string DigitsPath =>
        FindUp(Path.Combine("samples", "Digits", "Data", "digits.csv.gz"))
        ?? throw new FileNotFoundException("samples/Digits/Data/digits.csv.gz not found above " + AppContext.BaseDirectory);

    /// <summary>The digits data set, loaded once per test run (tests must not mutate it).</summary>
    public static Dataset Digits => LazyDigits.Value;

    /// <summary>The committed breast-cancer set (Data/shared, with its attribution).</summary>
    public static string BreastCancerPath =>
        FindUp(Path.Combine("tests", "FheGen.Training.Tests", "Data", "shared", "breast_cancer.csv"))
        ?? throw new FileNotFoundException("tests/FheGen.Training.Tests/Data/shared/breast_cancer.csv not found above " + AppContext.BaseDirectory);

    /// <summary>The first existing <c>dir/relative</c> for dir = the test binaries' folder and its ancestors.</summary>
    public static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fhegen-training-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name, string content)
    {
        string path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
