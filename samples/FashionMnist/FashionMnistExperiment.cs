using System;
using System.IO;
using System.Linq;
using FheGen.Backends;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;
using FheGen.Training;
using FheGen.Training.Qat;

namespace FheGen.Samples.FashionMnist;

/// <summary>The data and training recipe of the sample, shared by the program and the end-to-end tests.</summary>
public static class FashionMnistExperiment
{
    /// <summary>Seed of training and fine-tuning.</summary>
    public const int Seed = 42;

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> installs the IDX files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Environment variable that points at another folder with the four IDX files.</summary>
    public const string FolderVariable = "FHEGEN_FASHION_MNIST";

    /// <summary>The folder holding the data: <see cref="FolderVariable"/> when set, else <see cref="DefaultFolder"/>.</summary>
    public static string Folder => Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } folder ? folder : DefaultFolder;

    /// <summary>The float trainer's options.</summary>
    public static MlpTrainerOptions TrainerOptions(Action<int, double, double>? progress = null) => new()
    {
        HiddenSizes = new[] { 128 },
        HiddenActivation = Activation.Relu,
        Epochs = 10,
        BatchSize = 64,
        LearningRate = 1e-3,
        L2 = 1e-4,
        Seed = Seed,
        Progress = progress,
    };

    /// <summary>The fine-tuning options.</summary>
    public static QatOptions QatOptions(Action<QatEpoch>? progress = null) => new()
    {
        Epochs = 5,
        BatchSize = 64,
        LearningRate = 1e-3,
        Seed = Seed,
        Progress = progress,
    };

    private static readonly string[] Names = { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };

    /// <summary>The official 60,000 / 10,000 split.</summary>
    /// <exception cref="FileNotFoundException">The data is not installed; the message says how to install it.</exception>
    public static (Dataset Train, Dataset Test) Load(int? testLimit = null)
    {
        return (LoadTrain(), LoadTest(testLimit));
    }

    /// <summary>The first <paramref name="limit"/> of the 60,000 training images, or all of them.</summary>
    /// <exception cref="FileNotFoundException">The data is not installed; the message says how to install it.</exception>
    public static Dataset LoadTrain(int? limit = null)
    {
        string folder = CheckedFolder();
        return Dataset.LoadIdx(Path.Combine(folder, Names[0]), Path.Combine(folder, Names[1]), classes: 10, limit: limit);
    }

    /// <summary>The 10,000 test images (the first <paramref name="limit"/> when given), without reading the 60,000 training ones.</summary>
    /// <exception cref="FileNotFoundException">The data is not installed; the message says how to install it.</exception>
    public static Dataset LoadTest(int? limit = null)
    {
        string folder = CheckedFolder();
        return Dataset.LoadIdx(Path.Combine(folder, Names[2]), Path.Combine(folder, Names[3]), classes: 10, limit: limit);
    }

    private static string CheckedFolder()
    {
        string folder = Folder;
        foreach (string name in Names)
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"Fashion-MNIST is not installed: {path} is missing. Install Debian's package (sudo apt-get install dataset-fashion-mnist), " +
                    $"or set {FolderVariable} to a folder with {string.Join(", ", Names)}.", path);
            }
        }
        return folder;
    }

    /// <summary>Float and clear-quantized (generated circuit) accuracy on <paramref name="test"/>.</summary>
    public static ModelReport Evaluate(Dataset test)
    {
        int floatCorrect = 0, clearCorrect = 0;
        var q = new long[FashionMnistMlp.InputCount];
        var acc = new long[FashionMnistMlp.OutputCount];
        var y = new float[FashionMnistMlp.OutputCount];
        for (int i = 0; i < test.Count; i++)
        {
            if (CircuitAccuracy.ArgMax(FashionMnistMlp.PredictFloat(test.Row(i))) == test.Y[i]) floatCorrect++;
            FashionMnistMlp.Io.QuantizeInputs(test.Row(i), q);
            FashionMnistMlp.Run<ClearBackend, long>(default, q, acc);
            FashionMnistMlp.Io.DequantizeOutputs(acc, y);
            if (CircuitAccuracy.ArgMax(y) == test.Y[i]) clearCorrect++;
        }
        return ModelReport.Create(FashionMnistMlp.Circuit, (double)floatCorrect / test.Count, (double)clearCorrect / test.Count, test.Count);
    }

    /// <summary>
    /// Encrypted inference on the first <paramref name="samples"/> rows of <paramref name="test"/>: the generated
    /// <c>FashionMnistMlp.Run</c> on <see cref="EncryptedBackend"/>, through <see cref="EncryptedInference"/>.
    /// </summary>
    /// <param name="test">The test images.</param>
    /// <param name="samples">Rows to run.</param>
    /// <param name="threads">Worker threads per lookup batch (all cores when null).</param>
    /// <param name="log">Receives the parameters, key figures and one line per sample as it ends.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is not within 1 to the number of rows.</exception>
    public static EncryptedReport RunEncrypted(Dataset test, int samples, int? threads, TextWriter log)
    {
        if (samples < 1 || samples > test.Count)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"--encrypted takes 1 to {test.Count} samples.");
        log.WriteLine("encrypted inference: FashionMnistMlp as declared (generated code)");
        var rows = Enumerable.Range(0, samples).Select(i => test.Row(i).ToArray()).ToArray();
        return EncryptedInference.Run(FashionMnistMlp.Interpreter.Plan, FashionMnistMlp.Run<EncryptedBackend, LweCiphertext>, rows,
            test.Y.Take(samples).ToArray(), new EncryptedInferenceOptions { Threads = threads, Log = log });
    }
}
