<#
.SYNOPSIS
    The main job: starts simulated ESXi hosts and walks through VmBoot with real output.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SimulatorPath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Add-Type -LiteralPath $SimulatorPath
$fixtures = Join-Path $PSScriptRoot '../fixtures'

function Show-Step([string] $Title) { Write-Host "`n=== $Title" -ForegroundColor Cyan }
function Show([Parameter(ValueFromPipeline)] $InputObject) { process { $InputObject } end { } }

Show-Step 'Starting three simulated ESXi 8 hosts (real sshd, BusyBox ash, keyboard-interactive login)'
$sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(3)
try {
    $cluster = @{
        0 = @(@{ Vmid = 1; Name = 'vcsa01'; GuestId = 'vmwarePhoton64Guest' }, @{ Vmid = 2; Name = 'dc01 (primary)'; Notes = "vmboot: stage=infra" }, @{ Vmid = 3; Name = 'vCLS (1)'; Datastore = 'local-esx01' })
        1 = @(@{ Vmid = 1; Name = 'web   [old'; Notes = "Old web server.`nDo not delete." }, @{ Vmid = 4; Name = '$(touch /tmp/pwned) `id`'; Notes = 'a hostile name' }, @{ Vmid = 11; Name = 'vCLS (2)'; Datastore = 'local-esx02' })
        2 = @(@{ Vmid = 7; Name = '仮想マシン01' }, @{ Vmid = 8; Name = 'db01' })
    }
    foreach ($i in 0..2) {
        $vms = foreach ($spec in $cluster[$i]) { $vm = [VmBoot.EsxiSim.SimVm]::new(); $vm.Datastore = 'shared ds'; foreach ($k in $spec.Keys) { $vm.$k = $spec[$k] }; $vm }
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@($vms))
    }
    $knownHosts = Join-Path ([IO.Path]::GetTempPath()) "vmboot-demo-known_hosts-$PID"
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    $sim.Hosts | Format-Table Name, Address, Port, Root -AutoSize | Out-String -Width 160 | Write-Host

    Show-Step 'Live inventory from all hosts at once: Get-EsxiVmList -Server ... -Credential ... -KnownHostsPath ...'
    $inventory = Get-EsxiVmList -Server $servers -Credential $credential -KnownHostsPath $knownHosts
    $inventory | Sort-Object Server, Vmid | Format-Table Server, Vmid, Name, Datastore, IsVcls, Notes -Wrap | Out-String -Width 160 | Write-Host
    Write-Host "The hostile name was read as data: /tmp/pwned exists on esx02? $($sim[1].FileExists('/tmp/pwned'))"

    Show-Step 'What a boot script may start (vCLS excluded)'
    $inventory | Where-Object { -not $_.IsVcls } | Measure-Object | ForEach-Object { Write-Host "$($_.Count) VMs across $($servers.Count) hosts" }

    Show-Step 'Sessions: connect once, reuse (New-EsxiSession | Get-EsxiVmList)'
    $sessions = New-EsxiSession -Server $servers -Credential $credential -KnownHostsPath $knownHosts
    $sessions | Format-Table | Out-String -Width 160 | Write-Host
    ($sessions | Get-EsxiVmList | Group-Object Server | Format-Table Name, Count | Out-String) | Write-Host
    $sessions | Remove-EsxiSession

    Show-Step 'A wrong password: one attempt, a clear error naming the host, no retry (ESXi locks after 5)'
    $bad = [pscredential]::new($sim.UserName, (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
    Get-EsxiVmList -Server $servers[0] -Credential $bad -KnownHostsPath $knownHosts -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null
    Write-Host "error $($failed[0].FullyQualifiedErrorId): $($failed[0])" -ForegroundColor Yellow
    Write-Host "failed logins counted by the host: $($sim[0].FailedLogins)"

    Show-Step 'An unknown host key is refused with its fingerprint'
    Get-EsxiVmList -Server $servers[1] -Credential $credential -KnownHostsPath "$knownHosts.empty" -ErrorVariable unknown -ErrorAction SilentlyContinue | Out-Null
    Write-Host "error $($unknown[0].FullyQualifiedErrorId): $($unknown[0])" -ForegroundColor Yellow

    Show-Step 'Offline: damaged getallvms text keeps its good rows and names the bad line'
    @(Get-Content -LiteralPath "$fixtures/one-vm-esxi8.txt") + '2      x9     [pve-esx] x9' |
        Get-EsxiVmList -ErrorVariable damaged -ErrorAction SilentlyContinue | Format-Table | Out-String -Width 160 | Write-Host
    $damaged | ForEach-Object { Write-Host "error $($_.FullyQualifiedErrorId): $_" -ForegroundColor Yellow }

    Show-Step 'A boot plan from YAML: vCenter first, wait for its heartbeat and its port, then the rest'
    $planFile = Join-Path ([IO.Path]::GetTempPath()) "vmboot-demo-plan-$PID.yml"
    @'
version: 1
log: { datastore: shared ds }
readiness: { timeout: 600, datastores: [shared ds] }
stages:
  - name: infra
    select: { nameLike: ['vcsa*'], tags: [infra] }
    after:
      heartbeat: { timeout: 300 }
      tcp: { host: vcsa01.lab, port: 443, timeout: 600 }
  - name: everything else
    select: { all: true }
    pause: 5
'@ | Set-Content -LiteralPath $planFile
    $plan = Import-BootPlan -LiteralPath $planFile
    $plan | Format-Table | Out-String -Width 160 | Write-Host

    Show-Step 'New-BootScript: one script for every host; the preview says what starts where'
    $script = $inventory | New-BootScript -Plan $plan
    $script.Preview | Format-Table Stage, StageName, Server, Name, File | Out-String -Width 160 | Write-Host
    Write-Host "The managed block ($(($script.Block -split "`n").Count) lines) sits before 'exit 0'; the targets it carries:"
    ($script.Content -split "`n" | Select-String -Pattern '^[0-9]+	' | ForEach-Object { '    ' + ($_.Line -replace "`t", ' | ') }) -join "`n" | Write-Host

    foreach ($h in $sim.Hosts) {
        $h.AddDatastore('shared ds')
        $h.OpenTcpPortAt('vcsa01.lab', 443, 150)
    }
    $connect = @{ Credential = $credential; KnownHostsPath = $knownHosts }

    Show-Step 'Install-BootScript -WhatIf: the diff each host would get, nothing changed'
    $script | Install-BootScript -Server $servers[0] @connect -WhatIf

    Show-Step 'A host with UEFI Secure Boot is refused: ESXi would never run local.sh there'
    $sim[2].SecureBoot = $true
    $script | Install-BootScript -Server $servers[2] @connect -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue | Out-Null
    Write-Host "error $($refused[0].FullyQualifiedErrorId): $($refused[0])" -ForegroundColor Yellow
    $sim[2].SecureBoot = $false

    Show-Step 'Install-BootScript on all hosts: backup, in-place write (the sticky file ESXi saves), auto-backup.sh, the save proven'
    $installed = $script | Install-BootScript -Server $servers @connect -Confirm:$false
    $installed | Format-Table | Out-String -Width 160 | Write-Host
    # ESXi 8 seals its saved state, so no tool can read local.sh back: Persisted says what it rests on.
    $installed | Select-Object -First 1 | Format-List Server, Persisted, PersistenceEvidence | Out-String -Width 160 | Write-Host

    Show-Step 'What auto-backup.sh saved on esx01, explained (Test-AutoBackupDiff)'
    $installed | Where-Object Server -EQ $servers[0] | Test-AutoBackupDiff | Format-List | Out-String -Width 160 | Write-Host

    Show-Step 'The nightly drift check (Test-BootScript -Plan): installed, identical, persisted, runnable, every VM planned'
    Test-BootScript -Server $servers -Plan $plan @connect | Format-Table -Wrap | Out-String -Width 160 | Write-Host

    Show-Step 'Power cut and cold boot of the three hosts (hostd ready at 40 s, datastores at 60 s, vCenter answers at 150 s)'
    $timelines = foreach ($h in $sim.Hosts) { $h.PowerCycle(40, 60, 0, 1, 2) }
    $timelines | ForEach-Object { $t = $_; $t.Events | Select-Object @{ n = 'Host'; e = { $t.Host } }, Seconds, Action, Vmid, Name, Result } |
        Sort-Object Seconds | Format-Table | Out-String -Width 160 | Write-Host
    Write-Host "vCLS VMs still off: $((0..1 | ForEach-Object { $sim[$_].PowerState($(if ($_ -eq 0) { 3 } else { 11 })) }) -join ', ')"
    Write-Host "Canary /tmp/pwned on any host: $(($sim.Hosts | Where-Object { $_.FileExists('/tmp/pwned') }).Count -gt 0)"

    Show-Step 'What happened at boot? Get-BootLog reads each host''s log from the shared datastore (timeline view)'
    Get-BootLog -Server $servers @connect -Last 1 | Out-String -Width 160 | Write-Host
    Show-Step 'Per boot: Get-BootLog -Summary'
    $summary = Get-BootLog -Server $servers @connect -Last 1 -Summary
    $summary | Sort-Object HostName | Out-String -Width 160 | Write-Host
    $summary | Where-Object HostName -EQ 'esx01' | Select-Object -ExpandProperty Stages | Out-String -Width 160 | Write-Host
    $report = Join-Path ([IO.Path]::GetTempPath()) 'vmboot-demo-boot-report.html'
    $file = $summary | Export-BootReport -LiteralPath $report -Title 'Demo cluster: cold boot after a power cut' -PassThru
    Write-Host "HTML report with a Gantt chart per host (self-contained, open it in a browser): $($file.FullName)" -ForegroundColor Green

    Show-Step 'Secure Boot on esx03: ESXi skips local.sh there, so after a power cut its VMs stay off...'
    $sim[2].SecureBoot = $true
    # Booted and settled (hostd and datastores up) by the time the management machine looks: its clock is the real one.
    $skipped = $sim[2].PowerCycle(0, 0, 0, 1, 2)
    Write-Host "esx03 ran local.sh: $($skipped.BootScriptsRan); its VMs: $(($sim[2].Inventory | ForEach-Object { "$($_.Name) $($sim[2].PowerState($_.Vmid))" }) -join ', ')"
    Show-Step '...so the management machine boots the cluster from outside with the same kind of plan: Invoke-BootPlan -WhatIf, then the run'
    $remotePlan = New-BootPlan -Stage @{ Name = 'infra'; NameLike = 'vcsa*'; Tags = 'infra'; Heartbeat = 300 }, @{ Name = 'everything else'; All = $true }
    Invoke-BootPlan -Plan $remotePlan -Server $servers @connect -WhatIf
    $clusterLog = Join-Path ([IO.Path]::GetTempPath()) "vmboot-demo-cluster-$PID.log"
    $events = Invoke-BootPlan -Plan $remotePlan -Server $servers @connect -LogPath $clusterLog -Confirm:$false
    $events | Where-Object Action -EQ 'power-on' | Format-Table HostName, Stage, StageName, VmName, Result, Message -Wrap | Out-String -Width 160 | Write-Host
    Write-Host "esx03's VMs now: $(($sim[2].Inventory | ForEach-Object { "$($_.Name) $($sim[2].PowerState($_.Vmid))" }) -join ', ')"
    Get-BootLog -LiteralPath $clusterLog -Summary | Sort-Object HostName | Out-String -Width 160 | Write-Host
    Write-Host "The run's log (the boot log's format, one row per host and one for this machine): $clusterLog" -ForegroundColor Green

    Show-Step 'The next power cut: the UPS runs Stop-EsxiCluster, the same plan in reverse (-WhatIf first: the order per host)'
    $shutdownPlan = New-BootPlan -Stage @{ Name = 'infra'; NameLike = 'vcsa*'; Tags = 'infra'; ShutdownTimeout = 300 }, @{ Name = 'everything else'; All = $true; ShutdownTimeout = 60 } -MaintenanceMode exit
    Stop-EsxiCluster -Plan $shutdownPlan -Server $servers @connect -PowerOffHost -Deadline 600 -WhatIf
    # The demo's hosts are not on a simulated cluster clock, so guests here shut down in 2 s and the hosts stay on.
    foreach ($h in $sim.Hosts) { $null = $h.RunAsHost('for f in /.sim/vms/*/shutdown_seconds; do echo 2 > "$f"; done') }
    $events = Stop-EsxiCluster -Plan $shutdownPlan -Server $servers @connect -LogPath $clusterLog -Confirm:$false
    $events | Where-Object { $_.Vmid } | Format-Table HostName, Stage, StageName, Action, VmName, Result, Message -Wrap | Out-String -Width 160 | Write-Host
    Get-BootLog -LiteralPath $clusterLog -Summary | Sort-Object IsShutdown, HostName | Out-String -Width 160 | Write-Host
    $powerEvent = Join-Path ([IO.Path]::GetTempPath()) 'vmboot-demo-power-event.html'
    $file = Get-BootLog -LiteralPath $clusterLog | Export-BootReport -LiteralPath $powerEvent -Title 'Demo cluster: remote boot, then the ordered shutdown' -PassThru
    Write-Host "One report, the boot and the shutdown: $($file.FullName)" -ForegroundColor Green

    Show-Step "For comparison, the seed article's recipe on the same cold boot (sleep 300, then power on by keyword)"
    $sim[0].WriteText('/etc/rc.local.d/local.sh', ((Get-Content -Raw -LiteralPath "$fixtures/seed-local.sh") -replace "`r", ''))
    $null = $sim[0].RunAsHost('chmod 755 /etc/rc.local.d/local.sh && /sbin/auto-backup.sh 2>/dev/null')
    $timeline = $sim[0].PowerCycle(40, 60, 0, 1, 2)
    $timeline.Events | Format-Table Seconds, Action, Vmid, Name, Result | Out-String | Write-Host
    Write-Host "last power-on at $(($timeline.Events | Select-Object -Last 1).Seconds) virtual seconds after power-on; boot script slept: $($timeline.Sleeps -join ', ')"
}
finally {
    $sim.Dispose()
    Remove-Item -LiteralPath $knownHosts, $planFile -ErrorAction Ignore
}
