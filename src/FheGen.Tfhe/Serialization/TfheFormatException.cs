using System;
using System.IO;

namespace FheGen.Tfhe.Serialization;

/// <summary>
/// Serialized TFHE data (server key or ciphertext) is malformed: wrong magic, unsupported version, wrong object kind,
/// unknown or mismatched parameter set, inconsistent lengths, truncation, checksum mismatch or trailing bytes.
/// Nothing is ever returned from data that raised this exception.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/>, the base of <see cref="InvalidDataException"/>, because
/// <see cref="InvalidDataException"/> is sealed.
/// </remarks>
public sealed class TfheFormatException : IOException
{
    /// <summary>Creates the exception with a message.</summary>
    public TfheFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public TfheFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
