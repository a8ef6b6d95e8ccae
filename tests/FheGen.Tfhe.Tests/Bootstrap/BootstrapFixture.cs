using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Tests.Core;

namespace FheGen.Tfhe.Tests.Bootstrap;

/// <summary>Keys for the published 4-bit set, generated once for every bootstrap test class.</summary>
public sealed class BootstrapFixture
{
    public BootstrapFixture()
    {
        Keys = TfheKeySet.Generate(KnownParameterSets.Message2Carry2.Parameters, CoreTestUtil.Seeded(90));
    }

    public TfheKeySet Keys { get; }
}

[CollectionDefinition(Name)]
public sealed class BootstrapCollection : ICollectionFixture<BootstrapFixture>
{
    public const string Name = "Bootstrap keys (4-bit set)";
}
