// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The IOCTL_KS_PROPERTY layer of the ks backend, platform-neutral: it builds KSPROPERTY / KSP_PIN requests,
// performs the size query before a variable-length read, parses the replies (framing, extended framing with
// its items, KSMULTIPLE_ITEM lists, UTF-16 names) and names what failed. The transport is a function, so the
// same code runs over DeviceIoControl or IKsControl::KsProperty on Windows and over recorded replies in tests.
// The structures are declared here with the Windows layouts; ks_abi_win.cpp checks them against the Windows
// headers.

#include "ksscope/formats.h"
#include "ksscope/hresult.h"
#include "ksscope/ks_types.h"
#include "ksscope/model.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope::ks {

/// CTL_CODE(FILE_DEVICE_KS, 0x000, METHOD_NEITHER, FILE_ANY_ACCESS)
inline constexpr std::uint32_t kIoctlKsProperty = 0x002F0003;

inline constexpr ULONG kPropertyTypeGet = 0x00000001;
inline constexpr ULONG kPropertyTypeSet = 0x00000002;
inline constexpr ULONG kPropertyTypeBasicSupport = 0x00000200;

/// KSPROPERTY_PIN_* (KSPROPSETID_Pin)
enum PinProperty : ULONG {
    kPinCInstances = 0,
    kPinCTypes = 1,
    kPinDataFlow = 2,
    kPinDataRanges = 3,
    kPinDataIntersection = 4,
    kPinInterfaces = 5,
    kPinMediums = 6,
    kPinCommunication = 7,
    kPinGlobalCInstances = 8,
    kPinNecessaryInstances = 9,
    kPinPhysicalConnection = 10,
    kPinCategory = 11,
    kPinName = 12,
};

/// KSPIN_DATAFLOW
enum PinDataFlow : ULONG { kDataFlowIn = 1, kDataFlowOut = 2 };
/// KSPIN_COMMUNICATION
enum PinCommunication : ULONG {
    kCommunicationNone = 0,
    kCommunicationSink = 1,
    kCommunicationSource = 2,
    kCommunicationBoth = 3,
    kCommunicationBridge = 4,
};

namespace guids {
inline constexpr Guid KSPROPSETID_Pin{0x8c134960, 0x51ad, 0x11cf, {0x87, 0x8a, 0x94, 0xf8, 0x01, 0xc1, 0x00, 0x00}};
inline constexpr Guid KSDATAFORMAT_TYPE_VIDEO{
    0x73646976, 0x0000, 0x0010, {0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}};
inline constexpr Guid KSDATAFORMAT_TYPE_AUDIO{
    0x73647561, 0x0000, 0x0010, {0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}};
inline constexpr Guid KSDATAFORMAT_SUBTYPE_PCM{
    0x00000001, 0x0000, 0x0010, {0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}};
} // namespace guids

/// KSPROPERTY (KSIDENTIFIER)
struct KsProperty {
    Guid Set;
    ULONG Id = 0;
    ULONG Flags = 0;
};
static_assert(sizeof(KsProperty) == 24);

/// KSP_PIN: a pin-factory property on a filter
struct KsPPin {
    KsProperty Property;
    ULONG PinId = 0;
    ULONG Reserved = 0;
};
static_assert(sizeof(KsPPin) == 32);

/// KSMULTIPLE_ITEM: the header of a list reply; Size counts the header too.
struct KsMultipleItem {
    ULONG Size = 0;
    ULONG Count = 0;
};
static_assert(sizeof(KsMultipleItem) == 8);

/// KSPIN_CINSTANCES
struct KsPinCInstances {
    ULONG PossibleCount = 0;
    ULONG CurrentCount = 0;
};

/// The head of a KSDATARANGE (each range in a KSPROPERTY_PIN_DATARANGES reply).
struct KsDataRange {
    ULONG FormatSize = 0;
    ULONG Flags = 0;
    ULONG SampleSize = 0;
    ULONG Reserved = 0;
    Guid MajorFormat;
    Guid SubFormat;
    Guid Specifier;
};
static_assert(sizeof(KsDataRange) == 64);

/// Bytes of the KSALLOCATOR_FRAMING_EX header before FramingItem[0].
inline constexpr std::size_t kFramingExHeaderSize = 24;

/// A request on the wire.
using Bytes = std::vector<std::byte>;

/// One IOCTL_KS_PROPERTY round trip. \a reply may be empty (a size query). Returns a Win32 error code (0 on
/// success) and sets \a bytesReturned; with ERROR_MORE_DATA or ERROR_INSUFFICIENT_BUFFER, \a bytesReturned
/// is the size the reply needs when the driver says so (0 otherwise).
using PropertyIo =
    std::function<std::uint32_t(std::span<const std::byte> request, std::span<std::byte> reply, ULONG& bytesReturned)>;

[[nodiscard]] Bytes makeRequest(const Guid& set, ULONG id, ULONG flags = kPropertyTypeGet);
[[nodiscard]] Bytes makePinRequest(const Guid& set, ULONG id, ULONG pinId, ULONG flags = kPropertyTypeGet);

/// A request taken apart (fake devices and logs): the property, and the pin id when it is a KSP_PIN.
struct DecodedRequest {
    KsProperty property;
    std::optional<ULONG> pinId;
};
[[nodiscard]] std::optional<DecodedRequest> decodeRequest(std::span<const std::byte> request);

/// "KSPROPERTY_PIN_DATAFLOW", "KSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX", or "{set} id N" when unknown.
[[nodiscard]] std::string propertyName(const Guid& set, ULONG id);
[[nodiscard]] std::string_view dataFlowName(ULONG dataFlow); ///< "in", "out" or "unknown"
[[nodiscard]] std::string_view communicationName(ULONG communication); ///< "sink", "source", ...
/// "video", "audio", "data" from a KSDATAFORMAT major type; a FOURCC (or "PCM") from a subtype GUID.
[[nodiscard]] std::string majorTypeName(const Guid& major);
[[nodiscard]] std::string subtypeName(const Guid& subtype);

/// The status for a failed property request: the HRESULT of the Win32 error and a message naming the
/// property, the object and what to do.
[[nodiscard]] Status propertyError(std::uint32_t win32Error, std::string_view property, std::string_view object);

// ---- reply parsers (all bounds-checked; a short or inconsistent reply is an error naming the field) ----
[[nodiscard]] Status parseFraming(std::span<const std::byte> reply, KSALLOCATOR_FRAMING& out);
[[nodiscard]] Status parseFramingEx(std::span<const std::byte> reply, KSALLOCATOR_FRAMING_EX& out);
[[nodiscard]] Status parseAllocatorStatus(std::span<const std::byte> reply, KSSTREAMALLOCATOR_STATUS& out);
/// A KSMULTIPLE_ITEM list of fixed-size items: checks Size against the reply and Count * itemSize against Size.
[[nodiscard]] Status parseMultipleItems(std::span<const std::byte> reply, std::size_t itemSize,
                                        std::vector<std::span<const std::byte>>& items);
/// A KSMULTIPLE_ITEM list of data ranges: each starts with its FormatSize and is 8-byte aligned.
[[nodiscard]] Status parseDataRanges(std::span<const std::byte> reply, std::vector<KsDataRange>& out);
/// A NUL-terminated UTF-16LE string (KSPROPERTY_PIN_NAME) as UTF-8.
[[nodiscard]] std::string utf16ToUtf8(std::span<const std::byte> reply);

/// Builds and sends requests for one KS object (a filter, a pin or an allocator).
class PropertyClient {
public:
    /// \a object names it in messages ("filter \"USB Camera\"").
    PropertyClient(PropertyIo io, std::string object);

    /// A fixed-size reply; the reply must fill \a out exactly.
    Status get(const Bytes& request, std::string_view property, std::span<std::byte> out);
    template <typename T> Status get(const Bytes& request, std::string_view property, T& out)
    {
        return get(request, property, std::as_writable_bytes(std::span(&out, 1)));
    }
    /// A variable-size reply: asks for the size first, then reads (and tries again if the size grew).
    Status getVariable(const Bytes& request, std::string_view property, Bytes& out);

    // KSPROPSETID_Pin on a filter
    Status pinFactoryCount(ULONG& count);
    Status pinDataFlow(ULONG pin, ULONG& dataFlow);
    Status pinCommunication(ULONG pin, ULONG& communication);
    Status pinInstances(ULONG pin, KsPinCInstances& instances);
    Status pinName(ULONG pin, std::string& name);
    Status pinCategory(ULONG pin, Guid& category);
    Status pinDataRanges(ULONG pin, std::vector<KsDataRange>& ranges);
    // KSPROPSETID_Connection on a pin
    Status framing(KSALLOCATOR_FRAMING& framing);
    Status framingEx(KSALLOCATOR_FRAMING_EX& framing);
    // KSPROPSETID_StreamAllocator on an allocator
    Status allocatorStatus(KSSTREAMALLOCATOR_STATUS& status);

    [[nodiscard]] const std::string& object() const { return m_object; }

private:
    /// getVariable, then \a parse(reply); a parse error is prefixed with the property and the object.
    template <typename Parse> Status getParsed(const Bytes& request, const std::string& property, Parse parse);

    PropertyIo m_io;
    std::string m_object;
};

/// What a filter says of one pin factory.
struct PinFactory {
    ULONG id = 0;
    ULONG dataFlow = 0;
    ULONG communication = 0;
    std::string name; ///< empty when the driver has no KSPROPERTY_PIN_NAME
    Guid category; ///< null when the driver has no KSPROPERTY_PIN_CATEGORY
    KsPinCInstances instances;
    std::vector<KsDataRange> dataRanges;
    std::vector<std::string> notes; ///< optional properties that failed, as messages
};

/// Reads every pin factory of a filter. The count, data flow and communication are required (an error
/// fails the whole read); name, category, instances and data ranges are optional and noted when missing.
Status readPinFactories(PropertyClient& filter, std::vector<PinFactory>& out);

/// "<filterId>/pin<N>"
[[nodiscard]] std::string pinId(const std::string& filterId, ULONG factoryId);

/// The model's view of a pin factory: id "<filterId>/pin<N>", its name (or "Pin N"), direction, category
/// and the format of its first data range.
[[nodiscard]] PinInfo toPinInfo(const PinFactory& factory, const std::string& filterId);

/// What a pin factory streams and offers: one format option per data range subtype (the head of each KSDATARANGE:
/// sizes and rates are in the range's format-specific tail, not read), the format of its first data range as the
/// active one until a graph connects the pin; read-only.
[[nodiscard]] PinFormats toPinFormats(const PinFactory& factory, const std::string& filterId);

} // namespace ksscope::ks
