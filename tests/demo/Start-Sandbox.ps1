<#
.SYNOPSIS
    Simulated ESXi hosts to try VmBoot's cmdlets by hand: starts them with the Examples' inventories, prints how to
    connect (a key and a known_hosts file made for them), and keeps them running until Enter or end of input.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SimulatorPath,
    [Parameter(Mandatory)] [string] $Folder
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
Add-Type -LiteralPath $SimulatorPath
$examples = Join-Path $ModulePath 'Examples'
New-Item -ItemType Directory -Path $Folder -Force | Out-Null
$sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(2)
try {
    # The same VMs as the shipped sample inventories, so Examples/boot.yml fits them.
    $inventories = @{
        0 = @(@{ Vmid = 1; Name = 'vcsa01' }, @{ Vmid = 2; Name = 'dc01 (primary)'; Notes = 'vmboot: stage=infra' }, @{ Vmid = 3; Name = 'web 01' },
            @{ Vmid = 4; Name = 'vCLS-0a1b2c3d-4e5f-6789-abcd-ef0123456789'; Datastore = ''; GuestId = 'crxSys1Guest' })
        1 = @(@{ Vmid = 1; Name = 'dc02'; Notes = 'vmboot: stage=infra' }, @{ Vmid = 2; Name = 'db01' }, @{ Vmid = 3; Name = 'web 02' }, @{ Vmid = 4; Name = 'test-upgrade'; Datastore = 'local-esx02' })
    }
    foreach ($i in 0, 1) {
        $vms = foreach ($spec in $inventories[$i]) { $vm = [VmBoot.EsxiSim.SimVm]::new(); $vm.Datastore = 'shared ds'; foreach ($k in $spec.Keys) { $vm.$k = $spec[$k] }; $vm }
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@($vms))
        $sim[$i].AddDatastore('shared ds')
    }
    $key = Join-Path $Folder 'id_ecdsa'
    Remove-Item -LiteralPath $key, "$key.pub" -ErrorAction Ignore
    ssh-keygen -q -t ecdsa -N '' -C 'vmboot sandbox' -f $key | Out-Null
    foreach ($h in $sim.Hosts) { $h.AuthorizeKey((Get-Content -Raw -LiteralPath "$key.pub")) }
    $knownHosts = Join-Path $Folder 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $servers = ($sim.Hosts | ForEach-Object { "'$($_.Address):$($_.Port)'" }) -join ', '

    Write-Host "Two simulated ESXi hosts are running (esx01, esx02; login $($sim.UserName), password $($sim.Password), or the key below)."
    Write-Host 'In another PowerShell 7, paste:'
    Write-Host ''
    Write-Output @"
Import-Module '$ModulePath'
`$hosts = $servers
`$ssh = @{ User = '$($sim.UserName)'; KeyFilePath = '$key'; KnownHostsPath = '$knownHosts' }
Get-EsxiVmList -Server `$hosts @ssh
"@
    Write-Host ''
    Write-Host "Then try the README's 'On your cluster' steps with `$hosts and @ssh (the plan: $examples/boot.yml)."
    Write-Host 'Press Enter here to stop the hosts.'
    Write-Output 'sandbox ready'
    $null = [Console]::In.ReadLine()
}
finally {
    $sim.Dispose()
}
