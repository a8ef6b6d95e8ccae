using System;
using System.Collections.Generic;

namespace FheGen.Compiler.Model
{
    /// <summary>
    /// The members the generator adds to a model class. A weight or bias member with one of these names would
    /// collide with generated code (CS0102 inside the generated file), so the validator rejects it up front.
    /// </summary>
    public static class GeneratedMembers
    {
        /// <summary>Prefix of every private generated member.</summary>
        public const string PrivatePrefix = "__FheGen";

        /// <summary>The public generated members.</summary>
        public static IReadOnlyCollection<string> Public { get; } = new HashSet<string>(StringComparer.Ordinal)
        {
            "InputCount", "OutputCount", "Circuit", "Io", "Spec", "Interpreter", "Run", "Predict", "PredictFloat",
        };

        /// <summary>Whether a member named <paramref name="name"/> would collide with generated code.</summary>
        public static bool IsReserved(string name)
            => ((HashSet<string>)Public).Contains(name) || name.StartsWith(PrivatePrefix, StringComparison.Ordinal);
    }
}
