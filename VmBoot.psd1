@{
    RootModule           = 'VmBoot.dll'
    ModuleVersion        = '0.3.0'
    GUID                 = '6f0c2a5e-3b1d-4c8e-9a57-2f4d1e8b7c90'
    Author               = 'VmBoot maintainers'
    CompanyName          = 'VmBoot'
    Copyright            = '(c) VmBoot maintainers. MIT License.'
    Description          = 'Starts vCenter and the VMs of a vSphere HA cluster after a power cut: parses ESXi inventories, generates and safely installs /etc/rc.local.d/local.sh boot scripts over SSH, and explains auto-backup.sh. Complements VMware PowerCLI.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('VmBoot.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-EsxiVmList'
        'Test-EsxiHost'
        'Get-BootLog'
        'ConvertTo-BootPlan'
        'Invoke-BootPlan'
        'Stop-EsxiCluster'
        'Export-BootReport'
        'New-EsxiSession'
        'Get-EsxiSession'
        'Remove-EsxiSession'
        'New-BootPlan'
        'Import-BootPlan'
        'Export-BootPlan'
        'New-BootScript'
        'Test-AutoBackupDiff'
        'Install-BootScript'
        'Get-BootScript'
        'Test-BootScript'
        'Uninstall-BootScript'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('VMware', 'ESXi', 'vSphere', 'HA', 'PowerCLI', 'Autostart', 'SSH', 'UPS', 'Linux', 'Windows', 'PSEdition_Core', 'PSEdition_Desktop')
            LicenseUri   = 'https://github.com/vmboot/VmBoot/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/vmboot/VmBoot'
            # The build replaces this with the version's section of CHANGELOG.md.
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
