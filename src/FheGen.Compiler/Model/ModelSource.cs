namespace FheGen.Compiler.Model;

/// <summary>Whether a weight or bias member could be read as constant data.</summary>
public enum MemberStatus
{
    /// <summary>Read: the values are present.</summary>
    Ok = 0,
    /// <summary>No member with that name exists.</summary>
    Missing = 1,
    /// <summary>The member exists but its initializer is not made of compile-time constants.</summary>
    NotConstant = 2,
    /// <summary>The member exists but is not a <c>float[]</c> field or <c>ReadOnlySpan&lt;float&gt;</c> property.</summary>
    WrongType = 3,
}

/// <summary>
/// What extraction learned about a model's source beside the model itself: whether the declaration can take the
/// generated members, which members could be read, which attribute properties were written. The validator reports
/// these; the compiled circuit does not depend on them. A spec built in code has the facts of <see cref="Of"/>.
/// Value-equatable, as the incremental generator caches on it.
/// </summary>
public sealed record ModelSource
{
    /// <summary>Whether every declaration of the type (and of the types containing it) is <c>partial</c>.</summary>
    public bool IsPartial { get; init; } = true;

    /// <summary>Whether <c>PError</c> was set explicitly (setting it and <see cref="ModelSpec.GlobalPError"/> is an error).</summary>
    public bool PErrorExplicit { get; init; }

    /// <summary>
    /// Whether <c>InputMin</c> or <c>InputMax</c> was set on <c>[FheModel]</c>; an error only beside per-feature ranges,
    /// one of the two would be ignored.
    /// </summary>
    public bool InputRangeExplicit { get; init; }

    /// <summary>
    /// Names of members and type parameters declared on the model type that FheGen also generates
    /// (<see cref="GeneratedMembers.IsReserved"/>), in declaration order; the generated file would not compile with them.
    /// </summary>
    public EquatableArray<string> ReservedNameConflicts { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Whether the <c>FeatureMin</c> member could be read (<see cref="MemberStatus.Missing"/> when the model has none).</summary>
    public MemberStatus FeatureMinStatus { get; init; } = MemberStatus.Missing;

    /// <summary>Whether the <c>FeatureMax</c> member could be read.</summary>
    public MemberStatus FeatureMaxStatus { get; init; } = MemberStatus.Missing;

    /// <summary>Per layer of the spec, in the same order, how its members were found.</summary>
    public required EquatableArray<LayerSource> Layers { get; init; }

    /// <summary>Whether the model declares per-feature input ranges (either member present, readable or not).</summary>
    public bool DeclaresFeatureRanges => FeatureMinStatus != MemberStatus.Missing || FeatureMaxStatus != MemberStatus.Missing;

    /// <summary>The source facts of layer <paramref name="index"/> of <paramref name="spec"/>.</summary>
    public LayerSource Layer(ModelSpec spec, int index) => index < Layers.Count ? Layers[index] : LayerSource.Of(spec.Layers[index]);

    /// <summary>
    /// The facts a spec built in code implies (the runtime's <c>Spec</c>, training, import): a partial type with no
    /// conflicts, nothing set explicitly, and every member it has values for read.
    /// </summary>
    public static ModelSource Of(ModelSpec spec)
    {
        var layers = new LayerSource[spec.Layers.Count];
        for (int i = 0; i < layers.Length; i++) layers[i] = LayerSource.Of(spec.Layers[i]);
        return new ModelSource
        {
            Layers = new EquatableArray<LayerSource>(layers),
            FeatureMinStatus = spec.FeatureMin.Count > 0 ? MemberStatus.Ok : MemberStatus.Missing,
            FeatureMaxStatus = spec.FeatureMax.Count > 0 ? MemberStatus.Ok : MemberStatus.Missing,
        };
    }
}

/// <summary>How a layer's weight and bias members were found in source.</summary>
public sealed record LayerSource
{
    /// <summary>The bias member's name (the <c>Bias</c> argument, else the layer's name and <c>Bias</c>).</summary>
    public required string BiasMember { get; init; }

    /// <summary>Whether the bias member was named explicitly (then it must exist).</summary>
    public bool BiasExplicit { get; init; }

    /// <summary>Whether the weights could be read (<see cref="LayerSpec.Weights"/> holds them when Ok).</summary>
    public required MemberStatus WeightsStatus { get; init; }

    /// <summary>Whether the bias could be read (<see cref="LayerSpec.Bias"/> holds it when Ok; Missing means zero bias).</summary>
    public required MemberStatus BiasStatus { get; init; }

    /// <summary>The facts a layer built in code implies: weights read, a bias read when it has one.</summary>
    public static LayerSource Of(LayerSpec layer) => new LayerSource
    {
        BiasMember = layer.Name + "Bias",
        WeightsStatus = MemberStatus.Ok,
        BiasStatus = layer.Bias.Count > 0 ? MemberStatus.Ok : MemberStatus.Missing,
    };
}
