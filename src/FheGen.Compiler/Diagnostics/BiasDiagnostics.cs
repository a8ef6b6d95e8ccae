using System;
using System.Collections.Generic;

namespace FheGen.Compiler.Diagnostics;

/// <summary>
/// FHE0007: a layer whose bias is zero only because no member has the expected name. A missing default bias used
/// to mean zero bias silently, so a misspelled <c>HiddenBais</c> trained a model whose circuit ignored it. The
/// front end lists the model's members; the wording and the "did you mean" choice live here.
/// </summary>
public static class BiasDiagnostics
{
    /// <summary>
    /// Largest edit distance (insertions, deletions, substitutions, adjacent transpositions) at which a member counts
    /// as a misspelling of the expected bias name: 1 for names up to 4 characters, else 2. A case-insensitive match
    /// always counts.
    /// </summary>
    public static int MaxDistance(string expected) => expected.Length <= 4 ? 1 : 2;

    /// <summary>
    /// The candidate closest to <paramref name="expected"/> within <see cref="MaxDistance"/> (a case-insensitive match
    /// first, then the smallest distance, then ordinal order), or null.
    /// </summary>
    public static string? Closest(string expected, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            if (string.Equals(c, expected, StringComparison.Ordinal)) continue;
            int d = string.Equals(c, expected, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(expected, c);
            if (d > MaxDistance(expected)) continue;
            if (d < bestDistance || (d == bestDistance && string.CompareOrdinal(c, best) < 0))
            {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /// <summary>Optimal string alignment distance: Levenshtein plus adjacent transpositions ("Bais" is one edit from "Bias").</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, d[i - 2, j - 2] + 1);
                d[i, j] = v;
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>
    /// FHE0007 for layer <paramref name="index"/> named <paramref name="layer"/>, whose default bias member
    /// <paramref name="expected"/> does not exist; <paramref name="candidate"/> is a close member name, if any.
    /// </summary>
    public static CompilerDiagnostic Missing(int index, string layer, string expected, string? candidate)
    {
        var properties = new Dictionary<string, string?>
        {
            [CompilerDiagnostic.LayerProperty] = layer,
            [CompilerDiagnostic.NoBiasFixProperty] = "true",
        };
        string message;
        if (candidate is not null)
        {
            properties[CompilerDiagnostic.BiasCandidateProperty] = candidate;
            message = $"layer '{layer}' has no member '{expected}', so its bias is zero; did you mean '{candidate}'? " +
                $"Rename it to '{expected}' or set Bias = \"{candidate}\" (or NoBias = true if the layer has no bias)";
        }
        else
        {
            message = $"layer '{layer}' has no member '{expected}', so its bias is zero; add it (one float per output) " +
                "or set NoBias = true to declare a layer without bias";
        }
        return new CompilerDiagnostic(DiagnosticIds.MissingBias, Severity.Warning, new DiagnosticTarget(TargetKind.Dense, index), message, properties);
    }

    /// <summary>FHE0007: <c>NoBias = true</c> on a layer that also has a member with the default bias name, which is ignored.</summary>
    public static CompilerDiagnostic Ignored(int index, string layer, string member)
        => new CompilerDiagnostic(DiagnosticIds.MissingBias, Severity.Warning, new DiagnosticTarget(TargetKind.Dense, index, "NoBias"),
            $"layer '{layer}' has NoBias = true, so member '{member}' is ignored and its bias is zero; remove NoBias to use it",
            new Dictionary<string, string?> { [CompilerDiagnostic.LayerProperty] = layer });

    /// <summary>FHE0003: <c>NoBias = true</c> together with an explicit <c>Bias</c> member.</summary>
    public static CompilerDiagnostic Contradiction(int index, string layer, string bias)
        => CompilerDiagnostic.Create(DiagnosticIds.InvalidAttribute, Severity.Error, new DiagnosticTarget(TargetKind.Dense, index, "NoBias"),
            $"layer '{layer}': NoBias = true contradicts Bias = \"{bias}\"; remove one of them");
}
