// dotnet run --project samples/Server -c Release [-- --FheServer:TluBits=4] [--FheServer:DataFolder=DIR] [--urls http://127.0.0.1:5080]
// Serves DigitsMlp under TFHE; see the README's "Deploy" section for the endpoints and samples/ServerClient for a client.
FheGen.Samples.Server.FheServerApp.Build(args).Run();

/// <summary>The entry point, public so tests can host the app (WebApplicationFactory).</summary>
public partial class Program;
