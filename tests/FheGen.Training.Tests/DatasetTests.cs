using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using FheGen.Training;

namespace FheGen.Training.Tests;

public class DatasetTests
{
    [Fact]
    public void Load_csv_digits_has_the_documented_shape_and_values()
    {
        Dataset digits = TrainingData.Digits;

        Assert.Equal(1797, digits.Count);
        Assert.Equal(64, digits.Features);
        Assert.Equal(10, digits.Classes);
        Assert.Equal(1797 * 64, digits.X.Length);
        Assert.All(digits.X, v => Assert.True(v >= 0 && v <= 16 && v == MathF.Round(v)));
        Assert.Equal(Enumerable.Range(0, 10), digits.Y.Distinct().OrderBy(c => c));

        // First row of the file: 0,0,5,13,9,1,0,0,... label 0; second row's label is 1.
        Assert.Equal(new float[] { 0, 0, 5, 13, 9, 1, 0, 0 }, digits.Row(0)[..8].ToArray());
        Assert.Equal(0, digits.Y[0]);
        Assert.Equal(1, digits.Y[1]);
        Assert.Equal(new[] { 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 }, digits.ClassCounts());
    }

    [Fact]
    public void Load_csv_breast_cancer_with_header_has_569_rows_and_2_classes()
    {
        Dataset cancer = Dataset.LoadCsv(TrainingData.BreastCancerPath, hasHeader: true);

        Assert.Equal(569, cancer.Count);
        Assert.Equal(30, cancer.Features);
        Assert.Equal(2, cancer.Classes);
        Assert.Equal(new[] { 212, 357 }, cancer.ClassCounts());
        Assert.Equal(new[] { 17.99f, 10.38f, 122.8f, 1001f }, cancer.Row(0).ToArray().Take(4));
        Assert.Equal(0, cancer.Y[0]);
    }

    [Fact]
    public void Load_csv_gzip_and_plain_files_load_identically()
    {
        using var temp = new TempFolder();
        string text = "0.5,1e-3,2\n-1.25,7,0\n";
        string plain = temp.File("small.csv", text);
        string gz = Path.Combine(temp.Path, "small.csv.GZ");
        using (var gzip = new GZipStream(File.Create(gz), CompressionLevel.Optimal))
        using (var writer = new StreamWriter(gzip))
        {
            writer.Write(text);
        }

        Dataset a = Dataset.LoadCsv(plain, hasHeader: false);
        Dataset b = Dataset.LoadCsv(gz, hasHeader: false);

        Assert.Equal(new[] { 0.5f, 1e-3f, -1.25f, 7f }, a.X);
        Assert.Equal(new[] { 2, 0 }, a.Y);
        Assert.Equal(3, a.Classes);
        Assert.Equal(a.X, b.X);
        Assert.Equal(a.Y, b.Y);
    }

    [Fact]
    public void Load_csv_skips_header_and_blank_lines_and_ignores_the_current_culture()
    {
        CultureInfo saved = Thread.CurrentThread.CurrentCulture;
        try
        {
            // In German "1.5" would be fifteen; the loader must read it as one and a half.
            Thread.CurrentThread.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var reader = new StringReader("2,2,a,b\r\n1.5, 2 ,1\r\n\r\n3,4.25,0\r\n\r\n");

            Dataset data = Dataset.LoadCsv(reader, hasHeader: true, "inline");

            Assert.Equal(new[] { 1.5f, 2f, 3f, 4.25f }, data.X);
            Assert.Equal(new[] { 1, 0 }, data.Y);
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Load_csv_header_read_as_data_fails_on_line_one()
    {
        var ex = Assert.Throws<FormatException>(() =>
            Dataset.LoadCsv(new StringReader("150,4,setosa,versicolor,virginica\n"), hasHeader: false, "iris.csv"));
        Assert.Contains("iris.csv:1:", ex.Message);
        Assert.Contains("'setosa'", ex.Message);
    }

    [Fact]
    public void Load_csv_malformed_number_throws_format_exception_with_file_and_line()
    {
        using var temp = new TempFolder();
        string path = temp.File("bad.csv", "1,2,0\n3,4,1\n5,x7,1\n");

        var ex = Assert.Throws<FormatException>(() => Dataset.LoadCsv(path, hasHeader: false));

        Assert.Contains("bad.csv:3:", ex.Message);
        Assert.Contains("column 2", ex.Message);
        Assert.Contains("'x7'", ex.Message);
    }

    [Theory]
    [InlineData("1,2,0\n1,2,3,1\n", 2, "expected 3 columns, found 4")]
    [InlineData("1,2,0\n\n1,1\n", 3, "expected 3 columns, found 2")]
    [InlineData("h\n1,2,0\n1,2,0\n1,2,0,\n", 4, "expected 3 columns, found 4")]
    public void Load_csv_ragged_row_throws_invalid_data_exception_with_file_and_line(string text, int line, string message)
    {
        using var temp = new TempFolder();
        string path = temp.File("ragged.csv", text);

        var ex = Assert.Throws<InvalidDataException>(() => Dataset.LoadCsv(path, hasHeader: text.StartsWith('h')));

        Assert.Contains($"ragged.csv:{line}:", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("1,2,1.5\n", "label '1.5' is not an integer")]
    [InlineData("1,NaN,1\n", "not a finite float")]
    [InlineData("1,,1\n", "'' is not a number")]
    public void Load_csv_bad_values_throw_format_exception(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => Dataset.LoadCsv(new StringReader(text), hasHeader: false, "t.csv"));
        Assert.Contains("t.csv:1:", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("1,2,-1\n", null, "label -1 is negative")]
    [InlineData("1,2,3\n", 3, "label 3 is outside [0, 3)")]
    [InlineData("7\n", null, "at least one feature")]
    [InlineData("\n\n", null, "no data rows")]
    public void Load_csv_structural_problems_throw_invalid_data_exception(string text, int? classes, string message)
    {
        var ex = Assert.Throws<InvalidDataException>(() =>
            Dataset.LoadCsv(new StringReader(text), hasHeader: false, "t.csv", classes));
        Assert.Contains("t.csv", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Constructor_validates_shapes_labels_and_values()
    {
        Assert.Throws<ArgumentException>(() => new Dataset(new float[5], new int[2], 2));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[] { 1, float.NaN }, new int[1], 2));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[2], new[] { -1 }, 2));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[2], new[] { 3 }, 2, classes: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(Array.Empty<float>(), Array.Empty<int>(), 0));

        var data = new Dataset(new float[] { 1, 2, 3, 4 }, new[] { 0, 2 }, 2);
        Assert.Equal(3, data.Classes);
        Assert.Equal(new float[] { 3, 4 }, data.Row(1).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Row(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Row(-1).ToArray());
    }

    [Fact]
    public void StratifiedSplit_KeepsProportions_IsDisjoint_CoversAllRows_AndKeepsOrder()
    {
        Dataset digits = TrainingData.Digits;
        Dataset indexed = WithRowIndexAsFeature(digits);

        var (train, test) = indexed.StratifiedSplit(0.25, seed: 42);

        int[] counts = digits.ClassCounts();
        int[] testCounts = test.ClassCounts();
        int[] trainCounts = train.ClassCounts();
        for (int c = 0; c < digits.Classes; c++)
        {
            Assert.Equal((int)Math.Round(counts[c] * 0.25, MidpointRounding.AwayFromZero), testCounts[c]);
            Assert.Equal(counts[c], testCounts[c] + trainCounts[c]);
        }

        int[] trainRows = RowIds(train);
        int[] testRows = RowIds(test);
        Assert.Empty(trainRows.Intersect(testRows));
        Assert.Equal(Enumerable.Range(0, digits.Count), trainRows.Concat(testRows).OrderBy(i => i));
        Assert.Equal(trainRows.OrderBy(i => i), trainRows);
        Assert.Equal(testRows.OrderBy(i => i), testRows);
        Assert.Equal(digits.Classes, train.Classes);
        Assert.Equal(digits.Classes, test.Classes);

        // Rows travel with their labels and features.
        foreach (Dataset part in new[] { train, test })
        {
            for (int k = 0; k < part.Count; k++)
            {
                int row = (int)part.Row(k)[0];
                Assert.Equal(digits.Y[row], part.Y[k]);
                Assert.Equal(digits.Row(row).ToArray(), part.Row(k)[1..].ToArray());
            }
        }
    }

    [Fact]
    public void Stratified_split_is_deterministic_per_seed()
    {
        Dataset indexed = WithRowIndexAsFeature(TrainingData.Digits);

        int[] first = RowIds(indexed.StratifiedSplit(0.25, 7).Test);
        int[] again = RowIds(indexed.StratifiedSplit(0.25, 7).Test);
        int[] other = RowIds(indexed.StratifiedSplit(0.25, 8).Test);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Stratified_split_follows_the_documented_shuffle()
    {
        // Two classes of 4 rows; class 0 is shuffled first, then class 1, with one Random.
        var data = new Dataset(Enumerable.Range(0, 8).Select(i => (float)i).ToArray(), new[] { 0, 1, 0, 1, 0, 1, 0, 1 }, 1);
        var random = new Random(3);
        int[][] byClass = { new[] { 0, 2, 4, 6 }, new[] { 1, 3, 5, 7 } };
        var expected = new System.Collections.Generic.List<int>();
        foreach (int[] rows in byClass)
        {
            for (int i = rows.Length - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (rows[i], rows[j]) = (rows[j], rows[i]);
            }

            expected.AddRange(rows.Take(2)); // round(4 * 0.5)
        }

        Dataset test = data.StratifiedSplit(0.5, 3).Test;

        Assert.Equal(expected.OrderBy(i => i), RowIds(test));
    }

    [Fact]
    public void Stratified_split_edge_fractions()
    {
        Dataset digits = TrainingData.Digits;
        var (allTrain, noTest) = digits.StratifiedSplit(0, 1);
        var (noTrain, allTest) = digits.StratifiedSplit(1, 1);

        Assert.Equal(digits.Count, allTrain.Count);
        Assert.Equal(0, noTest.Count);
        Assert.Equal(0, noTrain.Count);
        Assert.Equal(digits.X, allTest.X);
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.StratifiedSplit(1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.StratifiedSplit(double.NaN, 1));
    }

    [Fact]
    public void Subset_copies_rows_in_order_and_keeps_classes()
    {
        var data = new Dataset(new float[] { 1, 2, 3, 4, 5, 6 }, new[] { 0, 1, 4 }, 2);

        Dataset subset = data.Subset(new[] { 2, 0, 2 });

        Assert.Equal(new float[] { 5, 6, 1, 2, 5, 6 }, subset.X);
        Assert.Equal(new[] { 4, 0, 4 }, subset.Y);
        Assert.Equal(5, subset.Classes);
        Assert.Equal(5, data.Subset(new[] { 0 }).Classes);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset(new[] { 3 }));

        subset.X[0] = 99;
        Assert.Equal(5, data.X[4]); // A copy, not a view.
    }

    /// <summary>The data set with its row index prepended as feature 0, to trace rows through a split.</summary>
    private static Dataset WithRowIndexAsFeature(Dataset data)
    {
        int f = data.Features + 1;
        var x = new float[data.Count * f];
        for (int i = 0; i < data.Count; i++)
        {
            x[i * f] = i;
            data.Row(i).CopyTo(x.AsSpan((i * f) + 1, data.Features));
        }

        return new Dataset(x, (int[])data.Y.Clone(), f, data.Classes);
    }

    private static int[] RowIds(Dataset data) => Enumerable.Range(0, data.Count).Select(k => (int)data.Row(k)[0]).ToArray();
}
