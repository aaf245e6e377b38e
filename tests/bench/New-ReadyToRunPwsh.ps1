<#
.SYNOPSIS
    Copies the running pwsh with its assemblies compiled ReadyToRun, as PowerShell's release packages are.
.DESCRIPTION
    The pwsh that runs the bench is the .NET tool, a framework-dependent build whose assemblies are IL only:
    every first-time code path is JIT-compiled, and a module's first import pays for PowerShell's own module
    code. PowerShell's platform packages are ReadyToRun-compiled (its tools/packaging/packaging.psm1 refuses
    to stage a zip or tar package whose System.Management.Automation is not). This compiles the same pwsh
    version the same way, with the .NET SDK's crossgen2, so the bench measures a load as those users pay it.
    Writes the copy's pwsh path; writes nothing (with a warning) where crossgen2 can't be restored.
#>
param([Parameter(Mandatory)] [string] $OutputFolder)
$ErrorActionPreference = 'Stop'
$OutputFolder = [IO.Path]::GetFullPath($OutputFolder)

$rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
$pwshName = if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }
$copy = Join-Path $OutputFolder "pwsh-$($PSVersionTable.PSVersion)-r2r-$rid"
$done = Join-Path $copy '.compiled'
if (Test-Path -LiteralPath $done) { return Join-Path $copy $pwshName }

# Restoring a ReadyToRun project makes the SDK download the crossgen2 that matches its runtime.
$framework = "net$([Environment]::Version.Major).0"
$probe = Join-Path $OutputFolder 'crossgen2-probe'
New-Item -ItemType Directory -Path $probe -Force | Out-Null
Set-Content -LiteralPath (Join-Path $probe 'probe.csproj') -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>$framework</TargetFramework>
    <RuntimeIdentifier>$rid</RuntimeIdentifier>
    <PublishReadyToRun>true</PublishReadyToRun>
    <SelfContained>false</SelfContained>
  </PropertyGroup>
</Project>
"@
$restore = & dotnet restore (Join-Path $probe 'probe.csproj') 2>&1
if ($LASTEXITCODE -ne 0) {
    Write-Warning "No ReadyToRun pwsh: crossgen2 for $rid could not be restored: $($restore | Select-Object -Last 3)"
    return
}
$assets = Get-Content -Raw -LiteralPath (Join-Path $probe 'obj/project.assets.json') | ConvertFrom-Json -AsHashtable
$pack = $assets.project.frameworks[$framework].downloadDependencies | Where-Object name -Like 'Microsoft.NETCore.App.Crossgen2.*'
$packVersion = $pack.version.Trim('[]').Split(',')[0].Trim()
$packageRoot = @($assets.packageFolders.Keys)[0]
$crossgen = Join-Path $packageRoot "$($pack.name.ToLowerInvariant())/$packVersion/tools/$(if ($IsWindows) { 'crossgen2.exe' } else { 'crossgen2' })"

$os, $arch = $rid.Split('-')
$targetOs = @{ win = 'windows'; linux = 'linux'; osx = 'osx' }[$os]
$runtimeFolder = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()

if (Test-Path -LiteralPath $copy) { Remove-Item -LiteralPath $copy -Recurse -Force }
Copy-Item -LiteralPath $PSHOME -Destination $copy -Recurse
$compiled = 0
foreach ($assembly in Get-ChildItem -LiteralPath $PSHOME -Filter '*.dll') {
    $pe = [Reflection.PortableExecutable.PEReader]::new([IO.File]::OpenRead($assembly.FullName))
    try { $ilOnly = $pe.HasMetadata -and $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -eq 0 }
    finally { $pe.Dispose() }
    if (-not $ilOnly) { continue }
    # An assembly crossgen2 refuses (a reference assembly, another platform's) stays IL, as it would in a release.
    & $crossgen -r "$runtimeFolder/*.dll" -r "$PSHOME/*.dll" --targetos $targetOs --targetarch $arch -O `
        $assembly.FullName -o (Join-Path $copy $assembly.Name) *> $null
    if ($LASTEXITCODE -eq 0) { $compiled++ } else { Copy-Item -LiteralPath $assembly.FullName -Destination $copy -Force }
}
Write-Host "ReadyToRun pwsh: $compiled assemblies of $PSHOME compiled with crossgen2 $packVersion into $copy"
New-Item -ItemType File -Path $done | Out-Null
Join-Path $copy $pwshName
