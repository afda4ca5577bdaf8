; SPDX-License-Identifier: GPL-3.0-or-later
; Included in the installer's install section (installer/CMakeLists.txt): recordings (.ksrec) open in the window.
WriteRegStr HKLM "Software\Classes\.ksrec" "" "KsScope.Recording"
WriteRegStr HKLM "Software\Classes\KsScope.Recording" "" "KsScope recording"
WriteRegStr HKLM "Software\Classes\KsScope.Recording\DefaultIcon" "" "$INSTDIR\bin\ksscope.exe,0"
WriteRegStr HKLM "Software\Classes\KsScope.Recording\shell\open\command" "" '"$INSTDIR\bin\ksscope.exe" --recording "%1"'
System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
