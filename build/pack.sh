#!/usr/bin/env bash
# Packs the FheGen package into artifacts/packages (runtime + compiler core in lib/, generator and code fixes
# in analyzers/dotnet/cs, FheGen.props and FheGen.targets in build/ and buildTransitive/).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/packages}
dotnet pack src/FheGen/FheGen.csproj -c Release -p:FheGenPack=true -o "$out" -nologo -v q
ls "$out"
