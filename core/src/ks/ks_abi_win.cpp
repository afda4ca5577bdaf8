// SPDX-License-Identifier: GPL-3.0-or-later
// Compile-time checks of the project's KS declarations (ks_types.h, hresult.h, ks_property.h) against the
// Windows headers: structure sizes and field offsets, enum values, flags, property ids, GUIDs and HRESULTs.
// A Windows build that compiles has them right. The project's values are captured before the Windows headers
// come in, because those define several of the same names as macros.
#include "ks/ks_property.h"
#include "ksscope/hresult.h"
#include "ksscope/ks_types.h"

#include <cstddef>

namespace ksscope::ks::abi {
namespace ours {
constexpr ULONG requirementFlags[] = {KSALLOCATOR_REQUIREMENTF_INPLACE_MODIFIER, KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY,
                                      KSALLOCATOR_REQUIREMENTF_FRAME_INTEGRITY, KSALLOCATOR_REQUIREMENTF_MUST_ALLOCATE,
                                      KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY};
constexpr ULONG optionFlags[] = {KSALLOCATOR_OPTIONF_COMPATIBLE, KSALLOCATOR_OPTIONF_SYSTEM_MEMORY,
                                 KSALLOCATOR_OPTIONF_VALID};
constexpr ULONG allocatorFlags[] = {KSALLOCATOR_FLAG_PARTIAL_READ_SUPPORT,
                                    KSALLOCATOR_FLAG_DEVICE_SPECIFIC,
                                    KSALLOCATOR_FLAG_CAN_ALLOCATE,
                                    KSALLOCATOR_FLAG_INSIST_ON_FRAMESIZE_RATIO,
                                    KSALLOCATOR_FLAG_NO_FRAME_INTEGRITY,
                                    KSALLOCATOR_FLAG_MULTIPLE_OUTPUT,
                                    KSALLOCATOR_FLAG_CYCLE,
                                    KSALLOCATOR_FLAG_ALLOCATOR_EXISTS,
                                    KSALLOCATOR_FLAG_INDEPENDENT_RANGES,
                                    KSALLOCATOR_FLAG_ATTENTION_STEPPING};
constexpr ULONG fileAlignments[] = {FILE_BYTE_ALIGNMENT, FILE_WORD_ALIGNMENT, FILE_LONG_ALIGNMENT, FILE_QUAD_ALIGNMENT};
constexpr DWORD getBufferFlags[] = {AM_GBF_PREVFRAMESKIPPED, AM_GBF_NOTASYNCPOINT, AM_GBF_NOWAIT,
                                    AM_GBF_NODDSURFACELOCK};
constexpr HRESULT hresults[] = {S_OK,
                                S_FALSE,
                                E_NOTIMPL,
                                E_POINTER,
                                E_FAIL,
                                E_UNEXPECTED,
                                E_OUTOFMEMORY,
                                E_INVALIDARG,
                                E_NOINTERFACE,
                                VFW_E_SIZENOTSET,
                                VFW_E_NO_ALLOCATOR,
                                VFW_E_NOT_COMMITTED,
                                VFW_E_ALREADY_COMMITTED,
                                VFW_E_BUFFERS_OUTSTANDING,
                                VFW_E_BADALIGN,
                                VFW_E_BUFFER_NOTSET,
                                VFW_E_TIMEOUT,
                                VFW_E_NOT_CONNECTED};
constexpr HRESULT deviceRemoved = hresultFromWin32(kErrorDeviceRemoved);
// ksmedia.h defines these names as macros
constexpr Guid pinnameCapture = ksscope::guids::PINNAME_CAPTURE;
constexpr Guid pinnamePreview = ksscope::guids::PINNAME_PREVIEW;
} // namespace ours
} // namespace ksscope::ks::abi

#include "ks/ks_windows.h"

namespace ksscope::ks::abi {
namespace {

constexpr bool sameGuid(const Guid& a, const ::GUID& b)
{
    if (a.Data1 != b.Data1 || a.Data2 != b.Data2 || a.Data3 != b.Data3)
        return false;
    for (int i = 0; i < 8; ++i)
        if (a.Data4[static_cast<std::size_t>(i)] != b.Data4[i])
            return false;
    return true;
}

/// Values of two different enum types (the project's and Windows') compared as numbers.
template <typename A, typename B> constexpr bool same(A a, B b)
{
    return static_cast<long long>(a) == static_cast<long long>(b);
}

// ---- structures -------------------------------------------------------------------------------------
static_assert(sizeof(Guid) == sizeof(::GUID));
static_assert(sizeof(ksscope::ULONG) == sizeof(::ULONG) && sizeof(ksscope::LONG) == sizeof(::LONG));
static_assert(sizeof(ksscope::HANDLE) == sizeof(::HANDLE));
static_assert(sizeof(ksscope::REFERENCE_TIME) == sizeof(::REFERENCE_TIME));

#define KSSCOPE_SAME_FIELD(ours, theirs, field) static_assert(offsetof(ours, field) == offsetof(theirs, field), #field)

static_assert(sizeof(ksscope::KSALLOCATOR_FRAMING) == sizeof(::KSALLOCATOR_FRAMING));
KSSCOPE_SAME_FIELD(ksscope::KSALLOCATOR_FRAMING, ::KSALLOCATOR_FRAMING, PoolType);
KSSCOPE_SAME_FIELD(ksscope::KSALLOCATOR_FRAMING, ::KSALLOCATOR_FRAMING, Frames);
KSSCOPE_SAME_FIELD(ksscope::KSALLOCATOR_FRAMING, ::KSALLOCATOR_FRAMING, FrameSize);
KSSCOPE_SAME_FIELD(ksscope::KSALLOCATOR_FRAMING, ::KSALLOCATOR_FRAMING, FileAlignment);
static_assert(sizeof(ksscope::KSSTREAMALLOCATOR_STATUS) == sizeof(::KSSTREAMALLOCATOR_STATUS));
KSSCOPE_SAME_FIELD(ksscope::KSSTREAMALLOCATOR_STATUS, ::KSSTREAMALLOCATOR_STATUS, AllocatedFrames);
static_assert(sizeof(ksscope::KS_COMPRESSION) == sizeof(::KS_COMPRESSION));
static_assert(sizeof(ksscope::KS_FRAMING_RANGE) == sizeof(::KS_FRAMING_RANGE));
static_assert(sizeof(ksscope::KS_FRAMING_RANGE_WEIGHTED) == sizeof(::KS_FRAMING_RANGE_WEIGHTED));
static_assert(sizeof(ksscope::KS_FRAMING_ITEM) == sizeof(::KS_FRAMING_ITEM));
KSSCOPE_SAME_FIELD(ksscope::KS_FRAMING_ITEM, ::KS_FRAMING_ITEM, BusType);
KSSCOPE_SAME_FIELD(ksscope::KS_FRAMING_ITEM, ::KS_FRAMING_ITEM, Frames);
KSSCOPE_SAME_FIELD(ksscope::KS_FRAMING_ITEM, ::KS_FRAMING_ITEM, FileAlignment);
KSSCOPE_SAME_FIELD(ksscope::KS_FRAMING_ITEM, ::KS_FRAMING_ITEM, PhysicalRange);
KSSCOPE_SAME_FIELD(ksscope::KS_FRAMING_ITEM, ::KS_FRAMING_ITEM, FramingRange);
static_assert(offsetof(::KSALLOCATOR_FRAMING_EX, FramingItem) == kFramingExHeaderSize);
static_assert(offsetof(::KSALLOCATOR_FRAMING_EX, OutputCompression) == 8);
static_assert(offsetof(::KSALLOCATOR_FRAMING_EX, PinWeight) == 20);
static_assert(sizeof(ksscope::ALLOCATOR_PROPERTIES) == sizeof(::ALLOCATOR_PROPERTIES));
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES, ::ALLOCATOR_PROPERTIES, cbPrefix);
static_assert(sizeof(ksscope::PIPE_TERMINATION) == sizeof(::PIPE_TERMINATION));
static_assert(sizeof(ksscope::PIPE_DIMENSIONS) == sizeof(::PIPE_DIMENSIONS));
static_assert(sizeof(ksscope::ALLOCATOR_PROPERTIES_EX) == sizeof(::ALLOCATOR_PROPERTIES_EX));
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, MemoryType);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, BusType);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, State);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, Input);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, Output);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, Strategy);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, LogicalMemoryType);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, AllocatorPlace);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, Dimensions);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, PhysicalRange);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, PrevSegment);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, CountNextSegments);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, NextSegments);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, InsideFactors);
KSSCOPE_SAME_FIELD(ksscope::ALLOCATOR_PROPERTIES_EX, ::ALLOCATOR_PROPERTIES_EX, NumberPins);
static_assert(sizeof(::ALLOCATOR_PROPERTIES_EX) == 264);

static_assert(sizeof(KsProperty) == sizeof(::KSPROPERTY));
KSSCOPE_SAME_FIELD(KsProperty, ::KSPROPERTY, Id);
KSSCOPE_SAME_FIELD(KsProperty, ::KSPROPERTY, Flags);
static_assert(sizeof(KsPPin) == sizeof(::KSP_PIN));
KSSCOPE_SAME_FIELD(KsPPin, ::KSP_PIN, PinId);
static_assert(sizeof(KsMultipleItem) == sizeof(::KSMULTIPLE_ITEM));
static_assert(same(sizeof(KsPinCInstances), sizeof(::KSPIN_CINSTANCES)));
static_assert(sizeof(KsDataRange) == sizeof(::KSDATARANGE));
KSSCOPE_SAME_FIELD(KsDataRange, ::KSDATARANGE, SampleSize);
KSSCOPE_SAME_FIELD(KsDataRange, ::KSDATARANGE, MajorFormat);
KSSCOPE_SAME_FIELD(KsDataRange, ::KSDATARANGE, SubFormat);
KSSCOPE_SAME_FIELD(KsDataRange, ::KSDATARANGE, Specifier);
#undef KSSCOPE_SAME_FIELD

// ---- enums, flags and ids -----------------------------------------------------------------------------
static_assert(ksscope::KsAllocatorMode_User == static_cast<int>(::KsAllocatorMode_User));
static_assert(ksscope::KsAllocatorMode_Kernel == static_cast<int>(::KsAllocatorMode_Kernel));
static_assert(ksscope::KsPeekOperation_PeekOnly == static_cast<int>(::KsPeekOperation_PeekOnly));
static_assert(ksscope::KsPeekOperation_AddRef == static_cast<int>(::KsPeekOperation_AddRef));
static_assert(ksscope::PipeState_DontCare == static_cast<int>(::PipeState_DontCare));
static_assert(ksscope::PipeState_RangeNotFixed == static_cast<int>(::PipeState_RangeNotFixed));
static_assert(ksscope::PipeState_RangeFixed == static_cast<int>(::PipeState_RangeFixed));
static_assert(ksscope::PipeState_CompressionUnknown == static_cast<int>(::PipeState_CompressionUnknown));
static_assert(ksscope::PipeState_Finalized == static_cast<int>(::PipeState_Finalized));
static_assert(ksscope::Pipe_Allocator_None == static_cast<int>(::Pipe_Allocator_None));
static_assert(ksscope::Pipe_Allocator_FirstPin == static_cast<int>(::Pipe_Allocator_FirstPin));
static_assert(ksscope::Pipe_Allocator_LastPin == static_cast<int>(::Pipe_Allocator_LastPin));
static_assert(ksscope::Pipe_Allocator_MiddlePin == static_cast<int>(::Pipe_Allocator_MiddlePin));
static_assert(ksscope::KS_MemoryTypeDontCare == static_cast<int>(::KS_MemoryTypeDontCare));
static_assert(ksscope::KS_MemoryTypeKernelPaged == static_cast<int>(::KS_MemoryTypeKernelPaged));
static_assert(ksscope::KS_MemoryTypeKernelNonPaged == static_cast<int>(::KS_MemoryTypeKernelNonPaged));
static_assert(ksscope::KS_MemoryTypeDeviceHostMapped == static_cast<int>(::KS_MemoryTypeDeviceHostMapped));
static_assert(ksscope::KS_MemoryTypeDeviceSpecific == static_cast<int>(::KS_MemoryTypeDeviceSpecific));
static_assert(ksscope::KS_MemoryTypeUser == static_cast<int>(::KS_MemoryTypeUser));
static_assert(ksscope::KS_MemoryTypeAnyHost == static_cast<int>(::KS_MemoryTypeAnyHost));

static_assert(ours::requirementFlags[0] == KSALLOCATOR_REQUIREMENTF_INPLACE_MODIFIER);
static_assert(ours::requirementFlags[1] == KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY);
static_assert(ours::requirementFlags[2] == KSALLOCATOR_REQUIREMENTF_FRAME_INTEGRITY);
static_assert(ours::requirementFlags[3] == KSALLOCATOR_REQUIREMENTF_MUST_ALLOCATE);
static_assert(ours::requirementFlags[4] == KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY);
static_assert(ours::optionFlags[0] == KSALLOCATOR_OPTIONF_COMPATIBLE);
static_assert(ours::optionFlags[1] == KSALLOCATOR_OPTIONF_SYSTEM_MEMORY);
static_assert(ours::optionFlags[2] == KSALLOCATOR_OPTIONF_VALID);
static_assert(ours::allocatorFlags[0] == KSALLOCATOR_FLAG_PARTIAL_READ_SUPPORT);
static_assert(ours::allocatorFlags[1] == KSALLOCATOR_FLAG_DEVICE_SPECIFIC);
static_assert(ours::allocatorFlags[2] == KSALLOCATOR_FLAG_CAN_ALLOCATE);
static_assert(ours::allocatorFlags[3] == KSALLOCATOR_FLAG_INSIST_ON_FRAMESIZE_RATIO);
static_assert(ours::allocatorFlags[4] == KSALLOCATOR_FLAG_NO_FRAME_INTEGRITY);
static_assert(ours::allocatorFlags[5] == KSALLOCATOR_FLAG_MULTIPLE_OUTPUT);
static_assert(ours::allocatorFlags[6] == KSALLOCATOR_FLAG_CYCLE);
static_assert(ours::allocatorFlags[7] == KSALLOCATOR_FLAG_ALLOCATOR_EXISTS);
static_assert(ours::allocatorFlags[8] == KSALLOCATOR_FLAG_INDEPENDENT_RANGES);
static_assert(ours::allocatorFlags[9] == KSALLOCATOR_FLAG_ATTENTION_STEPPING);
static_assert(ours::fileAlignments[0] == FILE_BYTE_ALIGNMENT);
static_assert(ours::fileAlignments[1] == FILE_WORD_ALIGNMENT);
static_assert(ours::fileAlignments[2] == FILE_LONG_ALIGNMENT);
static_assert(ours::fileAlignments[3] == FILE_QUAD_ALIGNMENT);
static_assert(ours::getBufferFlags[0] == AM_GBF_PREVFRAMESKIPPED);
static_assert(ours::getBufferFlags[1] == AM_GBF_NOTASYNCPOINT);
static_assert(ours::getBufferFlags[2] == AM_GBF_NOWAIT);
static_assert(ours::getBufferFlags[3] == AM_GBF_NODDSURFACELOCK);
static_assert(ours::hresults[0] == S_OK && ours::hresults[1] == S_FALSE);
static_assert(ours::hresults[2] == E_NOTIMPL && ours::hresults[3] == E_POINTER && ours::hresults[4] == E_FAIL);
static_assert(ours::hresults[5] == E_UNEXPECTED && ours::hresults[6] == E_OUTOFMEMORY);
static_assert(ours::hresults[7] == E_INVALIDARG && ours::hresults[8] == E_NOINTERFACE);
static_assert(ours::hresults[9] == VFW_E_SIZENOTSET && ours::hresults[10] == VFW_E_NO_ALLOCATOR);
static_assert(ours::hresults[11] == VFW_E_NOT_COMMITTED && ours::hresults[12] == VFW_E_ALREADY_COMMITTED);
static_assert(ours::hresults[13] == VFW_E_BUFFERS_OUTSTANDING && ours::hresults[14] == VFW_E_BADALIGN);
static_assert(ours::hresults[15] == VFW_E_BUFFER_NOTSET && ours::hresults[16] == VFW_E_TIMEOUT);
static_assert(ours::hresults[17] == VFW_E_NOT_CONNECTED);
static_assert(ours::deviceRemoved == HRESULT_FROM_WIN32(ERROR_DEVICE_REMOVED));

static_assert(kIoctlKsProperty == IOCTL_KS_PROPERTY);
static_assert(kPropertyTypeGet == KSPROPERTY_TYPE_GET && kPropertyTypeSet == KSPROPERTY_TYPE_SET);
static_assert(kPropertyTypeBasicSupport == KSPROPERTY_TYPE_BASICSUPPORT);
static_assert(same(kPinCInstances, ::KSPROPERTY_PIN_CINSTANCES) && same(kPinCTypes, ::KSPROPERTY_PIN_CTYPES));
static_assert(same(kPinDataFlow, ::KSPROPERTY_PIN_DATAFLOW) && same(kPinDataRanges, ::KSPROPERTY_PIN_DATARANGES));
static_assert(same(kPinInterfaces, ::KSPROPERTY_PIN_INTERFACES) && same(kPinMediums, ::KSPROPERTY_PIN_MEDIUMS));
static_assert(same(kPinCommunication, ::KSPROPERTY_PIN_COMMUNICATION));
static_assert(same(kPinGlobalCInstances, ::KSPROPERTY_PIN_GLOBALCINSTANCES));
static_assert(same(kPinNecessaryInstances, ::KSPROPERTY_PIN_NECESSARYINSTANCES));
static_assert(same(kPinPhysicalConnection, ::KSPROPERTY_PIN_PHYSICALCONNECTION));
static_assert(same(kPinCategory, ::KSPROPERTY_PIN_CATEGORY) && same(kPinName, ::KSPROPERTY_PIN_NAME));
static_assert(same(kDataFlowIn, ::KSPIN_DATAFLOW_IN) && same(kDataFlowOut, ::KSPIN_DATAFLOW_OUT));
static_assert(same(kCommunicationNone, ::KSPIN_COMMUNICATION_NONE) &&
              same(kCommunicationSink, ::KSPIN_COMMUNICATION_SINK));
static_assert(same(kCommunicationSource, ::KSPIN_COMMUNICATION_SOURCE));
static_assert(same(kCommunicationBoth, ::KSPIN_COMMUNICATION_BOTH));
static_assert(same(kCommunicationBridge, ::KSPIN_COMMUNICATION_BRIDGE));
static_assert(kKSPROPERTY_CONNECTION_ALLOCATORFRAMING == ::KSPROPERTY_CONNECTION_ALLOCATORFRAMING);
static_assert(kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX == ::KSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX);
static_assert(kKSPROPERTY_STREAMALLOCATOR_FUNCTIONTABLE == win::kStreamAllocatorFunctionTable);
static_assert(kKSPROPERTY_STREAMALLOCATOR_STATUS == win::kStreamAllocatorStatus);

// ---- GUIDs ---------------------------------------------------------------------------------------
#define KSSCOPE_SAME_GUID(ours, theirs) static_assert(sameGuid(ours, ::GUID{theirs}), #theirs)
KSSCOPE_SAME_GUID(ksscope::guids::KSMEMORY_TYPE_SYSTEM, STATIC_KSMEMORY_TYPE_SYSTEM);
KSSCOPE_SAME_GUID(ksscope::guids::KSMEMORY_TYPE_USER, STATIC_KSMEMORY_TYPE_USER);
KSSCOPE_SAME_GUID(ksscope::guids::KSMEMORY_TYPE_KERNEL_PAGED, STATIC_KSMEMORY_TYPE_KERNEL_PAGED);
KSSCOPE_SAME_GUID(ksscope::guids::KSMEMORY_TYPE_KERNEL_NONPAGED, STATIC_KSMEMORY_TYPE_KERNEL_NONPAGED);
KSSCOPE_SAME_GUID(ksscope::guids::KSPROPSETID_Connection, STATIC_KSPROPSETID_Connection);
KSSCOPE_SAME_GUID(ksscope::guids::KSPROPSETID_StreamAllocator, STATIC_KSPROPSETID_StreamAllocator);
KSSCOPE_SAME_GUID(ksscope::guids::KSCATEGORY_CAPTURE, STATIC_KSCATEGORY_CAPTURE);
KSSCOPE_SAME_GUID(ksscope::guids::KSCATEGORY_VIDEO, STATIC_KSCATEGORY_VIDEO);
KSSCOPE_SAME_GUID(ksscope::guids::KSCATEGORY_AUDIO, STATIC_KSCATEGORY_AUDIO);
KSSCOPE_SAME_GUID(ksscope::guids::KSCATEGORY_VIDEO_CAMERA, STATIC_KSCATEGORY_VIDEO_CAMERA);
KSSCOPE_SAME_GUID(ksscope::guids::KSCATEGORY_DATATRANSFORM, STATIC_KSCATEGORY_DATATRANSFORM);
KSSCOPE_SAME_GUID(ksscope::guids::KSCATEGORY_RENDER, STATIC_KSCATEGORY_RENDER);
KSSCOPE_SAME_GUID(ours::pinnameCapture, STATIC_PINNAME_VIDEO_CAPTURE);
KSSCOPE_SAME_GUID(ours::pinnamePreview, STATIC_PINNAME_VIDEO_PREVIEW);
KSSCOPE_SAME_GUID(guids::KSPROPSETID_Pin, STATIC_KSPROPSETID_Pin);
KSSCOPE_SAME_GUID(guids::KSDATAFORMAT_TYPE_VIDEO, STATIC_KSDATAFORMAT_TYPE_VIDEO);
KSSCOPE_SAME_GUID(guids::KSDATAFORMAT_TYPE_AUDIO, STATIC_KSDATAFORMAT_TYPE_AUDIO);
KSSCOPE_SAME_GUID(guids::KSDATAFORMAT_SUBTYPE_PCM, STATIC_KSDATAFORMAT_SUBTYPE_PCM);
KSSCOPE_SAME_GUID(ksscope::iids::IID_IKsAllocator, STATIC_IID_IKsAllocator);
KSSCOPE_SAME_GUID(ksscope::iids::IID_IKsAllocatorEx, STATIC_IID_IKsAllocatorEx);
KSSCOPE_SAME_GUID(ksscope::iids::IID_IKsPin, STATIC_IID_IKsPin);
#undef KSSCOPE_SAME_GUID

} // namespace
} // namespace ksscope::ks::abi
