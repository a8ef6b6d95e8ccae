using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace FheGen.Training;

/// <summary>
/// A dense, in-memory classification data set: <see cref="Count"/> rows of <see cref="Features"/> float
/// features, each with an integer label in <c>[0, Classes)</c>.
/// </summary>
/// <remarks>
/// The arrays are exposed directly (no copies) so that training loops can slice them without allocating;
/// treat them as read-only. Features are always finite: the constructor and the loaders reject NaN and
/// infinities, which would silently poison training and calibration.
/// </remarks>
public sealed class Dataset
{
    /// <summary>Creates a data set over the given arrays, which it takes ownership of (no copy).</summary>
    /// <param name="x">Features, row-major <c>[y.Length, features]</c>.</param>
    /// <param name="y">Labels, one per row, each in <c>[0, classes)</c>.</param>
    /// <param name="features">Number of features per row (at least 1).</param>
    /// <param name="classes">
    /// Number of classes; <see langword="null"/> means <c>max(y) + 1</c> (1 for an empty set). Pass it when
    /// a subset may miss the highest class, so that every part of a split agrees on the class count.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="y"/> is null.</exception>
    /// <exception cref="ArgumentException">The shapes disagree, a feature is not finite or a label is out of range.</exception>
    public Dataset(float[] x, int[] y, int features, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (features < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, "A data set needs at least one feature.");
        }

        if ((long)y.Length * features != x.Length)
        {
            throw new ArgumentException(
                $"x has {x.Length} values but {y.Length} rows of {features} features need {(long)y.Length * features}.",
                nameof(x));
        }

        for (int i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]))
            {
                throw new ArgumentException($"Feature {i % features} of row {i / features} is not finite ({x[i]}).", nameof(x));
            }
        }

        int maxLabel = -1;
        for (int i = 0; i < y.Length; i++)
        {
            if (y[i] < 0)
            {
                throw new ArgumentException($"Label of row {i} is negative ({y[i]}).", nameof(y));
            }

            maxLabel = Math.Max(maxLabel, y[i]);
        }

        int classCount = classes ?? Math.Max(1, maxLabel + 1);
        if (classCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "A data set needs at least one class.");
        }

        if (maxLabel >= classCount)
        {
            throw new ArgumentException($"Label {maxLabel} is out of range for {classCount} classes.", nameof(y));
        }

        X = x;
        Y = y;
        Features = features;
        Classes = classCount;
    }

    /// <summary>Number of rows.</summary>
    public int Count => Y.Length;

    /// <summary>Number of features per row.</summary>
    public int Features { get; }

    /// <summary>Number of classes; every label is in <c>[0, Classes)</c>.</summary>
    public int Classes { get; }

    /// <summary>Features, row-major <c>[Count, Features]</c>. Treat as read-only.</summary>
    public float[] X { get; }

    /// <summary>Labels, one per row. Treat as read-only.</summary>
    public int[] Y { get; }

    /// <summary>The features of row <paramref name="i"/>.</summary>
    /// <param name="i">Row index in <c>[0, Count)</c>.</param>
    /// <returns>A view of the row inside <see cref="X"/>.</returns>
    public ReadOnlySpan<float> Row(int i)
    {
        if ((uint)i >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(i), i, $"Row index must be in [0, {Count}).");
        }

        return new ReadOnlySpan<float>(X, i * Features, Features);
    }

    /// <summary>Number of rows of each class, indexed by label.</summary>
    /// <returns>A new array of length <see cref="Classes"/>.</returns>
    public int[] ClassCounts()
    {
        var counts = new int[Classes];
        foreach (int label in Y)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>
    /// Loads a comma-separated file whose last column is the integer label and whose other columns are
    /// features. A path ending in <c>.gz</c> is decompressed transparently. Numbers use the invariant
    /// culture; blank lines are skipped.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="hasHeader">
    /// Whether the first line is a header to skip (the scikit-learn files, e.g. <c>150,4,setosa,...</c>,
    /// have one; it is not interpreted).
    /// </param>
    /// <param name="classes">Number of classes, or <see langword="null"/> for <c>max(label) + 1</c>.</param>
    /// <returns>The loaded data set.</returns>
    /// <exception cref="FormatException">A feature or label is not a (finite) number; the message names the file, line and column.</exception>
    /// <exception cref="InvalidDataException">Rows are ragged, a label is out of range or there are no rows; the message names the file and line.</exception>
    public static Dataset LoadCsv(string path, bool hasHeader, int? classes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using Stream file = File.OpenRead(path);
        using Stream data = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        using var reader = new StreamReader(data, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return LoadCsv(reader, hasHeader, path, classes);
    }

    /// <summary>
    /// Loads an image/label pair in the IDX format of MNIST and Fashion-MNIST (gzip-compressed when the name ends in
    /// <c>.gz</c>): unsigned-byte images of any shape, flattened row-major into features 0..255, and unsigned-byte labels.
    /// </summary>
    /// <param name="imagesPath">The <c>idx3-ubyte</c> (or any rank) image file.</param>
    /// <param name="labelsPath">The <c>idx1-ubyte</c> label file.</param>
    /// <param name="classes">Number of classes, or <see langword="null"/> for <c>max(label) + 1</c>.</param>
    /// <param name="limit">Read at most this many rows (the first ones); null for all.</param>
    /// <exception cref="InvalidDataException">A file is not IDX unsigned bytes, is truncated, or the counts disagree; the message names the file.</exception>
    public static Dataset LoadIdx(string imagesPath, string labelsPath, int? classes = null, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        var (images, imageShape) = ReadIdx(imagesPath, limit);
        var (labels, labelShape) = ReadIdx(labelsPath, limit);
        if (labelShape.Length != 1) throw new InvalidDataException($"{labelsPath}: labels must be one-dimensional, found rank {labelShape.Length}.");
        if (imageShape[0] != labelShape[0]) throw new InvalidDataException($"{imagesPath} has {imageShape[0]} items but {labelsPath} has {labelShape[0]}.");
        int rows = imageShape[0];
        int features = rows == 0 ? 0 : images.Length / rows;
        if (features < 1) throw new InvalidDataException($"{imagesPath}: images have no pixels.");
        var x = new float[images.Length];
        for (int i = 0; i < x.Length; i++) x[i] = images[i];
        var y = new int[rows];
        for (int i = 0; i < rows; i++) y[i] = labels[i];
        if (classes is int c && y.Any(v => v >= c)) throw new InvalidDataException($"{labelsPath}: a label is {y.Max()}, beyond {c} classes.");
        return new Dataset(x, y, features, classes);
    }

    private static (byte[] Data, int[] Shape) ReadIdx(string path, int? limit)
    {
        using Stream file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new BinaryReader(stream);
        byte[] magic = reader.ReadBytes(4);
        if (magic.Length < 4 || magic[0] != 0 || magic[1] != 0) throw new InvalidDataException($"{path}: not an IDX file (bad magic number).");
        if (magic[2] != 0x08) throw new InvalidDataException($"{path}: IDX element type 0x{magic[2]:X2} is not unsigned bytes (0x08).");
        int rank = magic[3];
        if (rank < 1) throw new InvalidDataException($"{path}: IDX rank 0.");
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            byte[] b = reader.ReadBytes(4);
            if (b.Length < 4) throw new InvalidDataException($"{path}: truncated header.");
            shape[d] = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
            if (shape[d] < 0) throw new InvalidDataException($"{path}: negative dimension.");
        }
        if (limit is int n && n >= 0 && n < shape[0]) shape[0] = n;
        long count = shape.Aggregate(1L, (a, v) => a * v);
        if (count > int.MaxValue) throw new InvalidDataException($"{path}: too large ({count} bytes).");
        byte[] data = reader.ReadBytes((int)count);
        if (data.Length != count) throw new InvalidDataException($"{path}: truncated: {data.Length} of {count} data bytes.");
        return (data, shape);
    }

    /// <summary>Reads comma-separated rows as <see cref="LoadCsv(string, bool, int?)"/> does, from any reader.</summary>
    /// <param name="reader">The text to parse.</param>
    /// <param name="hasHeader">Whether the first line is a header to skip.</param>
    /// <param name="sourceName">Name used in error messages (usually the file name).</param>
    /// <param name="classes">Number of classes, or <see langword="null"/> for <c>max(label) + 1</c>.</param>
    /// <returns>The loaded data set.</returns>
    /// <exception cref="FormatException">A feature or label is not a (finite) number.</exception>
    /// <exception cref="InvalidDataException">Rows are ragged, a label is out of range or there are no rows.</exception>
    public static Dataset LoadCsv(TextReader reader, bool hasHeader, string sourceName, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (classes is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "A data set needs at least one class.");
        }

        var x = new List<float>();
        var y = new List<int>();
        int columns = -1;
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if ((hasHeader && lineNumber == 1) || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            ReadOnlySpan<char> rest = line.AsSpan();
            int column = 0;
            while (true)
            {
                int comma = rest.IndexOf(',');
                ReadOnlySpan<char> field = comma < 0 ? rest : rest[..comma];
                column++;
                bool isLast = comma < 0;

                // The column count is fixed by the first row; checking before parsing reports raggedness
                // as such rather than as whatever the misplaced field fails to parse as.
                if (columns > 0 && (column > columns || (isLast && column < columns)))
                {
                    throw new InvalidDataException(
                        $"{sourceName}:{lineNumber}: expected {columns} columns, found {CountColumns(line)}.");
                }

                if (isLast)
                {
                    if (column < 2)
                    {
                        throw new InvalidDataException(
                            $"{sourceName}:{lineNumber}: a row needs at least one feature and a label, found {column} column.");
                    }

                    y.Add(ParseLabel(field, sourceName, lineNumber, column, classes));
                    break;
                }

                x.Add(ParseFeature(field, sourceName, lineNumber, column));
                rest = rest[(comma + 1)..];
            }

            columns = column;
        }

        if (y.Count == 0)
        {
            throw new InvalidDataException($"{sourceName}: no data rows.");
        }

        return new Dataset(x.ToArray(), y.ToArray(), columns - 1, classes);
    }

    /// <summary>
    /// Splits the rows into a training and a test part with the same class proportions.
    /// </summary>
    /// <remarks>
    /// Deterministic by construction: one <see cref="Random"/> seeded with <paramref name="seed"/> visits the
    /// classes in ascending label order; for each class it Fisher-Yates shuffles the class's row indices
    /// (<c>for i = n-1 down to 1: swap(i, Next(i + 1))</c>) and sends the first
    /// <c>round(n * testFraction)</c> of them (midpoint away from zero) to the test part. Both parts keep the
    /// original row order and this data set's <see cref="Classes"/>.
    /// </remarks>
    /// <param name="testFraction">Fraction of each class that goes to the test part, in <c>[0, 1]</c>.</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <returns>The two disjoint parts, which together cover every row.</returns>
    public (Dataset Train, Dataset Test) StratifiedSplit(double testFraction, int seed)
    {
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1].");
        }

        var byClass = new List<int>[Classes];
        for (int c = 0; c < Classes; c++)
        {
            byClass[c] = new List<int>();
        }

        for (int i = 0; i < Count; i++)
        {
            byClass[Y[i]].Add(i);
        }

        var isTest = new bool[Count];
        int testCount = 0;
        var random = new Random(seed);
        foreach (List<int> rows in byClass)
        {
            for (int i = rows.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (rows[i], rows[j]) = (rows[j], rows[i]);
            }

            int take = (int)Math.Round(rows.Count * testFraction, MidpointRounding.AwayFromZero);
            for (int k = 0; k < take; k++)
            {
                isTest[rows[k]] = true;
            }

            testCount += take;
        }

        var train = new int[Count - testCount];
        var test = new int[testCount];
        int trainAt = 0, testAt = 0;
        for (int i = 0; i < Count; i++)
        {
            if (isTest[i])
            {
                test[testAt++] = i;
            }
            else
            {
                train[trainAt++] = i;
            }
        }

        return (Subset(train), Subset(test));
    }

    /// <summary>Copies the given rows, in the given order, into a new data set with the same <see cref="Classes"/>.</summary>
    /// <param name="indices">Row indices in <c>[0, Count)</c>; repeats are allowed.</param>
    /// <returns>The new data set.</returns>
    public Dataset Subset(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var x = new float[(long)indices.Length * Features];
        var y = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Index {k} is {i}, outside [0, {Count}).");
            }

            Array.Copy(X, (long)i * Features, x, (long)k * Features, Features);
            y[k] = Y[i];
        }

        return new Dataset(x, y, Features, Classes);
    }

    private static float ParseFeature(ReadOnlySpan<char> field, string source, int line, int column)
    {
        if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
        {
            throw new FormatException($"{source}:{line}: column {column}: '{field.ToString()}' is not a number.");
        }

        if (!float.IsFinite(value))
        {
            throw new FormatException($"{source}:{line}: column {column}: '{field.ToString()}' is not a finite float.");
        }

        return value;
    }

    private static int ParseLabel(ReadOnlySpan<char> field, string source, int line, int column, int? classes)
    {
        if (!int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label))
        {
            throw new FormatException($"{source}:{line}: column {column}: label '{field.ToString()}' is not an integer.");
        }

        if (label < 0)
        {
            throw new InvalidDataException($"{source}:{line}: label {label} is negative.");
        }

        if (label >= classes)
        {
            throw new InvalidDataException($"{source}:{line}: label {label} is outside [0, {classes}).");
        }

        return label;
    }

    private static int CountColumns(string line)
    {
        int count = 1;
        foreach (char ch in line)
        {
            if (ch == ',')
            {
                count++;
            }
        }

        return count;
    }
}
