; Inno Setup 6 script (6.3 or later, for x64compatible) for the RosterSync Windows installer.
; Build the app first (pyinstaller --noconfirm build.spec), then from the repository root:
;   iscc /DAppVersion=0.1.0 installer\windows\RosterSync.iss
; Output: dist\installer\RosterSync-<version>-setup.exe. Paths below are relative to this file.

#ifndef AppVersion
  #error Pass the version on the command line: iscc /DAppVersion=x.y.z installer\windows\RosterSync.iss
#endif

[Setup]
; Never change AppId: Windows uses it to recognise upgrades and the uninstaller.
AppId={{0DB7EAAA-70FC-4BC8-95B4-B44225DB91CD}
AppName=RosterSync
AppVersion={#AppVersion}
AppVerName=RosterSync {#AppVersion}
DefaultDirName={autopf}\RosterSync
DisableProgramGroupPage=yes
; Per-user by default (%LOCALAPPDATA%\Programs\RosterSync, no administrator needed);
; the dialog lets an administrator install for all users instead.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; The Run value and the profile are per-user by design (see os_tasks.py), also in an
; all-users install.
UsedUserAreasWarning=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist\installer
OutputBaseFilename=RosterSync-{#AppVersion}-setup
UninstallDisplayIcon={app}\RosterSync.exe
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
; RosterSync creates no named mutex, so AppMutex cannot see it. Restart Manager finds a
; running copy through its open .exe and offers to close it before files are replaced.
CloseApplications=yes
CloseApplicationsFilter=RosterSync.exe,rostersync-cli.exe

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "startatsignin"; Description: "Start RosterSync when I sign in"; GroupDescription: "Other:"; Flags: unchecked

[InstallDelete]
; An upgrade must not keep libraries the new build no longer ships (PyInstaller's one-folder
; layout keeps them all under _internal).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\RosterSync\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\RosterSync"; Filename: "{app}\RosterSync.exe"
Name: "{autodesktop}\RosterSync"; Filename: "{app}\RosterSync.exe"; Tasks: desktopicon

[Registry]
; Same value name as the app's own "start at sign-in" setting, so the two never duplicate.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "RosterSync"; ValueData: """{app}\RosterSync.exe"""; Flags: uninsdeletevalue; Tasks: startatsignin

[Run]
Filename: "{app}\RosterSync.exe"; Description: "{cm:LaunchProgram,RosterSync}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; The nightly task the app registers from Settings would otherwise run a deleted program.
; Fails harmlessly when there is no such task.
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /TN ""RosterSync nightly sync"" /F"; Flags: runhidden; RunOnceId: "DeleteNightlyTask"

[Code]
const
  RunKey = 'Software\Microsoft\Windows\CurrentVersion\Run';

{ A running RosterSync keeps its database and log open, and closing its window only hides
  it in the tray, so it is ended outright. An interrupted sync changes nothing: a sync is
  applied in one transaction. }
procedure StopRosterSync;
var
  ResultCode: Integer;
  Filter: String;
begin
  { Only this person's copies: an elevated uninstaller could otherwise end other users' too. }
  Filter := '/F /FI "USERNAME eq ' + GetUserNameString + '" /IM ';
  Exec(ExpandConstant('{sys}\taskkill.exe'), Filter + 'RosterSync.exe', '', SW_HIDE, ewWaitUntilTerminated, ResultCode);
  Exec(ExpandConstant('{sys}\taskkill.exe'), Filter + 'rostersync-cli.exe', '', SW_HIDE, ewWaitUntilTerminated, ResultCode);
end;

procedure RemoveData;
var
  ResultCode: Integer;
begin
  if not Exec(ExpandConstant('{app}\rostersync-cli.exe'), 'remove-data --yes', '', SW_HIDE, ewWaitUntilTerminated, ResultCode) or (ResultCode <> 0) then
    MsgBox('RosterSync could not delete all of its data (code ' + IntToStr(ResultCode) + ').' + #13#10 +
      'Its folder is normally ' + ExpandConstant('{localappdata}') + '\RosterSync, and its Client Secret is in Credential Manager under "RosterSync".',
      mbError, MB_OK);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  { usUninstall comes before [UninstallRun] and before any file is removed, so
    rostersync-cli.exe is still there to run. }
  if CurUninstallStep = usUninstall then
  begin
    StopRosterSync;
    { A silent uninstall (deployment tools) never deletes data. Nested ifs: the message box
      must not be evaluated at all when silent. }
    if not UninstallSilent then
      if MsgBox('Also delete RosterSync''s directory, settings, logs and saved Client Secret on this computer?' + #13#10#13#10 +
        'Choose No to keep them for a later reinstall.', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
        RemoveData;
    { The Run value may have been set by the app itself (Settings), not by this installer. }
    RegDeleteValue(HKEY_CURRENT_USER, RunKey, 'RosterSync');
  end;
end;
