<#
.SYNOPSIS
    The main job: walks through VmBoot with real output.
#>
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$fixtures = Join-Path $PSScriptRoot '../fixtures'

function Show-Step([string] $Title) { Write-Host "`n=== $Title" -ForegroundColor Cyan }

Show-Step 'What vim-cmd vmsvc/getallvms printed on a cluster host (names with spaces and brackets, vCLS, multi-line notes)'
Get-Content -LiteralPath "$fixtures/cluster-host.txt" | Write-Host

Show-Step 'Get-Content cluster-host.txt | Get-EsxiVmList'
Get-Content -LiteralPath "$fixtures/cluster-host.txt" | Get-EsxiVmList | Format-Table | Out-String -Width 160 | Write-Host

Show-Step 'The VMs a boot script may start (vCLS excluded), with their notes'
Get-EsxiVmList -LiteralPath "$fixtures/cluster-host.txt" | Where-Object { -not $_.IsVcls } |
    Format-Table Vmid, Name, Datastore, VmxPath, Notes -Wrap | Out-String -Width 160 | Write-Host

Show-Step 'Japanese VM names, whether vim-cmd padded by characters or by UTF-8 bytes'
Get-EsxiVmList -Path "$fixtures/japanese-*.txt" | Format-Table | Out-String -Width 160 | Write-Host

Show-Step 'Damaged input: the good rows survive, the bad line is named'
@(Get-Content -LiteralPath "$fixtures/one-vm-esxi8.txt") + '2      x9     [pve-esx] x9' |
    Get-EsxiVmList -ErrorVariable damaged -ErrorAction SilentlyContinue | Format-Table | Out-String -Width 160 | Write-Host
$damaged | ForEach-Object { Write-Host "error $($_.FullyQualifiedErrorId): $_" -ForegroundColor Yellow }

Write-Host "`nLive inventory over SSH against the bundled ESXi simulator arrives with the simulator issue (#3)." -ForegroundColor DarkYellow
