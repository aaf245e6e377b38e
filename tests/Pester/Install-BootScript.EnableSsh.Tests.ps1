# Install-BootScript -EnableSsh on a host whose SSH is off: the ESXi simulator's host (a real OpenSSH server) sits
# behind the TSM-SSH service of govmomi's simulator (tests/VSphereSim), whose port refuses connections while the
# service is stopped. SSH is started through the vSphere API for the install and stopped again afterwards, also
# when the install fails.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1)
    $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
        [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds' }
        [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'app01'; Datastore = 'shared ds' }))
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $script:pins = Join-Path $TestDrive 'known_certificates'
    # One password for both faces of the host, as on ESXi.
    $script:credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))

    . (Join-Path $PSScriptRoot 'VSphereSimHost.ps1')
    # The API's inventory has a VM the host's SSH side lacks, to tell which one a plan was resolved from.
    $script:api = Start-VSphereSimHost -Vms @(@{ name = 'vcsa01' }, @{ name = 'app01' }, @{ name = 'db01 (api only)' }) -HostName 'esx01' -User $sim.UserName -Password $sim.Password `
        -Flag '-ssh-backend', "$($sim[0].Address):$($sim[0].Port)"
    $script:apiPort = $api.Port
    $script:sshPort = $api.SshPort
    $script:server = "127.0.0.1:$sshPort"
    # The host key is known under the address the installer dials: the SSH port behind TSM-SSH.
    $sim.KnownHostsLines -replace '^\S+', "[127.0.0.1]:$sshPort" | Set-Content -LiteralPath $knownHosts
    $script:connect = @{ Server = $server; Credential = $credential; KnownHostsPath = $knownHosts; EnableSsh = $true; ApiPort = $apiPort; KnownCertificatesPath = $pins }

    function Test-SshAnswers {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $script:sshPort); $true }
        catch [System.Net.Sockets.SocketException] { $false }
        catch [System.Management.Automation.MethodInvocationException] { $false }
        finally { $client.Dispose() }
    }

    $script:bootScript = Get-EsxiVmList -Server "$($sim[0].Address):$($sim[0].Port)" -Credential $credential -KnownHostsPath (Join-Path $TestDrive 'direct_known_hosts') -AcceptNewHostKey |
        New-BootScript -FirstStage 'vcsa*' -LogDatastore 'shared ds'
}

AfterAll {
    Stop-VSphereSimHost $api
    $sim.Dispose()
}

Describe 'Install-BootScript -EnableSsh' {
    It 'says with -WhatIf that it would start SSH, and starts nothing' {
        Test-SshAnswers | Should -BeFalse
        $child = @"
Import-Module '$env:VMBOOT_TEST_MODULE'
`$c = [pscredential]::new('$($sim.UserName)', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
Install-BootScript -Plan (New-BootPlan -Stage @{ Name = 'all'; All = `$true }) -Server '$server' -Credential `$c -KnownHostsPath '$knownHosts' -EnableSsh -ApiPort $apiPort -KnownCertificatesPath '$pins' -AcceptNewCertificate -WhatIf
"@
        $env:VMBOOT_TEST_PASSWORD = $sim.Password
        try { $output = dotnet pwsh -NoProfile -NonInteractive -Command $child 2>&1 | Out-String }
        finally { Remove-Item Env:VMBOOT_TEST_PASSWORD }
        $output | Should -Match 'What if: Start SSH \(TSM-SSH\) on 127\.0\.0\.1:\d+ through the vSphere API for the install, and stop it again afterwards \(found stopped, policy ''off''\)'
        Test-SshAnswers | Should -BeFalse
    }

    It 'starts SSH for the install, installs, and stops SSH again' {
        $result = $bootScript | Install-BootScript @connect -AcceptNewCertificate -Confirm:$false -Verbose 4>&1 -ErrorVariable failed
        $failed | Should -BeNullOrEmpty
        $installed = @($result | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $told = ($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $installed.Count | Should -Be 1
        $installed[0].Changed | Should -BeTrue
        $installed[0].Persisted | Should -BeTrue
        $told | Should -Match "SSH \(TSM-SSH\) found stopped, policy 'off'"
        $told | Should -Match 'SSH started on 127\.0\.0\.1:\d+ through the vSphere API'
        $told | Should -Match "SSH stopped again: stopped, policy 'off', as it was found"
        $sim[0].ReadText('/etc/rc.local.d/local.sh') | Should -Match '# >>> VmBoot managed block >>>'
        Test-SshAnswers | Should -BeFalse
    }

    It 'stops SSH again when the install fails' {
        $sim[0].SecureBoot = $true
        try {
            $result = $bootScript | Install-BootScript @connect -Force:$false -Confirm:$false -Verbose 4>&1 -ErrorVariable refused -ErrorAction SilentlyContinue
        }
        finally { $sim[0].SecureBoot = $false }
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -Be 'SecureBootEnabled,VmBoot.Commands.InstallBootScriptCommand'
        ($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'SSH stopped again'
        Test-SshAnswers | Should -BeFalse
    }

    It 'stops SSH again on Ctrl+C during the install, before the cmdlet returns' {
        $sim[0].HangCommand('secureBoot.py')
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("param(`$script, `$connect) Import-Module '$env:VMBOOT_TEST_MODULE'; `$script | Install-BootScript @connect -Confirm:`$false").AddArgument($bootScript).AddArgument($connect)
            $pending = $shell.BeginInvoke()
            # The install hangs on the host with SSH started: wait for that, not for a clock.
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not (Test-SshAnswers) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-SshAnswers | Should -BeTrue
            $pending.IsCompleted | Should -BeFalse
            $stopping = $shell.BeginStop($null, $null)
            $stopping.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(90)) | Should -BeTrue
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            Test-SshAnswers | Should -BeFalse -Because 'SSH is put back before the stopped cmdlet returns'
        }
        finally {
            $shell.Dispose()
            $sim[0].ClearFaults()
        }
    }

    It 'reads the inventory for -Plan through the API, not over SSH' {
        $plan = New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*' }, @{ Name = 'rest'; All = $true }
        $result = Install-BootScript @connect -Plan $plan -Force -Confirm:$false
        $result.Server | Should -Be $server
        $local = $sim[0].ReadText('/etc/rc.local.d/local.sh')
        $local | Should -Match 'vcsa01'
        $local | Should -Match 'app01'
        # Only the API's inventory has it: the plan was resolved from what the API said, while SSH was off.
        $local | Should -Match 'db01 \(api only\)'
        Test-SshAnswers | Should -BeFalse
    }

    It 'refuses the API''s parameters without -EnableSsh, and -EnableSsh without a password' {
        { $bootScript | Install-BootScript -Server $server -Credential $credential -KnownHostsPath $knownHosts -KnownCertificatesPath $pins -Confirm:$false } |
            Should -Throw -ErrorId 'ProtocolMismatch,VmBoot.Commands.InstallBootScriptCommand'
        $key = Join-Path $TestDrive 'id_rsa'
        Set-Content -LiteralPath $key -Value 'not used'
        { $bootScript | Install-BootScript -Server $server -KeyFilePath $key -KnownHostsPath $knownHosts -EnableSsh -Confirm:$false } |
            Should -Throw -ErrorId 'CredentialRequired,VmBoot.Commands.InstallBootScriptCommand'
        Test-SshAnswers | Should -BeFalse
    }
}
