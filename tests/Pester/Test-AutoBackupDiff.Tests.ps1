BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $captures = Join-Path $PSScriptRoot '../fixtures/auto-backup'
}

Describe 'Test-AutoBackupDiff' {
    It 'reads the seed article''s hostsvc.xml capture from the pipeline and explains it' {
        $change = Get-Content -LiteralPath "$captures/seed-hostsvc.txt" | Test-AutoBackupDiff
        $change.PSObject.TypeNames[0] | Should -Be 'VmBoot.AutoBackupFileChange'
        $change.Path | Should -Be '/etc/vmware/hostd/hostsvc.xml'
        $change.LinesSaved | Should -Be '    <ntpd>automatic</ntpd>'
        $change.Expected | Should -BeFalse
        $change.StateSaved | Should -BeTrue
        ($change | Format-List | Out-String) | Should -Match 'NTP daemon'
    }

    It 'answers -Quiet with $true only when nothing but local.sh changed' {
        Test-AutoBackupDiff -LiteralPath "$captures/esxi7-first-local-sh.txt" -Quiet | Should -BeTrue
        Test-AutoBackupDiff -LiteralPath "$captures/seed-hostsvc.txt" -Quiet | Should -BeFalse
        (Get-Content -Raw -LiteralPath "$captures/old-forms.txt") | Test-AutoBackupDiff -Quiet | Should -BeFalse
    }

    It 'reads files by wildcard' {
        (Test-AutoBackupDiff -Path "$captures/seed-*.txt").Path | Sort-Object | Should -Be @('/etc/vmware/dvsdata.db', '/etc/vmware/hostd/hostsvc.xml')
    }

    It 'warns when differences were not saved' {
        $null = '--- /etc/rc.local.d/local.sh', '+++ /tmp/auto-backup.1//etc/rc.local.d/local.sh', '@@ -1 +1 @@', '-new', '+old' |
            Test-AutoBackupDiff -WarningVariable unsaved -WarningAction SilentlyContinue
        $unsaved.Count | Should -Be 1
        $unsaved[0].Message | Should -Match 'may not survive a reboot'
    }

    It 'explains what the simulator''s auto-backup.sh prints after changes over SSH' {
        Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
        $sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1)
        try {
            $h = $sim[0]
            # Edited in place, as vi does (sed -i would replace the file, which auto-backup.sh may never save).
            $null = $h.RunAsHost("sed '/^exit 0$/i vim-cmd vmsvc/power.on 1' /etc/rc.local.d/local.sh > /tmp/edit && cat /tmp/edit > /etc/rc.local.d/local.sh")
            $output = $h.RunAsHost('/sbin/auto-backup.sh 2>&1')
            $local = $output | Test-AutoBackupDiff
            $local.Path | Should -Be '/etc/rc.local.d/local.sh'
            # A fresh host never saved the stock local.sh: the whole file is new to the backup, as in the real capture.
            $local.LinesSaved | Should -Contain 'vim-cmd vmsvc/power.on 1'
            $local.LinesSaved[0] | Should -BeLike '#!/bin/sh*'
            $local.LinesDropped | Should -BeNullOrEmpty
            ($output | Test-AutoBackupDiff -Quiet) | Should -BeTrue
            $h.PersistedLocalSh() | Should -Match 'power.on 1'

            $null = $h.RunAsHost("sed 's|<ntpd>off</ntpd>|<ntpd>automatic</ntpd>|' /etc/vmware/hostd/hostsvc.xml > /tmp/edit && cat /tmp/edit > /etc/vmware/hostd/hostsvc.xml")
            $second = $h.RunAsHost('/sbin/auto-backup.sh 2>&1') | Test-AutoBackupDiff
            $second.Path | Should -Be '/etc/vmware/hostd/hostsvc.xml'
            $second.Explanation | Should -Match "running host has 'automatic'.*previous backup had 'off'"
        }
        finally { $sim.Dispose() }
    }
}
