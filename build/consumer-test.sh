#!/usr/bin/env bash
# The consumer test: what a new user gets from the packages, not from the solution.
#  1. Packs every package (src/ except the runnable host) into a temporary folder.
#  2. Creates a fresh console project outside the repository, with its own NuGet.config: Uni.Authorize* come from the
#     packed folder only, everything else from the usual feed; no Directory.Build.props / Directory.Packages.props of
#     the repository apply.
#  3. Extracts the C# blocks of README.md (the first is the program, later ones are snippets) and the C# blocks of
#     docs/*.md marked with an HTML comment `<!-- compile -->` on the line before the fence, compiles them (warnings
#     are errors; errors point at the Markdown file and line), and runs README's example, answering "y" to its dialog.
# A snippet is compiled as the body of a method with these in scope: `services` (IServiceCollection), `builder`
# (WebApplicationBuilder), `app` (WebApplication), `prompter` (IAuthorizationPrompter), and a class `MyConsentDialog`
# (an IAuthorizationPrompter). `using` lines at the top of a snippet apply to its file.
# Set KEEP_CONSUMER_TEST=1 to keep the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
cleanup() {
  if [ "${KEEP_CONSUMER_TEST:-}" = 1 ]; then echo "Kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

packages=(Uni.Authorize.Abstractions Uni.Authorize Uni.Authorize.Sqlite Uni.Authorize.PostgreSql Uni.Authorize.AspNetCore Uni.Authorize.Client)
version=$(dotnet msbuild src/Uni.Authorize/Uni.Authorize.csproj -getProperty:Version)
echo "Consumer test: packing ${#packages[@]} packages at $version..."
for p in "${packages[@]}"; do
  dotnet pack "src/$p/$p.csproj" -c Release -o "$work/feed" --nologo -v q >"$work/pack-$p.log" 2>&1 \
    || { cat "$work/pack-$p.log" >&2; echo "Consumer test: packing $p failed." >&2; exit 1; }
  [ -f "$work/feed/$p.$version.nupkg" ] || { echo "Consumer test: $p.$version.nupkg is missing." >&2; exit 1; }
  [ -f "$work/feed/$p.$version.snupkg" ] || { echo "Consumer test: $p.$version.snupkg (symbols) is missing." >&2; exit 1; }
done

app="$work/consumer"
mkdir -p "$app"
# Empty files stop MSBuild from looking further up for the repository's (or anyone's) build files.
printf '<Project />\n' >"$work/Directory.Build.props"
printf '<Project />\n' >"$work/Directory.Build.targets"
printf '<Project />\n' >"$work/Directory.Packages.props"
# A packages folder of its own, so a package of this version restored before is never taken for this one; the
# machine's folder serves the other dependencies without downloading them again.
global=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
cat >"$work/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <fallbackPackageFolders>
    <clear />
    <add key="machine" value="$global" />
  </fallbackPackageFolders>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local">
      <package pattern="Uni.Authorize" />
      <package pattern="Uni.Authorize.*" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
XML

{
  cat <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
XML
  for p in "${packages[@]}"; do echo "    <PackageReference Include=\"$p\" Version=\"$version\" />"; done
  cat <<XML
  </ItemGroup>
</Project>
XML
} >"$app/Consumer.csproj"

# Writes the C# blocks of $1 to $out/<name>.NN.cs, each starting with a #line directive pointing at the Markdown.
# mode=all takes every block; mode=marked only those right after a line `<!-- compile -->`.
extract() {
  local file=$1 mode=$2 name
  name=$(echo "$file" | tr '/.' '__')
  awk -v mode="$mode" -v out="$work/blocks" -v name="$name" -v path="$root/$file" '
    /^```(csharp|cs|c#)[[:space:]]*$/ && !inblock && !skipping {
      if (mode == "all" || marked) {
        n++; inblock = 1; f = sprintf("%s/%s.%02d.cs", out, name, n)
        printf "#line %d \"%s\"\n", NR + 1, path > f
      } else { skipping = 1 }
      marked = 0; next
    }
    (inblock || skipping) && /^```[[:space:]]*$/ { if (inblock) close(f); inblock = 0; skipping = 0; next }
    inblock { print > f; next }
    /^<!--[[:space:]]*compile[[:space:]]*-->[[:space:]]*$/ { marked = 1; next }
    /[^[:space:]]/ { marked = 0 }
  ' "$root/$file"
}
mkdir -p "$work/blocks"
extract README.md all
for doc in docs/*.md; do extract "$doc" marked; done

program=$(ls "$work/blocks"/README_md.*.cs 2>/dev/null | sort | head -n 1)
[ -n "$program" ] || { echo "Consumer test: README.md has no C# block." >&2; exit 1; }
cp "$program" "$app/Program.cs"

# Every other block becomes a method of its own file; its `using` lines move to the file's top (blank lines keep
# the #line numbering right).
count=0
for block in $(ls "$work/blocks"/*.cs | sort); do
  [ "$block" = "$program" ] && continue
  count=$((count + 1))
  method=$(basename "$block" .cs | tr -c 'A-Za-z0-9\n' '_')
  {
    echo "#pragma warning disable CS1998, CS8321, CA1822"
    echo "using Microsoft.AspNetCore.Builder;"
    echo "using Microsoft.Extensions.DependencyInjection;"
    echo "using Uni.Authorize;"
    grep -E '^using [A-Za-z0-9_.]+;[[:space:]]*$' "$block" || true
    echo "internal static partial class Snippets"
    echo "{"
    echo "    internal static async Task $method(IServiceCollection services, WebApplicationBuilder builder, WebApplication app, IAuthorizationPrompter prompter)"
    echo "    {"
    head -n 1 "$block"
    tail -n +2 "$block" | sed -E 's/^using [A-Za-z0-9_.]+;[[:space:]]*$//'
    echo "#line default"
    echo "    }"
    echo "}"
  } >"$app/Snippet.$method.cs"
done
cat >"$app/Support.cs" <<'CS'
using Uni.Authorize;

/// <summary>The consent dialog the docs' snippets register: answers "allow" (a real one asks the user).</summary>
internal sealed class MyConsentDialog : IAuthorizationPrompter
{
    public ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(PromptResult.Allow);
}
CS

echo "Consumer test: compiling README's example and $count snippets against the packages..."
(cd "$app" && dotnet build -c Release --nologo -v q >"$work/build.log" 2>&1) \
  || { grep -E "error|warning" "$work/build.log" >&2 || cat "$work/build.log" >&2; echo "Consumer test: the examples do not compile." >&2; exit 1; }

# The packages restored came from the packed folder.
for p in "${packages[@]}"; do
  lower=$(echo "$p" | tr '[:upper:]' '[:lower:]')
  [ -f "$work/packages/$lower/$version/$lower.$version.nupkg" ] \
    || { echo "Consumer test: $p was not restored from the packed folder." >&2; exit 1; }
done

echo "Consumer test: running README's example..."
output=$(cd "$app" && printf 'y\n' | timeout 120 dotnet bin/Release/net10.0/Consumer.dll 2>&1) \
  || { echo "$output" >&2; echo "Consumer test: README's example failed." >&2; exit 1; }
echo "$output"
for line in "success authorize:ok" "complete" "again authorize:ok"; do
  grep -qF "$line" <<<"$output" || { echo "Consumer test: README's example did not print \"$line\"." >&2; exit 1; }
done
echo "Consumer test passed."
