BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(2)
    $script:hostile = '<img src=x onerror="document.title=''pwned''">'
    $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds'; HeartbeatDelay = 30 }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = $hostile; Datastore = 'shared ds' }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 3; Name = 'db01'; Datastore = 'shared ds'; LockFailures = 1 }))
    $sim[1].SetInventory([VmBoot.EsxiSim.SimVm[]]@(1..3 | ForEach-Object { [VmBoot.EsxiSim.SimVm]@{ Vmid = $_; Name = "app$_"; Datastore = 'shared ds' } }))
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $script:servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    $script:connect = @{ Credential = $credential; KnownHostsPath = $knownHosts }
    $script:plan = New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; Heartbeat = 120 }, @{ Name = 'rest'; All = $true; Pause = 5 }
    $null = Get-EsxiVmList -Server $servers @connect | New-BootScript -Plan $plan | Install-BootScript -Server $servers @connect -Confirm:$false -WarningAction SilentlyContinue
    $script:timelines = foreach ($h in $sim.Hosts) { $h.PowerCycle(40, 60, 0, 1, 2) }
}

AfterAll { $sim.Dispose() }

Describe 'Get-BootLog' {
    It 'reads each host''s log where the installed script wrote it, one event per line, in order' {
        $events = Get-BootLog -Server $servers @connect -Last 1
        foreach ($i in 0, 1) {
            $name = $sim[$i].Name
            $mine = @($events | Where-Object HostName -EQ $name)
            $mine[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.BootLogEvent'
            $mine[0].Action | Should -Be 'boot-start'
            $mine[-1].Action | Should -Be 'boot-end'
            $mine[0].Source | Should -Be "$($servers[$i]):/vmfs/volumes/shared ds/vmboot/$name.log"
            $loggedOn = @($mine | Where-Object { $_.Action -eq 'power-on' -and $_.Result -eq 'ok' }).VmName
            $simulatedOn = @($timelines[$i].Events | Where-Object Result -EQ 'PoweredOn' | Sort-Object Seconds).Name
            $loggedOn | Should -Be $simulatedOn
        }
        $retry = $events | Where-Object { $_.VmName -eq 'db01' -and $_.Result -eq 'retry' }
        $retry.Attempt | Should -Be 1
        $retry.StageName | Should -Be 'rest'
    }

    It 'summarises each boot: stages, last VM on, problems' {
        $summary = Get-BootLog -Server $servers @connect -Summary -Last 1
        $summary.Count | Should -Be 2
        $summary[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.BootSummary'
        $first = $summary | Where-Object HostName -EQ $sim[0].Name
        $first.Completed | Should -BeTrue
        $first.PoweredOn | Should -Be 3
        $first.Stages.Name | Should -Be @('vcenter', 'rest')
        $first.Problems.Count | Should -Be 0
        $first.TimeToLastVm | Should -BeGreaterThan $first.Stages[1].Started.Subtract($first.BootStarted)
        ($summary | Format-Table -View Full | Out-String -Width 200) | Should -Match "$($sim[1].Name)\s+boot\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d\d:\d\d:\d\d\s+2\s+3"
    }

    It 'keeps every boot and -Last picks the newest' {
        $null = $sim[1].PowerCycle(40, 60, 0, 1, 2)
        @(Get-BootLog -Server $servers[1] @connect -Summary).Count | Should -Be 2
        $last = Get-BootLog -Server $servers[1] @connect -Summary -Last 1
        $last.AlreadyOn + $last.PoweredOn | Should -Be 3
    }

    It 'reads files and pipeline text, and says which line is bad' {
        $file = Join-Path $TestDrive 'esx.log'
        $text = $sim[0].ReadText("/vmfs/volumes/shared ds/vmboot/$($sim[0].Name).log")
        Set-Content -LiteralPath $file -Value ($text.TrimEnd("`n") + "`nnot a log line`n") -NoNewline
        $fromFile = Get-BootLog -LiteralPath $file -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'BootLogLineMalformed,*'
        $bad[0].Exception.Message | Should -BeLike "$file*line $(($text.TrimEnd("`n") -split "`n").Count + 1):*"
        $fromText = $text -split "`n" | Get-BootLog
        $fromText.Count | Should -Be $fromFile.Count
        (Get-ChildItem -LiteralPath $file | Get-BootLog -ErrorAction SilentlyContinue).Count | Should -Be $fromFile.Count
    }

    It 'finds the log in /var/log/vmboot.log when the log''s datastore never mounted' {
        $unmounted = New-BootPlan -LogDatastore 'never mounted' -ReadinessTimeout 30 -Stage @{ Name = 'all'; All = $true }
        $null = Get-EsxiVmList -Server $servers[1] @connect | New-BootScript -Plan $unmounted |
            Install-BootScript -Server $servers[1] @connect -Confirm:$false -WarningVariable said -WarningAction SilentlyContinue
        ($said -join "`n") | Should -Match "'never mounted' is not mounted.*/var/log/vmboot.log"
        $null = $sim[1].PowerCycle(0, 0, 0, 1, 2)
        $events = Get-BootLog -Server $servers[1] @connect -Last 1
        $events[0].Source | Should -Be "$($servers[1]):/var/log/vmboot.log"
        ($events | Where-Object Action -EQ 'wait-datastore').Result | Should -Be 'timeout'
        @($events | Where-Object { $_.Action -eq 'power-on' -and $_.Result -eq 'ok' }).Count | Should -Be 3
        $events[-1].Action | Should -Be 'boot-end'
        $sim[1].RunAsHost('ls /vmfs/volumes/') | Should -Not -Match 'never mounted'
        # Back to the cluster's plan for the report's tests.
        $null = Get-EsxiVmList -Server $servers @connect | New-BootScript -Plan $plan | Install-BootScript -Server $servers[1] @connect -Confirm:$false -WarningAction SilentlyContinue
        $null = $sim[1].PowerCycle(40, 60, 0, 1, 2)
    }

    It 'takes {hostname} in -LogPath for each host''s name' {
        $events = Get-BootLog -Server $servers @connect -LogPath '/vmfs/volumes/shared ds/vmboot/{hostname}.log' -Last 1
        ($events | Where-Object Action -EQ 'boot-start').Source | Sort-Object | Should -Be ($sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port):/vmfs/volumes/shared ds/vmboot/$($_.Name).log" } | Sort-Object)
    }

    It 'names the host when it has no log' {
        $null = Get-BootLog -Server $servers[0] @connect -LogPath '/vmfs/volumes/shared ds/none.log' -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'BootLogNotFound,*'
        $missing[0].TargetObject | Should -Be $servers[0]
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Get-BootLog -Protocol VSphereApi' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'VSphereSimHost.ps1')
        # The first host's API, with the log its boot script really wrote (under BusyBox, above) on its datastore,
        # and the other host's lines in the same file, as a log shared on one datastore holds them.
        $script:name = $sim[0].Name
        $script:api = Start-VSphereSimHost -HostName $name -User $sim.UserName -Password $sim.Password
        $folder = New-Item -ItemType Directory -Path (Join-Path $api.DatastorePath 'vmboot') -Force
        $sim[0].ReadText("/vmfs/volumes/shared ds/vmboot/$name.log") + $sim[1].ReadText("/vmfs/volumes/shared ds/vmboot/$($sim[1].Name).log") |
            Set-Content -LiteralPath (Join-Path $folder.FullName "$name.log") -NoNewline
        $script:apiConnect = @{
            Server = $api.Server; Protocol = 'VSphereApi'; AcceptNewCertificate = $true; KnownCertificatesPath = (Join-Path $TestDrive 'log-pins')
            Credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
        }
        function Format-Event { process { "$($_.Time.ToString('o'))|$($_.Action)|$($_.StageName)|$($_.VmName)|$($_.Result)|$($_.Attempt)" } }
    }

    AfterAll { Stop-VSphereSimHost $api }

    It 'reads the log from its datastore through hostd: the same events as over SSH, this host''s only' {
        $overSsh = Get-BootLog -Server $servers[0] @connect
        $overApi = Get-BootLog @apiConnect
        $overApi.Count | Should -BeGreaterThan 10
        $overApi[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.BootLogEvent'
        ($overApi | Format-Event) | Should -Be ($overSsh | Format-Event)
        $overApi.HostName | Sort-Object -Unique | Should -Be $name
        $overApi[0].Source | Should -Be "$($api.Server):/vmfs/volumes/$($api.Datastore)/vmboot/$name.log"
    }

    It 'takes -LogPath on a datastore, with {hostname}, and summarises' {
        $summary = Get-BootLog @apiConnect -LogPath "/vmfs/volumes/$($api.Datastore)/vmboot/{hostname}.log" -Summary -Last 1
        $summary.HostName | Should -Be $name
        $summary.Completed | Should -BeTrue
        $summary.PoweredOn | Should -Be 3
        # /vmfs/volumes/ also takes the volume's own id (its folder in summary.url); hostd's /folder wants the name.
        $byVolume = Get-BootLog @apiConnect -LogPath "/vmfs/volumes/$(Split-Path -Leaf $api.DatastorePath)/vmboot/{hostname}.log" -Summary -Last 1
        $byVolume.BootStarted | Should -Be $summary.BootStarted
    }

    It 'names the host and where it looked when there is no log, and refuses a path off the datastores' {
        $null = Get-BootLog @apiConnect -LogPath "/vmfs/volumes/$($api.Datastore)/none.log" -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'BootLogNotFound,VmBoot.Commands.GetBootLogCommand'
        $missing[0].TargetObject | Should -Be $api.Server
        { Get-BootLog @apiConnect -LogPath '/var/log/vmboot.log' } | Should -Throw -ErrorId 'BootLogPathNotOnDatastore,VmBoot.Commands.GetBootLogCommand'
        Remove-Item -LiteralPath (Join-Path $api.DatastorePath "vmboot/$name.log")
        $null = Get-BootLog @apiConnect -ErrorVariable none -ErrorAction SilentlyContinue
        "$($none[0])" | Should -BeLike "*vmboot/{hostname}.log on the host's datastores*"
    }
}

Describe 'Export-BootReport' {
    BeforeAll {
        function Invoke-WebDriver([string] $Method, [string] $Path, $Body) {
            $json = if ($null -ne $Body) { $Body | ConvertTo-Json -Depth 8 -Compress } else { $null }
            try { (Invoke-RestMethod -Method $Method -Uri "http://127.0.0.1:$script:driverPort$Path" -Body $json -ContentType 'application/json').value }
            catch { throw "WebDriver $Method $Path failed: $($_.ErrorDetails.Message)" }
        }
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $script:driverPort = $listener.LocalEndpoint.Port; $listener.Stop()
        $script:driver = Start-Process -FilePath /usr/bin/chromedriver -ArgumentList "--port=$driverPort" -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'driver.log')
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ($true) {
            try { $null = Invoke-RestMethod "http://127.0.0.1:$driverPort/status"; break }
            catch { if ([DateTime]::UtcNow -gt $deadline) { throw 'chromedriver did not start' }; Start-Sleep -Milliseconds 200 }
        }
        $profile = Join-Path $TestDrive 'chromium-profile'
        $arguments = @('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', "--user-data-dir=$profile", '--window-size=1400,1200')
        $session = Invoke-WebDriver POST '/session' @{ capabilities = @{ alwaysMatch = @{ browserName = 'chrome'; 'goog:chromeOptions' = @{ binary = '/usr/bin/chromium'; args = $arguments } } } }
        $script:sessionId = $session.sessionId
    }

    AfterAll {
        if ($sessionId) { $null = Invoke-WebDriver DELETE "/session/$sessionId" $null }
        if ($driver) { Stop-Process -Id $driver.Id -ErrorAction Ignore }
    }

    It 'writes one self-contained page whose Gantt chart puts every stage and VM where the log says' {
        $report = Join-Path $TestDrive 'boot report.html'
        $file = Get-BootLog -Server $servers @connect -Last 1 | Export-BootReport -LiteralPath $report -Title 'Lab cluster' -PassThru
        $file.FullName | Should -Be $report
        $null = Invoke-WebDriver POST "/session/$sessionId/url" @{ url = [uri]::new($report, [UriKind]::Absolute).AbsoluteUri }
        $page = Invoke-WebDriver POST "/session/$sessionId/execute/sync" @{ args = @(); script = @'
const box = e => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, width: r.width, height: r.height, kind: e.dataset.kind, start: +e.dataset.start, end: +e.dataset.end }; };
return {
  title: document.title,
  resources: performance.getEntriesByType('resource').length,
  images: document.images.length,
  scripts: document.scripts.length,
  text: document.body.innerText,
  hosts: [...document.querySelectorAll('g.host')].map(g => ({
    name: g.dataset.host,
    stages: [...g.querySelectorAll('rect.stage')].map(box),
    vms: [...g.querySelectorAll('circle.vm.ok')].map(box),
    retries: g.querySelectorAll('circle.vm.retry').length,
    waits: [...g.querySelectorAll('rect.wait')].map(box)
  }))
};
'@ }
        $page.title | Should -Be 'Lab cluster'
        $page.resources | Should -Be 0
        $page.images | Should -Be 0
        $page.scripts | Should -Be 0
        $page.text | Should -Match ([regex]::Escape($hostile))
        ($page.hosts.name | Sort-Object) | Should -Be @($sim.Hosts.Name | Sort-Object)
        foreach ($h in $page.hosts) {
            $h.stages.Count | Should -Be 2
            $h.waits.Count | Should -BeGreaterThan 0
            foreach ($bar in $h.stages + $h.waits) { $bar.width | Should -BeGreaterThan 0 }
            $h.stages[1].left | Should -BeGreaterOrEqual ($h.stages[0].right - 0.5)  # coordinates are rounded to 0.01 px
            $h.waits[-1].right | Should -BeLessOrEqual ($h.stages[0].left + 1)
            $h.vms.Count | Should -Be 3
            # Each VM's mark sits inside its stage's bar, at its time on the shared axis.
            $pxPerSecond = $h.stages[1].width / ($h.stages[1].end - $h.stages[1].start)
            foreach ($vm in $h.vms) {
                $stage = $h.stages | Where-Object { $_.start -le $vm.start -and $_.end -ge $vm.start } | Select-Object -First 1
                $stage | Should -Not -BeNullOrEmpty
                $centre = ($vm.left + $vm.right) / 2
                $centre | Should -BeGreaterOrEqual ($stage.left - 1)
                $centre | Should -BeLessOrEqual ($stage.right + 1)
                [math]::Abs($centre - ($stage.left + ($vm.start - $stage.start) * $pxPerSecond)) | Should -BeLessThan 2
            }
        }
        ($page.hosts | Where-Object name -EQ $sim[0].Name).retries | Should -Be 1
        # Hosts started together: the same second is at the same x on every host's rows.
        $starts = $page.hosts | ForEach-Object { $_.stages[0].left - $_.stages[0].start * $pxPerSecond }
        [math]::Abs($starts[0] - $starts[1]) | Should -BeLessThan 2
    }

    It 'honours -WhatIf and -NoClobber' {
        $report = Join-Path $TestDrive 'kept.html'
        Get-BootLog -Server $servers[0] @connect -Last 1 | Export-BootReport -Path $report -WhatIf
        Test-Path -LiteralPath $report | Should -BeFalse
        Set-Content -LiteralPath $report -Value 'mine'
        { Get-BootLog -Server $servers[0] @connect -Last 1 | Export-BootReport -Path $report -NoClobber -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoClobber,VmBoot.Commands.ExportBootReportCommand'
        Get-Content -LiteralPath $report | Should -Be 'mine'
    }
}
