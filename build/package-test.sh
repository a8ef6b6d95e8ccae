#!/usr/bin/env bash
# Consumes the packed FheGen package from a local folder feed in a fresh project, the way a user would:
# the generator and analyzers must load from the package alone, FheGenPbsBudgetBits must reach them through
# the package's build props, the per-layer summary (FHE0006) must reach the build output through the package's build
# targets, the generated circuit must run, and a small model's encrypted prediction through FheModel and the package's
# TFHE backend must equal its clear prediction. Prints "package: 1 passed, 0 failed" or fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash "$root/build/pack.sh" "$work/feed" > /dev/null
version=$(ls "$work/feed" | sed -n 's/^FheGen\.\(.*\)\.nupkg$/\1/p')

mkdir -p "$work/app"
cd "$work/app"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="fhegen-local" value="$work/feed" />
  </packageSources>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
</configuration>
XML
cat > App.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <WarningsNotAsErrors>FHE0001</WarningsNotAsErrors>
    <FheGenPbsBudgetBits>5</FheGenPbsBudgetBits>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="FheGen" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > Program.cs <<'CS'
using System;
using System.Diagnostics;
using System.Linq;
using FheGen;
using FheGen.Tfhe.Circuits;
using FheGen.Tfhe.Entities;

var y = Tiny.Predict(new float[] { 0.5f, 0.25f, 1f });
var q = new long[3];
Tiny.Io.QuantizeInputs(new float[] { 0.5f, 0.25f, 1f }, q);
var acc = new long[2];
Tiny.Run<FheGen.Backends.ClearBackend, long>(default, q, acc);
bool same = acc.AsSpan().SequenceEqual(Tiny.Interpreter.RunClear(q));
Console.WriteLine($"budget={Tiny.Circuit.BudgetBits} pbs={Tiny.Circuit.PbsCount} same={same} y0={y[0]:F4}");

// Encrypted inference from the package alone: keys, encryption, the generated code on ciphertexts, decryption.
var clock = Stopwatch.StartNew();
var small = FheModel.Create(Small.Interpreter, Small.Run<EncryptedBackend, LweCiphertext>);
float[][] rows = { new[] { 0.9f, 0.1f, 0.6f }, new[] { 0.2f, 0.7f, 0.4f }, new[] { 1f, 1f, 1f }, new[] { 0f, 0.5f, 0f } };
var progress = new Counter();
var encrypted = small.PredictBatch(rows, FheMode.Encrypt, progress: progress);
bool encryptedSame = rows.Select((r, i) => encrypted[i].SequenceEqual(Small.Predict(r)) && encrypted[i].SequenceEqual(small.Predict(r))).All(b => b);
bool simulatedSame = rows.All(r => small.Predict(r, FheMode.Simulate, new FhePredictOptions { PError = 0, Seed = 1 }).SequenceEqual(Small.Predict(r)));
var encoding = small.GenerateKeys();
Console.WriteLine($"encrypted_equals_clear={encryptedSame} simulated_equals_clear={simulatedSame} progress={progress.Count} " +
                  $"pbs={encoding.PbsPerInference} parameters={string.Join("; ", encoding.KeySets.Select(k => k.Id))} seconds={clock.Elapsed.TotalSeconds:F1}");

sealed class Counter : IProgress<FheBatchProgress>
{
    public int Count { get; private set; }
    public void Report(FheBatchProgress value) => Count = value.Completed;
}

[FheModel(Inputs = 3, InputBits = 4, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 4, ActivationBits = 4)]
[Dense("Hidden", 4, Activation = Activation.Relu)]
[Dense("Output", 2, NoBias = true)]
public static partial class Tiny
{
    static readonly float[] Hidden = { 0.5f, -0.25f, 1f, 0.1f, 0.2f, 0.3f, -1f, -0.5f, 0.25f, 0.7f, -0.6f, 0.4f };
    static readonly float[] HiddenBias = { 0.1f, 0f, -0.2f, 0.3f };
    static readonly float[] Output = { 1f, -1f, 0.5f, 0.25f, -0.5f, 1f, 0.75f, 2f };
}

// 2-bit lookups, so key generation and the encrypted rows take a second or two.
[FheModel(Inputs = 3, InputBits = 2, InputMin = 0, InputMax = 1)]
[Quantize(WeightBits = 2, ActivationBits = 2)]
[Dense("Hidden", 3, Activation = Activation.Relu, OutputMin = 0, OutputMax = 1)]
[Dense("Output", 2)]
public static partial class Small
{
    static readonly float[] Hidden = { 0.9f, -0.5f, 0.4f, -0.3f, 0.8f, 0.6f, 0.5f, 0.5f, -0.9f };
    static readonly float[] HiddenBias = { 0.1f, 0f, -0.2f };
    static readonly float[] Output = { 0.7f, -0.6f, 0.3f, -0.2f, 0.9f, 0.4f };
    static readonly float[] OutputBias = { 0f, 0.1f };
}
CS
build_log=$(dotnet build -c Release -nologo 2>&1) || { echo "$build_log"; echo "package: 0 passed, 1 failed"; exit 1; }
run_out=$(dotnet run -c Release --no-build)
echo "$run_out"
fail=0
# What the package carries: every inference assembly with its XML docs (not the training library), its metadata, and a
# README whose links are absolute, since a package page resolves no relative link.
nupkg="$work/feed/FheGen.$version.nupkg"
listing=$(unzip -Z1 "$nupkg")
for f in FheGen FheGen.Compiler FheGen.Tfhe; do
  for ext in dll xml; do grep -qx "lib/net10.0/$f.$ext" <<<"$listing" || { echo "the package lacks lib/net10.0/$f.$ext"; fail=1; }; done
done
grep -qx "analyzers/dotnet/cs/FheGen.Generators.dll" <<<"$listing" || { echo "the package lacks the generator"; fail=1; }
if grep -q "Training" <<<"$listing"; then echo "the package carries FheGen.Training"; fail=1; fi
nuspec=$(unzip -p "$nupkg" FheGen.nuspec)
for field in '<license type="expression">' '<repository type="git" url="https://github.com/fhegen/fhegen"' '<readme>README.md</readme>' '<description>'; do
  grep -qF "$field" <<<"$nuspec" || { echo "the nuspec lacks $field"; fail=1; }
done
relative=$(unzip -p "$nupkg" README.md | grep -o '](\S*)' | grep -v '](https://' || true)
[ -z "$relative" ] || { echo "the package README has relative links: $relative"; fail=1; }
# The 9-bit hidden layer is over the project budget of 5 bits: the analyzer from the package must say so.
grep -q "warning FHE0001: layer 'Hidden'" <<<"$build_log" || { echo "no FHE0001 from the packaged analyzer"; fail=1; }
grep -q "budget is 5 bits" <<<"$build_log" || { echo "FheGenPbsBudgetBits did not reach the analyzer"; fail=1; }
# FHE0006 is an Info diagnostic that dotnet build never prints: build/FheGen.targets prints it and writes it under obj/.
grep -q "Program.cs([0-9]*): Hidden: 3 -> 4, 12 active weights" <<<"$build_log" || { echo "no FHE0006 summary in the build output"; fail=1; }
grep -q "Output: 4 -> 2, 8 active weights" obj/Release/net10.0/App.FheGen.txt 2>/dev/null || { echo "no summary file obj/Release/net10.0/App.FheGen.txt"; fail=1; }
# An absolute IntermediateOutputPath (as BenchmarkDotNet sets) still gets the log and the summary file.
abs_log=$(dotnet build -c Release -nologo --no-restore "-p:IntermediateOutputPath=$work/absobj/" 2>&1) || { echo "$abs_log" | grep -E "error" | head -5; echo "build with an absolute IntermediateOutputPath failed"; fail=1; }
grep -q "Hidden: 3 -> 4" "$work/absobj/App.FheGen.txt" 2>/dev/null || { echo "no summary file under an absolute IntermediateOutputPath"; fail=1; }
# Output declares NoBias = true, Hidden has its bias: no FHE0007.
if grep -q "FHE0007" <<<"$build_log"; then echo "FHE0007 on a model whose layers have a bias or NoBias"; fail=1; fi
grep -q "budget=5 pbs=4 same=True" <<<"$run_out" || { echo "unexpected output from the generated circuit"; fail=1; }
grep -q "encrypted_equals_clear=True simulated_equals_clear=True progress=4 " <<<"$run_out" || { echo "the encrypted (or simulated) prediction through the package differs from the clear one"; fail=1; }
if [ "$fail" -ne 0 ]; then echo "$build_log" | grep -E "FHE|error" | head -20; echo "package: 0 passed, 1 failed"; exit 1; fi

# The five-minute snippet of the package README, verbatim, builds and runs from the package, and the repository README
# shows the same snippet.
snippet() { awk '/^## Five minutes/ { f = 1 } f && /^```csharp/ { c = 1; next } c && /^```/ { exit } c' "$1"; }
mkdir -p "$work/readme"
cd "$work/readme"
cp "$work/app/nuget.config" .
cat > Readme.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="FheGen" Version="$version" />
  </ItemGroup>
</Project>
XML
snippet "$root/build/package/README.md" > Program.cs
[ -s Program.cs ] || { echo "no five-minute snippet in build/package/README.md"; fail=1; }
diff -q <(snippet "$root/README.md") Program.cs > /dev/null || { echo "README.md and build/package/README.md show different five-minute snippets"; fail=1; }
readme_log=$(dotnet build -c Release -nologo 2>&1) || { echo "$readme_log" | grep -E "error" | head -10; echo "the README snippet does not build from the package"; fail=1; }
if [ "$fail" -eq 0 ]; then
  readme_out=$(dotnet run -c Release --no-build 2>/dev/null) || { echo "the README snippet failed when run"; fail=1; }
  echo "readme snippet: $readme_out"
  # It prints the clear, simulated and encrypted first outputs: the encrypted one must be the clear one.
  awk '{ exit !($1 == $3) }' <<<"$readme_out" || { echo "the README snippet's encrypted output differs from its clear one"; fail=1; }
fi
if [ "$fail" -ne 0 ]; then echo "package: 0 passed, 1 failed"; exit 1; fi
echo "package: 1 passed, 0 failed"
