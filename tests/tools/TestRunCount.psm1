# What each test runner ran, from its report and its exit code, for the Test task's closing line. A report can only
# say what ran before something went wrong, so a runner that exited non-zero, left no report, or ran fewer tests
# than it is known to have counts as failed, whatever its report says.

Set-StrictMode -Version Latest

function New-RunCount([string] $Runner) {
    [pscustomobject]@{
        Runner = $Runner; Passed = 0; Failed = 0; Skipped = 0; NotRun = 0
        Problems = [System.Collections.Generic.List[string]]::new()
        # Named again beside the closing line: CI keeps only the end of a long log.
        FailedTests = [System.Collections.Generic.List[string]]::new()
    }
}

function Add-RunProblem($Count, [string] $Problem) {
    $Count.Failed++
    $Count.Problems.Add($Problem)
}

# xunit through 'dotnet test': the TRX files in a folder, and dotnet test's exit code.
function Get-XunitRunCount {
    param([Parameter(Mandatory)] [string] $TrxFolder, [Parameter(Mandatory)] [int] $ExitCode)
    $count = New-RunCount 'xunit'
    $reports = @(Get-ChildItem -LiteralPath $TrxFolder -Filter *.trx -ErrorAction Ignore)
    foreach ($trx in $reports) {
        $run = ([xml](Get-Content -LiteralPath $trx.FullName -Raw)).TestRun
        $counters = $run.ResultSummary.Counters
        $count.Passed += [int]$counters.passed
        $count.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $count.NotRun += [int]$counters.notExecuted + [int]$counters.notRunnable
        foreach ($result in @($run.SelectNodes("//*[local-name()='UnitTestResult'][@outcome!='Passed' and @outcome!='NotExecuted']"))) {
            $message = $result.SelectSingleNode(".//*[local-name()='ErrorInfo']/*[local-name()='Message']")
            $count.FailedTests.Add((Format-FailedTest $result.testName $(if ($message) { $message.InnerText })))
        }
    }
    if ($reports.Count -eq 0) { Add-RunProblem $count 'no TRX report was written' }
    Confirm-ExitCode $count $ExitCode
    $count
}

# Pester in a child pwsh: the JSON summary Invoke-PesterTests.ps1 writes, and the child's exit code.
function Get-PesterRunCount {
    param([Parameter(Mandatory)] [string] $SummaryPath, [Parameter(Mandatory)] [int] $ExitCode)
    $count = New-RunCount 'Pester'
    if (Test-Path -LiteralPath $SummaryPath) {
        $summary = Get-Content -LiteralPath $SummaryPath -Raw | ConvertFrom-Json
        $count.Passed = [int]$summary.Passed
        $count.Failed = [int]$summary.Failed
        $count.Skipped = [int]$summary.Skipped
        $count.NotRun = [int]$summary.NotRun
        if ($summary.PSObject.Properties['FailedTests']) {
            foreach ($failed in @($summary.FailedTests)) { $count.FailedTests.Add((Format-FailedTest $failed.Name $failed.Message)) }
        }
    }
    else {
        Add-RunProblem $count 'no summary was written'
    }
    Confirm-ExitCode $count $ExitCode
    $count
}

# A failed test's name and the first line of its message, short enough to read in a CI log's tail.
function Format-FailedTest([string] $Name, [string] $Message) {
    $firstLine = "$Message".Trim() -split '\r?\n' | Select-Object -First 1
    if ($firstLine.Length -gt 200) { $firstLine = $firstLine.Substring(0, 200) + '...' }
    if ($firstLine) { "$Name`: $firstLine" } else { $Name }
}

function Confirm-ExitCode($Count, [int] $ExitCode) {
    if ($ExitCode -eq 0) { return }
    if ($Count.Failed -eq 0) {
        Add-RunProblem $Count "exited with code $ExitCode but reported no failed test: a crashed test host or a run error"
    }
    else {
        $Count.Problems.Add("exited with code $ExitCode")
    }
}

# A runner that ran fewer tests than it is known to have (tests/test-counts.json) did not run them all: a test
# project that discovered nothing, a wrong path, a run cut short.
function Confirm-RunCount {
    param([Parameter(Mandatory)] $Count, [Parameter(Mandatory)] [int] $Minimum)
    $ran = $Count.Passed + $Count.Failed
    if ($ran -lt [Math]::Max(1, $Minimum)) {
        Add-RunProblem $Count "ran $ran test(s), fewer than the $([Math]::Max(1, $Minimum)) it is known to have (tests/test-counts.json)"
    }
    if ($Count.Skipped + $Count.NotRun -gt 0) {
        Add-RunProblem $Count "$($Count.Skipped) test(s) skipped and $($Count.NotRun) not run: every test must run"
    }
    $Count
}

function Format-RunCount($Count) {
    $line = "$($Count.Runner): $($Count.Passed) passed, $($Count.Failed) failed, $($Count.Skipped) skipped, $($Count.NotRun) not run"
    @($line) +
        @($Count.FailedTests | ForEach-Object { "  $($Count.Runner) failed: $_" }) +
        @($Count.Problems | ForEach-Object { "  $($Count.Runner) counts as failed: $_" })
}

Export-ModuleMember -Function Get-XunitRunCount, Get-PesterRunCount, Confirm-RunCount, Format-RunCount
