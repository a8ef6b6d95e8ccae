using System.Linq;
using System.Reflection;
using FheGen.Generators.Tests.Infrastructure;

namespace FheGen.Generators.Tests.Generator;

/// <summary>
/// The validator's list of reserved names (<c>GeneratedMembers</c>) must be exactly what the generator adds, or a
/// weight member could collide with generated code unreported.
/// </summary>
public sealed class GeneratedMembersTests
{
    [Fact]
    public void Reserved_names_are_exactly_the_generated_public_members()
    {
        const string source = """
            using FheGen;
            [FheModel(Inputs = 2, InputBits = 2)]
            [Dense("H", 2, Activation = Activation.Relu)]
            [Dense("O", 1)]
            public static partial class M
            {
                static readonly float[] H = { 1f, -1f, 0.5f, 0.25f };
                static readonly float[] O = { 1f, -1f };
            }
            """;
        using var loaded = GeneratorHarness.Run(source).AssertNoGeneratorFailure().AssertCompiles().Load();
        var type = loaded.Assembly.GetType("M")!;
        var generated = type.GetMembers(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is not MethodInfo { IsSpecialName: true })
            .Select(m => m.Name)
            .ToHashSet();
        Assert.Equal(FheGen.Compiler.Model.GeneratedMembers.Public.OrderBy(n => n), generated.OrderBy(n => n));
        Assert.All(type.GetMembers(BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m.Name is not "H" and not "O" and not ".cctor" && !m.Name.StartsWith('<')),
            m => Assert.StartsWith(FheGen.Compiler.Model.GeneratedMembers.PrivatePrefix, m.Name));
    }

    [Fact]
    public void A_layer_named_like_a_generated_member_is_rejected_without_output()
    {
        const string source = """
            using FheGen;
            [FheModel(Inputs = 2, InputBits = 2)]
            [Dense("Spec", 2)]
            [Dense("O", 1)]
            public static partial class M
            {
                static readonly float[] Spec = { 1f, -1f, 0.5f, 0.25f };
                static readonly float[] O = { 1f, -1f };
            }
            """;
        var run = GeneratorHarness.Run(source).AssertNoGeneratorFailure();
        // The analyzer reports FHE0003 (see InvalidModelTests); the generator emits nothing, so no CS0102.
        Assert.Empty(run.GeneratedTrees);
    }
}
