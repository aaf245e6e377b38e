BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1)
    $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds' }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'web [prod] 01'; Datastore = 'local-esx01' }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 3; Name = 'vCLS-8f3e2c1a-4b5d-4e6f-9a0b-1c2d3e4f5a6b'; Datastore = 'shared ds' }))
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $script:server = "$($sim[0].Address):$($sim[0].Port)"
    $script:session = New-EsxiSession -Server $server -Credential $credential -KnownHostsPath $knownHosts
    $null = Get-EsxiVmList -Session $session

    function Complete([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

AfterAll {
    Get-EsxiSession | Remove-EsxiSession
    $sim.Dispose()
}

Describe 'Tab completion' {
    It 'completes server names from open sessions' {
        (Complete 'Get-EsxiVmList -Server ').CompletionText | Should -Contain $server
        (Complete 'Install-BootScript -Server ').ListItemText | Should -Contain $server
    }

    It 'completes VM names from the last inventory, quoted and with wildcards escaped, never vCLS' {
        $matches = Complete 'New-BootScript -FirstStage '
        $matches.ListItemText | Should -Be @('vcsa01', 'web [prod] 01')
        ($matches | Where-Object ListItemText -EQ 'web [prod] 01').CompletionText | Should -Be "'web ``[prod``] 01'"
        (Complete 'New-BootScript -FirstStage vc').CompletionText | Should -Be 'vcsa01'
        # The completed text selects exactly that VM.
        $completed = Invoke-Expression ($matches | Where-Object ListItemText -EQ 'web [prod] 01').CompletionText
        $preview = (Get-EsxiVmList -Session $session | New-BootScript -FirstStage $completed -LogDatastore 'shared ds').Preview
        ($preview | Where-Object Stage -EQ 1).Name | Should -Be 'web [prod] 01'
        (Complete 'New-BootPlan -ExcludeNameLike we').ListItemText | Should -Be 'web [prod] 01'
    }

    It 'completes the management VM by its exact name, not file names' {
        $matches = Complete 'Stop-EsxiCluster -Plan x -ManagementVm '
        $matches.ListItemText | Should -Be @('vcsa01', 'web [prod] 01')
        ($matches | Where-Object ListItemText -EQ 'web [prod] 01').CompletionText | Should -Be "'web [prod] 01'"
    }

    It 'completes datastores from the last inventory' {
        (Complete 'New-BootPlan -LogDatastore ').CompletionText | Should -Be @('local-esx01', "'shared ds'")
        (Complete 'New-BootScript -FirstStage x -LogDatastore sh').CompletionText | Should -Be "'shared ds'"
        (Complete 'New-BootPlan -Datastore loc').CompletionText | Should -Be 'local-esx01'
    }
}
