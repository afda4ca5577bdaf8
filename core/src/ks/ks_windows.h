// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The Windows headers of the ks backend, in the order they need: windows.h, the DirectShow interfaces, ks.h
// and ksmedia.h, then ksproxy.h with __STREAMS__ defined (without it IKsPin, IKsAllocator, IKsAllocatorEx and
// KSPEEKOPERATION stay hidden). Windows-only translation units include this and nothing of the Windows SDK
// directly. The project's own types live in namespace ksscope; Windows' are used with a leading "::".

#if !defined(_WIN32)
#error "ks_windows.h is for Windows builds"
#endif

// clang-format off
#include <windows.h>
#include <objbase.h>
#include <dshow.h>
#include <winioctl.h>
#include <ks.h>
#include <ksmedia.h>
#ifndef __STREAMS__
#define __STREAMS__
#endif
#include <ksproxy.h>
#include <setupapi.h>
#include <dbt.h>
// clang-format on

namespace ksscope::ks::win {

/// CLSID_NullRenderer (qedit.h, which mingw-w64 does not ship)
inline constexpr ::GUID kClsidNullRenderer{
    0xc1f400a4, 0x3f08, 0x11d3, {0x9f, 0x0b, 0x00, 0x60, 0x08, 0x03, 0x9e, 0x37}};
/// KSPROPERTY_STREAMALLOCATOR_* (ks.h declares them only for drivers, under _NTDDK_)
inline constexpr ULONG kStreamAllocatorFunctionTable = 0;
inline constexpr ULONG kStreamAllocatorStatus = 1;

} // namespace ksscope::ks::win
