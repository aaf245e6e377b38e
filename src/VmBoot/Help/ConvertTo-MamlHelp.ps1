<#
.SYNOPSIS
    Builds VmBoot.dll-Help.xml (MAML) from the Markdown pages in this folder and the cmdlets' own metadata.
.DESCRIPTION
    Each exported cmdlet has <Name>.md (synopsis, description, examples, parameter descriptions, inputs,
    outputs, notes, links); parameters shared by the SSH cmdlets are described once in _CommonParameters.md.
    Types, parameter sets, positions, pipeline input, wildcards, aliases and defaults come from the
    compiled cmdlets, so they cannot drift. Fails when a cmdlet, parameter or example is missing.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' }

function Read-Page([string] $File) {
    # Sections by '## ', subsections by '### '; fenced code kept as is.
    $page = @{}; $section = $null; $sub = $null; $inCode = $false
    foreach ($line in Get-Content -LiteralPath $File) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match '^## (.+)$') { $section = $Matches[1].Trim(); $sub = $null; $page[$section] = [ordered]@{ '' = [System.Collections.Generic.List[string]]::new() }; continue }
        if (-not $inCode -and $line -match '^### (.+)$' -and $section) { $sub = $Matches[1].Trim(); $page[$section][$sub] = [System.Collections.Generic.List[string]]::new(); continue }
        if ($section) { $page[$section][$(if ($sub) { $sub } else { '' })].Add($line) }
    }
    $page
}

function Get-Paragraphs([System.Collections.Generic.List[string]] $Lines) {
    (($Lines -join "`n").Trim() -split "\n\s*\n") | ForEach-Object { ($_ -replace '\s*\n\s*', ' ').Trim() } | Where-Object { $_ }
}

$commonPage = Read-Page (Join-Path $PSScriptRoot '_CommonParameters.md')
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
New-Item -ItemType Directory -Path (Split-Path $OutputPath) -Force | Out-Null
$xml = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
$maml = 'http://schemas.microsoft.com/maml/2004/10'; $command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; $dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$xml.WriteStartElement('helpItems'); $xml.WriteAttributeString('schema', 'maml')
function Para([string] $Text) { $xml.WriteElementString('para', $maml, $Text) }
function Description([string[]] $Paragraphs) { $xml.WriteStartElement('description', $maml); foreach ($p in $Paragraphs) { Para $p }; $xml.WriteEndElement() }

foreach ($cmd in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
    $file = Join-Path $PSScriptRoot "$($cmd.Name).md"
    if (-not (Test-Path -LiteralPath $file)) { throw "No help page for $($cmd.Name): write $file." }
    $page = Read-Page $file
    foreach ($section in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS') {
        if (-not $page.ContainsKey($section)) { throw "$file has no '## $section' section." }
    }
    $examples = @($page.EXAMPLES.Keys | Where-Object { $_ })
    if ($examples.Count -lt 2) { throw "$file has $($examples.Count) example(s); two at least." }
    $instance = [Activator]::CreateInstance($cmd.ImplementingType)
    $parameters = $cmd.Parameters.Values | Where-Object Name -NotIn $common
    $describe = @{}
    foreach ($p in $parameters) {
        $text = if ($page.PARAMETERS.Contains("-$($p.Name)")) { $page.PARAMETERS["-$($p.Name)"] } elseif ($commonPage.PARAMETERS.Contains("-$($p.Name)")) { $commonPage.PARAMETERS["-$($p.Name)"] }
        if (-not $text -or -not (Get-Paragraphs $text)) { throw "$file does not describe -$($p.Name)." }
        $describe[$p.Name] = @(Get-Paragraphs $text)
    }

    $xml.WriteStartElement('command', 'command', $command)
    $xml.WriteAttributeString('xmlns', 'maml', $null, $maml); $xml.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $xml.WriteStartElement('details', $command)
    $xml.WriteElementString('name', $command, $cmd.Name)
    Description @(Get-Paragraphs $page.SYNOPSIS[''])
    $xml.WriteElementString('verb', $command, $cmd.Verb); $xml.WriteElementString('noun', $command, $cmd.Noun)
    $xml.WriteEndElement()
    Description @(Get-Paragraphs $page.DESCRIPTION[''])

    function Write-Parameter($p, $set, [bool] $inSyntax) {
        $required = if ($set) { $set.IsMandatory } else { @($p.ParameterSets.Values | Where-Object IsMandatory).Count -gt 0 }
        $position = if ($set) { $set.Position } else { $p.ParameterSets.Values.Position | Where-Object { $_ -ge 0 } | Select-Object -First 1 }
        $byValue = @($p.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
        $byName = @($p.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
        $pipeline = if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
        $wildcards = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
        $xml.WriteStartElement('parameter', $command)
        $xml.WriteAttributeString('required', "$required".ToLowerInvariant())
        $xml.WriteAttributeString('variableLength', 'true')
        $xml.WriteAttributeString('globbing', "$wildcards".ToLowerInvariant())
        $xml.WriteAttributeString('pipelineInput', $pipeline)
        $xml.WriteAttributeString('position', $(if ($null -ne $position -and $position -ge 0) { "$($position + 1)" } else { 'named' }))
        $xml.WriteAttributeString('aliases', $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }))
        $xml.WriteElementString('name', $maml, $p.Name)
        if (-not $inSyntax) { Description $describe[$p.Name] }
        $type = $p.ParameterType
        # A switch has no value: shown as [-Name] in the syntax.
        if (-not ($inSyntax -and $type -eq [switch])) {
            $xml.WriteStartElement('parameterValue', $command); $xml.WriteAttributeString('required', "$($type -ne [switch])".ToLowerInvariant()); $xml.WriteString($type.Name); $xml.WriteEndElement()
        }
        $xml.WriteStartElement('type', $dev); $xml.WriteElementString('name', $maml, $type.FullName); $xml.WriteEndElement()
        if (-not $inSyntax) {
            $property = $cmd.ImplementingType.GetProperty($p.Name)
            $value = if ($property) { $property.GetValue($instance) }
            $default = if ($p.Name -in 'WhatIf', 'Confirm') { 'False' } elseif ($type -eq [switch]) { 'False' } elseif ($null -eq $value) { 'None' } else { "$value" }
            $xml.WriteElementString('defaultValue', $dev, $default)
        }
        $xml.WriteEndElement()
    }

    $xml.WriteStartElement('syntax', $command)
    foreach ($set in $cmd.ParameterSets) {
        $xml.WriteStartElement('syntaxItem', $command)
        $xml.WriteElementString('name', $maml, $cmd.Name)
        foreach ($sp in $set.Parameters | Where-Object Name -NotIn $common | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }, { -[int]$_.IsMandatory }) {
            Write-Parameter $cmd.Parameters[$sp.Name] $sp $true
        }
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    $xml.WriteStartElement('parameters', $command)
    foreach ($p in $parameters) { Write-Parameter $p $null $false }
    $xml.WriteEndElement()

    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        $xml.WriteStartElement($(if ($kind -eq 'INPUTS') { 'inputTypes' } else { 'returnValues' }), $command)
        foreach ($typeName in $page[$kind].Keys | Where-Object { $_ }) {
            $xml.WriteStartElement($(if ($kind -eq 'INPUTS') { 'inputType' } else { 'returnValue' }), $command)
            $xml.WriteStartElement('type', $dev); $xml.WriteElementString('name', $maml, $typeName); $xml.WriteEndElement()
            Description @(Get-Paragraphs $page[$kind][$typeName])
            $xml.WriteEndElement()
        }
        $xml.WriteEndElement()
    }

    if ($page.ContainsKey('NOTES')) {
        $xml.WriteStartElement('alertSet', $maml); $xml.WriteStartElement('alert', $maml)
        foreach ($p in Get-Paragraphs $page.NOTES['']) { Para $p }
        $xml.WriteEndElement(); $xml.WriteEndElement()
    }

    $xml.WriteStartElement('examples', $command)
    foreach ($title in $examples) {
        $lines = $page.EXAMPLES[$title]
        $start = $lines.FindIndex({ param($l) $l -match '^```' }); $end = $lines.FindLastIndex({ param($l) $l -match '^```' })
        if ($start -lt 0 -or $end -le $start) { throw "$file, '$title': the example has no fenced code." }
        $xml.WriteStartElement('example', $command)
        $xml.WriteElementString('title', $maml, "--------- $title ---------")
        $xml.WriteElementString('code', $dev, (($lines[($start + 1)..($end - 1)]) -join "`n"))
        $xml.WriteStartElement('remarks', $dev)
        $remarks = [System.Collections.Generic.List[string]]::new()
        for ($i = $end + 1; $i -lt $lines.Count; $i++) { $remarks.Add($lines[$i]) }
        foreach ($p in Get-Paragraphs $remarks) { Para $p }
        $xml.WriteEndElement(); $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    $xml.WriteStartElement('relatedLinks', $command)
    if ($page.ContainsKey('RELATED LINKS')) {
        foreach ($link in $page['RELATED LINKS'][''] | Where-Object { $_ -match '^\s*-\s+(.+)$' } | ForEach-Object { $Matches[1].Trim() }) {
            $xml.WriteStartElement('navigationLink', $maml); $xml.WriteElementString('linkText', $maml, $link); $xml.WriteElementString('uri', $maml, ''); $xml.WriteEndElement()
        }
    }
    $xml.WriteEndElement()
    $xml.WriteEndElement()
}
$xml.WriteEndElement()
$xml.Dispose()
Write-Host "Wrote $OutputPath"
