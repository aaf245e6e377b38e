BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $fixtures = Join-Path $PSScriptRoot '../fixtures'
}

Describe 'Get-EsxiVmList from text' {
    It 'reads lines arriving one by one from Get-Content' {
        $vms = Get-Content -LiteralPath "$fixtures/cluster-host.txt" | Get-EsxiVmList
        $vms.Count | Should -Be 6
        $vms[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.EsxiVm'
        ($vms | Where-Object Vmid -EQ 3).Notes | Should -Be "Old web server.`nDo not delete: audit 2026."
    }

    It 'reads a single multi-line string' {
        $vms = Get-Content -LiteralPath "$fixtures/cluster-host.txt" -Raw | Get-EsxiVmList
        $vms.Name | Should -Be @('vcsa01', 'vCLS-0a1b2c3d-4e5f-6789-abcd-ef0123456789', 'vCLS (1)', 'dc01 (primary)', 'app%2fdb', 'web   [old')
    }

    It 'gives the vim-cmd column names as aliases' {
        $vm = Get-EsxiVmList -LiteralPath "$fixtures/cluster-host.txt" | Where-Object Vmid -EQ 2
        $vm.GuestOS | Should -Be 'windows2019srv_64Guest'
        $vm.Version | Should -Be 'vmx-19'
        $vm.Annotation | Should -Be 'vmboot: stage=infra'
        $vm.Server | Should -BeNullOrEmpty
    }

    It 'flags vCLS VMs' {
        (Get-EsxiVmList -LiteralPath "$fixtures/cluster-host.txt" | Where-Object IsVcls).Vmid | Should -Be @(11, 12)
    }

    It 'warns about VMs ESXi skipped, naming the id' {
        $vms = Get-EsxiVmList -LiteralPath "$fixtures/cluster-host-untrimmed-crlf.txt" -WarningVariable warnings -WarningAction SilentlyContinue
        $vms.Count | Should -Be 6
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match "invalid VM '6'"
    }

    It 'writes a non-terminating error with the line number for a truncated row, and keeps the good rows' {
        $lines = @(Get-Content -LiteralPath "$fixtures/one-vm-esxi8.txt") + '2      x9     [pve-esx] x9'
        $vms = $lines | Get-EsxiVmList -ErrorVariable parseErrors -ErrorAction SilentlyContinue
        $vms.Name | Should -Be 'x8'
        $parseErrors.Count | Should -Be 1
        $parseErrors[0].FullyQualifiedErrorId | Should -Be 'GetAllVmsRowMalformed,VmBoot.Commands.GetEsxiVmListCommand'
        $parseErrors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $parseErrors[0].ToString() | Should -Match 'Line 3'
    }

    It 'writes HeaderNotFound for text that is not getallvms output' {
        'hello', 'world' | Get-EsxiVmList -ErrorVariable parseErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $parseErrors[0].FullyQualifiedErrorId | Should -Be 'GetAllVmsHeaderNotFound,VmBoot.Commands.GetEsxiVmListCommand'
    }

    It 'stops the pipeline on parse errors when asked to' {
        { 'junk' | Get-EsxiVmList -ErrorAction Stop } | Should -Throw -ErrorId 'GetAllVmsHeaderNotFound,VmBoot.Commands.GetEsxiVmListCommand'
    }
}

Describe 'Get-EsxiVmList from files' {
    It 'expands -Path wildcards' {
        $vms = Get-EsxiVmList -Path "$fixtures/japanese-*.txt"
        $vms.Count | Should -Be 4
        ($vms | Where-Object Vmid -EQ 1).Name | Sort-Object -Unique | Should -Be '仮想マシン01'
    }

    It 'takes files from Get-ChildItem by property name' {
        $vms = Get-ChildItem -LiteralPath $fixtures -Filter 'one-vm-*.txt' | Get-EsxiVmList
        $vms.Name | Should -Be 'x8'
    }

    It 'prefixes errors with the file name' {
        $bad = Join-Path $TestDrive 'bad.txt'
        Set-Content -LiteralPath $bad -Value 'not an inventory'
        Get-EsxiVmList -LiteralPath $bad -ErrorVariable parseErrors -ErrorAction SilentlyContinue
        $parseErrors[0].ToString() | Should -BeLike "$bad*"
    }

    It 'treats -LiteralPath brackets literally' {
        $dir = Join-Path $TestDrive 'host [a]'
        New-Item -ItemType Directory -Path $dir | Out-Null
        Copy-Item -LiteralPath "$fixtures/one-vm-esxi8.txt" -Destination $dir
        (Get-EsxiVmList -LiteralPath "$dir/one-vm-esxi8.txt").Name | Should -Be 'x8'
    }

    It 'writes PathNotFound for a missing file and goes on with the others' {
        $vms = Get-EsxiVmList -LiteralPath "$TestDrive/missing.txt", "$fixtures/one-vm-esxi8.txt" -ErrorVariable pathErrors -ErrorAction SilentlyContinue
        $vms.Name | Should -Be 'x8'
        $pathErrors[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,VmBoot.Commands.GetEsxiVmListCommand'
        $pathErrors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Module surface' {
    It 'exports exactly its cmdlets and no functions, variables or aliases' {
        $module = Get-Module VmBoot
        $declared = (Import-PowerShellDataFile -LiteralPath (Join-Path $env:VMBOOT_TEST_MODULE 'VmBoot.psd1')).CmdletsToExport | Sort-Object
        $implemented = $module.ImplementingAssembly.GetTypes() | ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" } | Sort-Object
        $implemented | Should -Be $declared
        $module.ExportedCmdlets.Keys | Sort-Object | Should -Be $declared
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
    }

    It 'uses only approved verbs' {
        $approved = (Get-Verb).Verb
        (Get-Command -Module VmBoot).Verb | Where-Object { $_ -notin $approved } | Should -BeNullOrEmpty
    }

    It 'declares an output type on every cmdlet' {
        Get-Command -Module VmBoot | Where-Object { $_.OutputType.Count -eq 0 } | Should -BeNullOrEmpty
    }

    It 'shows the default table view' {
        $text = Get-EsxiVmList -LiteralPath "$fixtures/one-vm-esxi8.txt" | Format-Table | Out-String -Width 200
        $text | Should -Match 'Vmid\s+Name\s+Datastore\s+GuestId\s+HardwareVersion'
        $text | Should -Match '1\s+x8\s+pve-esx\s+centos9_64Guest\s+vmx-20'
    }

    It 'survives Import-Module -Force' {
        Import-Module $env:VMBOOT_TEST_MODULE -Force
        (Get-EsxiVmList -LiteralPath "$fixtures/one-vm-esxi8.txt").Name | Should -Be 'x8'
    }

    It 'loads SSH.NET and YamlDotNet into VmBoot''s context too, never the default one' {
        $null = Import-BootPlan -Path (Join-Path $fixtures 'boot-plan.example.yml')
        $null = Get-EsxiVmList -Server '127.0.0.1:1' -Credential ([pscredential]::new('u', (ConvertTo-SecureString 'p' -AsPlainText -Force))) -ErrorAction SilentlyContinue
        foreach ($name in 'Renci.SshNet', 'YamlDotNet') {
            $loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $name })
            $loaded.Count | Should -BeGreaterThan 0
            foreach ($assembly in $loaded) {
                [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).GetType().FullName | Should -Be 'VmBoot.Commands.DependencyLoadContext'
                $assembly.Location | Should -BeLike '*Dependencies*'
            }
        }
    }

    It 'loads the engine into its own load context, not the default one' {
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'VmBoot.Engine' }
        $engine.Count | Should -Be 1
        $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
        $context.GetType().FullName | Should -Be 'VmBoot.Commands.DependencyLoadContext'
        $engine.Location | Should -BeLike '*Dependencies*'
    }
}
