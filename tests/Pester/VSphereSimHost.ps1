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
        [string[]] $Flag = @()
    )
    $inventory = Join-Path $TestDrive "inventory-$([guid]::NewGuid().ToString('n')).json"
    ConvertTo-Json -InputObject @($Vms) -Depth 3 | Set-Content -LiteralPath $inventory
    $start = [System.Diagnostics.ProcessStartInfo]::new($env:VMBOOT_TEST_VSPHERESIM)
    foreach ($argument in @('-inventory', $inventory, '-user', $User, '-password', $Password, '-hostname', $HostName) + $Flag) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $ready = $process.StandardOutput.ReadLine() | ConvertFrom-Json
    if (-not $ready) { throw "vspheresim did not start (exit code $($process.ExitCode))" }
    [pscustomobject]@{
        Process       = $process
        Server        = "127.0.0.1:$($ready.port)"
        Port          = [int]$ready.port
        Thumbprint    = $ready.thumbprint
        SshPort       = if ($ready.sshPort) { [int]$ready.sshPort } else { 0 }
        Datastore     = $ready.datastore
        DatastorePath = $ready.datastorePath
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
