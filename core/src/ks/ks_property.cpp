// SPDX-License-Identifier: GPL-3.0-or-later
#include "ks/ks_property.h"

#include <algorithm>
#include <cstring>

namespace ksscope::ks {

namespace {

/// Largest reply accepted from a driver (a list of data ranges is a few KiB; this guards against a size
/// query answering nonsense).
constexpr ULONG kMaxReply = 1u << 20;

template <typename T> bool readAt(std::span<const std::byte> bytes, std::size_t offset, T& out)
{
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T))
        return false;
    std::memcpy(&out, bytes.data() + offset, sizeof(T));
    return true;
}

template <typename T> Bytes bytesOf(const T& value)
{
    Bytes out(sizeof(T));
    std::memcpy(out.data(), &value, sizeof(T));
    return out;
}

Status shortReply(std::string_view what, std::size_t got, std::size_t need)
{
    return {E_UNEXPECTED, std::string(what) + ": the driver returned " + std::to_string(got) + " bytes, " +
                              std::to_string(need) + " expected"};
}

struct NamedProperty {
    const Guid* set;
    ULONG id;
    std::string_view name;
};

constexpr NamedProperty kPropertyNames[] = {
    {&guids::KSPROPSETID_Pin, kPinCInstances, "KSPROPERTY_PIN_CINSTANCES"},
    {&guids::KSPROPSETID_Pin, kPinCTypes, "KSPROPERTY_PIN_CTYPES"},
    {&guids::KSPROPSETID_Pin, kPinDataFlow, "KSPROPERTY_PIN_DATAFLOW"},
    {&guids::KSPROPSETID_Pin, kPinDataRanges, "KSPROPERTY_PIN_DATARANGES"},
    {&guids::KSPROPSETID_Pin, kPinDataIntersection, "KSPROPERTY_PIN_DATAINTERSECTION"},
    {&guids::KSPROPSETID_Pin, kPinInterfaces, "KSPROPERTY_PIN_INTERFACES"},
    {&guids::KSPROPSETID_Pin, kPinMediums, "KSPROPERTY_PIN_MEDIUMS"},
    {&guids::KSPROPSETID_Pin, kPinCommunication, "KSPROPERTY_PIN_COMMUNICATION"},
    {&guids::KSPROPSETID_Pin, kPinGlobalCInstances, "KSPROPERTY_PIN_GLOBALCINSTANCES"},
    {&guids::KSPROPSETID_Pin, kPinNecessaryInstances, "KSPROPERTY_PIN_NECESSARYINSTANCES"},
    {&guids::KSPROPSETID_Pin, kPinPhysicalConnection, "KSPROPERTY_PIN_PHYSICALCONNECTION"},
    {&guids::KSPROPSETID_Pin, kPinCategory, "KSPROPERTY_PIN_CATEGORY"},
    {&guids::KSPROPSETID_Pin, kPinName, "KSPROPERTY_PIN_NAME"},
    {&ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING,
     "KSPROPERTY_CONNECTION_ALLOCATORFRAMING"},
    {&ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX,
     "KSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX"},
    {&ksscope::guids::KSPROPSETID_StreamAllocator, kKSPROPERTY_STREAMALLOCATOR_FUNCTIONTABLE,
     "KSPROPERTY_STREAMALLOCATOR_FUNCTIONTABLE"},
    {&ksscope::guids::KSPROPSETID_StreamAllocator, kKSPROPERTY_STREAMALLOCATOR_STATUS,
     "KSPROPERTY_STREAMALLOCATOR_STATUS"},
};

bool isFourccGuid(const Guid& g)
{
    // {xxxxxxxx-0000-0010-8000-00AA00389B71}: a FOURCC or WAVE_FORMAT tag in Data1
    constexpr std::array<std::uint8_t, 8> tail{0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
    return g.Data2 == 0x0000 && g.Data3 == 0x0010 && g.Data4 == tail;
}

} // namespace

Bytes makeRequest(const Guid& set, ULONG id, ULONG flags)
{
    return bytesOf(KsProperty{set, id, flags});
}

Bytes makePinRequest(const Guid& set, ULONG id, ULONG pinId, ULONG flags)
{
    return bytesOf(KsPPin{KsProperty{set, id, flags}, pinId, 0});
}

std::optional<DecodedRequest> decodeRequest(std::span<const std::byte> request)
{
    DecodedRequest out;
    if (!readAt(request, 0, out.property))
        return std::nullopt;
    if (request.size() >= sizeof(KsPPin)) {
        ULONG pin = 0;
        readAt(request, sizeof(KsProperty), pin);
        out.pinId = pin;
    }
    return out;
}

std::string propertyName(const Guid& set, ULONG id)
{
    for (const auto& p : kPropertyNames)
        if (*p.set == set && p.id == id)
            return std::string(p.name);
    return guidName(set) + " id " + std::to_string(id);
}

std::string_view dataFlowName(ULONG dataFlow)
{
    switch (dataFlow) {
    case kDataFlowIn:
        return "in";
    case kDataFlowOut:
        return "out";
    default:
        return "unknown";
    }
}

std::string_view communicationName(ULONG communication)
{
    switch (communication) {
    case kCommunicationNone:
        return "none";
    case kCommunicationSink:
        return "sink";
    case kCommunicationSource:
        return "source";
    case kCommunicationBoth:
        return "both";
    case kCommunicationBridge:
        return "bridge";
    default:
        return "unknown";
    }
}

std::string majorTypeName(const Guid& major)
{
    if (major == guids::KSDATAFORMAT_TYPE_VIDEO)
        return "video";
    if (major == guids::KSDATAFORMAT_TYPE_AUDIO)
        return "audio";
    return "data";
}

std::string subtypeName(const Guid& subtype)
{
    if (subtype == guids::KSDATAFORMAT_SUBTYPE_PCM)
        return "PCM";
    if (isFourccGuid(subtype)) {
        std::string fourcc;
        for (int shift = 0; shift < 32; shift += 8) {
            const auto c = static_cast<char>((subtype.Data1 >> shift) & 0xffu);
            if (c < 0x20 || c > 0x7e)
                return subtype.toString();
            fourcc += c;
        }
        return fourcc;
    }
    return guidName(subtype);
}

Status propertyError(std::uint32_t win32Error, std::string_view property, std::string_view object)
{
    std::string message = std::string(property) + " on " + std::string(object) + " failed: ";
    switch (win32Error) {
    case kErrorSetNotFound:
        message += "the driver does not support this property set";
        break;
    case kErrorNotFound:
    case kErrorNotSupported:
    case kErrorInvalidFunction:
        message += "the driver does not support this property";
        break;
    case kErrorDeviceRemoved:
    case kErrorNoSuchDevice:
    case kErrorDeviceNotConnected:
    case kErrorFileNotFound:
        message += "the device is gone; plug it in again and refresh";
        break;
    case kErrorAccessDenied:
    case kErrorBusy:
        message += "the device is in use by another application; close it and try again";
        break;
    case kErrorGenFailure:
        message += "the driver reported a device failure; check the device and its driver";
        break;
    default:
        message += hresultMessage(hresultFromWin32(win32Error));
        break;
    }
    return {hresultFromWin32(win32Error), message};
}

Status parseFraming(std::span<const std::byte> reply, KSALLOCATOR_FRAMING& out)
{
    if (!readAt(reply, 0, out))
        return shortReply("KSALLOCATOR_FRAMING", reply.size(), sizeof(KSALLOCATOR_FRAMING));
    return Status::ok();
}

Status parseFramingEx(std::span<const std::byte> reply, KSALLOCATOR_FRAMING_EX& out)
{
    out = KSALLOCATOR_FRAMING_EX{};
    if (reply.size() < kFramingExHeaderSize)
        return shortReply("KSALLOCATOR_FRAMING_EX", reply.size(), kFramingExHeaderSize);
    readAt(reply, 0, out.CountItems);
    readAt(reply, 4, out.PinFlags);
    readAt(reply, 8, out.OutputCompression);
    readAt(reply, 20, out.PinWeight);
    const std::size_t itemsBytes = reply.size() - kFramingExHeaderSize;
    if (out.CountItems == 0)
        return {E_UNEXPECTED, "KSALLOCATOR_FRAMING_EX: CountItems is 0; the driver's framing has no items"};
    if (itemsBytes / sizeof(KS_FRAMING_ITEM) < out.CountItems)
        return {E_UNEXPECTED, "KSALLOCATOR_FRAMING_EX: CountItems is " + std::to_string(out.CountItems) + " but " +
                                  std::to_string(reply.size()) + " bytes hold only " +
                                  std::to_string(itemsBytes / sizeof(KS_FRAMING_ITEM)) + " items"};
    if (out.CountItems > KSALLOCATOR_FRAMING_EX::kMaxFramingItems)
        return {E_UNEXPECTED, "KSALLOCATOR_FRAMING_EX: CountItems is " + std::to_string(out.CountItems) +
                                  "; KsScope reads up to " + std::to_string(KSALLOCATOR_FRAMING_EX::kMaxFramingItems)};
    for (ULONG i = 0; i < out.CountItems; ++i)
        readAt(reply, kFramingExHeaderSize + i * sizeof(KS_FRAMING_ITEM), out.FramingItem[i]);
    return Status::ok();
}

Status parseAllocatorStatus(std::span<const std::byte> reply, KSSTREAMALLOCATOR_STATUS& out)
{
    if (!readAt(reply, 0, out))
        return shortReply("KSSTREAMALLOCATOR_STATUS", reply.size(), sizeof(KSSTREAMALLOCATOR_STATUS));
    return Status::ok();
}

Status parseMultipleItems(std::span<const std::byte> reply, std::size_t itemSize,
                          std::vector<std::span<const std::byte>>& items)
{
    items.clear();
    KsMultipleItem head;
    if (!readAt(reply, 0, head))
        return shortReply("KSMULTIPLE_ITEM", reply.size(), sizeof(KsMultipleItem));
    if (head.Size < sizeof(KsMultipleItem) || head.Size > reply.size())
        return {E_UNEXPECTED, "KSMULTIPLE_ITEM: Size is " + std::to_string(head.Size) + " but the reply has " +
                                  std::to_string(reply.size()) + " bytes"};
    if (itemSize == 0 || (head.Size - sizeof(KsMultipleItem)) / itemSize < head.Count)
        return {E_UNEXPECTED, "KSMULTIPLE_ITEM: Count is " + std::to_string(head.Count) + " items of " +
                                  std::to_string(itemSize) + " bytes, which do not fit in Size " +
                                  std::to_string(head.Size)};
    for (ULONG i = 0; i < head.Count; ++i)
        items.push_back(reply.subspan(sizeof(KsMultipleItem) + i * itemSize, itemSize));
    return Status::ok();
}

Status parseDataRanges(std::span<const std::byte> reply, std::vector<KsDataRange>& out)
{
    out.clear();
    KsMultipleItem head;
    if (!readAt(reply, 0, head))
        return shortReply("KSMULTIPLE_ITEM", reply.size(), sizeof(KsMultipleItem));
    if (head.Size < sizeof(KsMultipleItem) || head.Size > reply.size())
        return {E_UNEXPECTED, "KSMULTIPLE_ITEM: Size is " + std::to_string(head.Size) + " but the reply has " +
                                  std::to_string(reply.size()) + " bytes"};
    std::size_t offset = sizeof(KsMultipleItem);
    for (ULONG i = 0; i < head.Count; ++i) {
        KsDataRange range;
        if (offset > head.Size || !readAt(reply.first(head.Size), offset, range))
            return {E_UNEXPECTED, "KSDATARANGE " + std::to_string(i) + " of " + std::to_string(head.Count) +
                                      " runs past the end of the reply (Size " + std::to_string(head.Size) + ")"};
        if (range.FormatSize < sizeof(KsDataRange) || range.FormatSize > head.Size - offset)
            return {E_UNEXPECTED, "KSDATARANGE " + std::to_string(i) + ": FormatSize " +
                                      std::to_string(range.FormatSize) + " is not between " +
                                      std::to_string(sizeof(KsDataRange)) + " and the " +
                                      std::to_string(head.Size - offset) + " bytes left"};
        out.push_back(range);
        offset += (static_cast<std::size_t>(range.FormatSize) + 7u) & ~std::size_t{7};
    }
    return Status::ok();
}

std::string utf16ToUtf8(std::span<const std::byte> reply)
{
    std::string out;
    const std::size_t units = reply.size() / 2;
    for (std::size_t i = 0; i < units; ++i) {
        auto unit = [&](std::size_t k) {
            return static_cast<std::uint32_t>(std::to_integer<std::uint8_t>(reply[2 * k])) |
                   (static_cast<std::uint32_t>(std::to_integer<std::uint8_t>(reply[2 * k + 1])) << 8);
        };
        std::uint32_t cp = unit(i);
        if (cp == 0)
            break;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < units) {
            const std::uint32_t low = unit(i + 1);
            if (low >= 0xdc00 && low < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                ++i;
            }
        }
        if (cp >= 0xd800 && cp < 0xe000)
            cp = 0xfffd; // a lone surrogate
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }
    return out;
}

// ---- PropertyClient ---------------------------------------------------------------------------------

PropertyClient::PropertyClient(PropertyIo io, std::string object) : m_io(std::move(io)), m_object(std::move(object)) { }

Status PropertyClient::get(const Bytes& request, std::string_view property, std::span<std::byte> out)
{
    ULONG returned = 0;
    const std::uint32_t error = m_io(request, out, returned);
    if (error != 0)
        return propertyError(error, property, m_object);
    if (returned != out.size())
        return shortReply(std::string(property) + " on " + m_object, returned, out.size());
    return Status::ok();
}

Status PropertyClient::getVariable(const Bytes& request, std::string_view property, Bytes& out)
{
    out.clear();
    ULONG needed = 0;
    std::uint32_t error = m_io(request, {}, needed);
    if (error == 0 && needed == 0)
        return Status::ok(); // nothing to read
    if (error != 0 && error != kErrorMoreData && error != kErrorInsufficientBuffer)
        return propertyError(error, property, m_object);
    // Some drivers answer the size query without the size: grow from 4 KiB.
    ULONG size = needed > 0 ? needed : 4096;
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (size > kMaxReply)
            return {E_UNEXPECTED, std::string(property) + " on " + m_object + ": the driver asks for " +
                                      std::to_string(size) + " bytes, more than the " + std::to_string(kMaxReply) +
                                      " KsScope accepts"};
        out.assign(size, std::byte{0});
        ULONG returned = 0;
        error = m_io(request, out, returned);
        if (error == 0) {
            out.resize(std::min<std::size_t>(returned, out.size()));
            return Status::ok();
        }
        if (error != kErrorMoreData && error != kErrorInsufficientBuffer)
            return propertyError(error, property, m_object);
        // the reply grew between the two calls (a pin instance came and went): ask again with more room
        size = returned > size ? returned : size * 2;
    }
    out.clear();
    return {E_UNEXPECTED, std::string(property) + " on " + m_object + ": the reply kept growing; try again"};
}

namespace {
Bytes pinRequest(ULONG id, ULONG pin)
{
    return makePinRequest(guids::KSPROPSETID_Pin, id, pin);
}
/// "KSPROPERTY_PIN_NAME of pin 2"
std::string pinLabel(ULONG id, ULONG pin)
{
    return propertyName(guids::KSPROPSETID_Pin, id) + " of pin " + std::to_string(pin);
}
} // namespace

template <typename Parse>
Status PropertyClient::getParsed(const Bytes& request, const std::string& property, Parse parse)
{
    Bytes reply;
    if (Status s = getVariable(request, property, reply); !s)
        return s;
    Status s = parse(std::span<const std::byte>(reply));
    return s ? s : Status(s.code(), property + " on " + m_object + ": " + s.message());
}

Status PropertyClient::pinFactoryCount(ULONG& count)
{
    return get(makeRequest(guids::KSPROPSETID_Pin, kPinCTypes), propertyName(guids::KSPROPSETID_Pin, kPinCTypes),
               count);
}

Status PropertyClient::pinDataFlow(ULONG pin, ULONG& dataFlow)
{
    return get(pinRequest(kPinDataFlow, pin), pinLabel(kPinDataFlow, pin), dataFlow);
}

Status PropertyClient::pinCommunication(ULONG pin, ULONG& communication)
{
    return get(pinRequest(kPinCommunication, pin), pinLabel(kPinCommunication, pin), communication);
}

Status PropertyClient::pinInstances(ULONG pin, KsPinCInstances& instances)
{
    return get(pinRequest(kPinCInstances, pin), pinLabel(kPinCInstances, pin), instances);
}

Status PropertyClient::pinName(ULONG pin, std::string& name)
{
    return getParsed(pinRequest(kPinName, pin), pinLabel(kPinName, pin), [&](std::span<const std::byte> reply) {
        name = utf16ToUtf8(reply);
        return Status::ok();
    });
}

Status PropertyClient::pinCategory(ULONG pin, Guid& category)
{
    return get(pinRequest(kPinCategory, pin), pinLabel(kPinCategory, pin), category);
}

Status PropertyClient::pinDataRanges(ULONG pin, std::vector<KsDataRange>& ranges)
{
    return getParsed(pinRequest(kPinDataRanges, pin), pinLabel(kPinDataRanges, pin),
                     [&](std::span<const std::byte> reply) { return parseDataRanges(reply, ranges); });
}

Status PropertyClient::framing(KSALLOCATOR_FRAMING& framing)
{
    constexpr ULONG id = kKSPROPERTY_CONNECTION_ALLOCATORFRAMING;
    return get(makeRequest(ksscope::guids::KSPROPSETID_Connection, id),
               propertyName(ksscope::guids::KSPROPSETID_Connection, id), framing);
}

Status PropertyClient::framingEx(KSALLOCATOR_FRAMING_EX& framing)
{
    constexpr ULONG id = kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX;
    return getParsed(makeRequest(ksscope::guids::KSPROPSETID_Connection, id),
                     propertyName(ksscope::guids::KSPROPSETID_Connection, id),
                     [&](std::span<const std::byte> reply) { return parseFramingEx(reply, framing); });
}

Status PropertyClient::allocatorStatus(KSSTREAMALLOCATOR_STATUS& status)
{
    constexpr ULONG id = kKSPROPERTY_STREAMALLOCATOR_STATUS;
    return get(makeRequest(ksscope::guids::KSPROPSETID_StreamAllocator, id),
               propertyName(ksscope::guids::KSPROPSETID_StreamAllocator, id), status);
}

// ---- filters --------------------------------------------------------------------------------------

Status readPinFactories(PropertyClient& filter, std::vector<PinFactory>& out)
{
    out.clear();
    ULONG count = 0;
    if (Status s = filter.pinFactoryCount(count); !s)
        return s;
    constexpr ULONG kMaxPins = 256;
    if (count > kMaxPins)
        return {E_UNEXPECTED, "KSPROPERTY_PIN_CTYPES on " + filter.object() + " reports " + std::to_string(count) +
                                  " pin factories; KsScope reads up to " + std::to_string(kMaxPins)};
    for (ULONG id = 0; id < count; ++id) {
        PinFactory pin;
        pin.id = id;
        if (Status s = filter.pinDataFlow(id, pin.dataFlow); !s)
            return s;
        if (Status s = filter.pinCommunication(id, pin.communication); !s)
            return s;
        if (Status s = filter.pinName(id, pin.name); !s)
            pin.notes.push_back(s.message());
        if (Status s = filter.pinCategory(id, pin.category); !s)
            pin.notes.push_back(s.message());
        if (Status s = filter.pinInstances(id, pin.instances); !s)
            pin.notes.push_back(s.message());
        if (Status s = filter.pinDataRanges(id, pin.dataRanges); !s)
            pin.notes.push_back(s.message());
        out.push_back(std::move(pin));
    }
    return Status::ok();
}

std::string pinId(const std::string& filterId, ULONG factoryId)
{
    return filterId + "/pin" + std::to_string(factoryId);
}

PinInfo toPinInfo(const PinFactory& factory, const std::string& filterId)
{
    PinInfo pin;
    pin.id = pinId(filterId, factory.id);
    pin.name = factory.name.empty() ? "Pin " + std::to_string(factory.id) : factory.name;
    pin.direction = factory.dataFlow == kDataFlowIn ? PinDirection::Input : PinDirection::Output;
    pin.category = factory.category;
    if (!factory.dataRanges.empty()) {
        pin.format.majorType = majorTypeName(factory.dataRanges.front().MajorFormat);
        pin.format.subtype = subtypeName(factory.dataRanges.front().SubFormat);
    }
    return pin;
}

PinFormats toPinFormats(const PinFactory& factory, const std::string& filterId)
{
    PinFormats out;
    out.pinId = pinId(filterId, factory.id);
    out.active.space = FormatSpace::KsSubtype;
    for (const KsDataRange& range : factory.dataRanges) {
        const std::string subtype = subtypeName(range.SubFormat);
        if (std::none_of(out.options.begin(), out.options.end(),
                         [&](const FormatOption& o) { return o.subtype == subtype; })) {
            FormatOption o;
            o.subtype = subtype;
            o.description = majorTypeName(range.MajorFormat);
            out.options.push_back(std::move(o));
        }
    }
    if (!factory.dataRanges.empty())
        out.active.subtype = subtypeName(factory.dataRanges.front().SubFormat);
    out.readOnlyReason = "a KS pin's format is negotiated when a graph connects it (KsScope connects pins with "
                         "--connect); its data ranges are shown";
    return out;
}

} // namespace ksscope::ks
