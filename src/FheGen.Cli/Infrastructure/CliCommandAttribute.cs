using System;

namespace FheGen.Cli.Infrastructure;

/// <summary>
/// Marks a Spectre.Console.Cli command class as an <c>fhegen</c> command: <see cref="CliApp"/> registers every class so
/// marked, so a new command is one new file.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class CliCommandAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    /// <summary>Example command lines for the help text.</summary>
    public string[] Examples { get; init; } = [];
}
