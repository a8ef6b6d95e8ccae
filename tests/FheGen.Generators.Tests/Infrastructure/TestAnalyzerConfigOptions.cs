using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FheGen.Generators.Tests.Infrastructure;

/// <summary>
/// Analyzer config options built from a dictionary, as MSBuild would pass them: keys look like
/// <c>build_property.FheGenPbsBudgetBits</c>. Per-tree options are empty.
/// </summary>
public sealed class TestAnalyzerConfigOptions : AnalyzerConfigOptions
{
    public static TestAnalyzerConfigOptions Empty { get; } = new TestAnalyzerConfigOptions(ImmutableDictionary<string, string>.Empty);

    private readonly ImmutableDictionary<string, string> _values;

    public TestAnalyzerConfigOptions(IEnumerable<KeyValuePair<string, string>> values)
        => _values = ImmutableDictionary.CreateRange(KeyComparer, values);

    public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => _values.TryGetValue(key, out value);

    public override IEnumerable<string> Keys => _values.Keys;
}

/// <summary>An <see cref="AnalyzerConfigOptionsProvider"/> with fixed global options.</summary>
public sealed class TestAnalyzerConfigOptionsProvider : AnalyzerConfigOptionsProvider
{
    /// <summary>The MSBuild property that sets the project-wide PBS budget, as the compiler sees it.</summary>
    public const string BudgetKey = "build_property.FheGenPbsBudgetBits";

    public static TestAnalyzerConfigOptionsProvider Empty { get; } = new TestAnalyzerConfigOptionsProvider(TestAnalyzerConfigOptions.Empty);

    public TestAnalyzerConfigOptionsProvider(AnalyzerConfigOptions globalOptions) => GlobalOptions = globalOptions;

    public TestAnalyzerConfigOptionsProvider(IEnumerable<KeyValuePair<string, string>> globalOptions)
        : this(new TestAnalyzerConfigOptions(globalOptions))
    {
    }

    /// <summary>Options with <c>FheGenPbsBudgetBits</c> set (or nothing when <paramref name="budget"/> is null).</summary>
    public static TestAnalyzerConfigOptionsProvider WithBudget(string? budget)
        => budget is null ? Empty : new TestAnalyzerConfigOptionsProvider(new[] { new KeyValuePair<string, string>(BudgetKey, budget) });

    public override AnalyzerConfigOptions GlobalOptions { get; }

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => TestAnalyzerConfigOptions.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => TestAnalyzerConfigOptions.Empty;
}
