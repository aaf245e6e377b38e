<#
.SYNOPSIS
    Runs the Pester tests in this (child) pwsh against the built module; writes pass/fail counts as JSON.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SimulatorPath,
    # The vSphere API simulator (tests/VSphereSim), built by build.ps1.
    [string] $VSphereSimulatorPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $TestPath = (Join-Path $PSScriptRoot 'Pester')
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:VMBOOT_TEST_MODULE = (Resolve-Path -LiteralPath $ModulePath).Path
$env:VMBOOT_TEST_SIMULATOR = (Resolve-Path -LiteralPath $SimulatorPath).Path
if ($VSphereSimulatorPath) { $env:VMBOOT_TEST_VSPHERESIM = (Resolve-Path -LiteralPath $VSphereSimulatorPath).Path }

$configuration = New-PesterConfiguration
$configuration.Run.Path = $TestPath
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputPath = $ResultPath
$result = Invoke-Pester -Configuration $configuration

[pscustomobject]@{
    Passed = $result.PassedCount
    Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
    NotRun = $result.NotRunCount
    FailedTests = @(
        $result.Failed | ForEach-Object { @{ Name = $_.ExpandedPath; Message = "$($_.ErrorRecord | Select-Object -First 1)" } }
        $result.FailedBlocks | ForEach-Object { @{ Name = $_.ExpandedPath; Message = "$($_.ErrorRecord | Select-Object -First 1)" } }
        $result.FailedContainers | ForEach-Object { @{ Name = "$($_.Item)"; Message = "$($_.ErrorRecord | Select-Object -First 1)" } }
    )
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $SummaryPath
