#!/usr/bin/env bash
# Packs the FheGen package into artifacts/packages from src/FheGen.Tfhe: the TFHE backend, the runtime and the compiler
# core in lib/ with their XML docs, the generator and code fixes in analyzers/dotnet/cs, FheGen.props and FheGen.targets
# in build/ and buildTransitive/, and build/package/README.md as the package README.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/packages}
dotnet pack src/FheGen.Tfhe/FheGen.Tfhe.csproj -c Release -p:FheGenPack=true -o "$out" -nologo -v q
ls "$out"
