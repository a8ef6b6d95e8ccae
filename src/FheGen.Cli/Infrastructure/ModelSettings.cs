using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FheGen.Cli.Infrastructure;

/// <summary>How a command is given its model: a built assembly and a type, or the C# source of an [FheModel] class.</summary>
internal class ModelSettings : CommandSettings
{
    [CommandOption("-a|--assembly <PATH>")]
    [Description("A built assembly holding the model class (read its static Spec)")]
    public string? Assembly { get; init; }

    [CommandOption("-m|--model <TYPE>")]
    [Description("The model class's full name (Namespace.Type); optional when the source or assembly has one model")]
    public string? Model { get; init; }

    [CommandOption("-s|--source <FILE>")]
    [Description("C# source files of an [FheModel] class (repeat for its weights file)")]
    public string[]? Source { get; init; }

    [CommandArgument(0, "[FILES]")]
    [Description("More source files of the model, after --source (as in --source Model.cs Model.Weights.cs)")]
    public string[]? MoreSources { get; init; }

    [CommandOption("--json")]
    [Description("Write the result as JSON on standard output")]
    public bool Json { get; init; }

    /// <summary>Every source file given, through --source or after it.</summary>
    public string[] Sources => [.. Source ?? [], .. MoreSources ?? []];

    public override ValidationResult Validate()
    {
        if (MoreSources is { Length: > 0 } && Source is not { Length: > 0 })
            return ValidationResult.Error($"'{MoreSources[0]}': file arguments are source files and need --source before them.");
        bool assembly = Assembly is not null, source = Source is { Length: > 0 };
        if (assembly == source) return ValidationResult.Error("Give the model either as --assembly PATH.dll [--model Namespace.Type] or as --source Model.cs [Weights.cs ...].");
        return ValidationResult.Success();
    }
}

/// <summary>Settings of commands that only take <c>--json</c>.</summary>
internal class JsonSettings : CommandSettings
{
    [CommandOption("--json")]
    [Description("Write the result as JSON on standard output")]
    public bool Json { get; init; }
}
