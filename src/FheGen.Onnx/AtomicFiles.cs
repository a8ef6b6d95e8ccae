using System;
using System.Collections.Generic;
using System.IO;

namespace FheGen.Onnx;

/// <summary>Writes several files as one step: all of them, or (on any failure) none, with what was there before restored.</summary>
internal static class AtomicFiles
{
    internal static void WriteAll(IReadOnlyList<(string Path, byte[] Content)> files)
    {
        var temporaries = new List<string>();
        var backups = new List<(string Path, string Backup)>();
        var placed = new List<string>();
        try
        {
            // Temporaries in the destination folders, so the moves below are renames on one volume.
            foreach (var (path, content) in files)
            {
                string directory = Path.GetDirectoryName(path)!;
                Directory.CreateDirectory(directory);
                string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
                temporaries.Add(temporary);
                File.WriteAllBytes(temporary, content);
            }
            for (int i = 0; i < files.Count; i++)
            {
                string path = files[i].Path;
                if (File.Exists(path))
                {
                    string backup = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.bak");
                    File.Move(path, backup);
                    backups.Add((path, backup));
                }
                File.Move(temporaries[i], path);
                placed.Add(path);
            }
        }
        catch
        {
            foreach (string path in placed) TryDelete(path);
            foreach (var (path, backup) in backups)
            {
                try { File.Move(backup, path, overwrite: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            foreach (string temporary in temporaries) TryDelete(temporary);
            throw;
        }
        foreach (var (_, backup) in backups) TryDelete(backup);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
