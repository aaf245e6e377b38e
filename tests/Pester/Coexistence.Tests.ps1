BeforeAll {
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1)
    $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@([VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds' }))
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:server = "$($sim[0].Address):$($sim[0].Port)"
    # Stand-ins for what Posh-SSH or PowerCLI bring: the same assembly names, older versions, other types.
    $script:fakes = Join-Path $TestDrive 'fakes'
    New-Item -ItemType Directory -Path $fakes | Out-Null
    # Compiled with Roslyn (which pwsh ships for Add-Type) so the assembly names really are the same.
    Add-Type -TypeDefinition 'public static class VmBootRoslynWarmUp { }'
    $runtime = [IO.Path]::GetDirectoryName([object].Assembly.Location)
    $references = [Microsoft.CodeAnalysis.MetadataReference[]]@(
        [Microsoft.CodeAnalysis.MetadataReference]::CreateFromFile([object].Assembly.Location),
        [Microsoft.CodeAnalysis.MetadataReference]::CreateFromFile((Join-Path $runtime 'System.Runtime.dll')))
    foreach ($fake in @(@{ Name = 'Renci.SshNet'; Version = '2020.0.1.0' }, @{ Name = 'YamlDotNet'; Version = '8.1.2.0' })) {
        $source = "[assembly: System.Reflection.AssemblyVersion(`"$($fake.Version)`")] namespace $($fake.Name) { public static class PeerModuleMarker { public static string Who() { return `"peer module's $($fake.Name)`"; } } }"
        $compilation = [Microsoft.CodeAnalysis.CSharp.CSharpCompilation]::Create($fake.Name,
            [Microsoft.CodeAnalysis.SyntaxTree[]]@([Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText($source)), $references,
            [Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions]::new([Microsoft.CodeAnalysis.OutputKind]::DynamicallyLinkedLibrary))
        $file = [IO.File]::Create((Join-Path $fakes "$($fake.Name).dll"))
        try { $emitted = $compilation.Emit($file, $null, $null, $null, $null, $null, [Threading.CancellationToken]::None) }
        finally { $file.Dispose() }
        if (-not $emitted.Success) { throw ($emitted.Diagnostics -join "`n") }
    }

    function Invoke-Child([string] $Script) {
        $env:VMBOOT_TEST_PASSWORD = $sim.Password
        try { dotnet pwsh -NoProfile -NonInteractive -Command $Script 2>&1 | Out-String }
        finally { Remove-Item Env:VMBOOT_TEST_PASSWORD }
    }

    $script:work = @"
`$c = [pscredential]::new('$($sim.UserName)', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
`$vms = Get-EsxiVmList -Server '$server' -Credential `$c -KnownHostsPath '$knownHosts'
`$plan = Import-BootPlan -Path '$((Join-Path $PSScriptRoot '../fixtures/boot-plan.example.yml'))'
"VMS=`$(`$vms.Name -join ',') STAGES=`$(`$plan.Stages.Count)"
`$installed = `$vms | New-BootScript -FirstStage 'vcsa*' -WarningAction SilentlyContinue |
    Install-BootScript -Server '$server' -Credential `$c -KnownHostsPath '$knownHosts' -Force -Confirm:`$false -WarningAction SilentlyContinue
"INSTALLED=`$(`$installed.Changed) `$(`$installed.Persisted)"
foreach (`$a in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'Renci.SshNet', 'YamlDotNet' }) {
    "ASM=`$(`$a.GetName().Name) `$(`$a.GetName().Version) `$([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$a).GetType().Name) `$(`$a.GetCustomAttributes([System.Runtime.Versioning.TargetFrameworkAttribute], `$false).FrameworkName)"
}
"@
}

AfterAll { $sim.Dispose() }

Describe 'VmBoot next to modules that bring other versions of its dependencies' {
    It 'works when the other versions were loaded first' {
        $output = Invoke-Child @"
Add-Type -Path '$fakes/Renci.SshNet.dll'; Add-Type -Path '$fakes/YamlDotNet.dll'
Import-Module '$env:VMBOOT_TEST_MODULE'
$work
"PEER=`$([Renci.SshNet.PeerModuleMarker]::Who())"
"@
        $output | Should -Match 'VMS=vcsa01 STAGES=2'
        $output | Should -Match 'INSTALLED=True True'
        $output | Should -Match 'ASM=Renci.SshNet 2020.0.1.0 DefaultAssemblyLoadContext'
        # SSH.NET's .NET 8 build, whose crypto is the platform's, not the netstandard2.0 one beside it (Windows PowerShell's).
        $output | Should -Match 'ASM=Renci.SshNet 2026\.\S+ DependencyLoadContext \.NETCoreApp,Version=v8\.0'
        $output | Should -Match 'ASM=YamlDotNet 8.1.2.0 DefaultAssemblyLoadContext'
        $output | Should -Match 'ASM=YamlDotNet \S+ DependencyLoadContext'
        $output | Should -Match "PEER=peer module's Renci.SshNet"
    }

    It 'works when VmBoot was loaded first, and the other module still gets its own versions' {
        $output = Invoke-Child @"
Import-Module '$env:VMBOOT_TEST_MODULE'
$work
Add-Type -Path '$fakes/Renci.SshNet.dll'; Add-Type -Path '$fakes/YamlDotNet.dll'
"PEER=`$([Renci.SshNet.PeerModuleMarker]::Who()) `$([YamlDotNet.PeerModuleMarker]::Who())"
"AGAIN=`$((Get-EsxiVmList -Server '$server' -Credential `$c -KnownHostsPath '$knownHosts').Name)"
"@
        $output | Should -Match 'VMS=vcsa01 STAGES=2'
        $output | Should -Match 'INSTALLED=True True'
        $output | Should -Match "PEER=peer module's Renci.SshNet peer module's YamlDotNet"
        $output | Should -Match 'AGAIN=vcsa01'
    }
}

Describe 'What Import-Module loads' {
    It 'loads none of the dependencies: each loads when a cmdlet first needs it' {
        $fixture = Join-Path $PSScriptRoot '../fixtures/cluster-host.txt'
        $output = Invoke-Child @"
function Loaded { ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name | Where-Object { `$_ -in 'VmBoot.Engine', 'YamlDotNet', 'Renci.SshNet', 'BouncyCastle.Cryptography' } | Sort-Object) -join ',' }
Import-Module '$env:VMBOOT_TEST_MODULE'
"IMPORTED=`$(Loaded)"
`$null = Get-EsxiVmList -LiteralPath '$fixture'
"TEXT=`$(Loaded)"
`$null = Import-BootPlan -Path '$((Join-Path $PSScriptRoot '../fixtures/boot-plan.example.yml'))'
"YAML=`$(Loaded)"
`$c = [pscredential]::new('$($sim.UserName)', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
`$null = Get-EsxiVmList -Server '$server' -Credential `$c -KnownHostsPath '$knownHosts'
"SSH=`$(Loaded)"
"@
        $output | Should -Match '(?m)^IMPORTED=$'
        $output | Should -Match '(?m)^TEXT=VmBoot\.Engine$'
        $output | Should -Match '(?m)^YAML=VmBoot\.Engine,YamlDotNet$'
        $output | Should -Match '(?m)^SSH=(BouncyCastle\.Cryptography,)?Renci\.SshNet,VmBoot\.Engine,YamlDotNet$'
    }
}
