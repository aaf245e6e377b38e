# What users get: the module published to a repository with PSResourceGet, installed by name into an empty
# module path in a fresh pwsh, imported by name. Each pwsh has its own HOME, so no repository is registered in
# the real profile.
BeforeAll {
    $script:repository = Join-Path $TestDrive 'repository'
    New-Item -ItemType Directory -Path $repository | Out-Null
    $script:fixture = Join-Path $PSScriptRoot '../fixtures/cluster-host.txt'
    $script:manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $env:VMBOOT_TEST_MODULE 'VmBoot.psd1')

    function Invoke-FreshPwsh([string] $ProfileName, [string] $Command) {
        $profileHome = Join-Path $TestDrive $ProfileName
        New-Item -ItemType Directory -Path $profileHome -Force | Out-Null
        $saved = $env:HOME, $env:DOTNET_CLI_HOME
        try {
            $env:DOTNET_CLI_HOME = if ($env:DOTNET_CLI_HOME) { $env:DOTNET_CLI_HOME } else { $env:HOME }
            $env:HOME = $profileHome
            $output = dotnet pwsh -NoProfile -NonInteractive -Command "`$ErrorActionPreference = 'Stop'; $Command" 2>&1 | Out-String
            if ($LASTEXITCODE -ne 0) { throw "pwsh failed: $output" }
            $output
        }
        finally { $env:HOME, $env:DOTNET_CLI_HOME = $saved }
    }

    $null = Invoke-FreshPwsh 'publisher' "Register-PSResourceRepository -Name Local -Uri '$repository' -Trusted; Publish-PSResource -Path '$env:VMBOOT_TEST_MODULE' -Repository Local"
    $json = Invoke-FreshPwsh 'user' @"
Register-PSResourceRepository -Name Local -Uri '$repository' -Trusted
Install-PSResource -Name VmBoot -Repository Local
Import-Module VmBoot
`$module = Get-Module VmBoot
`$vms = Get-EsxiVmList -Path '$fixture'
`$script = `$vms | New-BootScript -FirstStage 'vcsa*' -LogDatastore 'datastore1'
[pscustomobject]@{
    ModuleBase = `$module.ModuleBase
    Version = `$module.Version.ToString()
    ReleaseNotes = `$module.PrivateData.PSData.ReleaseNotes
    ProjectUri = `$module.ProjectUri.AbsoluteUri
    Licence = Test-Path -LiteralPath (Join-Path `$module.ModuleBase 'LICENSE')
    Commands = @((Get-Command -Module VmBoot).Name)
    VmNames = @(`$vms.Name)
    Examples = @((Get-Help Invoke-BootPlan -Examples).examples.example).Count
    HelpSynopsis = (Get-Help Get-EsxiVmList).Synopsis
    ScriptStarts = `$script.Content.StartsWith('#!/bin/sh')
    Preview = @(`$script.Preview | ForEach-Object { "`$(`$_.Stage) `$(`$_.Name)" })
} | ConvertTo-Json -Compress
"@
    $script:installed = ($json -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
}

Describe 'The published package' {
    It 'publishes to a repository and installs by name into an empty module path' {
        Get-ChildItem -LiteralPath $repository -Name | Should -Be "VmBoot.$($manifest.ModuleVersion).nupkg"
        $installed.ModuleBase | Should -BeLike (Join-Path $TestDrive 'user' '*' 'VmBoot' $manifest.ModuleVersion)
        $installed.Version | Should -Be $manifest.ModuleVersion
        $installed.Licence | Should -BeTrue
        $installed.ProjectUri | Should -Match '^https://'
        ($installed.Commands | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
    }

    It 'carries the CHANGELOG section of its version as release notes' {
        $changelog = (Get-Content -LiteralPath (Join-Path $PSScriptRoot '../../CHANGELOG.md') -Raw) -replace "`r", ''
        $section = [regex]::Match($changelog, "(?ms)^## $([regex]::Escape($manifest.ModuleVersion))\s*\n(.*?)(?=^## |\z)").Groups[1].Value.Trim()
        $section | Should -Not -BeNullOrEmpty
        $installed.ReleaseNotes | Should -Be $section
    }

    It 'works as installed: parses text, has help with examples, generates a boot script' {
        # The same as the built module reads.
        Import-Module $env:VMBOOT_TEST_MODULE -Force
        $installed.VmNames | Should -Be @((Get-EsxiVmList -LiteralPath $fixture).Name)
        $installed.VmNames.Count | Should -BeGreaterThan 3
        $installed.HelpSynopsis | Should -Match 'getallvms'
        $installed.Examples | Should -BeGreaterOrEqual 2
        $installed.ScriptStarts | Should -BeTrue
        $installed.Preview[0] | Should -Match '^1 vcsa'
    }
}
