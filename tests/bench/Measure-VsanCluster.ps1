<#
.SYNOPSIS
    Section 9 of the benchmark (issue #29): a 3-node vSAN cluster with vCenter on vsanDatastore, shut down and
    restarted by VmBoot's runners against VMware's manual procedure typed host by host, on one virtual clock.
.DESCRIPTION
    The peer is what an admin without VmBoot types, one host after the other, with nothing slower than a script:
    each host's VMs (vCenter last), IgnoreClusterMemberListUpdates on every node, prepare on one, maintenance mode
    with noAction and the power-off on each; after the power comes back, maintenance mode off on each, recover on
    one, each node's health, the setting back to 0, then vCenter, its heartbeat, and the other VMs. Returns, per
    way, the cluster seconds to every host off, to vCenter on and to every VM on.
#>
param(
    [Parameter(Mandatory)] [string] $OutputFolder,
    [int] $Repeat = 3
)
$ErrorActionPreference = 'Stop'

$sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(3)
$cluster = $null
try {
    # vCenter last on esx01 (the peer's loop goes by Vmid), 3 VMs on each other node; all on vsanDatastore.
    $layout = @{ 0 = 'app1', 'app2', 'app3', 'vcsa01'; 1 = 'app4', 'app5', 'app6'; 2 = 'app7', 'app8', 'app9' }
    foreach ($i in 0..2) {
        $id = 0
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@($layout[$i] | ForEach-Object {
                    $id++
                    [VmBoot.EsxiSim.SimVm]@{ Vmid = $id; Name = $_; Datastore = 'vsanDatastore'; HeartbeatDelay = $(if ($_ -eq 'vcsa01') { 90 } else { 60 }); ShutdownSeconds = $(if ($_ -eq 'vcsa01') { 60 } else { 20 }) }
                }))
    }
    $known = Join-Path $OutputFolder 'vsan_known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $known
    $plan = "version: 1`nstages:`n  - name: vcenter`n    select: { nameLike: ['vcsa*'] }`n    after: { heartbeat: { timeout: 300 } }`n  - name: rest`n    select: { all: true }`n"
    $cluster = [VmBoot.EsxiSim.SimCluster]::new($sim)
    $cluster.FormVsan()
    $times = [VmBoot.EsxiSim.BootTimes]@{ HostdReadyAt = 40; DatastoresReadyAt = 60 }
    $helper = 'python /usr/lib/vmware/vsan/bin/reboot_helper.py'
    $option = '/VSAN/IgnoreClusterMemberListUpdates'
    $vmLoop = Get-Content -LiteralPath (Join-Path $PSScriptRoot 'peer-shutdown.sh') -Raw
    $vmLoop = ($vmLoop -split "`n" | Where-Object { $_ -notmatch 'maintenance_mode_enter|shutdown poweroff' }) -join "`n"

    # One typed command after another: each starts when the one before has ended, on whichever host.
    function Invoke-Typed([VmBoot.EsxiSim.SimHost] $OnHost, [string] $Command) {
        $null = $OnHost.RunAsHost($Command, $true, 600000)
        $cluster.Advance(0)
    }

    function Get-PowerOns {
        foreach ($h in $sim.Hosts) {
            foreach ($line in $h.ReadText('/.sim/events.log') -split "`n" | Where-Object { $_ -match "`tpower.on`t\d+`tPoweredOn" }) {
                $f = $line -split "`t"
                [pscustomobject]@{ Seconds = [int]$f[0]; Name = ($h.Inventory | Where-Object Vmid -EQ ([int]$f[2])).Name }
            }
        }
    }

    $figures = [ordered]@{ peer = @(); vmboot = @() }
    foreach ($round in 1..$Repeat) {
        foreach ($way in @($figures.Keys)) {
            # Every host up and out of maintenance mode, the cluster formed, every VM running.
            $cluster.PowerCut()
            foreach ($h in $sim.Hosts) { $h.MaintenanceMode = $false; $cluster.ComesBackAt($h, 0, $times) }
            $cluster.Advance(60)
            if ($cluster.VsanState -ne 'formed') { Invoke-Typed $sim[0] "$helper recover" }
            foreach ($h in $sim.Hosts) { $null = $h.RunAsHost("esxcfg-advcfg -s 0 $option"); foreach ($vm in $h.Inventory) { $h.SetRunning($vm.Vmid) } }
            $start = $cluster.Now
            if ($way -eq 'vmboot') {
                $null = [VmBoot.EsxiSim.RemoteRun]::Shutdown($cluster, $sim.Hosts, $plan, $known)
                $hostsOff = foreach ($h in $sim.Hosts) { $cluster.PoweredOffAt($h) }
            }
            else {
                foreach ($i in 1, 2, 0) { Invoke-Typed $sim[$i] $vmLoop }
                foreach ($h in $sim.Hosts) { Invoke-Typed $h "esxcfg-advcfg -s 1 $option" }
                Invoke-Typed $sim[0] "$helper prepare"
                foreach ($h in $sim.Hosts) { Invoke-Typed $h "esxcli system maintenanceMode set -e true -m noAction && esxcli system shutdown poweroff -d 10 -r 'UPS on battery'" }
                $hostsOff = foreach ($h in $sim.Hosts) { $h.PowerOffDueAt + $start }
            }
            if (@($hostsOff | Where-Object { $null -ne $_ }).Count -ne 3 -or $cluster.VsanState -ne 'partitioned') { throw "$way did not prepare the vSAN cluster and power every host off" }
            $down = ($hostsOff | Measure-Object -Maximum).Maximum - $start

            # The power comes back at cluster second 0.
            $cluster.PowerCut()
            foreach ($h in $sim.Hosts) { $cluster.ComesBackAt($h, 0, $times) }
            $cluster.Advance(0)
            if ($way -eq 'vmboot') { $null = [VmBoot.EsxiSim.RemoteRun]::Run($cluster, $sim.Hosts, $plan, $known) }
            else {
                Invoke-Typed $sim[0] 'until vim-cmd hostsvc/hostsummary >/dev/null 2>&1; do sleep 5; done'
                foreach ($h in $sim.Hosts) { Invoke-Typed $h 'esxcli system maintenanceMode set -e false' }
                Invoke-Typed $sim[0] "$helper recover"
                foreach ($h in $sim.Hosts) { Invoke-Typed $h "until esxcli vsan cluster get | grep -q 'Health State: HEALTHY'; do sleep 5; done" }
                foreach ($h in $sim.Hosts) { Invoke-Typed $h "esxcfg-advcfg -s 0 $option" }
                Invoke-Typed $sim[0] 'until [ -d /vmfs/volumes/vsanDatastore ]; do sleep 5; done; vim-cmd vmsvc/power.on 4 >/dev/null; until [ "$(vim-cmd vmsvc/get.guestheartbeatStatus 4)" = green ]; do sleep 10; done'
                foreach ($i in 0..2) { Invoke-Typed $sim[$i] "for id in $(($sim[$i].Inventory | Where-Object Name -NE 'vcsa01').Vmid -join ' '); do vim-cmd vmsvc/power.on `$id >/dev/null; done" }
            }
            $on = @(Get-PowerOns)
            if ($on.Count -ne 10) { throw "$way started $($on.Count) of 10 VMs" }
            $figures[$way] += [pscustomobject]@{ HostsOff = $down; VCenter = ($on | Where-Object Name -EQ 'vcsa01').Seconds; All = ($on | Measure-Object Seconds -Maximum).Maximum }
        }
    }
    $figures
}
finally {
    if ($cluster) { $cluster.Dispose() }
    $sim.Dispose()
}
