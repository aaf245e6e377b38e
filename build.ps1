#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks VmBoot.
.DESCRIPTION
    Build  produces an importable module at out/VmBoot (Import-Module ./out/VmBoot).
    Test   builds, installs and starts what the tests need, runs xunit (engine) and Pester (cmdlets,
           in a child pwsh against out/VmBoot) and ends with one line "N passed, N failed".
    Demo   builds, starts simulated ESXi hosts and walks through VmBoot with real output.
    Bench  measures VmBoot against its peers side by side; writes out/bench/results.json.
    Package builds and publishes the module with PSResourceGet to a folder repository, out/package
           (VmBoot.<version>.nupkg), as Publish-PSResource would to the PowerShell Gallery.
    Sandbox builds, starts two simulated ESXi hosts and prints how to reach them, to try the cmdlets by hand;
           they run until Enter.
    Clean  removes out/.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Sandbox', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'VmBoot'

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-NuGetPackageFolder {
    $line = dotnet nuget locals global-packages --list | Select-Object -First 1
    return ($line -replace '^global-packages:\s*', '').Trim()
}

function Invoke-Build {
    $staging = Join-Path $out 'staging'
    Remove-Item -LiteralPath $moduleOut, $staging -Recurse -Force -ErrorAction Ignore
    Invoke-Native dotnet @('publish', "$root/src/VmBoot.Engine/VmBoot.Engine.csproj", '-c', $Configuration, '-o', "$staging/engine", '--nologo', '-v', 'quiet')
    Invoke-Native dotnet @('build', "$root/src/VmBoot/VmBoot.csproj", '-c', $Configuration, '-o', "$staging/cmdlets", '--nologo', '-v', 'quiet')

    $dependencies = Join-Path $moduleOut 'Dependencies'
    New-Item -ItemType Directory -Path $dependencies, "$moduleOut/en-US" -Force | Out-Null
    # The cmdlet assembly sits at the root; the engine and everything it pulls in load from
    # Dependencies/ into VmBoot's own load context.
    Copy-Item -LiteralPath "$staging/cmdlets/VmBoot.dll", "$staging/cmdlets/VmBoot.pdb" -Destination $moduleOut
    Get-ChildItem -LiteralPath "$staging/engine" -File | Where-Object Extension -in '.dll', '.pdb' |
        Copy-Item -Destination $dependencies
    # SSH.NET's netstandard2.0 build (for Windows PowerShell) does all its crypto with BouncyCastle; its .NET 8 build
    # uses the platform's where it can, 5 ms less CPU per handshake (bench section 10). PowerShell 7 loads that one.
    $sshNetVersion = ([xml](Get-Content -Raw -LiteralPath "$root/src/VmBoot.Engine/VmBoot.Engine.csproj")).SelectSingleNode("//PackageReference[@Include='SSH.NET']").Version
    New-Item -ItemType Directory -Path "$dependencies/net8.0" -Force | Out-Null
    Copy-Item -LiteralPath (Join-Path (Get-NuGetPackageFolder) "ssh.net/$sshNetVersion/lib/net8.0/Renci.SshNet.dll") -Destination "$dependencies/net8.0"
    Copy-Item -LiteralPath "$root/VmBoot.psd1", "$root/VmBoot.Format.ps1xml", "$root/LICENSE", "$root/CHANGELOG.md" -Destination $moduleOut
    Set-ReleaseNote -Manifest "$moduleOut/VmBoot.psd1"
    Get-ChildItem -LiteralPath "$root/en-US" -File -ErrorAction Ignore | Copy-Item -Destination "$moduleOut/en-US"
    # A sample inventory and a commented plan, for trying VmBoot offline: (Get-Module VmBoot).ModuleBase/Examples.
    Copy-Item -LiteralPath "$root/Examples" -Destination "$moduleOut/Examples" -Recurse
    Test-ModuleManifest -Path "$moduleOut/VmBoot.psd1" | Out-Null
    # Cmdlet help: Markdown pages plus the compiled cmdlets' metadata; fails on a missing page, parameter or example.
    & dotnet pwsh -NoProfile -NonInteractive -File "$root/src/VmBoot/Help/ConvertTo-MamlHelp.ps1" -ModulePath $moduleOut -OutputPath "$moduleOut/en-US/VmBoot.dll-Help.xml"
    if ($LASTEXITCODE -ne 0) { throw 'Building the cmdlet help failed.' }
    Write-Host "Built $moduleOut"
}

# The manifest's ReleaseNotes: the CHANGELOG section of its version (the build fails when there is none).
function Set-ReleaseNote {
    param([Parameter(Mandatory)] [string] $Manifest)
    $version = (Import-PowerShellDataFile -LiteralPath $Manifest).ModuleVersion
    $changelog = (Get-Content -LiteralPath "$root/CHANGELOG.md" -Raw) -replace "`r", ''
    $section = [regex]::Match($changelog, "(?ms)^## $([regex]::Escape($version))\s*\n(.*?)(?=^## |\z)")
    if (-not $section.Success) { throw "CHANGELOG.md has no section '## $version' for the manifest's version." }
    $notes = $section.Groups[1].Value.Trim() -replace "'", "''"
    $text = Get-Content -LiteralPath $Manifest -Raw
    $marked = "ReleaseNotes = 'See CHANGELOG.md.'"
    if (-not $text.Contains($marked)) { throw "The manifest's ReleaseNotes line is not `"$marked`"." }
    Set-Content -LiteralPath $Manifest -Value $text.Replace($marked, "ReleaseNotes = '$notes'") -NoNewline
}

# Publishes the built module to a folder repository with PSResourceGet, exactly as to the PowerShell Gallery.
# The repository is registered in a throwaway profile (HOME), never in the user's own.
function Invoke-Package {
    Invoke-Build
    $repository = Join-Path $out 'package'
    $profileHome = Join-Path $out 'package-home'
    Remove-Item -LiteralPath $repository, $profileHome -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Path $repository, $profileHome | Out-Null
    $saved = $env:HOME, $env:DOTNET_CLI_HOME
    try {
        $env:DOTNET_CLI_HOME = if ($env:DOTNET_CLI_HOME) { $env:DOTNET_CLI_HOME } else { $env:HOME }
        $env:HOME = $profileHome
        & dotnet pwsh -NoProfile -NonInteractive -Command "`$ErrorActionPreference = 'Stop'; Register-PSResourceRepository -Name VmBootPackage -Uri '$repository' -Trusted; Publish-PSResource -Path '$moduleOut' -Repository VmBootPackage"
        if ($LASTEXITCODE -ne 0) { throw 'Publish-PSResource failed.' }
    }
    finally {
        $env:HOME, $env:DOTNET_CLI_HOME = $saved
        Remove-Item -LiteralPath $profileHome -Recurse -Force -ErrorAction Ignore
    }
    $package = Get-ChildItem -LiteralPath $repository -Filter 'VmBoot.*.nupkg'
    Write-Host "Packaged $($package.FullName): publish it with Publish-PSResource -Path $moduleOut -Repository PSGallery -ApiKey <key>, or serve $repository as a repository."
}

function Install-SimulatorPrerequisite {
    # The simulator runs real sshd processes with chroots and PAM services: that needs root.
    if ((id -u) -ne '0') {
        Write-Warning 'Not root: the ESXi simulator cannot start here, so the live tests will fail. Run as root (CI does).'
        return
    }
    Invoke-Native bash @("$root/tests/EsxiSim/install-prerequisites.sh")
}

function Build-Simulator {
    Invoke-Native dotnet @('build', "$root/tests/EsxiSim/EsxiSim.csproj", '-c', $Configuration, '-o', "$out/esxisim", '--nologo', '-v', 'quiet')
    return "$out/esxisim/EsxiSim.dll"
}

# govmomi's vSphere API simulator with the project's own main (tests/VSphereSim), built from Debian's Go sources.
function Build-VSphereSimulator {
    $binary = "$out/vspheresim/vspheresim"
    Invoke-Native sh @("$root/tests/VSphereSim/build.sh", $binary)
    return $binary
}

function Invoke-Test {
    Invoke-Build
    Install-SimulatorPrerequisite
    $simulator = Build-Simulator
    $vsphereSimulator = Build-VSphereSimulator
    $results = Join-Path $out 'test'
    Remove-Item -LiteralPath $results -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Path $results | Out-Null

    Import-Module "$root/tests/tools/TestRunCount.psm1" -Force
    $minimum = Get-Content -LiteralPath "$root/tests/test-counts.json" -Raw | ConvertFrom-Json

    Write-Host '== xunit (VmBoot.Engine)'
    & dotnet test "$root/tests/VmBoot.Engine.Tests/VmBoot.Engine.Tests.csproj" -c $Configuration --nologo `
        --logger "trx;LogFileName=engine.trx" --logger 'console;verbosity=minimal' --results-directory $results
    $xunit = Confirm-RunCount (Get-XunitRunCount -TrxFolder $results -ExitCode $LASTEXITCODE) -Minimum $minimum.xunit

    Write-Host '== Pester (cmdlets, child pwsh against out/VmBoot)'
    Invoke-Native dotnet @('restore', "$root/tests/tools/Tools.csproj", '--nologo', '-v', 'quiet')
    $pester = Join-Path (Get-NuGetPackageFolder) 'pester/5.7.1/tools/Pester.psd1'
    $pesterSummary = Join-Path $results 'pester.json'
    & dotnet pwsh -NoProfile -NonInteractive -File "$root/tests/Invoke-PesterTests.ps1" `
        -PesterPath $pester -ModulePath $moduleOut -SimulatorPath $simulator -VSphereSimulatorPath $vsphereSimulator -SummaryPath $pesterSummary -ResultPath "$results/pester.xml"
    $pesterCount = Confirm-RunCount (Get-PesterRunCount -SummaryPath $pesterSummary -ExitCode $LASTEXITCODE) -Minimum $minimum.pester

    $counts = $xunit, $pesterCount
    $counts | ForEach-Object { Format-RunCount $_ } | Write-Host
    $passed = ($counts | Measure-Object Passed -Sum).Sum
    $failed = ($counts | Measure-Object Failed -Sum).Sum
    $skipped = ($counts | ForEach-Object { $_.Skipped + $_.NotRun } | Measure-Object -Sum).Sum
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Install-SimulatorPrerequisite
    $simulator = Build-Simulator
    & dotnet pwsh -NoProfile -NonInteractive -File "$root/tests/demo/Start-Demo.ps1" -ModulePath $moduleOut -SimulatorPath $simulator
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Sandbox {
    Invoke-Build
    Install-SimulatorPrerequisite
    $simulator = Build-Simulator
    & dotnet pwsh -NoProfile -File "$root/tests/demo/Start-Sandbox.ps1" -ModulePath $moduleOut -SimulatorPath $simulator -Folder "$out/sandbox"
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Bench {
    Invoke-Build
    Install-SimulatorPrerequisite
    $simulator = Build-Simulator
    $vsphereSimulator = Build-VSphereSimulator
    & dotnet pwsh -NoProfile -NonInteractive -File "$root/tests/bench/Invoke-Benchmarks.ps1" -ModulePath $moduleOut -SimulatorPath $simulator `
        -EnginePath "$moduleOut/Dependencies/VmBoot.Engine.dll" -OutputFolder "$out/bench" -VSphereSimulatorPath $vsphereSimulator
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Sandbox' { Invoke-Sandbox }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
    'Clean' { Remove-Item -LiteralPath $out -Recurse -Force -ErrorAction Ignore; Write-Host "Removed $out" }
}
