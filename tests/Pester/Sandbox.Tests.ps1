# build.ps1 -Task Sandbox: the hosts it starts answer the commands it prints, and stop when asked.
Describe 'The sandbox' {
    It 'prints commands that reach its hosts, and stops them on Enter' {
        $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($argument in "$PSHOME/pwsh.dll", '-NoProfile', '-File', (Join-Path $PSScriptRoot '../demo/Start-Sandbox.ps1'),
            '-ModulePath', $env:VMBOOT_TEST_MODULE, '-SimulatorPath', $env:VMBOOT_TEST_SIMULATOR, '-Folder', (Join-Path $TestDrive 'sandbox')) {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $sandbox = [System.Diagnostics.Process]::Start($start)
        try {
            $printed = [System.Collections.Generic.List[string]]::new()
            $until = [datetime]::UtcNow.AddMinutes(2)
            while ([datetime]::UtcNow -lt $until -and ($line = $sandbox.StandardOutput.ReadLine()) -ne $null -and $line -ne 'sandbox ready') { $printed.Add($line) }
            $line | Should -Be 'sandbox ready'
            $block = ($printed | Where-Object { $_ -match '^(Import-Module|\$hosts|\$ssh|Get-EsxiVmList) ' }) -join "`n"
            # Dot-sourced, as pasted at a prompt: $hosts and $ssh stay defined.
            $vms = . ([scriptblock]::Create($block))
            @($vms | Where-Object { -not $_.IsVcls }).Name | Sort-Object | Should -Be @('db01', 'dc01 (primary)', 'dc02', 'test-upgrade', 'vcsa01', 'web 01', 'web 02')
            $ports = @($hosts | ForEach-Object { [int]($_ -split ':')[-1] })
            $ports.Count | Should -Be 2

            $sandbox.StandardInput.WriteLine()
            $sandbox.WaitForExit(60000) | Should -BeTrue
            $sandbox.ExitCode | Should -Be 0
            foreach ($port in $ports) {
                $client = [System.Net.Sockets.TcpClient]::new()
                { $client.Connect('127.0.0.1', $port) } | Should -Throw
                $client.Dispose()
            }
        }
        finally {
            if (-not $sandbox.HasExited) { $sandbox.Kill($true) }
            $sandbox.Dispose()
        }
    }
}
