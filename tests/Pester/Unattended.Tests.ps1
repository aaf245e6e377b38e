# The help's unattended examples, run as written (host names, paths and the user swapped for the simulator's) in a
# child pwsh with -NonInteractive and no standard input, as a scheduled task, a service or a UPS script runs them;
# and what such a run must never do: prompt, or pass a check it could not make.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(2)
    foreach ($i in 0, 1) {
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = "vcsa0$i"; Datastore = 'shared ds'; ShutdownSeconds = 0 }
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = "app 0$i"; Datastore = 'shared ds'; ShutdownSeconds = 0 }))
    }
    $script:key = Join-Path $TestDrive 'id_ecdsa'
    ssh-keygen -q -t ecdsa -N '' -f $key | Out-Null
    foreach ($h in $sim.Hosts) { $h.AuthorizeKey((Get-Content -Raw -LiteralPath "$key.pub")) }
    # The examples without -KnownHostsPath use ~/.ssh/known_hosts: the child gets a home of its own.
    $script:childHome = Join-Path $TestDrive 'home'
    New-Item -ItemType Directory -Path "$childHome/.ssh" | Out-Null
    $script:knownHosts = "$childHome/.ssh/known_hosts"
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:servers = @($sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" })
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $script:dead = "127.0.0.1:$($listener.LocalEndpoint.Port)"; $listener.Stop()
    $script:planFile = Join-Path $TestDrive 'boot.yml'
    @'
version: 1
readiness:
  timeout: 120
  maintenanceMode: exit
stages:
  - name: vcenter
    select: { nameLike: ['vcsa*'] }
    shutdownTimeout: 30
  - name: rest
    select: { all: true }
    shutdownTimeout: 30
'@ | Set-Content -LiteralPath $planFile
    $script:clusterLog = Join-Path $TestDrive 'vmboot-cluster.log'

    # An example's code block from the cmdlet's help page, with the lab's names swapped for the simulator's.
    function Get-UnattendedExample([string] $Cmdlet, [string] $Title) {
        $page = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot "../../src/VmBoot/Help/$Cmdlet.md")
        $match = [regex]::Match($page, "(?ms)^### $([regex]::Escape($Title))\s*\n``````powershell\n(.*?)\n``````")
        $match.Success | Should -BeTrue -Because "$Cmdlet.md has the example '$Title'"
        $code = $match.Groups[1].Value
        $serverList = ($servers | ForEach-Object { "'$_'" }) -join ', '
        $code = $code -replace 'esx01\.lab, esx02\.lab, esx03\.lab|esx01\.lab, esx02\.lab', $serverList
        $code = $code -replace '(/etc/vmboot|\.)/boot\.yml', "'$planFile'"
        $code = $code -replace '/etc/vmboot/id_ecdsa|~/\.ssh/vmboot_ecdsa', "'$key'"
        $code = $code -replace '/etc/vmboot/known_hosts', "'$knownHosts'"
        $code = $code -replace '/var/log/vmboot-cluster\.log', "'$clusterLog'"
        $code -replace '-User root', "-User $($sim.UserName)"
    }

    # Runs a script as a service would: -NonInteractive, standard input at end of file, its own home.
    function Invoke-Unattended([string] $Script) {
        $file = Join-Path $TestDrive "unattended-$([guid]::NewGuid().ToString('n')).ps1"
        # PowerCLI's Get-Cluster | Get-VMHost, as far as VmBoot reads it: VMHost objects with a Name.
        $standIns = "function Get-Cluster { 'Prod' }; function Get-VMHost { process { $(($servers | ForEach-Object { "[pscustomobject]@{ Name = '$_' }" }) -join '; ') } }"
        Set-Content -LiteralPath $file -Value "`$ErrorView = 'NormalView'`nImport-Module '$env:VMBOOT_TEST_MODULE'`n$standIns`n$Script"
        # This pwsh's own files, so that the child does not look for the .NET tool under the new home.
        $output = bash -c 'HOME="$1" dotnet "$2" -NoProfile -NonInteractive -File "$3" </dev/null 2>&1' _ $childHome "$PSHOME/pwsh.dll" $file | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
}

AfterAll { $sim.Dispose() }

Describe 'Unattended runs' {
    It 'installs with the Install-BootScript example, key and -User only, no prompt' {
        $run = Invoke-Unattended (Get-UnattendedExample 'Install-BootScript' 'Example 2: Generate from the plan on the hosts themselves, unattended')
        $run.Output | Should -Not -Match 'NonInteractive|prompt|Exception'
        $run.ExitCode | Should -Be 0
        foreach ($h in $sim.Hosts) { $h.ReadText('/etc/rc.local.d/local.sh') | Should -Match 'VmBoot' }
    }

    It 'passes the Test-BootScript scheduled-task example on compliant hosts' {
        $run = Invoke-Unattended (Get-UnattendedExample 'Test-BootScript' 'Example 2: In a scheduled task, fail on drift')
        $run.Output | Should -Not -Match 'NonInteractive|prompt'
        $run.ExitCode | Should -Be 0
    }

    It 'runs the README''s cluster walk-through as printed, on two hosts, through a power cut' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../README.md')
        $block = [regex]::Match($readme, '(?ms)^## On your cluster.*?```powershell\n(.*?)\n```').Groups[1].Value
        $block | Should -Match '# 5\. After a power cut'
        $before, $after = $block -split '(?m)^# 5\. .*$'
        $serverList = ($servers | ForEach-Object { "'$_'" }) -join ', '
        $before = $before -replace "(?m)^\`$hosts = .*$", "`$hosts = $serverList" `
            -replace "(?m)^\`$ssh   = .*$", "`$ssh = @{ User = '$($sim.UserName)'; KeyFilePath = '$key'; KnownHostsPath = '$knownHosts' }" `
            -replace '(?m)^Import-Module VmBoot$', ''
        # A folder of its own: the walk-through writes ./boot.yml and ./power-cut.html.
        Push-Location (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'walk-through'))
        # An admin answers Yes to Install-BootScript's confirmation.
        $ConfirmPreference = 'None'
        try {
            $walk = . ([scriptblock]::Create($before)) 3>$null
            $drift = @($walk | Where-Object { $_ -is [VmBoot.BootScriptDrift] })
            $drift.Count | Should -Be 2
            $drift.Compliant | Should -Be @($true, $true)
            foreach ($h in $sim.Hosts) { $h.PowerCycle() | Out-Null }
            $report = . ([scriptblock]::Create($after))
            $summaries = @($report | Where-Object { $_.PSObject.TypeNames[0] -eq 'VmBoot.BootSummary' })
            $summaries.Count | Should -Be 2
            $summaries.Completed | Should -Be @($true, $true)
            (Join-Path $TestDrive 'walk-through/power-cut.html') | Should -Exist
        }
        finally { Pop-Location }
        foreach ($h in $sim.Hosts) { 1, 2 | ForEach-Object { $h.PowerState($_) | Should -Be 'on' } }
    }

    It 'fails the scheduled-task check when a host cannot be checked, with one error for it' {
        $script = (Get-UnattendedExample 'Test-BootScript' 'Example 2: In a scheduled task, fail on drift') -replace "-Server '", "-Server '$dead', '" -replace '-Quiet', '-Quiet -ConnectTimeout 5'
        $run = Invoke-Unattended $script
        $run.ExitCode | Should -Be 1
        ([regex]::Matches($run.Output, 'SshConnectionRefused|refused')).Count | Should -BeGreaterThan 0

        $reports = Test-BootScript -Server $dead, $servers[0] -Plan $planFile -User $sim.UserName -KeyFilePath $key -KnownHostsPath $knownHosts -ConnectTimeout 5 -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].TargetObject | Should -Be $dead
        $reports.Count | Should -Be 2
        $unchecked = $reports | Where-Object Server -EQ $dead
        $unchecked.Checked | Should -BeFalse
        $unchecked.Compliant | Should -BeFalse
        $unchecked.Problems | Should -Match '^Could not be checked: '
        ($reports | Where-Object Server -EQ $servers[0]).Checked | Should -BeTrue
        # The README's check.ps1: the unreachable host fails the night's check.
        @($reports | Where-Object -Not Compliant).Server | Should -Contain $dead
    }

    It 'refuses Install-BootScript -Plan when a host cannot be read, and installs nothing' {
        $before = $sim[1].ReadText('/etc/rc.local.d/local.sh')
        $stopped = $null
        try {
            Install-BootScript -Plan $planFile -Server $servers[1], $dead -User $sim.UserName -KeyFilePath $key -KnownHostsPath $knownHosts -ConnectTimeout 5 -Force -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        }
        catch { $stopped = $_ }
        $stopped.FullyQualifiedErrorId | Should -Be 'InventoryIncomplete,VmBoot.Commands.InstallBootScriptCommand'
        $stopped.Exception.Message | Should -Match ([regex]::Escape($dead))
        @($failed | Where-Object { $_.FullyQualifiedErrorId -like 'SshConnectionRefused*' }).Count | Should -Be 1
        $sim[1].ReadText('/etc/rc.local.d/local.sh') | Should -Be $before
    }

    It 'says a .pub key file is the public half, naming the private one to give' {
        { Get-EsxiVmList -Server $servers[0] -User $sim.UserName -KeyFilePath "$key.pub" -KnownHostsPath $knownHosts -ErrorAction Stop } |
            Should -Throw -ErrorId 'SshKeyFileInvalid,VmBoot.Commands.GetEsxiVmListCommand' -ExpectedMessage '*it is a public key; give the private key (the same name without .pub)*'
        $sim[0].FailedLogins | Should -Be 0
    }

    It 'refuses a piped script and -Plan together before connecting' {
        $script = Get-EsxiVmList -Path (Join-Path (Get-Module VmBoot).ModuleBase 'Examples/esx01-getallvms.txt') | New-BootScript -Plan $planFile -WarningAction SilentlyContinue
        { $script | Install-BootScript -Plan $planFile -Server $dead -User $sim.UserName -KeyFilePath $key -ErrorAction Stop } |
            Should -Throw -ErrorId 'BootScriptAndPlan,VmBoot.Commands.InstallBootScriptCommand'
    }

    It 'boots with the Invoke-BootPlan example' {
        $run = Invoke-Unattended ((Get-UnattendedExample 'Invoke-BootPlan' 'Example 1: Boot the cluster from the management machine after a power cut') + ' | Out-Null')
        $run.Output | Should -Not -Match 'NonInteractive|prompt|Exception'
        $run.ExitCode | Should -Be 0
        foreach ($h in $sim.Hosts) { 1, 2 | ForEach-Object { $h.PowerState($_) | Should -Be 'on' } }
        Get-Content -LiteralPath $clusterLog -Raw | Should -Match "`tboot-end`t"
    }

    It 'says what to add when Stop-EsxiCluster cannot ask for confirmation, and changes nothing' {
        $script = (Get-UnattendedExample 'Stop-EsxiCluster' 'Example 1: Shut the cluster and its hosts down from the UPS''s management machine') -replace ' -Confirm:\$false', ''
        $run = Invoke-Unattended $script
        $run.Output | Should -Match 'ConfirmationRequired,VmBoot.Commands.StopEsxiClusterCommand'
        $run.Output | Should -Match 'add -Confirm:\$false'
        foreach ($h in $sim.Hosts) { 1, 2 | ForEach-Object { $h.PowerState($_) | Should -Be 'on' } }
    }

    It 'refuses a deadline the hosts'' share would eat, before anything and with -WhatIf too' {
        foreach ($whatIf in $true, $false) {
            { Stop-EsxiCluster -Plan $planFile -Server $servers -User $sim.UserName -KeyFilePath $key -KnownHostsPath $knownHosts -Deadline 30 -PowerOffHost -WhatIf:$whatIf -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'DeadlineTooShort,VmBoot.Commands.StopEsxiClusterCommand' -ExpectedMessage '*at least 90 s*'
        }

        foreach ($h in $sim.Hosts) { 1, 2 | ForEach-Object { $h.PowerState($_) | Should -Be 'on' } }
    }

    It 'shuts the cluster down with the Stop-EsxiCluster example' {
        # Outside a SimCluster nothing advances a host's clock to its power-off second: this stands in, taking each
        # host off the network once esxcli has accepted its power-off.
        $poweringOff = Start-ThreadJob -ArgumentList (, @($sim.Hosts)) -ScriptBlock {
            param($hosts)
            $pending = [System.Collections.Generic.List[object]]::new([object[]]$hosts)
            $until = [datetime]::UtcNow.AddMinutes(5)
            while ($pending.Count -gt 0 -and [datetime]::UtcNow -lt $until) {
                foreach ($h in @($pending)) { if ($h.FileExists('/.sim/poweroff_at')) { $h.PowerOff(); $null = $pending.Remove($h) } }
                Start-Sleep -Milliseconds 200
            }
        }
        $run = Invoke-Unattended ((Get-UnattendedExample 'Stop-EsxiCluster' 'Example 1: Shut the cluster and its hosts down from the UPS''s management machine') + ' | Out-Null')
        $run.Output | Should -Not -Match 'NonInteractive|prompt|Exception'
        $run.ExitCode | Should -Be 0
        $poweringOff | Wait-Job | Remove-Job
        foreach ($h in $sim.Hosts) { $h.IsUp | Should -BeFalse }
        Get-Content -LiteralPath $clusterLog -Raw | Should -Match "`tshutdown-end`t"
    }
}
