using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FheGen.Generators.Extraction;

/// <summary>
/// Reads a model type's attributes and weight members into a <see cref="GeneratorModel"/>. Shared by the
/// generator and the analyzer so both see the very same spec. Never throws on malformed code: attributes
/// the C# compiler already rejects make the result null (the compiler's own error is the diagnostic).
/// </summary>
internal static class ModelExtractor
{
    public const string FheModelAttribute = "FheGen.FheModelAttribute";
    private const string DenseAttribute = "FheGen.DenseAttribute";
    private const string QuantizeAttribute = "FheGen.QuantizeAttribute";
    private const string PruneAttribute = "FheGen.PruneAttribute";
    private const string RoundAttribute = "FheGen.RoundAccumulatorAttribute";
    private const string RangeAttribute = "FheGen.ActivationRangeAttribute";
    private const string TrainedAttribute = "FheGen.TrainedWithAttribute";

    /// <summary>MSBuild property (visible to the compiler) that sets the project-wide PBS budget.</summary>
    public const string BudgetProperty = "build_property.FheGenPbsBudgetBits";

    /// <summary>
    /// MSBuild property (visible to the compiler): layers with more multiply-adds, and tables with more entries, are
    /// emitted as data plus a loop instead of unrolled code.
    /// </summary>
    public const string UnrollLimitProperty = "build_property.FheGenUnrollLimit";

    /// <summary>Extracts the model, or null when an FheGen attribute on it does not bind.</summary>
    public static GeneratorModel? Extract(INamedTypeSymbol type, Compilation compilation, SourceMap? map, CancellationToken ct)
    {
        int inputs = 0, inputBits = ModelDefaults.InputBits, budget = ModelDefaults.PbsBudgetBits;
        double inputMin = ModelDefaults.InputMin, inputMax = ModelDefaults.InputMax, pError = ModelDefaults.PError;
        bool budgetExplicit = false, sawModel = false, pErrorExplicit = false, inputRangeExplicit = false;
        double? globalPError = null;
        SyntaxTree? attributeTree = null;
        var layers = new List<(string Name, int Outputs, ActivationKind Activation, double? Min, double? Max, string? Bias, bool NoBias, int? Budget, AttributeData Data)>();
        var quantize = new List<QuantizeSetting>();
        var prune = new List<PruneSetting>();
        var round = new List<RoundSetting>();
        var ranges = new List<ActivationRangeSetting>();
        var trained = new List<TrainedSetting>();

        foreach (var attribute in type.GetAttributes())
        {
            ct.ThrowIfCancellationRequested();
            string? name = attribute.AttributeClass?.ToDisplayString();
            if (name is null || !name.StartsWith("FheGen.", StringComparison.Ordinal)) continue;
            if (attribute.AttributeClass!.TypeKind == TypeKind.Error || HasErrors(attribute)) return null;
            var named = Named(attribute);
            var args = attribute.ConstructorArguments;
            switch (name)
            {
                case FheModelAttribute:
                    // [FheModel] twice (CS0579, e.g. on two partial declarations): each declaration would yield
                    // the same model and the same hint name, and the generator would throw.
                    if (sawModel) return null;
                    sawModel = true;
                    attributeTree = attribute.ApplicationSyntaxReference?.SyntaxTree;
                    map?.Set(TargetKind.ModelAttribute, 0, attribute);
                    inputs = Get(named, "Inputs", inputs);
                    inputBits = Get(named, "InputBits", inputBits);
                    inputRangeExplicit = named.ContainsKey("InputMin") || named.ContainsKey("InputMax");
                    inputMin = Get(named, "InputMin", inputMin);
                    inputMax = Get(named, "InputMax", inputMax);
                    pError = Get(named, "PError", pError);
                    pErrorExplicit = named.ContainsKey("PError");
                    // NaN is the attribute's "not set".
                    if (named.ContainsKey("GlobalPError") && !double.IsNaN(Get(named, "GlobalPError", double.NaN)))
                    {
                        globalPError = Get(named, "GlobalPError", double.NaN);
                    }
                    if (named.ContainsKey("PbsBudgetBits"))
                    {
                        budgetExplicit = true;
                        budget = Get(named, "PbsBudgetBits", budget);
                    }
                    break;
                case DenseAttribute:
                    if (args.Length != 2) return null;
                    map?.Set(TargetKind.Dense, layers.Count, attribute);
                    layers.Add((args[0].Value as string ?? "", args[1].Value is int o ? o : 0,
                        (ActivationKind)Get(named, "Activation", 0),
                        named.ContainsKey("OutputMin") ? Get(named, "OutputMin", 0.0) : (double?)null,
                        named.ContainsKey("OutputMax") ? Get(named, "OutputMax", 0.0) : (double?)null,
                        named.TryGetValue("Bias", out var b) ? b.Value as string : null,
                        GetOpt<bool>(named, "NoBias") == true,
                        // 0 is the attribute's "use the model's budget"; any other value is validated.
                        GetOpt<int>(named, "PbsBudgetBits") is int lb && lb != 0 ? lb : (int?)null,
                        attribute));
                    break;
                case QuantizeAttribute:
                    map?.Set(TargetKind.Quantize, quantize.Count, attribute);
                    quantize.Add(new QuantizeSetting(LayerArg(args), GetOpt<int>(named, "WeightBits"), GetOpt<int>(named, "ActivationBits"),
                        GetOpt<bool>(named, "PerChannel")));
                    break;
                case PruneAttribute:
                    map?.Set(TargetKind.Prune, prune.Count, attribute);
                    prune.Add(new PruneSetting(LayerArg(args), GetOpt<int>(named, "MaxActiveInputs")));
                    break;
                case RoundAttribute:
                    map?.Set(TargetKind.Round, round.Count, attribute);
                    round.Add(new RoundSetting(LayerArg(args), GetOpt<int>(named, "Bits"))
                    {
                        Method = GetOpt<int>(named, "Method") is int m ? (RoundingKind)m : (RoundingKind?)null,
                    });
                    break;
                case RangeAttribute:
                    if (args.Length != 3) return null;
                    map?.Set(TargetKind.Range, ranges.Count, attribute);
                    ranges.Add(new ActivationRangeSetting(args[0].Value as string ?? "", ToDouble(args[1].Value), ToDouble(args[2].Value)));
                    break;
                case TrainedAttribute:
                    map?.Set(TargetKind.Trained, trained.Count, attribute);
                    trained.Add(new TrainedSetting(LayerArg(args))
                    {
                        InputBits = GetOpt<int>(named, "InputBits"),
                        InputMin = named.ContainsKey("InputMin") ? Get(named, "InputMin", 0.0) : (double?)null,
                        InputMax = named.ContainsKey("InputMax") ? Get(named, "InputMax", 0.0) : (double?)null,
                        WeightBits = GetOpt<int>(named, "WeightBits"),
                        ActivationBits = GetOpt<int>(named, "ActivationBits"),
                        PerChannel = GetOpt<bool>(named, "PerChannel"),
                        MaxActiveInputs = GetOpt<int>(named, "MaxActiveInputs"),
                        RoundBits = GetOpt<int>(named, "RoundBits"),
                        RoundMethod = GetOpt<int>(named, "RoundMethod") is int rm ? (RoundingKind)rm : (RoundingKind?)null,
                    });
                    break;
            }
        }
        if (!sawModel) return null;

        var layerSpecs = new LayerSpec[layers.Count];
        var layerSources = new LayerSource[layers.Count];
        var members = new LayerMembers[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var l = layers[i];
            var (wStatus, wValues, wSpan, wSymbol) = ReadMember(type, l.Name, compilation, ct);
            string biasName = l.Bias ?? l.Name + "Bias";
            // NoBias (without an explicit Bias, which the analyzer reports as a contradiction): zero bias, nothing read.
            var (bStatus, bValues, bSpan, bSymbol) = (string.IsNullOrEmpty(l.Name) || l.NoBias) && l.Bias is null
                ? (MemberStatus.Missing, EquatableArray<float>.Empty, false, null)
                : ReadMember(type, biasName, compilation, ct);
            map?.SetMember(TargetKind.Weights, i, wSymbol);
            map?.SetMember(TargetKind.Bias, i, bSymbol);
            layerSpecs[i] = new LayerSpec
            {
                Name = l.Name,
                Outputs = l.Outputs,
                Activation = l.Activation,
                OutputMin = l.Min,
                OutputMax = l.Max,
                Weights = wValues,
                Bias = bValues,
                PbsBudgetBits = l.Budget,
            };
            layerSources[i] = new LayerSource { BiasMember = biasName, BiasExplicit = l.Bias is not null, WeightsStatus = wStatus, BiasStatus = bStatus };
            members[i] = new LayerMembers(l.Name, wSpan, bStatus == MemberStatus.Ok ? biasName : null, bSpan);
        }

        var (minStatus, minValues, minSpan, minSymbol) = ReadMember(type, ModelSpec.FeatureMinMember, compilation, ct);
        var (maxStatus, maxValues, maxSpan, maxSymbol) = ReadMember(type, ModelSpec.FeatureMaxMember, compilation, ct);
        map?.SetMember(TargetKind.FeatureRange, 0, minSymbol);
        map?.SetMember(TargetKind.FeatureRange, 1, maxSymbol);

        var spec = new ModelSpec
        {
            Name = type.Name,
            Inputs = inputs,
            InputBits = inputBits,
            InputMin = inputMin,
            InputMax = inputMax,
            PbsBudgetBits = budget,
            PError = pError,
            GlobalPError = globalPError,
            Layers = new EquatableArray<LayerSpec>(layerSpecs),
            Quantize = new EquatableArray<QuantizeSetting>(quantize.ToArray()),
            Prune = new EquatableArray<PruneSetting>(prune.ToArray()),
            Round = new EquatableArray<RoundSetting>(round.ToArray()),
            Ranges = new EquatableArray<ActivationRangeSetting>(ranges.ToArray()),
            Trained = new EquatableArray<TrainedSetting>(trained.ToArray()),
            FeatureMin = minValues,
            FeatureMax = maxValues,
        };
        var source = new ModelSource
        {
            IsPartial = IsPartial(type, map),
            PErrorExplicit = pErrorExplicit,
            InputRangeExplicit = inputRangeExplicit,
            ReservedNameConflicts = ReservedConflicts(type, map, ct),
            FeatureMinStatus = minStatus,
            FeatureMaxStatus = maxStatus,
            Layers = new EquatableArray<LayerSource>(layerSources),
        };
        if (GeneratedMembers.IsReserved(type.Name) && type.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is TypeDeclarationSyntax named0)
        {
            map?.SetModelType(named0.Identifier.GetLocation());
        }

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var chain = new List<TypeDeclaration>();
        // The hint name is built from metadata names ("My.class.Model`1"): unescaped, and distinct for a generic
        // Model<T> and a class named Model_T_, which a sanitized display name would confuse (duplicate hint: crash).
        var hintParts = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            chain.Insert(0, new TypeDeclaration(Keyword(t), t.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), t.IsStatic));
            hintParts.Insert(0, t.MetadataName);
        }
        for (var part = type.ContainingNamespace; part is { IsGlobalNamespace: false }; part = part.ContainingNamespace) hintParts.Insert(0, part.MetadataName);
        string hint = string.Join(".", hintParts.Select(Sanitize)) + ".FheGen.g.cs";
        // The exact identity (metadata names are unique per type): what tells apart models whose hint names collide.
        string identity = string.Join(".", hintParts);
        var tree = (attributeTree ?? type.DeclaringSyntaxReferences.FirstOrDefault()?.SyntaxTree)?.Options as CSharpParseOptions;
        return new GeneratorModel(spec, source, budgetExplicit, ns, new EquatableArray<TypeDeclaration>(chain.ToArray()),
            new EquatableArray<LayerMembers>(members), hint)
        {
            FeatureMinIsSpan = minSpan,
            FeatureMaxIsSpan = maxSpan,
            Identity = identity,
            LanguageVersion = (int)(tree?.LanguageVersion ?? LanguageVersion.Latest),
        };
    }

    /// <summary>The directory Roslyn puts this generator's output under; members declared only there are the generator's own.</summary>
    private const string GeneratedDirectory = "FheGen.Generators.FheModelGenerator";

    /// <summary>
    /// Members and type parameters of the model type, declared in user code, whose names FheGen generates too (the
    /// analyzer sees the generated members themselves in its compilation: those are skipped).
    /// </summary>
    private static EquatableArray<string> ReservedConflicts(INamedTypeSymbol type, SourceMap? map, CancellationToken ct)
    {
        List<string>? found = null;
        foreach (var p in type.TypeParameters)
        {
            if (!GeneratedMembers.IsReserved(p.Name)) continue;
            found ??= new List<string>();
            map?.SetMember(TargetKind.Member, found.Count, p);
            found.Add(p.Name);
        }
        foreach (var member in type.GetMembers())
        {
            ct.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared || !GeneratedMembers.IsReserved(member.Name)) continue;
            if (member.DeclaringSyntaxReferences.All(r => IsGeneratedByUs(r.SyntaxTree))) continue;
            if (found is not null && found.Contains(member.Name)) continue; // overloads: one report per name
            found ??= new List<string>();
            map?.SetMember(TargetKind.Member, found.Count, member);
            found.Add(member.Name);
        }
        return found is null ? EquatableArray<string>.Empty : new EquatableArray<string>(found.ToArray());
    }

    /// <summary>Whether <paramref name="tree"/> is one of this generator's outputs (where its members are declared).</summary>
    internal static bool IsGeneratedByUs(SyntaxTree tree)
    {
        string path = tree.FilePath.Replace('\\', '/');
        return path.IndexOf("/" + GeneratedDirectory + "/", StringComparison.Ordinal) >= 0 || path.StartsWith(GeneratedDirectory + "/", StringComparison.Ordinal);
    }

    /// <summary>
    /// Parses the MSBuild budget property; null when absent, not a number or outside 1..16 (the analyzer reports
    /// an invalid value as FHE0003; the generator then falls back to the default).
    /// </summary>
    public static int? ParseBudget(string? value)
        => int.TryParse(value?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 1 && v <= ModelSpec.HardLimitBits
            ? v
            : (int?)null;

    /// <summary>The unroll limit: a non-negative whole number, else (absent or invalid) the default.</summary>
    public static int ParseUnrollLimit(string? value)
        => int.TryParse(value?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0
            ? v
            : Emission.CircuitEmitter.DefaultUnrollLimit;

    private static bool IsPartial(INamedTypeSymbol type, SourceMap? map)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            foreach (var r in t.DeclaringSyntaxReferences)
            {
                // A file-local type cannot be extended from the generator's own file, so it counts as not partial.
                if (r.GetSyntax() is TypeDeclarationSyntax decl && (!decl.Modifiers.Any(SyntaxKind.PartialKeyword) || t.IsFileLocal))
                {
                    map?.SetModelType(decl.Identifier.GetLocation());
                    return false;
                }
            }
        }
        return true;
    }

    private static (MemberStatus Status, EquatableArray<float> Values, bool IsSpan, ISymbol? Symbol) ReadMember(
        INamedTypeSymbol type, string name, Compilation compilation, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(name)) return (MemberStatus.Missing, EquatableArray<float>.Empty, false, null);
        ISymbol? member = type.GetMembers(name).FirstOrDefault(m => m is IFieldSymbol || m is IPropertySymbol);
        if (member is null) return (MemberStatus.Missing, EquatableArray<float>.Empty, false, null);
        ExpressionSyntax? initializer = null;
        bool isSpan = false;
        switch (member)
        {
            case IFieldSymbol field:
                if (!field.IsStatic || !field.IsReadOnly || !IsFloatArray(field.Type)) return (MemberStatus.WrongType, EquatableArray<float>.Empty, false, member);
                initializer = (field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) as VariableDeclaratorSyntax)?.Initializer?.Value;
                break;
            case IPropertySymbol property:
                isSpan = IsFloatSpan(property.Type);
                if (!property.IsStatic || property.GetMethod is null || !(isSpan || IsFloatArray(property.Type)) || (!isSpan && property.SetMethod is not null))
                {
                    return (MemberStatus.WrongType, EquatableArray<float>.Empty, false, member);
                }
                initializer = PropertyExpression(property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) as PropertyDeclarationSyntax);
                break;
        }
        if (initializer is null) return (MemberStatus.NotConstant, EquatableArray<float>.Empty, isSpan, member);
        var values = ConstantFloats(initializer, compilation, ct);
        return values is null
            ? (MemberStatus.NotConstant, EquatableArray<float>.Empty, isSpan, member)
            : (MemberStatus.Ok, new EquatableArray<float>(values), isSpan, member);
    }

    private static ExpressionSyntax? PropertyExpression(PropertyDeclarationSyntax? property)
    {
        if (property is null) return null;
        if (property.ExpressionBody is not null) return property.ExpressionBody.Expression;
        if (property.Initializer is not null) return property.Initializer.Value;
        var getter = property.AccessorList?.Accessors.FirstOrDefault(a => a.IsKind(SyntaxKind.GetAccessorDeclaration));
        if (getter?.ExpressionBody is not null) return getter.ExpressionBody.Expression;
        if (getter?.Body is { Statements.Count: 1 } body && body.Statements[0] is ReturnStatementSyntax ret) return ret.Expression;
        return null;
    }

    /// <summary>The constant elements of an array or collection initializer, or null if any is not constant.</summary>
    private static float[]? ConstantFloats(ExpressionSyntax expression, Compilation compilation, CancellationToken ct)
    {
        IReadOnlyList<ExpressionSyntax>? elements = expression switch
        {
            ArrayCreationExpressionSyntax a => a.Initializer?.Expressions,
            ImplicitArrayCreationExpressionSyntax i => i.Initializer.Expressions,
            InitializerExpressionSyntax init => init.Expressions,
            CollectionExpressionSyntax c => c.Elements.All(e => e is ExpressionElementSyntax)
                ? c.Elements.Select(e => ((ExpressionElementSyntax)e).Expression).ToList()
                : null,
            _ => null,
        };
        if (elements is null) return null;
        var values = new float[elements.Count];
        SemanticModel? model = null;
        for (int i = 0; i < values.Length; i++)
        {
            if ((i & 4095) == 0) ct.ThrowIfCancellationRequested();
            // Literal tokens carry the value the C# compiler parsed, so most weights need no binding.
            float? v = LiteralValue(elements[i]);
            if (v is null)
            {
#pragma warning disable RS1030 // Constant folding of non-literal elements (e.g. const references) needs binding.
                model ??= compilation.GetSemanticModel(expression.SyntaxTree);
#pragma warning restore RS1030
                var constant = model.GetConstantValue(elements[i], ct);
                v = constant.HasValue ? ToFloat(constant.Value) : null;
            }
            if (v is null) return null;
            values[i] = v.Value;
        }
        return values;
    }

    private static float? LiteralValue(ExpressionSyntax e)
    {
        switch (e)
        {
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NumericLiteralExpression):
                return ToFloat(literal.Token.Value);
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } minus:
                return LiteralValue(minus.Operand) is float f ? -f : (float?)null;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryPlusExpression } plus:
                return LiteralValue(plus.Operand);
            case ParenthesizedExpressionSyntax p:
                return LiteralValue(p.Expression);
            default:
                return null;
        }
    }

    /// <summary>Implicit constant conversions to float that C# allows in a float[] initializer.</summary>
    private static float? ToFloat(object? value) => value switch
    {
        float f => f,
        int i => i,
        long l => l,
        uint u => u,
        ulong ul => ul,
        short s => s,
        ushort us => us,
        byte b => b,
        sbyte sb => sb,
        char c => c,
        _ => null,
    };

    private static bool IsFloatArray(ITypeSymbol t) => t is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Single };

    private static bool IsFloatSpan(ITypeSymbol t) => t is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments.Length: 1 } n
        && n.ContainingNamespace?.ToDisplayString() == "System" && n.TypeArguments[0].SpecialType == SpecialType.System_Single;

    private static bool HasErrors(AttributeData attribute)
    {
        foreach (var a in attribute.ConstructorArguments)
        {
            if (a.Kind == TypedConstantKind.Error) return true;
        }
        foreach (var a in attribute.NamedArguments)
        {
            if (a.Value.Kind == TypedConstantKind.Error) return true;
        }
        return attribute.AttributeConstructor is null;
    }

    private static Dictionary<string, TypedConstant> Named(AttributeData attribute)
    {
        var d = new Dictionary<string, TypedConstant>(StringComparer.Ordinal);
        foreach (var kv in attribute.NamedArguments) d[kv.Key] = kv.Value;
        return d;
    }

    private static string? LayerArg(System.Collections.Immutable.ImmutableArray<TypedConstant> args)
        => args.Length > 0 ? args[0].Value as string ?? "" : null;

    private static T Get<T>(Dictionary<string, TypedConstant> named, string key, T fallback)
    {
        if (!named.TryGetValue(key, out var c) || c.Value is null) return fallback;
        if (typeof(T) == typeof(double)) return (T)(object)ToDouble(c.Value);
        return c.Value is T t ? t : fallback;
    }

    private static T? GetOpt<T>(Dictionary<string, TypedConstant> named, string key) where T : struct
        => named.TryGetValue(key, out var c) && c.Value is T t ? t : (T?)null;

    private static double ToDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        _ => double.NaN,
    };

    private static string Keyword(INamedTypeSymbol t) => t.IsRecord
        ? (t.IsValueType ? "record struct" : "record")
        : t.TypeKind == TypeKind.Struct ? "struct" : t.TypeKind == TypeKind.Interface ? "interface" : "class";

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            // '`' (generic arity in metadata names) is valid in hint names.
            if (!char.IsLetterOrDigit(chars[i]) && chars[i] != '_' && chars[i] != '`') chars[i] = '_';
        }
        return new string(chars);
    }
}
