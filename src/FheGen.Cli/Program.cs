namespace FheGen.Cli;

/// <summary>The <c>fhegen</c> entry point.</summary>
internal static class Program
{
    private static int Main(string[] args) => CliApp.Run(args);
}
