# What a new user meets first, offline: the README's five-minute path on the shipped examples, plans that select
# nothing they name, wrong paths and files, inventories saved to files, and plans built in PowerShell.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $script:examples = Join-Path (Get-Module VmBoot).ModuleBase 'Examples'
    $script:inventory = @(
        Get-EsxiVmList -Path "$examples/esx01-getallvms.txt" -HostName esx01
        Get-EsxiVmList -Path "$examples/esx02-getallvms.txt" -HostName esx02
    )
}

Describe 'The shipped examples and the README''s offline path' {
    It 'runs the README''s five-minute block as written, without a warning' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../README.md')
        $block = [regex]::Match($readme, '(?ms)^## Try it offline in five minutes.*?```powershell\n(.*?)\n```')
        $block.Success | Should -BeTrue
        # 'Import-Module VmBoot' by name, as an installed module: the built one is found on PSModulePath.
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = (Split-Path $env:VMBOOT_TEST_MODULE) + [IO.Path]::PathSeparator + $env:PSModulePath
            $all = & ([scriptblock]::Create($block.Groups[1].Value)) 3>&1
        }
        finally { $env:PSModulePath = $saved }
        @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }) | Should -BeNullOrEmpty
        $output = $all | Out-String
        $output | Should -Match 'dc01 \(primary\)'
        $output | Should -Match '# >>> VmBoot managed block >>>'
    }

    It 'starts every VM of the sample inventory but the excluded one and vCLS, vCenter and the tagged DCs first' {
        $script = $inventory | New-BootScript -Plan "$examples/boot.yml" -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -BeNullOrEmpty
        $script.Unplanned | Should -BeNullOrEmpty
        ($script.Preview | Where-Object Stage -EQ 1).Name | Should -Be @('vcsa01', 'dc01 (primary)', 'dc02')
        ($script.Preview | Where-Object Stage -EQ 2).Name | Should -Be @('web 01', 'db01', 'web 02')
        ($script.Preview | Where-Object Name -EQ 'dc02').Server | Should -Be 'esx02'
    }
}

Describe 'A plan that selects nothing it names' {
    It 'warns per name that matches no VM, with the nearest, and names the VMs no stage starts' {
        $plan = New-BootPlan -Stage @{ Name = 'infra'; Names = 'vcsa01', 'dc01', 'vcsa-02' }
        $script = $inventory | New-BootScript -Plan $plan -WarningVariable warned -WarningAction SilentlyContinue
        $said = $warned.Message -join "`n"
        $said | Should -Match "Stage 'infra' lists names 'dc01', which matches no VM of the inventory; did you mean 'dc01 \(primary\)'\?"
        $said | Should -Match "names 'vcsa-02', which matches no VM of the inventory; did you mean 'vcsa01'\?"
        $said | Should -Match "6 VM\(s\) are in no stage and no exclude, so this plan will never start them: 'dc01 \(primary\)' on esx01"
        $script.Unplanned.Count | Should -Be 6
        ($script | Format-Table | Out-String) | Should -Match 'Unplanned'
    }

    It 'takes a hashtable''s All as a flag, never as PowerShell truthiness' {
        (New-BootPlan -Stage @{ Name = 'none'; All = 'false'; Names = 'vcsa01' }).Stages[0].Select.All | Should -BeFalse
        (New-BootPlan -Stage @{ Name = 'all'; All = 'true' }).Stages[0].Select.All | Should -BeTrue
        { New-BootPlan -Stage @{ Name = 'odd'; All = 'yes' } -ErrorAction Stop } | Should -Throw -ExpectedMessage "*All is `$true or `$false, not 'yes'*"
    }
}

Describe 'Wrong paths and files' {
    It 'says a directory is a directory, for every cmdlet that reads a file' {
        { Get-EsxiVmList -LiteralPath $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'PathIsDirectory,VmBoot.Commands.GetEsxiVmListCommand'
        { Import-BootPlan -Path $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'PathIsDirectory,VmBoot.Commands.ImportBootPlanCommand'
        { $inventory | New-BootScript -Plan $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'PathIsDirectory,VmBoot.Commands.NewBootScriptCommand'
        { Get-BootLog -LiteralPath $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'PathIsDirectory,VmBoot.Commands.GetBootLogCommand'
    }

    It 'stops a cmdlet whose -Plan file is invalid, even with -ErrorAction SilentlyContinue: nothing can follow without a plan' {
        $bad = Join-Path $TestDrive 'bad.yml'
        "version: 1`nstages:`n  - name: a`n    selekt: { all: true }`n" | Set-Content -LiteralPath $bad
        { $inventory | New-BootScript -Plan $bad -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'BootPlanInvalid,VmBoot.Commands.NewBootScriptCommand'
        # Import-BootPlan reads many files: a bad one is an error of its own and the others are still read.
        $plans = Import-BootPlan -Path $bad, "$examples/boot.yml" -ErrorVariable failed -ErrorAction SilentlyContinue
        @($plans).Count | Should -Be 1
        $failed.Count | Should -Be 1
    }

    It 'says what to give when given nothing, instead of prompting for a path' {
        { Get-EsxiVmList -ErrorAction Stop } | Should -Throw -ErrorId 'InputRequired,VmBoot.Commands.GetEsxiVmListCommand'
        { Get-BootLog -ErrorAction Stop } | Should -Throw -ErrorId 'InputRequired,VmBoot.Commands.GetBootLogCommand'
        # Files still bind from the pipeline by their path, text by value.
        @(Get-Item "$examples/esx02-getallvms.txt" | Get-EsxiVmList).Count | Should -Be 4
        @(Get-Content "$examples/esx02-getallvms.txt" | Get-EsxiVmList).Count | Should -Be 4
    }

    It 'gives one error for a file that is not a boot log, whatever its length' {
        $notALog = Join-Path $TestDrive 'not-a-log.txt'
        1..100000 | ForEach-Object { "line $_ of something else" } | Set-Content -LiteralPath $notALog
        $events = Get-BootLog -LiteralPath $notALog -ErrorVariable failed -ErrorAction SilentlyContinue
        $events | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'NotABootLog,VmBoot.Commands.GetBootLogCommand'
        $failed[0].Exception.Message | Should -Match 'not a VmBoot boot log: none of its 100000 line\(s\)'
    }

    It 'counts the rest when a boot log has more than a few bad lines' {
        $good = "2026-11-20T03:00:05Z`tesx01`tboot-start`t-`t-`t-`t-`t-`t-"
        $log = Join-Path $TestDrive 'damaged.log'
        @($good) + (1..20 | ForEach-Object { "garbage $_" }) | Set-Content -LiteralPath $log
        $null = Get-BootLog -LiteralPath $log -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 6
        $failed[-1].Exception.Message | Should -Match '15 more line\(s\) after line 6'
    }
}

Describe 'Which host' {
    It 'labels a saved inventory with -HostName and shows Server in the default table' {
        ($inventory | Where-Object Name -EQ 'db01').Server | Should -Be 'esx02'
        ($inventory | Select-Object -First 1 | Format-Table | Out-String) | Should -Match 'Server'
    }

    It 'counts a VM piped twice once, and says so' {
        $script = @($inventory) + @($inventory) | New-BootScript -Plan "$examples/boot.yml" -WarningVariable warned -WarningAction SilentlyContinue
        ($warned.Message -join "`n") | Should -Match '8 VM\(s\) were given more than once'
        $script.VmCount | Should -Be 6
    }
}

Describe 'Views at 80 columns' {
    BeforeAll { $script:log = Join-Path $PSScriptRoot '../fixtures/boot-log/two-boots.log' }

    It 'shows each event''s result and the reason why at 80 columns' {
        $text = Get-BootLog -LiteralPath $log | Out-String -Width 80
        $text | Should -Match 'power-on\s+db01\s+FAILED !'
        # The message wraps within its column (PowerShell breaks it anywhere) instead of falling off the edge.
        ($text -replace '\s+', '') | Should -Match 'Failedtolockthefile\(busy\)'
        ($text -replace '\s+', '') | Should -Match 'registeredwithanothervmxfile'
        $text | Should -Match 'not-started\s+old web\s+VMX-DIFFERS !'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
    }

    It 'keeps the outcome of each boot in the summary at 80 columns, column labels as property names' {
        $text = Get-BootLog -LiteralPath $log -Summary | Out-String -Width 80
        $header = ($text -split "`n" | Where-Object { $_ -match '^HostName' } | Select-Object -First 1) -split '\s+' | Where-Object { $_ }
        $header | Should -Be @('HostName', 'Kind', 'Completed', 'Problems', 'PoweredOn', 'PoweredOff', 'BootStarted')
        $summary = Get-BootLog -LiteralPath $log -Summary | Select-Object -First 1
        foreach ($column in $header | Where-Object { $_ -ne 'Kind' }) { $summary.PSObject.Properties.Name | Should -Contain $column }
        (Get-BootLog -LiteralPath $log -Summary | Format-Table -View Full | Out-String -Width 200) | Should -Match 'TimeToLastVm'
    }

    It 'prints a plan''s selectors as what they select, not as a type name' {
        $plan = Import-BootPlan -Path "$examples/boot.yml"
        "$($plan.Stages[0].Select)" | Should -Be 'names: vcsa01; tags: infra'
        "$($plan.Stages[1].Select)" | Should -Be 'all'
        "$($plan.Exclude)" | Should -Be 'nameLike: test-*'
        "$($plan.Stages[0])" | Should -Be 'infra'
    }
}

Describe 'Online help' {
    It 'points every cmdlet''s HelpUri at its own help page' {
        foreach ($command in Get-Command -Module VmBoot -CommandType Cmdlet) {
            $command.HelpUri | Should -Be "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/$($command.Name).md"
            Join-Path $PSScriptRoot "../../src/VmBoot/Help/$($command.Name).md" | Should -Exist
        }
    }
}
