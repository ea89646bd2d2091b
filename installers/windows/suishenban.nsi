; 乡村随身办 counter app — Windows installer (NSIS 3, Unicode).
;
; Per user, no administrator rights: installs into %LOCALAPPDATA%\Programs\Suishenban, shortcuts in the
; user's Start menu and on the desktop. The ledger is never here: the app keeps it in
; %LOCALAPPDATA%\Suishenban (desktop/paths.py), so an upgrade replaces only the program files and an
; uninstall keeps the ledger unless the agent ticks the box to remove it.
;
; Built on Windows after `pyinstaller build.spec` (see installers/README.md):
;   makensis /DVERSION=0.1.0 /DVERSION4=0.1.0.0 /DDIST=..\..\dist\suishenban installers\windows\suishenban.nsi
; VERSION is the package version (pyproject.toml); VERSION4 the same as four numbers for the file metadata.

Unicode true
ManifestDPIAware true
!ifdef NO_COMPRESS  ; scripts/check-installer: only checks that the script compiles, in seconds
  SetCompress off
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !error "Pass the version: makensis /DVERSION=0.1.0 /DVERSION4=0.1.0.0 suishenban.nsi"
!endif
!ifndef VERSION4
  !define VERSION4 "${VERSION}.0"
!endif
!ifndef DIST
  !define DIST "..\..\dist\suishenban"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\suishenban-${VERSION}-setup.exe"
!endif

!define APP_NAME "乡村随身办"
!define APP_KEY "Suishenban"
!define PUBLISHER "浮梁县政务服务管理局"
!define EXE "suishenban.exe"
!define DATA_DIR "$LOCALAPPDATA\Suishenban"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_KEY}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Name "${APP_NAME}"
Caption "${APP_NAME} ${VERSION} 安装"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP_KEY}"
InstallDirRegKey HKCU "Software\${APP_KEY}" "InstallDir"
BrandingText "${APP_NAME} ${VERSION}"

!define MUI_ICON "..\..\resources\icons\suishenban.ico"
!define MUI_UNICON "..\..\resources\icons\suishenban.ico"
!define MUI_ABORTWARNING
!define MUI_UNABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "现在打开乡村随身办"
!define MUI_COMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!define MUI_UNCONFIRMPAGE_TEXT_TOP "将从本机卸载乡村随身办程序。台账（办件记录、备份和密钥）默认保留在 ${DATA_DIR}，重新安装后可以继续使用。"
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "${APP_NAME} 柜台端安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "Apache-2.0"

Section "程序" SecProgram
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; Upgrade in place: the running program cannot be replaced, so ask to close it first.
  retry:
  ${If} ${FileExists} "$INSTDIR\${EXE}"
    Delete "$INSTDIR\${EXE}"
    ${If} ${FileExists} "$INSTDIR\${EXE}"
      MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "乡村随身办正在运行。请先关闭它（台账不会受影响），再点“重试”。" IDRETRY retry
      Abort "乡村随身办正在运行，安装已取消，原来的程序和台账都没有改动。"
    ${EndIf}
  ${EndIf}
  ; Only program files live here; the old ones go so that nothing stale is left behind.
  RMDir /r "$INSTDIR\_internal"
  File /r "${DIST}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APP_NAME}"
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\${APP_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\${APP_NAME} 培训模式.lnk" "$INSTDIR\${EXE}" "--training" "$INSTDIR\${EXE}" 0
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\卸载${APP_NAME}.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateShortcut "$DESKTOP\${APP_NAME} 培训模式.lnk" "$INSTDIR\${EXE}" "--training" "$INSTDIR\${EXE}" 0

  WriteRegStr HKCU "Software\${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "un.卸载程序（台账保留）" UnSecProgram
  SectionIn RO
  Delete "$DESKTOP\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME} 培训模式.lnk"
  RMDir /r "$SMPROGRAMS\${APP_NAME}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\suishenban.exe"
  Delete "$INSTDIR\suishenban-cmd.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "Software\${APP_KEY}"
SectionEnd

; Unticked by default, and a silent uninstall (/S) never ticks it: the ledger stays unless asked for.
Section /o "un.同时删除本机的台账、备份和练习数据（不能恢复）" UnSecData
  MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 "确定要删除 ${DATA_DIR} 里的台账吗？$\r$\n还没有同步到县里的办件会永远找不回来。" IDYES remove
  DetailPrint "台账保留在 ${DATA_DIR}"
  Goto done
  remove:
  RMDir /r "${DATA_DIR}"
  DetailPrint "已删除 ${DATA_DIR}"
  done:
SectionEnd
