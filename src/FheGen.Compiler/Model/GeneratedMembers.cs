using System;
using System.Collections.Generic;

namespace FheGen.Compiler.Model;

/// <summary>
/// The members the generator adds to a model class: the one list the validator, the extractor and the tests use.
/// A model type named like one (CS0542), or declaring a member or type parameter named like one (CS0102, CS0111),
/// would make the generated file fail to compile, so such models are rejected up front and get no code.
/// </summary>
public static class GeneratedMembers
{
    /// <summary>Prefix of every private generated member and nested type.</summary>
    public const string PrivatePrefix = "__FheGen";

    private static readonly HashSet<string> PublicSet = new HashSet<string>(StringComparer.Ordinal)
    {
        "InputCount", "OutputCount", "PlanFingerprint", "Circuit", "Io", "Spec", "Interpreter", "Run", "Predict", "PredictFloat",
    };

    /// <summary>The public generated members.</summary>
    public static IReadOnlyCollection<string> Public => PublicSet;

    /// <summary>Whether a member named <paramref name="name"/> would collide with generated code.</summary>
    public static bool IsReserved(string name)
        => name is not null && (PublicSet.Contains(name) || name.StartsWith(PrivatePrefix, StringComparison.Ordinal));
}
