<#
.SYNOPSIS
    VmBoot against its peers, run side by side on this machine. Writes a table and out/bench/results.json.
.DESCRIPTION
    Each figure is repeated; the table gives the peer's and VmBoot's median (with min and max) and the
    ratio VmBoot/peer of the medians. Virtual seconds come from the simulator's clock, so they are exact.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SimulatorPath,
    [Parameter(Mandatory)] [string] $EnginePath,
    [Parameter(Mandatory)] [string] $OutputFolder,
    # govmomi's simulator with our main (tests/VSphereSim), for the vSphere API figures.
    [Parameter(Mandatory)] [string] $VSphereSimulatorPath,
    [int] $Repeat = 5,
    [int] $LoadRounds = 21
)
$ErrorActionPreference = 'Stop'
Add-Type -LiteralPath $SimulatorPath
$results = [System.Collections.Generic.List[object]]::new()

function Get-Stat([double[]] $Values) {
    $sorted = $Values | Sort-Object
    [pscustomobject]@{ Min = $sorted[0]; Median = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]; Max = $sorted[-1] }
}

function Add-Result([string] $Name, [string] $Unit, [string] $Peer, [double[]] $PeerValues, [double[]] $VmBootValues, [string] $Note = '') {
    $p = Get-Stat $PeerValues; $v = Get-Stat $VmBootValues
    $results.Add([pscustomobject]@{
            Measure = $Name; Unit = $Unit; Peer = $Peer
            PeerMin = $p.Min; PeerMedian = $p.Median; PeerMax = $p.Max
            VmBootMin = $v.Min; VmBootMedian = $v.Median; VmBootMax = $v.Max
            Ratio = if ($p.Median -ne 0) { [math]::Round($v.Median / $p.Median, 3) } else { $null }
            Note = $Note
        })
}

# CPU milliseconds from /proc: a process's own (utime + stime), or what its ended children used (cutime + cstime).
function Get-ProcStatMs([int] $ProcessId, [int[]] $Fields) {
    $stat = Get-Content -Raw -LiteralPath "/proc/$ProcessId/stat"
    $values = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    ($Fields | ForEach-Object { [long]$values[$_] } | Measure-Object -Sum).Sum * 10   # USER_HZ is 100
}
function Get-OwnCpuMs { Get-ProcStatMs $PID 11, 12 }
function Get-ReapedCpuMs([int[]] $ProcessIds) { ($ProcessIds | ForEach-Object { Get-ProcStatMs $_ 13, 14 } | Measure-Object -Sum).Sum }
# The whole machine's busy CPU (both cores): the simulated hosts run here too, and not all of their processes are
# reaped by their sshd listener (a session's are not, while its connection stays open), so this is what they cost.
function Get-MachineBusyMs { $f = (Get-Content -LiteralPath /proc/stat -TotalCount 1) -split '\s+'; (1, 2, 3, 6, 7, 8 | ForEach-Object { [long]$f[$_] } | Measure-Object -Sum).Sum * 10 }

# One govmomi host (tests/VSphereSim) with the VMs of an inventory file: its process, its address and its certificate
# as VmBoot pins it (SHA-256) and as pyvmomi does (SHA-1). govmomi logs every property collector update to stderr
# once a client waits for tasks: read and dropped.
function Start-VSphereSimulator([string] $Inventory, [string] $HostName) {
    $start = [System.Diagnostics.ProcessStartInfo]::new($VSphereSimulatorPath)
    foreach ($argument in '-inventory', $Inventory, '-password', 'bench', '-hostname', $HostName) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardInput = $true; $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true; $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $process.BeginErrorReadLine()
    $ready = $process.StandardOutput.ReadLine() | ConvertFrom-Json
    [pscustomobject]@{ Process = $process; Server = "127.0.0.1:$($ready.port)"; Pin = "127.0.0.1:$($ready.port) SHA256:$($ready.thumbprint)"; Peer = "127.0.0.1:$($ready.port):$($ready.sha1)" }
}
function Stop-VSphereSimulator($Hosts) { foreach ($h in $Hosts) { $h.Process.StandardInput.Close(); if (-not $h.Process.WaitForExit(5000)) { $h.Process.Kill($true) } } }

function Measure-Ms([scriptblock] $Action) {
    $watch = [Diagnostics.Stopwatch]::StartNew(); & $Action | Out-Null; $watch.Elapsed.TotalMilliseconds
}

# --- 1. Cold boot (issue #4): the seed's script against VmBoot's, same simulated host -------------------
Write-Host '== cold boot: seed script vs VmBoot (virtual seconds)'
Import-Module $ModulePath
$sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1)
try {
    $h = $sim[0]
    $vms = @([VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds'; HeartbeatDelay = 90 })
    $vms += 2..20 | ForEach-Object { [VmBoot.EsxiSim.SimVm]@{ Vmid = $_; Name = "app$_"; Datastore = 'shared ds'; HeartbeatDelay = 60 } }
    $h.SetInventory([VmBoot.EsxiSim.SimVm[]]$vms)
    $inventory = Get-EsxiVmList -InputObject $h.RunAsHost('vim-cmd vmsvc/getallvms') | ForEach-Object { $_.Server = $h.Name; $_ }
    $plan = New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; Heartbeat = 300 }, @{ Name = 'rest'; All = $true; Pause = 5 }
    $vmboot = ($inventory | New-BootScript -Plan $plan).Content
    # The same plan with the rest in one batch per host, as HA starts one priority's VMs.
    $parallelPlan = New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; Heartbeat = 300 }, @{ Name = 'rest'; All = $true; Pause = 5; Parallel = 20 }
    $scripts = @{ vmboot = $vmboot; parallel = ($inventory | New-BootScript -Plan $parallelPlan).Content }
    $scripts.seed = (Get-Content -Raw -LiteralPath "$PSScriptRoot/seed-cold-boot.sh") -replace "`r", ''
    $seed = $scripts.seed
    $runs = @{ seed = @(); vmboot = @(); parallel = @() }
    foreach ($i in 1..3) {
        foreach ($kind in 'seed', 'vmboot', 'parallel') {
            $h.WriteText('/etc/rc.local.d/local.sh', $scripts[$kind])
            $null = $h.RunAsHost('chmod 755 /etc/rc.local.d/local.sh && /sbin/auto-backup.sh >/dev/null 2>&1')
            $t = $h.PowerCycle(40, 60, 0, 1, 2)
            $on = @($t.Events | Where-Object Result -EQ 'PoweredOn')
            if ($on.Count -ne 20) { throw "$kind started $($on.Count) of 20 VMs" }
            $runs[$kind] += [pscustomobject]@{ VCenter = ($on | Where-Object Name -EQ 'vcsa01').Seconds; All = ($on | Measure-Object Seconds -Maximum).Maximum }
        }
    }
    # Earliest possible: vCenter when its datastore mounts (60 s); the rest once vCenter's heartbeat is green (+90 s).
    Add-Result 'Cold boot: vCenter powered on' 'virtual s' 'seed local.sh (sleep 300)' $runs.seed.VCenter $runs.vmboot.VCenter 'earliest possible 60 s (datastores mounted)'
    Add-Result 'Cold boot: all 20 VMs on' 'virtual s' 'seed local.sh (sleep 300, 120, 5)' $runs.seed.All $runs.vmboot.All 'earliest possible 150 s (vCenter green) plus pauses'
    $parallelAll = (Get-Stat $runs.parallel.All).Median
    Add-Result 'Cold boot: all 20 VMs on, parallel: 20' 'virtual s' 'seed local.sh (sleep 300, 120, 5)' $runs.seed.All $runs.parallel.All "$([math]::Round($parallelAll / 150, 3)) x the earliest possible 150 s (serial: $((Get-Stat $runs.vmboot.All).Median) s)"
    $script:earliest = @{ VCenter = 60; All = 150 }
}
finally { $sim.Dispose() }

# --- 2. Parsing: engine parser vs the sed | awk pipeline (ghettoVCB's) on the same text ----------------
Write-Host '== parsing getallvms text'
Add-Type -LiteralPath $EnginePath
$work = Join-Path $OutputFolder 'work'
New-Item -ItemType Directory -Path $work -Force | Out-Null
$script:parseMedians = @{}
foreach ($rows in 1024, 10000, 100000) {
    $rowsList = foreach ($n in 1..$rows) { [VmBoot.EsxiSim.VmRow]::new($n, "vm-$n app server", "[shared ds] vm-$n/vm-$n.vmx", 'centos8_64Guest', 'vmx-19', $(if ($n % 10 -eq 0) { 'backup nightly' } else { '' })) }
    [IO.File]::WriteAllText((Join-Path $work "getallvms-$rows.txt"), [VmBoot.EsxiSim.GetAllVmsRenderer]::Render([VmBoot.EsxiSim.VmRow[]]$rowsList))
}
# Warm up first (the JIT's tiers), so every size is measured with the same code.
$warmUp = [IO.File]::ReadAllText((Join-Path $work 'getallvms-10000.txt'))
foreach ($i in 1..40) { $null = [VmBoot.Inventory.GetAllVmsParser]::Parse($warmUp, '') }
foreach ($rows in 1024, 10000, 100000) {
    $file = Join-Path $work "getallvms-$rows.txt"
    $text = [IO.File]::ReadAllText($file)
    $peerOutput = sh "$PSScriptRoot/peer-parse.sh" $file
    if ($peerOutput.Count -ne $rows + 1) { throw "the peer printed $($peerOutput.Count) lines for $rows rows" }
    $peer = foreach ($i in 1..$Repeat) { Measure-Ms { sh "$PSScriptRoot/peer-parse.sh" $file > /dev/null } }
    # Each run starts on a collected heap: the previous run's 100,000 VMs are this process's garbage, not the parser's.
    # A small text is parsed many times per run: one call from a script block costs PowerShell tens of microseconds
    # (Measure-Ms, the static call), more than the parser's 2 us of fixed cost, and would be measured instead of it.
    $calls = [math]::Max(1, [int](100000 / $rows))
    $engine = foreach ($i in 1..$Repeat) {
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        (Measure-Ms { for ($call = 0; $call -lt $calls; $call++) { $null = [VmBoot.Inventory.GetAllVmsParser]::Parse($text, '') } }) / $calls
    }
    $allocated = [GC]::GetAllocatedBytesForCurrentThread()
    $count = [VmBoot.Inventory.GetAllVmsParser]::Parse($text, '').Item1.Count
    $bytesPerRow = [math]::Round(([GC]::GetAllocatedBytesForCurrentThread() - $allocated) / $rows)
    if ($count -ne $rows) { throw "parsed $count of $rows rows" }
    $script:parseMedians[$rows] = (Get-Stat $engine).Median
    Add-Result "Parse $rows rows (engine, in process)" 'ms' 'sed | awk (fork + exec)' $peer $engine "$([math]::Round($rows / ((Get-Stat $engine).Median / 1000))) rows/s, $bytesPerRow bytes allocated per row; $calls parse(s) per run"
    if ($rows -eq 100000) {
        # Alternating, as pwsh start-up drifts.
        $cmdlet = [Collections.Generic.List[double]]::new(); $peerProc = [Collections.Generic.List[double]]::new()
        foreach ($i in 1..$Repeat) {
            $cmdlet.Add((Measure-Ms { dotnet pwsh -NoProfile -c "Import-Module '$ModulePath'; Get-Content -LiteralPath '$file' | Get-EsxiVmList | Measure-Object | Out-Null" }))
            $peerProc.Add((Measure-Ms { dotnet pwsh -NoProfile -c "sh '$PSScriptRoot/peer-parse.sh' '$file' | ConvertFrom-Csv -Delimiter `"``t`" -Header Vmid, Name, File, GuestId, Version | Measure-Object | Out-Null" }))
        }
        Add-Result 'Get-Content | Get-EsxiVmList, 100000 rows (whole pwsh process)' 'ms' 'pwsh: sed | awk | ConvertFrom-Csv' $peerProc $cmdlet 'both include pwsh start-up'
        # The same two pipelines in this pwsh, warm, and where VmBoot's time goes: what Get-Content's lines cost any
        # consumer, and what binding each line to a cmdlet costs against binding them all at once.
        $inProcess = [ordered]@{
            vmboot = { Get-Content -LiteralPath $file | Get-EsxiVmList | Measure-Object | Out-Null }
            peer = { sh "$PSScriptRoot/peer-parse.sh" $file | ConvertFrom-Csv -Delimiter "`t" -Header Vmid, Name, File, GuestId, Version | Measure-Object | Out-Null }
            lines = { Get-Content -LiteralPath $file | Measure-Object | Out-Null }
            oneBind = { Get-EsxiVmList -InputObject $allLines | Measure-Object | Out-Null }
        }
        $allLines = [IO.File]::ReadAllLines($file)
        $warm = @{}; foreach ($way in $inProcess.Keys) { $warm[$way] = [Collections.Generic.List[double]]::new(); & $inProcess[$way] }
        foreach ($i in 1..$Repeat) { foreach ($way in $inProcess.Keys) { [GC]::Collect(); $warm[$way].Add((Measure-Ms $inProcess[$way])) } }
        $median = { param($way) [math]::Round((Get-Stat $warm[$way]).Median) }
        Add-Result 'Get-Content | Get-EsxiVmList, 100000 rows (in one warm pwsh)' 'ms' 'sed | awk | ConvertFrom-Csv' $warm.peer $warm.vmboot `
            "of VmBoot's: Get-Content's lines alone $(& $median lines) ms; the same lines bound at once (-InputObject) $(& $median oneBind) ms"
    }
}
Write-Host "parser scaling, 10,000 -> 100,000 rows: x$([math]::Round($parseMedians[100000] / $parseMedians[10000], 1)) (linear: x10)"

# --- 3. Fan-out: live inventory of 16 hosts, VmBoot vs an OpenSSH loop and parallel-ssh --------------
Write-Host '== fan-out: vim-cmd vmsvc/getallvms on 16 simulated hosts'
$sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(16)
try {
    $key = Join-Path $work 'id_ecdsa'
    Remove-Item -LiteralPath $key, "$key.pub" -ErrorAction Ignore
    ssh-keygen -q -t ecdsa -N '' -f $key | Out-Null
    $knownHosts = Join-Path $work 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    foreach ($i in 0..15) {
        $sim[$i].AuthorizeKey((Get-Content -Raw -LiteralPath "$key.pub"))
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]](1..20 | ForEach-Object { [VmBoot.EsxiSim.SimVm]@{ Vmid = $_; Name = "vm$i-$_"; Datastore = 'shared ds' } }))
    }
    $servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    $keyOnly = [pscredential]::new($sim.UserName, [securestring]::new())
    $sshOptions = @('-i', $key, '-o', "UserKnownHostsFile=$knownHosts", '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR')
    $hostsFile = Join-Path $work 'pssh-hosts'
    $servers | Set-Content -LiteralPath $hostsFile
    $readInventory = { param($targets) Get-EsxiVmList -Server $targets -Credential $keyOnly -KeyFilePath $key -KnownHostsPath $knownHosts -ThrottleLimit 16 }
    $null = & $readInventory $servers   # the first call loads SSH.NET and JIT-compiles its path: not what is compared
    foreach ($count in 1, 16) {
        $targets = $servers[0..($count - 1)]
        $vmboot = [Collections.Generic.List[double]]::new(); $pssh = [Collections.Generic.List[double]]::new()
        $cpu = @{ vmboot = @{ Client = 0.0; Machine = 0.0 }; pssh = @{ Client = 0.0; Machine = 0.0 } }
        foreach ($i in 1..$Repeat) {
            # VmBoot and parallel-ssh in turns, so the machine's drift hits both; the CPU each side spent is read from
            # /proc (this process, its reaped children, and the hosts' sshd listeners' reaped children).
            foreach ($way in 'vmboot', 'pssh') {
                if ($count -eq 1 -and $way -eq 'pssh') { continue }
                $before = @{ Client = (Get-OwnCpuMs) + (Get-ReapedCpuMs @($PID)); Machine = Get-MachineBusyMs }
                $ms = Measure-Ms {
                    if ($way -eq 'vmboot') {
                        $vms = & $readInventory $targets
                        if ($vms.Count -ne 20 * $count) { throw "VmBoot read $($vms.Count) VMs" }
                    }
                    else {
                        $out = parallel-ssh -h $hostsFile -l $sim.UserName -p 16 -x "-i $key -o UserKnownHostsFile=$knownHosts -o BatchMode=yes -o LogLevel=ERROR" -i 'vim-cmd vmsvc/getallvms'
                        if (@($out | Where-Object { $_ -match 'SUCCESS' }).Count -ne 16) { throw 'parallel-ssh did not reach all hosts' }
                    }
                }
                Start-Sleep -Milliseconds 200   # the servers' session processes end and are reaped
                $cpu[$way].Client += ((Get-OwnCpuMs) + (Get-ReapedCpuMs @($PID)) - $before.Client) / $Repeat
                $cpu[$way].Machine += ((Get-MachineBusyMs) - $before.Machine) / $Repeat
                if ($way -eq 'vmboot') { $vmboot.Add($ms) } else { $pssh.Add($ms) }
            }
        }
        $loop = foreach ($i in 1..$Repeat) {
            Measure-Ms {
                $lines = foreach ($target in $targets) { $h, $p = $target -split ':'; ssh @sshOptions -p $p "$($sim.UserName)@$h" 'vim-cmd vmsvc/getallvms' }
                if ($lines.Count -ne 21 * $count) { throw "ssh printed $($lines.Count) lines" }
            }
        }
        Add-Result "Live inventory, $count host(s)" 'ms' 'ssh in a sequential loop' $loop $vmboot
        if ($count -eq 16) {
            $sshInventory16 = $vmboot
            $cpuNote = 'CPU per run: the client {0:n0} ms (parallel-ssh {1:n0}), the whole machine, hosts included, {2:n0} ms (parallel-ssh {3:n0}) of 2 cores' -f $cpu.vmboot.Client, $cpu.pssh.Client, $cpu.vmboot.Machine, $cpu.pssh.Machine
            Add-Result "Live inventory, 16 hosts" 'ms' 'parallel-ssh -p 16' $pssh $vmboot "VmBoot returns objects, pssh text; in turns; $cpuNote"
        }
    }

    # --- 4. Install on 16 hosts: Install-BootScript vs the same steps with the OpenSSH client ---------
    Write-Host '== install: Install-BootScript vs ssh, 16 hosts'
    $inventory = Get-EsxiVmList -Server $servers -Credential $keyOnly -KeyFilePath $key -KnownHostsPath $knownHosts -ThrottleLimit 16
    # Two different scripts, alternated, so that every run really writes and persists.
    $variants = foreach ($delay in 30, 45) { $inventory | New-BootScript -FirstStage 'vm0-1' -StageDelay $delay -LogDatastore 'shared ds' }
    $variantFiles = foreach ($n in 0, 1) {
        $file = Join-Path $work "local.sh.$n"
        [IO.File]::WriteAllText($file, $variants[$n].Content); $file
    }
    # Per host, what a careful admin does by hand: read the live file (to merge and review it), then
    # one connection that backs it up, uploads to a temp file, checks its sha256, writes it into
    # local.sh in place (a moved file would lose the marker auto-backup.sh saves by) and runs auto-backup.sh.
    $peerWrite = 'b=/vmfs/volumes/shared\ ds/vmboot-backup; mkdir -p "$b" && cp /etc/rc.local.d/local.sh "$b/local.sh.$(date +%s)" && ' +
        'cat > /tmp/vmboot-local.sh.new && sha256sum /tmp/vmboot-local.sh.new && ' +
        'cat /tmp/vmboot-local.sh.new > /etc/rc.local.d/local.sh && rm /tmp/vmboot-local.sh.new && /sbin/auto-backup.sh'
    $vmbootInstall = [System.Collections.Generic.List[double]]::new()
    $peerInstall = [System.Collections.Generic.List[double]]::new()
    # The whole machine's CPU per run, hosts included (from /proc/stat).
    $installServerCpu = @{ vmboot = 0.0; peer = 0.0 }
    foreach ($i in 1..$Repeat) {
        $n = $i % 2
        $serverBefore = Get-MachineBusyMs
        $vmbootInstall.Add((Measure-Ms {
                    $r = $variants[$n] | Install-BootScript -Server $servers -Credential $keyOnly -KeyFilePath $key -KnownHostsPath $knownHosts -ThrottleLimit 16 -Confirm:$false -WarningAction SilentlyContinue
                    if (@($r | Where-Object { $_.Changed -and $_.Persisted }).Count -ne 16) { throw 'Install-BootScript did not write and persist on 16 hosts' }
                }))
        Start-Sleep -Milliseconds 200
        $installServerCpu.vmboot += ((Get-MachineBusyMs) - $serverBefore) / $Repeat
        $serverBefore = Get-MachineBusyMs
        $peerInstall.Add((Measure-Ms {
                    foreach ($target in $servers) {
                        $h, $p = $target -split ':'
                        $null = ssh @sshOptions -p $p "$($sim.UserName)@$h" 'cat /etc/rc.local.d/local.sh'
                        # sh redirects the file byte for byte (a PowerShell pipe would add a newline).
                        $null = sh -c 'f=$1; shift; exec ssh "$@" < "$f"' sh $variantFiles[$n] @sshOptions -p $p "$($sim.UserName)@$h" $peerWrite 2>&1
                        if ($LASTEXITCODE -ne 0) { throw "ssh install on $target failed" }
                    }
                }))
        Start-Sleep -Milliseconds 200
        $installServerCpu.peer += ((Get-MachineBusyMs) - $serverBefore) / $Repeat
        $live = $sim[15].ReadText('/etc/rc.local.d/local.sh')
        if ($live -ne $variants[$n].Content -or $sim[15].PersistedLocalSh().TrimEnd() -ne $live.TrimEnd()) { throw 'the ssh loop did not install and persist' }
    }
    Add-Result 'Install boot script, 16 hosts' 'ms' 'ssh loop: read, then backup+upload+sha256+in-place write+auto-backup' $peerInstall $vmbootInstall `
        ('VmBoot also checks Secure Boot, maintenance mode, firewall, datastores, merges, rolls back, diffs auto-backup, proves the save; the whole machine''s CPU per run, hosts included, {0:n0} ms (the loop {1:n0}) of 2 cores' -f $installServerCpu.vmboot, $installServerCpu.peer)
}
finally { $sim.Dispose() }

# --- 5. Module load ----------------------------------------------------------------------------------
# One pwsh start differs from the next by up to 300 ms here, more than what is measured: each round runs
# every way once, in a new random order, so drift hits them alike. An empty manifest module is the floor
# any manifest module pays (PowerShell's first manifest read); each process also times its own import.
# Two builds of the same pwsh: the .NET tool that runs this bench (IL only, so PowerShell's module code
# is JIT-compiled on first use) and a ReadyToRun copy, compiled the way PowerShell's release packages are.
Write-Host '== module load'
$emptyModule = Join-Path $work 'EmptyModule/EmptyModule.psd1'
New-Item -ItemType Directory -Path (Split-Path $emptyModule) -Force | Out-Null
Set-Content -LiteralPath $emptyModule -Value "@{ ModuleVersion = '1.0.0'; GUID = '$([guid]::NewGuid())'; FunctionsToExport = @(); CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }"
$loadWays = [ordered]@{
    bare = 'exit'; empty = "Import-Module '$emptyModule'"; vmboot = "Import-Module '$ModulePath'"
    emptyInside = "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$emptyModule'; [int]`$w.Elapsed.TotalMilliseconds"
    vmbootInside = "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; [int]`$w.Elapsed.TotalMilliseconds"
}
$pwshBuilds = [ordered]@{ tool = { dotnet pwsh -NoProfile -c $args[0] } }
$readyToRunPwsh = & "$PSScriptRoot/New-ReadyToRunPwsh.ps1" -OutputFolder $OutputFolder
if ($readyToRunPwsh) { $pwshBuilds.readyToRun = { & $readyToRunPwsh -NoProfile -c $args[0] } }
$load = @{}
foreach ($build in $pwshBuilds.Keys) { foreach ($way in $loadWays.Keys) { $load["$build/$way"] = [Collections.Generic.List[double]]::new() } }
foreach ($round in 1..$LoadRounds) {
    foreach ($buildWay in @($load.Keys) | Get-Random -Shuffle) {
        $build, $way = $buildWay.Split('/')
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $printed = & $pwshBuilds[$build] $loadWays[$way]
        $load[$buildWay].Add($(if ($way -like '*Inside') { [double]$printed } else { $watch.Elapsed.TotalMilliseconds }))
    }
}
$buildNames = @{ tool = 'pwsh .NET tool, IL only'; readyToRun = 'pwsh ReadyToRun, as released' }
foreach ($build in $pwshBuilds.Keys) {
    $median = { param($way) (Get-Stat $load["$build/$way"]).Median }
    $added = { param($way) [math]::Round((& $median $way) - (& $median bare)) }
    Add-Result "$($buildNames[$build]): start bare vs Import-Module VmBoot" 'ms' 'pwsh -NoProfile -c exit' $load["$build/bare"] $load["$build/vmboot"] "adds $(& $added vmboot) ms (an empty manifest module adds $(& $added empty) ms); $LoadRounds rounds, ways in random order"
    Add-Result "$($buildNames[$build]): Import-Module timed inside" 'ms' 'an empty manifest module' $load["$build/emptyInside"] $load["$build/vmbootInside"] "VmBoot's own share: $([math]::Round((& $median vmbootInside) - (& $median emptyInside))) ms"
}

# --- 6. Cold boot of a 3-host cluster, three ways (issue #14), on one virtual clock -----------------------
# Last: its simulator loads the engine the parser section has already loaded from the module.
# vCenter is on esx02; 19 other VMs on all three hosts. The seed's script and VmBoot's script run on every host;
# the remote runner runs the same plan from outside. Times are cluster seconds after the power came back.
Write-Host '== cold boot of a 3-host cluster: seed script, VmBoot on-host script, remote runner (virtual seconds)'
$sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(3)
$cluster = $null
try {
    $names = @{ 0 = 1..7 | ForEach-Object { "app$_" }; 1 = @('vcsa01') + (8..13 | ForEach-Object { "app$_" }); 2 = 14..19 | ForEach-Object { "app$_" } }
    foreach ($i in 0..2) {
        $id = 0
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@($names[$i] | ForEach-Object { $id++; [VmBoot.EsxiSim.SimVm]@{ Vmid = $id; Name = $_; Datastore = 'shared ds'; HeartbeatDelay = $(if ($_ -eq 'vcsa01') { 90 } else { 60 })
                    # For the shutdown (section 7): vCenter's guest takes a minute, the others 20 s, one never goes down.
                    ShutdownSeconds = $(if ($_ -eq 'vcsa01') { 60 } else { 20 }); HangsOnShutdown = ($_ -eq 'app5') } }))
    }
    $known = Join-Path $OutputFolder 'cluster_known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $known
    $clusterInventory = foreach ($h in $sim.Hosts) { Get-EsxiVmList -InputObject $h.RunAsHost('vim-cmd vmsvc/getallvms') | ForEach-Object { $_.Server = $h.Name; $_ } }
    $planYaml = @"
version: 1
log: { datastore: shared ds }
stages:
  - name: vcenter
    select: { nameLike: ['vcsa*'] }
    after: { heartbeat: { timeout: 300 } }
  - name: rest
    select: { all: true }
    pause: 5
"@
    $planFile = Join-Path $OutputFolder 'cluster-plan.yml'
    Set-Content -LiteralPath $planFile -Value $planYaml
    $vmbootScript = ($clusterInventory | New-BootScript -Plan (Import-BootPlan -Path $planFile)).Content
    $parallelYaml = $planYaml.TrimEnd() + "`n    parallel: 8`n"
    $parallelFile = Join-Path $OutputFolder 'cluster-plan-parallel.yml'
    Set-Content -LiteralPath $parallelFile -Value $parallelYaml
    $parallelScript = ($clusterInventory | New-BootScript -Plan (Import-BootPlan -Path $parallelFile)).Content
    $cluster = [VmBoot.EsxiSim.SimCluster]::new($sim)
    $times = [VmBoot.EsxiSim.BootTimes]@{ HostdReadyAt = 40; DatastoresReadyAt = 60 }
    $ways = [ordered]@{ seed = @(); vmboot = @(); remote = @(); 'vmboot parallel' = @(); 'remote parallel' = @() }
    foreach ($i in 1..3) {
        foreach ($way in @($ways.Keys)) {
            $localSh = switch ($way) { 'seed' { $seed } 'vmboot' { $vmbootScript } 'vmboot parallel' { $parallelScript } default { [VmBoot.EsxiSim.SimHost]::StockLocalSh } }
            foreach ($h in $sim.Hosts) {
                $h.WriteText('/etc/rc.local.d/local.sh', $localSh)
                $null = $h.RunAsHost('chmod 1755 /etc/rc.local.d/local.sh && /sbin/auto-backup.sh >/dev/null 2>&1')
            }
            $cluster.PowerCut()
            foreach ($h in $sim.Hosts) { $cluster.ComesBackAt($h, 0, $times) }
            $cluster.Advance(0)
            if ($way -eq 'remote') { $null = [VmBoot.EsxiSim.RemoteRun]::Run($cluster, $sim.Hosts, $planYaml, $known) }
            if ($way -eq 'remote parallel') { $null = [VmBoot.EsxiSim.RemoteRun]::Run($cluster, $sim.Hosts, $parallelYaml, $known) }
            # Every power-on, in cluster seconds, from the hosts' own records.
            $on = foreach ($h in $sim.Hosts) {
                foreach ($line in $h.ReadText('/.sim/events.log') -split "`n" | Where-Object { $_ -match "`tpower.on`t\d+`tPoweredOn" }) {
                    $f = $line -split "`t"
                    [pscustomobject]@{ Seconds = [int]$f[0]; Name = ($h.Inventory | Where-Object Vmid -EQ ([int]$f[2])).Name }
                }
            }
            if (@($on).Count -ne 20) { throw "$way started $(@($on).Count) of 20 VMs" }
            $vcenter = ($on | Where-Object Name -EQ 'vcsa01').Seconds
            $ways[$way] += [pscustomobject]@{
                VCenter = $vcenter
                All = ($on | Measure-Object Seconds -Maximum).Maximum
                # Started before vCenter's heartbeat could be green (vCenter on + 90 s): the order the plan asks for, broken.
                Early = @($on | Where-Object { $_.Name -ne 'vcsa01' -and $_.Seconds -lt $vcenter + 90 }).Count
            }
        }
    }
    $script:clusterWays = foreach ($way in $ways.Keys) {
        $v = Get-Stat $ways[$way].VCenter; $a = Get-Stat $ways[$way].All; $e = Get-Stat $ways[$way].Early
        [pscustomobject]@{ Way = $way; VCenterOn = $v.Median; AllOn = $a.Median; VCenterFromEarliest = $v.Median - 60; AllFromEarliest = $a.Median - 150; StartedBeforeVCenterGreen = $e.Median }
    }
    # The remote runner and the on-host script, each a row of its own against the same peer runs.
    foreach ($way in @{ Name = 'remote runner'; Serial = 'remote'; Parallel = 'remote parallel' }, @{ Name = 'on-host script'; Serial = 'vmboot'; Parallel = 'vmboot parallel' }) {
        Add-Result "Cluster cold boot: vCenter on (3 hosts), $($way.Name)" 'virtual s' 'seed local.sh on each host' $ways.seed.VCenter $ways[$way.Serial].VCenter 'earliest possible 60 s'
        $early = if ($way.Serial -eq 'vmboot') { "; $((Get-Stat $ways.vmboot.Early).Median) VMs on other hosts started before vCenter was green" } else { '' }
        Add-Result "Cluster cold boot: all 20 VMs on (3 hosts), $($way.Name)" 'virtual s' 'seed local.sh on each host' $ways.seed.All $ways[$way.Serial].All "earliest possible in order 150 s plus pauses$early"
        Add-Result "Cluster cold boot: all 20 VMs on, parallel: 8 (3 hosts), $($way.Name)" 'virtual s' 'seed local.sh on each host' $ways.seed.All $ways[$way.Parallel].All "$([math]::Round((Get-Stat $ways[$way.Parallel].All).Median / 150, 3)) x the earliest possible in order, 150 s"
    }

    # --- 7. Ordered shutdown of the same cluster (issue #16): Stop-EsxiCluster's runner against the loop admins
    # write (peer-shutdown.sh on every host: each VM in turn, guest shutdown, wait up to 120 s, power off; then the
    # host). Every VM runs at the start; times are cluster seconds from it, read from the hosts' own records.
    Write-Host '== shutdown of the 3-host cluster: hand-written loop on each host vs VmBoot (virtual seconds)'
    $peerShutdown = Get-Content -LiteralPath (Join-Path $PSScriptRoot 'peer-shutdown.sh') -Raw
    $down = [ordered]@{ peer = @(); vmboot = @() }
    foreach ($i in 1..3) {
        foreach ($way in @($down.Keys)) {
            $cluster.PowerCut()
            foreach ($h in $sim.Hosts) { $h.MaintenanceMode = $false; $cluster.ComesBackAt($h, 0, $times) }
            $cluster.Advance(60)
            foreach ($h in $sim.Hosts) { foreach ($vm in $h.Inventory) { $h.SetRunning($vm.Vmid) } }
            $start = $cluster.Now
            if ($way -eq 'vmboot') { $null = [VmBoot.EsxiSim.RemoteRun]::Shutdown($cluster, $sim.Hosts, $planYaml, $known) }
            else { foreach ($h in $sim.Hosts) { $null = $h.RunAsHost($peerShutdown, $true, 600000) } }
            # When each VM went off: its guest's shutdown, or the first hard power-off while it ran.
            $off = foreach ($h in $sim.Hosts) {
                $h.ReadText('/.sim/events.log') -split "`n" | Where-Object { $_ -match "`t(power.shutdown`t\d+`tShutDown|power.off`t\d+`tPoweredOff)$" } |
                    ForEach-Object { $f = $_ -split "`t"; [pscustomobject]@{ Vm = "$($h.Name)/$($f[2])"; Seconds = [int]$f[0] } } |
                    Group-Object Vm | ForEach-Object { ($_.Group | Measure-Object Seconds -Minimum).Minimum }
            }
            if (@($off).Count -ne 20) { throw "$way brought $(@($off).Count) of 20 VMs down" }
            $hostsOff = foreach ($h in $sim.Hosts) { if ($way -eq 'vmboot') { $cluster.PoweredOffAt($h) } else { $h.PowerOffDueAt } }
            if (@($hostsOff | Where-Object { $null -ne $_ }).Count -ne 3) { throw "$way did not power every host off" }
            $down[$way] += [pscustomobject]@{ VmsOff = ($off | Measure-Object -Maximum).Maximum - $start; HostsOff = ($hostsOff | Measure-Object -Maximum).Maximum - $start }
        }
    }
    Add-Result 'Cluster shutdown: all 20 VMs off (3 hosts)' 'virtual s' 'hand-written loop on each host' $down.peer.VmsOff $down.vmboot.VmsOff 'VmBoot: plan in reverse, a stage at once, vCenter last, hung guest forced at 120 s; the loop: one VM at a time'
    Add-Result 'Cluster shutdown: all 3 hosts off' 'virtual s' 'hand-written loop on each host' $down.peer.HostsOff $down.vmboot.HostsOff 'maintenance mode, esxcli system shutdown poweroff -d 10'
}
finally {
    if ($cluster) { $cluster.Dispose() }
    $sim.Dispose()
}

if ($clusterWays) {
    Write-Host '== cluster cold boot, three ways (medians, virtual s; earliest possible: vCenter 60, all in order 150 + pauses)'
    $clusterWays | Format-Table -AutoSize | Out-String -Width 220 | Write-Host
    $clusterWays | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $OutputFolder 'cluster-cold-boot.json')
}

# --- 7. Live inventory over the vSphere API (issue #27): VmBoot against pyvmomi, and against VmBoot over SSH --
# 16 simulated hosts of 20 VMs each, one govmomi process per host; the same seven properties per VM.
Write-Host '== vSphere API: inventory of 16 simulated hosts'
$apiHosts = [System.Collections.Generic.List[object]]::new()
try {
    $inventory = Join-Path $work 'api-inventory.json'
    ConvertTo-Json -InputObject @(1..20 | ForEach-Object { @{ name = "vm-$_" } }) | Set-Content -LiteralPath $inventory
    foreach ($i in 1..16) { $apiHosts.Add((Start-VSphereSimulator $inventory "esx$i")) }
    $pins = Join-Path $work 'known_certificates'
    $apiHosts.Pin | Set-Content -LiteralPath $pins
    $apiCredential = [pscredential]::new('root', (ConvertTo-SecureString 'bench' -AsPlainText -Force))
    $viaApi = foreach ($i in 1..$Repeat) {
        Measure-Ms {
            $vms = Get-EsxiVmList -Server $apiHosts.Server -Protocol VSphereApi -Credential $apiCredential -KnownCertificatesPath $pins -ThrottleLimit 16
            if ($vms.Count -ne 320) { throw "VmBoot read $($vms.Count) VMs over the API" }
        }
    }
    $pyvmomi = foreach ($i in 1..$Repeat) {
        $count, $ms = (/usr/bin/python3 "$PSScriptRoot/peer-pyvmomi-inventory.py" root bench @($apiHosts.Peer)) -split ' '
        if ([int]$count -ne 320) { throw "pyvmomi read $count VMs" }
        [double]::Parse($ms, [cultureinfo]::InvariantCulture)
    }
    Add-Result 'Live inventory over the vSphere API, 16 hosts' 'ms' 'pyvmomi, 16 threads' $pyvmomi $viaApi 'both pin each certificate; the interpreter start left out'
    Add-Result 'Live inventory, 16 hosts: the API against SSH' 'ms' 'VmBoot over SSH (above)' $sshInventory16 $viaApi 'VmBoot both ways; 20 VMs per host'
}
finally {
    Stop-VSphereSimulator $apiHosts
}

# --- 8. Ordered shutdown and boot of 3 hosts through the API (issues #27, #31), in real time -----------------------
# The same runner and plan over SSH and through the API, and pyvmomi doing the plan's two stages as an admin would
# (peer-pyvmomi-power.py), polling every 200 ms; 7 VMs per host whose guests take 1 s to shut down and whose
# heartbeats are green at once, so what is left is the transport and the rounds: connecting, reading states and Tools, asking, waiting.
# No host power-off. Fresh API hosts (govmomi) for every run, with the VMs on for a shutdown and off for a boot.
Write-Host '== ordered shutdown and boot of 3 hosts (21 VMs): through the vSphere API vs over SSH vs pyvmomi (real time)'
$downSim = [VmBoot.EsxiSim.EsxiSimulator]::Start(3)
$downApi = [System.Collections.Generic.List[object]]::new()
function Start-ApiHost([bool] $On) {
    foreach ($j in 0..2) {
        $vmFile = Join-Path $work "power-api-$j.json"
        ConvertTo-Json -InputObject @($vmNames[$j] | ForEach-Object { @{ name = $_; poweredOn = $On; tools = $true; shutdownSeconds = 1 } }) | Set-Content -LiteralPath $vmFile
        $apiHost = Start-VSphereSimulator $vmFile "esx$j"
        $downApi.Add($apiHost)
        $apiHost
    }
}
function Stop-ApiHost { Stop-VSphereSimulator $downApi; $downApi.Clear() }
function Invoke-Pyvmomi([string] $Action, $Servers) {
    $changed, $ms = (/usr/bin/python3 "$PSScriptRoot/peer-pyvmomi-power.py" $Action 200 30 root bench @($Servers.Peer)) -split ' '
    if ([int]$changed -ne 21) { throw "pyvmomi's $Action left $(21 - [int]$changed) of 21 VMs behind" }
    [double]::Parse($ms, [cultureinfo]::InvariantCulture)
}
try {
    $vmNames = @{ 0 = 1..7 | ForEach-Object { "app$_" }; 1 = @('vcsa01') + (8..13 | ForEach-Object { "app$_" }); 2 = 14..20 | ForEach-Object { "app$_" } }
    foreach ($i in 0..2) {
        $id = 0
        $downSim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@($vmNames[$i] | ForEach-Object { $id++; [VmBoot.EsxiSim.SimVm]@{ Vmid = $id; Name = $_; Datastore = 'shared ds'; ShutdownSeconds = 1 } }))
    }
    $downKnown = Join-Path $work 'shutdown_known_hosts'
    $downSim.KnownHostsLines | Set-Content -LiteralPath $downKnown
    $downPins = Join-Path $work 'shutdown_known_certificates'
    $downPlan = "version: 1`nstages:`n  - name: vcenter`n    select: { nameLike: ['vcsa*'] }`n    shutdownTimeout: 30`n    after: { heartbeat: { timeout: 300 } }`n  - name: rest`n    select: { all: true }`n    shutdownTimeout: 30`n    parallel: 8`n"
    $power = @{ ssh = @(); api = @(); pyvmomi = @(); apiBoot = @(); pyvmomiBoot = @() }
    foreach ($i in 1..$Repeat) {
        # In turns, so a drift of the machine hits all alike.
        $ways = @('ssh', 'api', 'pyvmomi', 'apiBoot', 'pyvmomiBoot') | Get-Random -Shuffle
        foreach ($way in $ways) {
            if ($way -eq 'ssh') { foreach ($h in $downSim.Hosts) { foreach ($vm in $h.Inventory) { $h.SetRunning($vm.Vmid) } } }
            else { Stop-ApiHost; $servers = Start-ApiHost -On:($way -notlike '*Boot'); $servers.Pin | Set-Content -LiteralPath $downPins }
            $script:powerEvents = $null
            $ms = switch ($way) {
                'pyvmomi' { Invoke-Pyvmomi shutdown $servers }
                'pyvmomiBoot' { Invoke-Pyvmomi boot $servers }
                default {
                    Measure-Ms {
                        $script:powerEvents = switch ($way) {
                            'ssh' { [VmBoot.EsxiSim.RemoteRun]::ShutdownVms($downPlan, 200, $downSim.Hosts, $downKnown, $null, $null, $null) }
                            'api' { [VmBoot.EsxiSim.RemoteRun]::ShutdownVms($downPlan, 200, $null, $null, [string[]]$servers.Server, 'bench', $downPins) }
                            'apiBoot' { [VmBoot.EsxiSim.RemoteRun]::BootVms($downPlan, 200, [string[]]$servers.Server, 'bench', $downPins) }
                        }
                    }
                }
            }
            if ($way -in 'ssh', 'api') {
                $wentOff = @($powerEvents | Where-Object { $_.Action -eq 'shutdown' -and $_.Result -eq 'off' }).Count
                if ($wentOff -ne 21) { throw "the shutdown over $way brought $wentOff of 21 guests down" }
            }
            if ($way -eq 'apiBoot') {
                $started = @($powerEvents | Where-Object { $_.Action -eq 'power-on' -and $_.Result -eq 'ok' }).Count
                if ($started -ne 21) { throw "the boot through the API started $started of 21 VMs" }
            }
            $power[$way] += $ms
        }
    }
    Add-Result 'Ordered shutdown of 3 hosts (21 VMs): the API against SSH' 'ms' 'VmBoot over SSH' $power.ssh $power.api 'the same runner and plan, 200 ms polls, guests that take 1 s to shut down; no host power-off'
    Add-Result 'Ordered shutdown of 3 hosts (21 VMs) through the API' 'ms' 'pyvmomi, the two stages as an admin writes them' $power.pyvmomi $power.api 'both log in, poll every 200 ms; VmBoot also reads Tools, logs each VM, gives each stage its timeout'
    Add-Result 'Boot of 3 hosts (21 VMs) through the API: vCenter, its heartbeat, the rest' 'ms' 'pyvmomi, the two stages as an admin writes them' $power.pyvmomiBoot $power.apiBoot 'both log in, poll every 200 ms; VmBoot also checks hostd, maintenance mode and datastores, logs each VM'
}
finally {
    Stop-ApiHost
    $downSim.Dispose()
}

# --- 9. A 3-node vSAN cluster (issue #29): shut down and restarted by VmBoot against VMware's manual procedure -----
# typed host by host (Measure-VsanCluster.ps1), on one virtual clock; vCenter and 9 VMs on vsanDatastore.
Write-Host '== vSAN cluster of 3 hosts: shutdown and restart, VmBoot vs the manual procedure typed host by host (virtual seconds)'
$vsan = & (Join-Path $PSScriptRoot 'Measure-VsanCluster.ps1') -OutputFolder $OutputFolder -Repeat 3
Add-Result 'vSAN cluster (3 hosts): shutdown, every host off' 'virtual s' "VMware's procedure typed host by host" $vsan.peer.HostsOff $vsan.vmboot.HostsOff 'the VMs (a stage at once against one VM at a time), prepare, maintenance mode noAction, power-off'
Add-Result 'vSAN cluster (3 hosts): restart, vCenter on' 'virtual s' "VMware's procedure typed host by host" $vsan.peer.VCenter $vsan.vmboot.VCenter 'maintenance mode off, recover (30 s), health, the setting back, vCenter; hostd ready at 40 s'
Add-Result 'vSAN cluster (3 hosts): restart, all 10 VMs on' 'virtual s' "VMware's procedure typed host by host" $vsan.peer.All $vsan.vmboot.All "after vCenter's heartbeat; the peer one VM at a time per host"

# --- 10. One SSH handshake per key exchange (issue #31): SSH.NET as VmBoot loads it against OpenSSH's client -------
# Measure-SshHandshake.ps1 says why the build matters; ESXi's FIPS mode first, then a host with it switched off.
Write-Host '== SSH handshake + an empty command, per key exchange: SSH.NET (its .NET 8 build, as loaded in pwsh; netstandard2.0, as in Windows PowerShell) vs ssh'
$handshakes = & (Join-Path $PSScriptRoot 'Measure-SshHandshake.ps1') -OutputFolder $OutputFolder
$handshakes | Format-Table Offer, Build, Kex, HostKey, Wall, ClientCpu, ServerCpu -AutoSize | Out-String -Width 220 | Write-Host
foreach ($group in $handshakes | Where-Object Build -EQ 'openssh' | Group-Object Offer, Kex) {
    $peer = $group.Group[0]
    $mine = { param($build, $hostKey) $handshakes | Where-Object { $_.Offer -eq $peer.Offer -and $_.Kex -eq $peer.Kex -and $_.Build -eq $build -and $_.HostKey -eq $hostKey } }
    $loaded = & $mine 'net8.0' $peer.HostKey; $standard = & $mine 'netstandard2.0' $peer.HostKey
    $rsa = & $mine 'net8.0' 'rsa-sha2-512'
    $offered = if ($peer.Offer -eq 'fips') { 'ESXi FIPS mode' } else { 'FIPS mode off' }
    Add-Result "SSH handshake + empty command, $($peer.Kex) ($offered)" 'ms' 'OpenSSH ssh, a process per connection' @($peer.Wall) @($loaded.Wall) `
        ('{0} host key; client CPU {1} ms (netstandard2.0 build, BouncyCastle: {2} ms wall, {3} ms CPU); host''s sshd CPU {4} ms; rsa-sha2-512 host key {5} ms' -f $peer.HostKey, $loaded.ClientCpu, $standard.Wall, $standard.ClientCpu, $loaded.ServerCpu, $rsa.Wall)
}

# Every row, written once all are measured.
$results | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath (Join-Path $OutputFolder 'results.json')
$results | Format-Table Measure, Unit, Peer, PeerMedian, VmBootMedian, Ratio, VmBootMin, VmBootMax, Note -Wrap | Out-String -Width 220 | Write-Host
Write-Host "Results: $(Join-Path $OutputFolder 'results.json')"
