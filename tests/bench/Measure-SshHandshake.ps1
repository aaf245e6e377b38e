<#
.SYNOPSIS
    Section 10 of the bench (issue #31): what one SSH handshake costs, per key exchange and host-key algorithm.
.DESCRIPTION
    SSH.NET ships one build per framework, and the build decides the crypto: its netstandard2.0 build (Windows
    PowerShell's, and what pwsh loaded too until VmBoot shipped both) does every key exchange with BouncyCastle; its
    .NET 8 build (what pwsh loads now) uses the platform's (OpenSSL here) where it can. SshHandshake
    (tests/bench/SshHandshake) is built once and run with each build's Renci.SshNet.dll against one simulated host, first as ESXi ships (FIPS mode:
    the ECDH and DH groups only), then with OpenSSH's own algorithms (curve25519, sntrup761x25519), as a host whose
    SSH FIPS mode was switched off. Each line: median wall ms, client CPU ms and server CPU ms per handshake.
    OpenSSH's client is timed the same way (a process per connection, start included) as the peer.
#>
param(
    [Parameter(Mandatory)] [string] $OutputFolder,
    [int] $Rounds = 40
)
$ErrorActionPreference = 'Stop'
$folder = Join-Path $OutputFolder 'handshake'
Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction Ignore
$builds = [ordered]@{ 'netstandard2.0' = Join-Path $folder 'netstandard2.0'; 'net8.0' = Join-Path $folder 'net8.0' }
$tool = Join-Path $folder 'tool'
dotnet build "$PSScriptRoot/SshHandshake/SshHandshake.csproj" -c Release -o $tool --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { throw 'Building SshHandshake failed.' }
$packages = ((dotnet nuget locals global-packages --list | Select-Object -First 1) -replace '^global-packages:\s*', '').Trim()
foreach ($build in $builds.Keys) {
    Copy-Item -LiteralPath $tool -Destination $builds[$build] -Recurse
    Copy-Item -LiteralPath (Join-Path $packages "ssh.net/2026.0.0/lib/$build/Renci.SshNet.dll") -Destination $builds[$build] -Force
}

$fips = 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512'
$openSsh = 'curve25519-sha256', 'sntrup761x25519-sha512@openssh.com'
$hostKeys = 'ecdsa-sha2-nistp256', 'rsa-sha2-512'
$sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1)
try {
    $h = $sim[0]
    $key = Join-Path $folder 'id_ecdsa'
    ssh-keygen -q -t ecdsa -m PEM -N '' -f $key | Out-Null
    $h.AuthorizeKey((Get-Content -Raw -LiteralPath "$key.pub"))
    $knownHosts = Join-Path $folder 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $rows = [System.Collections.Generic.List[object]]::new()
    foreach ($offer in 'fips', 'openssh') {
        if ($offer -eq 'openssh') { $h.OfferNonFipsAlgorithms() }
        $sshd = [int](Get-Content -LiteralPath (Join-Path $h.Folder 'sshd.pid'))
        $exchanges = if ($offer -eq 'fips') { $fips } else { $openSsh }
        foreach ($build in $builds.Keys) {
            $lines = dotnet (Join-Path $builds[$build] 'SshHandshake.dll') $h.Address $h.Port $sim.UserName $key $sshd $Rounds ($exchanges -join ',') ($hostKeys -join ',')
            if ($LASTEXITCODE -ne 0) { throw "SshHandshake ($build) failed" }
            foreach ($line in $lines | Where-Object { $_ -notlike '#*' }) {
                $kex, $hostKey, $wall, $client, $server = $line -split "`t"
                if ($wall -eq 'failed') { throw "SshHandshake ($build) could not use $kex with $hostKey`: $client" }
                $rows.Add([pscustomobject]@{ Offer = $offer; Build = $build; Kex = $kex; HostKey = $hostKey; Wall = [double]$wall; ClientCpu = [double]$client; ServerCpu = [double]$server })
            }
        }
        # The peer: OpenSSH's client, one process per handshake (as parallel-ssh runs it), a command that does nothing.
        foreach ($kex in $exchanges) {
            $times = foreach ($i in 1..([math]::Max(5, $Rounds / 4))) {
                $watch = [Diagnostics.Stopwatch]::StartNew()
                ssh -i $key -o "UserKnownHostsFile=$knownHosts" -o BatchMode=yes -o LogLevel=ERROR -o "KexAlgorithms=$kex" -o "HostKeyAlgorithms=$($hostKeys[0])" -p $h.Port "$($sim.UserName)@$($h.Address)" exit
                if ($LASTEXITCODE -ne 0) { throw "ssh could not use $kex" }
                $watch.Elapsed.TotalMilliseconds
            }
            $rows.Add([pscustomobject]@{ Offer = $offer; Build = 'openssh'; Kex = $kex; HostKey = $hostKeys[0]; Wall = ($times | Sort-Object)[[int][math]::Floor(($times.Count - 1) / 2)]; ClientCpu = $null; ServerCpu = $null })
        }
    }
    $rows
}
finally { $sim.Dispose() }
