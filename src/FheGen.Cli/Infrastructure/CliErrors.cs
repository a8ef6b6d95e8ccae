using System;

namespace FheGen.Cli.Infrastructure;

/// <summary>The command line itself is wrong (exit code 2): a missing or conflicting option, a bad value.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A file the command reads is missing or does not hold what it should (exit code 1); the message names it.</summary>
internal sealed class InputFileException : Exception
{
    public InputFileException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner) => Path = path;

    /// <summary>The file at fault.</summary>
    public string Path { get; }
}

/// <summary>The model's source or declaration does not give a circuit (exit code 1): compile errors, FHE errors.</summary>
internal sealed class ModelException(string message) : Exception(message);
