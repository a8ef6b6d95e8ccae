using System;
using System.Diagnostics;
using System.IO;
using FheGen.Compiler.Parameters;
using FheGen.Tfhe.Keys;
using Xunit.Abstractions;

namespace FheGen.Tfhe.Tests.Keys;

public class PublishedSetTests(ITestOutputHelper output)
{
    [Fact]
    public void Four_bit_server_key_streams_through_a_file_and_still_bootstraps()
    {
        var p = KnownParameterSets.Message2Carry2.Parameters;
        var sw = Stopwatch.StartNew();
        var (client, server) = ClientKey.GenerateKeys(p, KeysFixture.Seeded(11));
        var gen = sw.Elapsed;
        string path = Path.GetTempFileName();
        try
        {
            sw.Restart();
            using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                server.Save(fs);
            var save = sw.Elapsed;
            long size = new FileInfo(path).Length;
            var ksk = server.KeySwitchKey; // 64-bit words on disk, 32-bit ones in memory for this set
            Assert.True(ksk.Uses32BitWords);
            long kskFileBytes = (long)ksk.InputDimension * ksk.Decomposer.LevelCount * (ksk.OutputDimension + 1) * sizeof(ulong);
            Assert.Equal(server.BootstrapKey.SizeInBytes + kskFileBytes + 28 + 20 + System.Text.Encoding.UTF8.GetByteCount(p.Id) + 32, size);
            sw.Restart();
            ServerKey loaded;
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                loaded = ServerKey.Load(fs, p);
            var load = sw.Elapsed;
            output.WriteLine($"{p.Id}: {size / 1e6:F1} MB; generate {gen.TotalSeconds:F1} s, save {save.TotalSeconds:F2} s, load {load.TotalSeconds:F2} s");

            ulong[] table = new ulong[16];
            for (int i = 0; i < 16; i++)
                table[i] = (ulong)((i * 5 + 3) % 16);
            var pbs = loaded.CreateBootstrapper();
            foreach (ulong m in new ulong[] { 0, 7, 15 })
                Assert.Equal(table[m], client.Decrypt(pbs.Apply(client.Encrypt(m), table)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
