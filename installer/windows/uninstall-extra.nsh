; SPDX-License-Identifier: GPL-3.0-or-later
; Included in the uninstaller (installer/CMakeLists.txt): the .ksrec association, unless another program took it
; over since, and the window's settings (QSettings: HKCU\Software\KsScope).
ReadRegStr $0 HKLM "Software\Classes\.ksrec" ""
StrCmp $0 "KsScope.Recording" 0 +2
DeleteRegKey HKLM "Software\Classes\.ksrec"
DeleteRegKey HKLM "Software\Classes\KsScope.Recording"
DeleteRegKey HKCU "Software\KsScope"
System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
