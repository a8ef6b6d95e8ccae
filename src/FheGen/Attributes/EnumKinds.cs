using FheGen.Compiler.Model;

namespace FheGen;

/// <summary>
/// Conversions between the attributes' enums (what a model declares: <see cref="Activation"/>, <see cref="Rounding"/>)
/// and the compiler core's kinds (<see cref="ActivationKind"/>, <see cref="RoundingKind"/>, what a
/// <see cref="ModelSpec"/> built in code holds). Both exist because the core is also compiled into the source
/// generator; names and values are equal (a parity test keeps them so), and this is the one place that relies on it.
/// </summary>
public static class EnumKinds
{
    /// <summary>The core's kind of <paramref name="activation"/>.</summary>
    public static ActivationKind ToKind(this Activation activation) => (ActivationKind)(int)activation;

    /// <summary>The attribute value of <paramref name="kind"/>.</summary>
    public static Activation ToActivation(this ActivationKind kind) => (Activation)(int)kind;

    /// <summary>The core's kind of <paramref name="rounding"/>.</summary>
    public static RoundingKind ToKind(this Rounding rounding) => (RoundingKind)(int)rounding;

    /// <summary>The attribute value of <paramref name="kind"/>.</summary>
    public static Rounding ToRounding(this RoundingKind kind) => (Rounding)(int)kind;
}
