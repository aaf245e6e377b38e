# The Test task's count (tests/tools/TestRunCount.psm1) against runs that must fail it: a test host that crashes
# after a pass, a test project that discovers nothing, a Pester run of no test, a Pester child that dies; and a
# healthy run, so the same checks are seen to pass what they should.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../tools/TestRunCount.psm1') -Force
    $script:selfTests = Join-Path $PSScriptRoot '../selftest'

    function Invoke-SelfTest([string] $Project, [string] $Filter) {
        $results = Join-Path $TestDrive "$Project-$([guid]::NewGuid().ToString('n'))"
        $arguments = @('test', (Join-Path $selfTests "$Project/$Project.csproj"), '-c', 'Release', '--nologo', '--logger', 'trx;LogFileName=run.trx', '--results-directory', $results)
        if ($Filter) { $arguments += '--filter', $Filter }
        $null = & dotnet @arguments 2>&1
        Get-XunitRunCount -TrxFolder $results -ExitCode $LASTEXITCODE
    }
}

Describe 'The Test task''s count' {
    It 'fails a run whose test host crashed after a test passed' {
        $count = Confirm-RunCount (Invoke-SelfTest 'Crashing' -Filter 'FullyQualifiedName~CrashingTests') -Minimum 2
        $count.Failed | Should -BeGreaterThan 0
        ($count.Problems -join "`n") | Should -Match 'exited with code [1-9]'
    }

    It 'fails a test project in which nothing was discovered' {
        $count = Confirm-RunCount (Invoke-SelfTest 'Empty') -Minimum 1
        $count.Passed | Should -Be 0
        $count.Failed | Should -BeGreaterThan 0
        ($count.Problems -join "`n") | Should -Match 'ran 0 test\(s\), fewer than the 1'
    }

    It 'fails a runner that ran fewer tests than it is known to have' {
        $count = Confirm-RunCount (Invoke-SelfTest 'Crashing' -Filter 'FullyQualifiedName~APassingTestRunsFirst') -Minimum 2
        $count.Passed | Should -Be 1
        ($count.Problems -join "`n") | Should -Match 'ran 1 test\(s\), fewer than the 2'
    }

    It 'passes a healthy run: one test, exit code 0, as many as expected' {
        $count = Confirm-RunCount (Invoke-SelfTest 'Crashing' -Filter 'FullyQualifiedName~APassingTestRunsFirst') -Minimum 1
        $count.Passed | Should -Be 1
        $count.Failed | Should -Be 0
        $count.Problems | Should -BeNullOrEmpty
        Format-RunCount $count | Should -Be 'xunit: 1 passed, 0 failed, 0 skipped, 0 not run'
    }

    It 'names a failed xunit test and its message beside the count' {
        $count = Confirm-RunCount (Invoke-SelfTest 'Crashing' -Filter 'FullyQualifiedName~FailingTests') -Minimum 1
        $count.Failed | Should -Be 1
        $lines = Format-RunCount $count
        $lines[0] | Should -Be 'xunit: 0 passed, 1 failed, 0 skipped, 0 not run'
        $lines[1] | Should -Match '^  xunit failed: VmBoot\.SelfTest\.FailingTests\.ATestThatFails: Assert\.Equal\(\) Failure'
        $lines[2] | Should -Be '  xunit counts as failed: exited with code 1'
    }

    It 'names a failed Pester test and its message beside the count' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'one-failure')
        "Describe 'A block' { It 'fails on purpose' { 1 | Should -Be 2 } }" | Set-Content -LiteralPath (Join-Path $folder 'Fails.Tests.ps1')
        $summary = Join-Path $TestDrive 'failing.json'
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../Invoke-PesterTests.ps1') -PesterPath (Get-Module Pester).Path `
            -ModulePath $env:VMBOOT_TEST_MODULE -SimulatorPath $env:VMBOOT_TEST_SIMULATOR -SummaryPath $summary -ResultPath (Join-Path $TestDrive 'failing.xml') -TestPath $folder.FullName | Out-Null
        $lines = Format-RunCount (Confirm-RunCount (Get-PesterRunCount -SummaryPath $summary -ExitCode $LASTEXITCODE) -Minimum 1)
        $lines[0] | Should -Be 'Pester: 0 passed, 1 failed, 0 skipped, 0 not run'
        $lines[1] | Should -Be '  Pester failed: A block.fails on purpose: Expected 2, but got 1.'
    }

    It 'fails a Pester run of no test' {
        $empty = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'no-tests')
        $summary = Join-Path $TestDrive 'pester.json'
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../Invoke-PesterTests.ps1') -PesterPath (Get-Module Pester).Path `
            -ModulePath $env:VMBOOT_TEST_MODULE -SimulatorPath $env:VMBOOT_TEST_SIMULATOR -SummaryPath $summary -ResultPath (Join-Path $TestDrive 'pester.xml') -TestPath $empty.FullName | Out-Null
        $count = Confirm-RunCount (Get-PesterRunCount -SummaryPath $summary -ExitCode $LASTEXITCODE) -Minimum 1
        $count.Passed | Should -Be 0
        $count.Failed | Should -BeGreaterThan 0
    }

    It 'fails a Pester child that died before it wrote its summary, and one that reported skips' {
        & dotnet pwsh -NoProfile -NonInteractive -Command 'exit 3'
        $died = Confirm-RunCount (Get-PesterRunCount -SummaryPath (Join-Path $TestDrive 'never-written.json') -ExitCode $LASTEXITCODE) -Minimum 1
        ($died.Problems -join "`n") | Should -Match 'no summary was written'
        ($died.Problems -join "`n") | Should -Match 'exited with code 3'

        $file = Join-Path $TestDrive 'skipped.json'
        '{ "Passed": 5, "Failed": 0, "Skipped": 1, "NotRun": 0 }' | Set-Content -LiteralPath $file
        $skipped = Confirm-RunCount (Get-PesterRunCount -SummaryPath $file -ExitCode 0) -Minimum 5
        $skipped.Failed | Should -Be 1
        Format-RunCount $skipped | Select-Object -First 1 | Should -Be 'Pester: 5 passed, 1 failed, 1 skipped, 0 not run'
    }
}
