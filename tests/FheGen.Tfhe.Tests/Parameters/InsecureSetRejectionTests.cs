using System;
using System.IO;
using System.Text;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Keys;
using FheGen.Tfhe.Serialization;
using FheGen.Tfhe.Tests.Keys;

namespace FheGen.Tfhe.Tests.Parameters;

/// <summary>
/// Key generation and the readers reject sets below the 128-bit curve by default: an insecure set cannot be
/// constructed without <see cref="TfheParameters.CreateInsecureForTesting"/>, and a key file whose header names one
/// that this process did not name is refused.
/// </summary>
public class InsecureSetRejectionTests
{
    [Fact]
    public void Key_generation_cannot_be_handed_an_insecure_set()
    {
        // Before the check, this built keys that anyone could break (n = 40, k·N = 256).
        Assert.Throws<ArgumentException>(() => ClientKey.GenerateKeys(
            new TfheParameters(2, 0, 40, 1, 256, Math.Pow(2, -40), Math.Pow(2, -50), 20, 1, 8, 1)));
    }

    [Fact]
    public void Readers_reject_a_key_whose_header_names_an_unknown_insecure_set()
    {
        // A named insecure set writes and reads back (the tests' opt-in)...
        var named = TfheParameters.CreateInsecureForTesting(2, 0, 36, 1, 256, Math.Pow(2, -40), Math.Pow(2, -50), 20, 1, 8, 1);
        var (client, server) = ClientKey.GenerateKeys(named, KeysFixture.Seeded(31));
        var clientBytes = Save(client.Save);
        Assert.Equal(named, ClientKey.Load(new MemoryStream(clientBytes)).Parameters);
        Assert.Equal(named, ServerKey.FromBytes(server.ToBytes()).Parameters);

        // ...but the same bytes with the header naming another insecure set (n = 37 instead of 36, same length) are refused
        // before any payload is read.
        foreach (var bytes in new[] { clientBytes, server.ToBytes() })
        {
            var tampered = Replace(bytes, "-n36-", "-n37-");
            var e = Assert.Throws<TfheFormatException>(() => ClientOrServer(tampered, bytes == clientBytes));
            Assert.Contains("not 128-bit secure", e.Message, StringComparison.Ordinal);
        }
    }

    private static object ClientOrServer(byte[] bytes, bool client)
        => client ? ClientKey.Load(new MemoryStream(bytes)) : ServerKey.FromBytes(bytes);

    private static byte[] Save(Action<Stream> save)
    {
        using var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }

    private static byte[] Replace(byte[] data, string from, string to)
    {
        byte[] a = Encoding.UTF8.GetBytes(from), b = Encoding.UTF8.GetBytes(to);
        var copy = (byte[])data.Clone();
        int at = data.AsSpan().IndexOf(a);
        Assert.True(at >= 0, $"'{from}' is not in the header");
        b.CopyTo(copy, at);
        return copy;
    }
}
