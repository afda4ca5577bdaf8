// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file ks_types.h
/// Kernel Streaming allocator types with the names and values of the Windows headers (ks.h, ksproxy.h,
/// strmif.h). They live in namespace ksscope so that a translation unit may include the Windows headers
/// beside them; where Windows defines a name as a macro, the definition here is skipped and the macro
/// (with the same value) wins.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ksscope {

using ULONG = std::uint32_t;
using LONG = std::int32_t;
using DWORD = std::uint32_t;
using LONGLONG = std::int64_t;
using REFERENCE_TIME = std::int64_t; ///< 100 ns units
using HANDLE = void*;

/// A GUID with the Windows memory layout.
struct Guid {
    std::uint32_t Data1 = 0;
    std::uint16_t Data2 = 0;
    std::uint16_t Data3 = 0;
    std::array<std::uint8_t, 8> Data4{};

    friend bool operator==(const Guid&, const Guid&) = default;
    /// Registry form: {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}
    [[nodiscard]] std::string toString() const;
    [[nodiscard]] bool isNull() const { return *this == Guid{}; }
};
static_assert(sizeof(Guid) == 16);

/// KSALLOCATORMODE (ksproxy.h)
enum KSALLOCATORMODE : std::int32_t {
    KsAllocatorMode_User = 0,
    KsAllocatorMode_Kernel = 1,
};

/// KSPEEKOPERATION (ksproxy.h)
enum KSPEEKOPERATION : std::int32_t {
    KsPeekOperation_PeekOnly = 0, ///< no reference added
    KsPeekOperation_AddRef = 1, ///< AddRef on the returned allocator; the caller releases it
};

/// KSALLOCATOR_FRAMING (ks.h). FileAlignment holds alignment - 1 (FILE_QUAD_ALIGNMENT = 7).
struct KSALLOCATOR_FRAMING {
    ULONG OptionsFlags = 0; ///< union with RequirementsFlags
    ULONG PoolType = 0;
    ULONG Frames = 0;
    ULONG FrameSize = 0;
    ULONG FileAlignment = 0;
    ULONG Reserved = 0;
    friend bool operator==(const KSALLOCATOR_FRAMING&, const KSALLOCATOR_FRAMING&) = default;
};
static_assert(sizeof(KSALLOCATOR_FRAMING) == 24);

/// KSSTREAMALLOCATOR_STATUS (ks.h); AllocatedFrames changes very frequently.
struct KSSTREAMALLOCATOR_STATUS {
    KSALLOCATOR_FRAMING Framing;
    ULONG AllocatedFrames = 0;
    ULONG Reserved = 0;
};
static_assert(sizeof(KSSTREAMALLOCATOR_STATUS) == 32);

struct KS_COMPRESSION {
    ULONG RatioNumerator = 1;
    ULONG RatioDenominator = 1;
    ULONG RatioConstantMargin = 0;
};

struct KS_FRAMING_RANGE {
    ULONG MinFrameSize = 0;
    ULONG MaxFrameSize = 0;
    ULONG Stepping = 0;
};

struct KS_FRAMING_RANGE_WEIGHTED {
    KS_FRAMING_RANGE Range;
    ULONG InPlaceWeight = 0;
    ULONG NotInPlaceWeight = 0;
};

struct KS_FRAMING_ITEM {
    Guid MemoryType;
    Guid BusType;
    ULONG MemoryFlags = 0;
    ULONG BusFlags = 0;
    ULONG Flags = 0;
    ULONG Frames = 0;
    ULONG FileAlignment = 0; ///< union with FramePitch
    ULONG MemoryTypeWeight = 0;
    KS_FRAMING_RANGE PhysicalRange;
    KS_FRAMING_RANGE_WEIGHTED FramingRange;
};
static_assert(sizeof(KS_FRAMING_ITEM) == 88);

/// KSALLOCATOR_FRAMING_EX (ks.h): a header and CountItems framing items. The Windows structure ends in a
/// one-element array; here the items are held by value (up to kMaxFramingItems).
struct KSALLOCATOR_FRAMING_EX {
    static constexpr ULONG kMaxFramingItems = 8;
    ULONG CountItems = 0;
    ULONG PinFlags = 0;
    KS_COMPRESSION OutputCompression;
    ULONG PinWeight = 0;
    std::array<KS_FRAMING_ITEM, kMaxFramingItems> FramingItem{};
};

struct KSSTREAMALLOCATOR_STATUS_EX {
    KSALLOCATOR_FRAMING_EX Framing;
    ULONG AllocatedFrames = 0;
    ULONG Reserved = 0;
};

/// ALLOCATOR_PROPERTIES (strmif.h)
struct ALLOCATOR_PROPERTIES {
    LONG cBuffers = 0;
    LONG cbBuffer = 0;
    LONG cbAlign = 0;
    LONG cbPrefix = 0;
    friend bool operator==(const ALLOCATOR_PROPERTIES&, const ALLOCATOR_PROPERTIES&) = default;
};
static_assert(sizeof(ALLOCATOR_PROPERTIES) == 16);

/// PIPE_STATE (ksproxy.h)
enum PIPE_STATE : std::int32_t {
    PipeState_DontCare = 0,
    PipeState_RangeNotFixed,
    PipeState_RangeFixed,
    PipeState_CompressionUnknown,
    PipeState_Finalized,
};

/// PIPE_ALLOCATOR_PLACE (ksproxy.h)
enum PIPE_ALLOCATOR_PLACE : std::int32_t {
    Pipe_Allocator_None = 0,
    Pipe_Allocator_FirstPin,
    Pipe_Allocator_LastPin,
    Pipe_Allocator_MiddlePin,
};

/// KS_LogicalMemoryType (ksproxy.h)
enum KS_LogicalMemoryType : std::int32_t {
    KS_MemoryTypeDontCare = 0,
    KS_MemoryTypeKernelPaged,
    KS_MemoryTypeKernelNonPaged,
    KS_MemoryTypeDeviceHostMapped,
    KS_MemoryTypeDeviceSpecific,
    KS_MemoryTypeUser,
    KS_MemoryTypeAnyHost,
};

struct PIPE_DIMENSIONS {
    KS_COMPRESSION AllocatorPin;
    KS_COMPRESSION MaxExpansionPin;
    KS_COMPRESSION EndPin;
};

struct PIPE_TERMINATION {
    ULONG Flags = 0;
    ULONG OutsideFactors = 0;
    ULONG Weigth = 0; ///< sic: the Windows header's spelling
    KS_FRAMING_RANGE PhysicalRange;
    KS_FRAMING_RANGE_WEIGHTED OptimalRange;
    KS_COMPRESSION Compression;
};

/// ALLOCATOR_PROPERTIES_EX (ksproxy.h). Pointer members are kept as opaque 64-bit values so the layout
/// matches the x86_64 Windows structure (264 bytes).
struct ALLOCATOR_PROPERTIES_EX {
    LONG cBuffers = 0;
    LONG cbBuffer = 0;
    LONG cbAlign = 0;
    LONG cbPrefix = 0;
    Guid MemoryType;
    Guid BusType;
    PIPE_STATE State = PipeState_DontCare;
    PIPE_TERMINATION Input;
    PIPE_TERMINATION Output;
    ULONG Strategy = 0;
    ULONG Flags = 0;
    ULONG Weight = 0;
    KS_LogicalMemoryType LogicalMemoryType = KS_MemoryTypeDontCare;
    PIPE_ALLOCATOR_PLACE AllocatorPlace = Pipe_Allocator_None;
    PIPE_DIMENSIONS Dimensions;
    KS_FRAMING_RANGE PhysicalRange;
    std::uint64_t PrevSegment = 0; ///< IKsAllocatorEx* on Windows
    ULONG CountNextSegments = 0;
    std::uint64_t NextSegments = 0; ///< IKsAllocatorEx** on Windows
    ULONG InsideFactors = 0;
    ULONG NumberPins = 0;
};
static_assert(sizeof(ALLOCATOR_PROPERTIES_EX) == 264, "must match x86_64 Windows layout");

// ---- flags (ks.h) -------------------------------------------------------------------------------
#ifndef KSALLOCATOR_REQUIREMENTF_INPLACE_MODIFIER
inline constexpr ULONG KSALLOCATOR_REQUIREMENTF_INPLACE_MODIFIER = 0x00000001;
inline constexpr ULONG KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY = 0x00000002;
inline constexpr ULONG KSALLOCATOR_REQUIREMENTF_FRAME_INTEGRITY = 0x00000004;
inline constexpr ULONG KSALLOCATOR_REQUIREMENTF_MUST_ALLOCATE = 0x00000008;
inline constexpr ULONG KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY = 0x80000000;
inline constexpr ULONG KSALLOCATOR_OPTIONF_COMPATIBLE = 0x00000001;
inline constexpr ULONG KSALLOCATOR_OPTIONF_SYSTEM_MEMORY = 0x00000002;
inline constexpr ULONG KSALLOCATOR_OPTIONF_VALID = 0x00000003;
inline constexpr ULONG KSALLOCATOR_FLAG_PARTIAL_READ_SUPPORT = 0x00000010;
inline constexpr ULONG KSALLOCATOR_FLAG_DEVICE_SPECIFIC = 0x00000020;
inline constexpr ULONG KSALLOCATOR_FLAG_CAN_ALLOCATE = 0x00000040;
inline constexpr ULONG KSALLOCATOR_FLAG_INSIST_ON_FRAMESIZE_RATIO = 0x00000080;
inline constexpr ULONG KSALLOCATOR_FLAG_NO_FRAME_INTEGRITY = 0x00000100;
inline constexpr ULONG KSALLOCATOR_FLAG_MULTIPLE_OUTPUT = 0x00000200;
inline constexpr ULONG KSALLOCATOR_FLAG_CYCLE = 0x00000400;
inline constexpr ULONG KSALLOCATOR_FLAG_ALLOCATOR_EXISTS = 0x00000800;
inline constexpr ULONG KSALLOCATOR_FLAG_INDEPENDENT_RANGES = 0x00001000;
inline constexpr ULONG KSALLOCATOR_FLAG_ATTENTION_STEPPING = 0x00002000;
inline constexpr ULONG FILE_BYTE_ALIGNMENT = 0x00000000;
inline constexpr ULONG FILE_WORD_ALIGNMENT = 0x00000001;
inline constexpr ULONG FILE_LONG_ALIGNMENT = 0x00000003;
inline constexpr ULONG FILE_QUAD_ALIGNMENT = 0x00000007;
#endif

/// POOL_TYPE values used in KSALLOCATOR_FRAMING::PoolType
inline constexpr ULONG kNonPagedPool = 0;
inline constexpr ULONG kPagedPool = 1;

/// AM_GBF_* flags of IMemAllocator::GetBuffer (strmif.h)
#ifndef AM_GBF_NOWAIT
inline constexpr DWORD AM_GBF_PREVFRAMESKIPPED = 1;
inline constexpr DWORD AM_GBF_NOTASYNCPOINT = 2;
inline constexpr DWORD AM_GBF_NOWAIT = 4;
inline constexpr DWORD AM_GBF_NODDSURFACELOCK = 8;
#endif

/// Property set ids and property ids (ks.h)
inline constexpr ULONG kKSPROPERTY_CONNECTION_ALLOCATORFRAMING = 3;
inline constexpr ULONG kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX = 6;
inline constexpr ULONG kKSPROPERTY_STREAMALLOCATOR_FUNCTIONTABLE = 0;
inline constexpr ULONG kKSPROPERTY_STREAMALLOCATOR_STATUS = 1;

// ---- GUIDs ------------------------------------------------------------------------------------
namespace guids {
// memory types (ks.h)
inline constexpr Guid KSMEMORY_TYPE_SYSTEM{
    0x091bb638, 0x603f, 0x11d1, {0xb0, 0x67, 0x00, 0xa0, 0xc9, 0x06, 0x28, 0x02}};
inline constexpr Guid KSMEMORY_TYPE_USER{0x8cb0fc28, 0x7893, 0x11d1, {0xb0, 0x69, 0x00, 0xa0, 0xc9, 0x06, 0x28, 0x02}};
inline constexpr Guid KSMEMORY_TYPE_KERNEL_PAGED{
    0xd833f8f8, 0x7894, 0x11d1, {0xb0, 0x69, 0x00, 0xa0, 0xc9, 0x06, 0x28, 0x02}};
inline constexpr Guid KSMEMORY_TYPE_KERNEL_NONPAGED{
    0x4a6d5fc4, 0x7895, 0x11d1, {0xb0, 0x69, 0x00, 0xa0, 0xc9, 0x06, 0x28, 0x02}};
inline constexpr Guid KSMEMORY_TYPE_DONT_CARE{0x00000000, 0x0000, 0x0000, {0, 0, 0, 0, 0, 0, 0, 0}};
// property sets (ks.h)
inline constexpr Guid KSPROPSETID_Connection{
    0x1d58c920, 0xac9b, 0x11cf, {0xa5, 0xd6, 0x28, 0xdb, 0x04, 0xc1, 0x00, 0x00}};
inline constexpr Guid KSPROPSETID_StreamAllocator{
    0xcf6e4342, 0xec87, 0x11cf, {0xa1, 0x30, 0x00, 0x20, 0xaf, 0xd1, 0x56, 0xe4}};
// filter categories (ks.h, ksmedia.h)
inline constexpr Guid KSCATEGORY_CAPTURE{0x65e8773d, 0x8f56, 0x11d0, {0xa3, 0xb9, 0x00, 0xa0, 0xc9, 0x22, 0x31, 0x96}};
inline constexpr Guid KSCATEGORY_VIDEO{0x6994ad05, 0x93ef, 0x11d0, {0xa3, 0xcc, 0x00, 0xa0, 0xc9, 0x22, 0x31, 0x96}};
inline constexpr Guid KSCATEGORY_AUDIO{0x6994ad04, 0x93ef, 0x11d0, {0xa3, 0xcc, 0x00, 0xa0, 0xc9, 0x22, 0x31, 0x96}};
inline constexpr Guid KSCATEGORY_VIDEO_CAMERA{
    0xe5323777, 0xf976, 0x4f5b, {0x9b, 0x55, 0xb9, 0x46, 0x99, 0xc4, 0x6e, 0x44}};
inline constexpr Guid KSCATEGORY_DATATRANSFORM{
    0x2eb07ea0, 0x7e70, 0x11d0, {0xa5, 0xd6, 0x28, 0xdb, 0x04, 0xc1, 0x00, 0x00}};
inline constexpr Guid KSCATEGORY_RENDER{0x65e8773e, 0x8f56, 0x11d0, {0xa3, 0xb9, 0x00, 0xa0, 0xc9, 0x22, 0x31, 0x96}};
// pin categories (ks.h)
inline constexpr Guid PINNAME_CAPTURE{0xfb6c4281, 0x0353, 0x11d1, {0x90, 0x5f, 0x00, 0x00, 0xc0, 0xcc, 0x16, 0xba}};
inline constexpr Guid PINNAME_PREVIEW{0xfb6c4282, 0x0353, 0x11d1, {0x90, 0x5f, 0x00, 0x00, 0xc0, 0xcc, 0x16, 0xba}};
} // namespace guids

/// The documented name of a known GUID (memory types, property sets, categories), else its registry form.
[[nodiscard]] std::string guidName(const Guid& guid);
/// Looks a GUID up by its documented name ("KSMEMORY_TYPE_KERNEL_NONPAGED", also without the prefix).
[[nodiscard]] bool guidFromName(std::string_view name, Guid& out);
/// Parses the registry form {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
[[nodiscard]] bool guidFromString(std::string_view text, Guid& out);

[[nodiscard]] std::string_view allocatorModeName(KSALLOCATORMODE mode); ///< "user" or "kernel"
[[nodiscard]] std::string_view pipeStateName(PIPE_STATE state);
[[nodiscard]] std::string_view pipeAllocatorPlaceName(PIPE_ALLOCATOR_PLACE place);
[[nodiscard]] std::string_view logicalMemoryTypeName(KS_LogicalMemoryType type);
/// Names of the requirement / option flags set in \a flags, joined with " | " ("0" when none).
[[nodiscard]] std::string framingFlagsToString(ULONG flags);

/// KsCreateAllocatorAndGetHandle's translation: Frames = cBuffers, FrameSize = cbBuffer,
/// FileAlignment = cbAlign - 1.
[[nodiscard]] KSALLOCATOR_FRAMING framingFromProperties(const ALLOCATOR_PROPERTIES& props, ULONG optionsFlags,
                                                        ULONG poolType);
[[nodiscard]] ALLOCATOR_PROPERTIES propertiesFromFraming(const KSALLOCATOR_FRAMING& framing);

} // namespace ksscope
