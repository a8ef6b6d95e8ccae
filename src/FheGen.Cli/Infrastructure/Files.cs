using System;
using System.IO;
using FheGen.Tfhe.Serialization;

namespace FheGen.Cli.Infrastructure;

/// <summary>Reading input files with errors that name them, and writing outputs whole or not at all.</summary>
internal static class Files
{
    /// <summary>The bytes of <paramref name="path"/>; a missing or unreadable file is an <see cref="InputFileException"/>.</summary>
    public static byte[] ReadBytes(string path)
    {
        RequireFile(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, e.Message, e);
        }
    }

    /// <summary>Throws an <see cref="InputFileException"/> unless <paramref name="path"/> is an existing file.</summary>
    public static void RequireFile(string path)
    {
        if (Directory.Exists(path)) throw new InputFileException(path, "is a folder, not a file.");
        if (!File.Exists(path)) throw new InputFileException(path, "no such file.");
    }

    /// <summary>
    /// Parses <paramref name="path"/>'s content with <paramref name="parse"/>; format errors of the readers (which do not
    /// know the file's name) become an <see cref="InputFileException"/> naming it.
    /// </summary>
    public static T Parse<T>(string path, Func<string, T> parse)
    {
        RequireFile(path);
        try
        {
            return parse(path);
        }
        catch (Exception e) when (e is TfheFormatException or InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            string message = e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message[path.Length..].TrimStart(':', ' ') : e.Message;
            throw new InputFileException(path, message, e);
        }
    }

    /// <summary>
    /// Writes a set of files all or nothing: each goes to a temporary name beside its target, and only when every one is
    /// written are they moved into place; on any failure the temporaries are deleted and no target is touched.
    /// </summary>
    public static void WriteAll(params (string Path, Action<Stream> Write)[] files)
    {
        var temporaries = new string[files.Length];
        try
        {
            for (int i = 0; i < files.Length; i++)
            {
                string full = Path.GetFullPath(files[i].Path);
                string? folder = Path.GetDirectoryName(full);
                if (folder is not null) Directory.CreateDirectory(folder);
                temporaries[i] = full + ".tmp-" + Guid.NewGuid().ToString("N");
                using var stream = new FileStream(temporaries[i], FileMode.CreateNew, FileAccess.Write);
                files[i].Write(stream);
            }
            for (int i = 0; i < files.Length; i++)
            {
                File.Move(temporaries[i], Path.GetFullPath(files[i].Path), overwrite: true);
                temporaries[i] = null!;
            }
        }
        finally
        {
            foreach (string? t in temporaries)
            {
                if (t is not null && File.Exists(t)) File.Delete(t);
            }
        }
    }

    /// <summary>One file, all or nothing.</summary>
    public static void Write(string path, byte[] bytes) => WriteAll((path, s => s.Write(bytes)));
}
