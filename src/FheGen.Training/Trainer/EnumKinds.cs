using FheGen.Compiler.Model;

namespace FheGen.Training;

/// <summary>
/// The one place training converts between the attributes' enums (what users write) and the compiler core's: the
/// core is also compiled into the generator, so both exist; EnumParityTests keeps their names and values equal.
/// </summary>
internal static class EnumKinds
{
    /// <summary>The core's kind of <paramref name="activation"/>.</summary>
    internal static ActivationKind ToKind(this Activation activation) => (ActivationKind)(int)activation;

    /// <summary>The attribute value of <paramref name="kind"/>.</summary>
    internal static Activation ToActivation(this ActivationKind kind) => (Activation)(int)kind;
}
