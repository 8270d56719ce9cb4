#!/usr/bin/env bash
# Bootstrap: the .NET SDK that global.json pins, Cake (.config/dotnet-tools.json), the pipeline library,
# then the target graph. The first argument is the target (./build.sh Lab); the rest passes through to Cake.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

sdk_version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' global.json | head -n 1)
if [ -x .dotnet/dotnet ]; then
  export DOTNET_ROOT="$PWD/.dotnet" PATH="$PWD/.dotnet:$PATH"
fi
# `dotnet --version` fails when no installed SDK satisfies global.json.
if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --version >/dev/null 2>&1; then
  echo "The .NET SDK $sdk_version (global.json) is not installed; installing it into .dotnet/ with the official install script."
  if ! curl -fsSL --retry 3 https://dot.net/v1/dotnet-install.sh -o .dotnet-install.sh; then
    echo "error: .NET SDK $sdk_version (or a later 10.0 feature band, per global.json) is missing and cannot be downloaded here; install it from https://dotnet.microsoft.com/download and run again." >&2
    exit 1
  fi
  bash .dotnet-install.sh --jsonfile global.json --install-dir .dotnet --no-path
  rm -f .dotnet-install.sh
  export DOTNET_ROOT="$PWD/.dotnet" PATH="$PWD/.dotnet:$PATH"
fi

if ! tool_log=$(dotnet tool restore 2>&1); then
  echo "$tool_log" >&2
  echo "error: 'dotnet tool restore' could not restore cake.tool (.config/dotnet-tools.json); check access to NuGet and run again." >&2
  exit 1
fi

# Cake runs the graph from build/bin; rebuild it only when its sources changed (so --dryrun writes nothing):
# its folder, the build settings, and the files Pipeline.csproj compiles from elsewhere (<Compile Include=".."/>,
# such as src/McastTools/Send/Rate.cs), read from the project file so a new link needs no change here.
pipeline=build/bin/McastLab.Pipeline.dll
linked=()
while IFS= read -r include; do
  linked+=("build/Pipeline/${include//\\//}")
done < <(sed -n 's/.*<Compile Include="\([^"]*\)".*/\1/p' build/Pipeline/Pipeline.csproj)
if [ ! -f "$pipeline" ] || [ -n "$(find build/Pipeline Directory.Build.props Directory.Packages.props global.json ${linked[@]+"${linked[@]}"} \
      -newer "$pipeline" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
  if ! build_log=$(dotnet build build/Pipeline/Pipeline.csproj --configuration Release --output build/bin --nologo 2>&1); then
    echo "$build_log" >&2
    echo "error: the pipeline library (build/Pipeline) does not compile; fix the errors above and run again." >&2
    exit 1
  fi
fi

args=()
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
  args+=("--target=$1")
  shift
fi
exec dotnet cake build/build.cake "${args[@]}" "$@"
