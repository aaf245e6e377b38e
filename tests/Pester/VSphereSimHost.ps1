# Starts and stops one simulated ESXi host's vSphere API (tests/VSphereSim: govmomi's simulator behind VmBoot's
# main.go), for the test files that talk to the API. Dot-source it in BeforeAll.

# Starts a host with the given VMs (hashtables with main.go's fields: name, guestId, path, notes, managedBy,
# poweredOn, tools, shutdownSeconds) and further flags (-ssh-backend ...). Returns what it printed when ready.
function Start-VSphereSimHost {
    param(
        [object[]] $Vms = @(),
        [string] $HostName = 'localhost',
        [string] $User = 'root',
        [Parameter(Mandatory)] [string] $Password,
        [string[]] $Flag = @(),
        [string] $Listen = '127.0.0.1:0'
    )
    $inventory = Join-Path $TestDrive "inventory-$([guid]::NewGuid().ToString('n')).json"
    ConvertTo-Json -InputObject @($Vms) -Depth 3 | Set-Content -LiteralPath $inventory
    $start = [System.Diagnostics.ProcessStartInfo]::new($env:VMBOOT_TEST_VSPHERESIM)
    foreach ($argument in @('-inventory', $inventory, '-user', $User, '-password', $Password, '-hostname', $HostName, '-listen', $Listen) + $Flag) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $ready = $process.StandardOutput.ReadLine() | ConvertFrom-Json
    if (-not $ready) { throw "vspheresim did not start (exit code $($process.ExitCode))" }
    [pscustomobject]@{
        Process       = $process
        Server        = "$(([uri]$ready.url).Host):$($ready.port)"
        Port          = [int]$ready.port
        Thumbprint    = $ready.thumbprint
        SshPort       = if ($ready.sshPort) { [int]$ready.sshPort } else { 0 }
        Datastore     = $ready.datastore
        DatastorePath = $ready.datastorePath
        CaPem         = $ready.caPem
    }
}

# Ends hosts by closing their standard input (a host powered off through the API has ended already).
function Stop-VSphereSimHost([object[]] $SimHost) {
    foreach ($h in $SimHost) {
        if ($h.Process.HasExited) { continue }
        $h.Process.StandardInput.Close()
        if (-not $h.Process.WaitForExit(10000)) { $h.Process.Kill($true) }
    }
}

# Logs in to a simulated host as PowerCLI's Connect-VIServer does and returns the session's vmware_soap_session
# cookie: what VIServer.SessionSecret holds.
function Get-VSphereSimSessionSecret {
    param([Parameter(Mandatory)] $SimHost, [string] $User = 'root', [Parameter(Mandatory)] [string] $Password)
    $escape = [System.Security.SecurityElement]
    $body = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
        "<Login xmlns=`"urn:vim25`"><_this type=`"SessionManager`">ha-sessionmgr</_this><userName>$($escape::Escape($User))</userName><password>$($escape::Escape($Password))</password></Login>" +
        '</soapenv:Body></soapenv:Envelope>'
    # Test plumbing only: the host's certificate is the simulator's own, checked by VmBoot in the tests themselves.
    $answer = Invoke-WebRequest -Uri "https://$($SimHost.Server)/sdk" -Method Post -Body $body -ContentType 'text/xml' -Headers @{ SOAPAction = 'urn:vim25/6.7' } -SkipCertificateCheck
    $cookie = @($answer.Headers['Set-Cookie']) -join '; '
    if ($cookie -notmatch 'vmware_soap_session=("[^"]+"|[^;]+)') { throw "no session cookie in '$cookie'" }
    $Matches[1]
}

# A stand-in shaped like PowerCLI's VIServer (Connect-VIServer's result) where VmBoot reads it: Name, Port, User,
# SessionSecret, IsConnected, ProductLine. PowerCLI is not installed here.
function New-StandInVIServer([string] $Name, [string] $SessionSecret, [string] $User = 'root') {
    $server = [pscustomobject]@{ Name = $Name; Port = 443; User = $User; SessionSecret = $SessionSecret; IsConnected = $true; ProductLine = 'embeddedEsx'; Version = '8.0.3' }
    $server.PSObject.TypeNames.Insert(0, 'VMware.VimAutomation.ViCore.Impl.V1.VIServerImpl')
    $server
}
