# Get-EsxiVmList over the vSphere API against govmomi's simulator (tests/VSphereSim), one process per host: parallel
# hosts, certificate pinning before any password, a refused login, and the parameters of one protocol refused with
# the other's.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $script:password = 'Sim-vSphere-1!'
    $script:credential = [pscredential]::new('root', (ConvertTo-SecureString $password -AsPlainText -Force))

    function Start-VSphereHost([object[]] $Vms) {
        $inventory = Join-Path $TestDrive "inventory-$([guid]::NewGuid().ToString('n')).json"
        ConvertTo-Json -InputObject @($Vms) -Depth 3 | Set-Content -LiteralPath $inventory
        $start = [System.Diagnostics.ProcessStartInfo]::new($env:VMBOOT_TEST_VSPHERESIM)
        foreach ($argument in '-inventory', $inventory, '-user', 'root', '-password', $password) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $start.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($start)
        $ready = $process.StandardOutput.ReadLine() | ConvertFrom-Json
        [pscustomobject]@{ Process = $process; Server = "127.0.0.1:$($ready.port)"; Thumbprint = $ready.thumbprint }
    }

    $script:hosts = @(
        Start-VSphereHost @(@{ name = 'vcsa01'; poweredOn = $true }, @{ name = 'dc01 (primary)' })
        Start-VSphereHost @(@{ name = 'db 01' }, @{ name = 'vCLS (1)'; managedBy = 'com.vmware.vim.eam' })
        Start-VSphereHost @(@{ name = 'app/01' })
    )
    $script:servers = $hosts.Server
}

AfterAll {
    foreach ($h in $hosts) {
        $h.Process.StandardInput.Close()
        if (-not $h.Process.WaitForExit(10000)) { $h.Process.Kill($true) }
    }
}

Describe 'Get-EsxiVmList -Protocol VSphereApi' {
    It 'refuses every unknown certificate with its thumbprint, one error per host, sending no password' {
        $pins = Join-Path $TestDrive 'unknown-pins'
        $wrong = [pscredential]::new('root', (ConvertTo-SecureString 'not the password' -AsPlainText -Force))
        $vms = Get-EsxiVmList -Server $servers -Protocol VSphereApi -Credential $wrong -KnownCertificatesPath $pins -ErrorVariable failed -ErrorAction SilentlyContinue
        $vms | Should -BeNullOrEmpty
        $failed.Count | Should -Be 3
        # Had the password been sent, these would be VSphereLoginFailed.
        $failed.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'VSphereCertificateUnknown,VmBoot.Commands.GetEsxiVmListCommand'
        $failed.CategoryInfo.Category | Sort-Object -Unique | Should -Be 'SecurityError'
        foreach ($h in $hosts) {
            $one = @($failed | Where-Object TargetObject -EQ $h.Server)
            $one.Count | Should -Be 1
            "$($one[0])" | Should -BeLike "*SHA256:$($h.Thumbprint)*"
        }
        Test-Path -LiteralPath $pins | Should -BeFalse
    }

    It 'reads three hosts in parallel once their certificates are pinned, as EsxiVm objects naming their host' {
        $pins = Join-Path $TestDrive 'pins'
        $vms = Get-EsxiVmList -Server $servers -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins -AcceptNewCertificate -ThrottleLimit 3
        $vms.Count | Should -Be 5
        $vms[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.EsxiVm'
        ($vms | Where-Object Server -EQ $servers[0]).Name | Sort-Object | Should -Be @('dc01 (primary)', 'vcsa01')
        ($vms | Where-Object Name -EQ 'vcsa01').PowerState | Should -Be 'poweredOn'
        ($vms | Where-Object IsVcls).Name | Should -Be 'vCLS (1)'
        ($vms | Where-Object Server -EQ $servers[2]).Name | Should -Be 'app%2f01'
        (Get-Content -LiteralPath $pins).Count | Should -Be 3

        # Pinned: the next call needs no switch and adds nothing.
        (Get-EsxiVmList -Server $servers[1] -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins).Count | Should -Be 2
        (Get-Content -LiteralPath $pins).Count | Should -Be 3
    }

    It 'says a refused login once, for that host only, and the others still answer' {
        $pins = Join-Path $TestDrive 'login-pins'
        $hosts | ForEach-Object { "$($_.Server) SHA256:$($_.Thumbprint)" } | Set-Content -LiteralPath $pins
        $wrong = [pscredential]::new('root', (ConvertTo-SecureString 'not the password' -AsPlainText -Force))
        $first = Get-EsxiVmList -Server $servers[0] -Protocol VSphereApi -Credential $wrong -KnownCertificatesPath $pins -ErrorVariable failed -ErrorAction SilentlyContinue
        $first | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'VSphereLoginFailed,VmBoot.Commands.GetEsxiVmListCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($failed[0])" | Should -BeLike '*Exception Users*'
        (Get-EsxiVmList -Server $servers[1], $servers[2] -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins).Count | Should -Be 3
    }

    It 'refuses SSH''s parameters with the API, and the API''s with SSH, before connecting' {
        { Get-EsxiVmList -Server $servers[0] -Protocol VSphereApi -Credential $credential -KeyFilePath ~/.ssh/id_ecdsa -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProtocolMismatch,VmBoot.Commands.GetEsxiVmListCommand'
        { Get-EsxiVmList -Server $servers[0] -Protocol VSphereApi -ErrorAction Stop } |
            Should -Throw -ErrorId 'CredentialRequired,VmBoot.Commands.GetEsxiVmListCommand'
        { Get-EsxiVmList -Server $servers[0] -Credential $credential -AcceptNewCertificate -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProtocolMismatch,VmBoot.Commands.GetEsxiVmListCommand'
    }
}
