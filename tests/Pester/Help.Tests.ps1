BeforeDiscovery {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $script:cmdlets = Get-Command -Module VmBoot -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $script:common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $script:help = Get-Help $Name -Full
        $script:command = Get-Command $Name
    }

    It 'has a written synopsis and description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, PowerShell shows the syntax as the synopsis.
        $help.Synopsis | Should -Not -Match "^\s*$Name\s"
        ($help.Description.Text -join ' ').Length | Should -BeGreaterThan 80
    }

    It 'has two examples or more, one with PowerCLI or a pipeline of VmBoot cmdlets' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) { $example.Code | Should -Match $Name }
        ($examples.Code -join "`n") | Should -Match 'Get-VMHost|Get-Cluster|Get-VM\b|Connect-VIServer'
    }

    It 'describes every parameter, and names in INPUTS every type the pipeline binds by value' {
        $documented = @{}
        foreach ($p in @($help.Parameters.Parameter)) { $documented[$p.Name] = $p }
        foreach ($name in $command.Parameters.Keys | Where-Object { $_ -notin $common -or $_ -in 'WhatIf', 'Confirm' }) {
            $documented.ContainsKey($name) | Should -BeTrue -Because "-$name needs help"
            ($documented[$name].Description.Text -join ' ').Length | Should -BeGreaterThan 10 -Because "-$name needs a description"
        }
        # Types and pipeline flags in the help are taken from the compiled cmdlet when it is built, so comparing them
        # with the cmdlet proves nothing. The INPUTS section is written by hand: it must name what the pipeline takes.
        $inputs = @($help.InputTypes.InputType.Type.Name) -join ' '
        foreach ($parameter in $command.Parameters.Values | Where-Object { @($_.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0 }) {
            $type = if ($parameter.ParameterType.IsArray) { $parameter.ParameterType.GetElementType() } else { $parameter.ParameterType }
            if ($type -in [object], [psobject]) { continue }   # anything: INPUTS describes the shapes it reads
            $inputs | Should -Match ([regex]::Escape($type.FullName)) -Because "-$($parameter.Name) takes $($type.FullName) from the pipeline"
        }
    }

    It 'names its inputs and outputs' {
        @($help.InputTypes.InputType).Count | Should -BeGreaterThan 0
        @($help.ReturnValues.ReturnValue).Count | Should -BeGreaterThan 0
        foreach ($type in $command.OutputType.Name | Where-Object { $_ -ne 'System.Void' }) {
            ($help.ReturnValues.ReturnValue.Type.Name -join ' ') | Should -Match ([regex]::Escape($type)) -Because 'every [OutputType] is documented'
        }
    }
}

Describe 'About topics' {
    It '<_> exists and explains itself' -ForEach 'about_VmBoot', 'about_VmBoot_BootPlan' {
        $text = Get-Help $_ | Out-String
        $text | Should -Match 'SHORT DESCRIPTION'
        $text.Length | Should -BeGreaterThan 2000
    }

    It 'about_VmBoot covers the whole workflow and the shutdown side' {
        $text = Get-Help about_VmBoot | Out-String
        foreach ($topic in 'Get-EsxiVmList', 'New-BootScript', 'Install-BootScript', 'auto-backup.sh', 'Test-BootScript', 'Get-BootLog', 'Set-Cluster -HAEnabled', 'retreat mode', 'Secure Boot') {
            $text | Should -Match ([regex]::Escape($topic))
        }
    }
}
