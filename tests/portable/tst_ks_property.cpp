// SPDX-License-Identifier: GPL-3.0-or-later
// The ks backend's IOCTL_KS_PROPERTY layer: request layout, the size query before variable replies,
// reply parsing and error naming. Runs natively and, cross-built, under wine.
#include "fake_ks_device.h"

#include <cstring>
#include <doctest/doctest.h>

using namespace ksscope;
using namespace ksscope::ks;
using ksscope::test::FakeKsDevice;

namespace {
template <typename T> T readBytes(const Bytes& bytes, std::size_t offset)
{
    T value{};
    REQUIRE(bytes.size() >= offset + sizeof(T));
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

KS_FRAMING_ITEM framingItem(ULONG frames, ULONG size)
{
    KS_FRAMING_ITEM item;
    item.MemoryType = ksscope::guids::KSMEMORY_TYPE_KERNEL_NONPAGED;
    item.BusType = ksscope::guids::KSMEMORY_TYPE_DONT_CARE;
    item.Frames = frames;
    item.FileAlignment = FILE_QUAD_ALIGNMENT;
    item.FramingRange.Range.MinFrameSize = size;
    item.FramingRange.Range.MaxFrameSize = size;
    return item;
}

Bytes framingExReply(const std::vector<KS_FRAMING_ITEM>& items, ULONG declaredCount)
{
    Bytes out(kFramingExHeaderSize + items.size() * sizeof(KS_FRAMING_ITEM));
    std::memcpy(out.data(), &declaredCount, 4);
    const ULONG pinFlags = 0x10;
    std::memcpy(out.data() + 4, &pinFlags, 4);
    const KS_COMPRESSION compression{1, 1, 0};
    std::memcpy(out.data() + 8, &compression, sizeof(compression));
    for (std::size_t i = 0; i < items.size(); ++i)
        std::memcpy(out.data() + kFramingExHeaderSize + i * sizeof(KS_FRAMING_ITEM), &items[i],
                    sizeof(KS_FRAMING_ITEM));
    return out;
}
} // namespace

TEST_CASE("a KSP_PIN request has the Windows layout")
{
    const Bytes request = makePinRequest(ks::guids::KSPROPSETID_Pin, kPinDataFlow, 3);
    REQUIRE(request.size() == 32);
    CHECK(readBytes<Guid>(request, 0) == ks::guids::KSPROPSETID_Pin);
    CHECK(readBytes<ULONG>(request, 16) == kPinDataFlow);
    CHECK(readBytes<ULONG>(request, 20) == kPropertyTypeGet);
    CHECK(readBytes<ULONG>(request, 24) == 3u);
    CHECK(readBytes<ULONG>(request, 28) == 0u);

    const Bytes plain = makeRequest(ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING);
    CHECK(plain.size() == 24);
    const auto decoded = decodeRequest(plain);
    REQUIRE(decoded);
    CHECK_FALSE(decoded->pinId.has_value());
    CHECK(propertyName(decoded->property.Set, decoded->property.Id) == "KSPROPERTY_CONNECTION_ALLOCATORFRAMING");
    CHECK_FALSE(decodeRequest(Bytes(10)).has_value());
}

TEST_CASE("the pin factories of a camera filter are read and mapped to pins")
{
    FakeKsDevice device;
    test::describeCamera(device);
    PropertyClient filter(device.transport(), "filter \"USB Camera\"");
    std::vector<PinFactory> pins;
    REQUIRE(readPinFactories(filter, pins).isOk());
    REQUIRE(pins.size() == 2);
    CHECK(pins[1].name == "Still");
    CHECK(pins[0].dataFlow == kDataFlowOut);
    CHECK(communicationName(pins[0].communication) == "sink");
    CHECK(pins[0].category == ksscope::guids::PINNAME_CAPTURE);
    CHECK(pins[0].instances.PossibleCount == 1);
    REQUIRE(pins[0].dataRanges.size() == 2);
    CHECK(subtypeName(pins[0].dataRanges[1].SubFormat) == "MJPG");
    CHECK(pins[0].notes.empty());

    const PinInfo info = toPinInfo(pins[0], "ks:usb-camera");
    CHECK(info.id == "ks:usb-camera/pin0");
    CHECK(info.name == "Capture");
    CHECK(info.direction == PinDirection::Output);
    CHECK(info.format.majorType == "video");
    CHECK(info.format.subtype == "YUY2");

    // the data ranges as the pin's formats: one per subtype, the first one's as the active format, read-only
    const PinFormats formats = toPinFormats(pins[0], "ks:usb-camera");
    CHECK(formats.pinId == "ks:usb-camera/pin0");
    REQUIRE(formats.options.size() == 2);
    CHECK(formats.options[0].subtype == "YUY2");
    CHECK(formats.options[1].subtype == "MJPG");
    CHECK(formats.options[1].description == "video");
    CHECK(formats.active.space == FormatSpace::KsSubtype);
    CHECK(formats.active.subtype == "YUY2");
    CHECK(formats.optionFor(formats.active) == &formats.options[0]);
    CHECK(!formats.readOnlyReason.empty());
}

TEST_CASE("a variable reply is read after a size query")
{
    FakeKsDevice device;
    test::describeCamera(device);
    PropertyClient filter(device.transport(), "filter");
    std::string name;
    REQUIRE(filter.pinName(1, name).isOk());
    CHECK(name == "Still");
    REQUIRE(device.calls.size() == 2);
    CHECK(device.calls[0].replySize == 0); // the size query
    CHECK(device.calls[1].replySize == test::utf16("Still").size());

    SUBCASE("a driver that does not report the size gets a growing buffer")
    {
        device.sizeQueryReportsSize = false;
        device.calls.clear();
        REQUIRE(filter.pinName(0, name).isOk());
        CHECK(name == "Capture");
        REQUIRE(device.calls.size() == 2);
        CHECK(device.calls[1].replySize == 4096);
    }
}

TEST_CASE("optional pin properties a driver lacks are noted, required ones fail the read")
{
    FakeKsDevice device;
    test::describeCamera(device);
    device.setError(ks::guids::KSPROPSETID_Pin, kPinName, 0u, 1168);
    device.setError(ks::guids::KSPROPSETID_Pin, kPinDataRanges, 1u, 1168);
    PropertyClient filter(device.transport(), "filter \"Tuner\"");
    std::vector<PinFactory> pins;
    REQUIRE(readPinFactories(filter, pins).isOk());
    CHECK(toPinInfo(pins[0], "ks:tuner").name == "Pin 0");
    REQUIRE(pins[0].notes.size() == 1);
    CHECK(pins[0].notes[0].find("KSPROPERTY_PIN_NAME of pin 0 on filter \"Tuner\"") != std::string::npos);
    CHECK(pins[0].notes[0].find("does not support this property") != std::string::npos);
    CHECK(toPinInfo(pins[1], "ks:tuner").format.majorType.empty());

    device.setError(ks::guids::KSPROPSETID_Pin, kPinDataFlow, 1u, 31);
    const Status s = readPinFactories(filter, pins);
    CHECK_FALSE(s.isOk());
    CHECK(s.code() == hresultFromWin32(31));
    CHECK(s.message().find("KSPROPERTY_PIN_DATAFLOW of pin 1") != std::string::npos);
    CHECK(s.message().find("device failure") != std::string::npos);
}

TEST_CASE("errors name the property, the object and what to do")
{
    FakeKsDevice device; // knows no property set at all
    PropertyClient pin(device.transport(), "pin 0 of \"USB Camera\"");
    KSALLOCATOR_FRAMING framing;
    Status s = pin.framing(framing);
    CHECK(s.code() == hresultFromWin32(1170));
    CHECK(hresultName(s.code()) == "HRESULT_FROM_WIN32(ERROR_SET_NOT_FOUND)");
    CHECK(s.message() == "KSPROPERTY_CONNECTION_ALLOCATORFRAMING on pin 0 of \"USB Camera\" failed: the driver "
                         "does not support this property set");

    device.failAll = kErrorDeviceRemoved;
    ULONG count = 0;
    PropertyClient filter(device.transport(), "filter \"USB Camera\"");
    s = filter.pinFactoryCount(count);
    CHECK(s.code() == hresultFromWin32(kErrorDeviceRemoved));
    CHECK(s.message().find("the device is gone") != std::string::npos);
    std::vector<PinFactory> pins;
    CHECK_FALSE(readPinFactories(filter, pins).isOk());
    CHECK(pins.empty());
}

TEST_CASE("a fixed-size reply of the wrong size is refused")
{
    FakeKsDevice device;
    device.setBytes(ks::guids::KSPROPSETID_Pin, kPinCTypes, std::nullopt, Bytes(2));
    PropertyClient filter(device.transport(), "filter");
    ULONG count = 0;
    const Status s = filter.pinFactoryCount(count);
    CHECK(s.code() == E_UNEXPECTED);
    CHECK(s.message().find("returned 2 bytes, 4 expected") != std::string::npos);

    device.set(ks::guids::KSPROPSETID_Pin, kPinCTypes, std::nullopt, ULONG{100000});
    std::vector<PinFactory> pins;
    CHECK(readPinFactories(filter, pins).message().find("100000 pin factories") != std::string::npos);
}

TEST_CASE("allocator framing and status")
{
    FakeKsDevice device;
    const KSALLOCATOR_FRAMING framing{
        KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY, kNonPagedPool, 4, 614400, FILE_QUAD_ALIGNMENT, 0};
    device.set(ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING, std::nullopt, framing);
    KSSTREAMALLOCATOR_STATUS status;
    status.Framing = framing;
    status.AllocatedFrames = 3;
    device.set(ksscope::guids::KSPROPSETID_StreamAllocator, kKSPROPERTY_STREAMALLOCATOR_STATUS, std::nullopt, status);
    PropertyClient object(device.transport(), "pin");
    KSALLOCATOR_FRAMING got;
    REQUIRE(object.framing(got).isOk());
    CHECK(got == framing);
    KSSTREAMALLOCATOR_STATUS gotStatus;
    REQUIRE(object.allocatorStatus(gotStatus).isOk());
    CHECK(gotStatus.AllocatedFrames == 3);
    CHECK(gotStatus.Framing.FrameSize == 614400);
}

TEST_CASE("extended framing with several items")
{
    FakeKsDevice device;
    device.setBytes(ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX, std::nullopt,
                    framingExReply({framingItem(4, 614400), framingItem(8, 153600)}, 2));
    PropertyClient pin(device.transport(), "pin");
    KSALLOCATOR_FRAMING_EX ex;
    REQUIRE(pin.framingEx(ex).isOk());
    CHECK(ex.CountItems == 2);
    CHECK(ex.PinFlags == 0x10);
    CHECK(ex.FramingItem[0].Frames == 4);
    CHECK(ex.FramingItem[1].FramingRange.Range.MaxFrameSize == 153600);
    CHECK(ex.FramingItem[1].MemoryType == ksscope::guids::KSMEMORY_TYPE_KERNEL_NONPAGED);
    REQUIRE(device.calls.size() == 2);
    CHECK(device.calls[0].replySize == 0);

    SUBCASE("a count the reply does not hold")
    {
        device.setBytes(ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX,
                        std::nullopt, framingExReply({framingItem(4, 614400)}, 3));
        const Status s = pin.framingEx(ex);
        CHECK(s.code() == E_UNEXPECTED);
        CHECK(s.message().find("CountItems is 3 but 112 bytes hold only 1 items") != std::string::npos);
    }
    SUBCASE("no items")
    {
        device.setBytes(ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX,
                        std::nullopt, framingExReply({}, 0));
        CHECK(pin.framingEx(ex).message().find("CountItems is 0") != std::string::npos);
    }
    SUBCASE("more items than KsScope keeps")
    {
        std::vector<KS_FRAMING_ITEM> many(9, framingItem(2, 4096));
        device.setBytes(ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX,
                        std::nullopt, framingExReply(many, 9));
        CHECK(pin.framingEx(ex).message().find("reads up to 8") != std::string::npos);
    }
}

TEST_CASE("KSMULTIPLE_ITEM lists are checked against their sizes")
{
    std::vector<std::span<const std::byte>> items;
    Bytes reply(8 + 2 * 24);
    const KsMultipleItem head{static_cast<ULONG>(reply.size()), 2};
    std::memcpy(reply.data(), &head, sizeof(head));
    REQUIRE(parseMultipleItems(reply, 24, items).isOk());
    CHECK(items.size() == 2);
    CHECK(items[1].data() == reply.data() + 32);

    const KsMultipleItem tooMany{static_cast<ULONG>(reply.size()), 3};
    std::memcpy(reply.data(), &tooMany, sizeof(tooMany));
    CHECK(parseMultipleItems(reply, 24, items).message().find("Count is 3 items of 24 bytes") != std::string::npos);
    const KsMultipleItem tooBig{1000, 1};
    std::memcpy(reply.data(), &tooBig, sizeof(tooBig));
    CHECK(parseMultipleItems(reply, 24, items).message().find("Size is 1000 but the reply has 56 bytes") !=
          std::string::npos);
    CHECK_FALSE(parseMultipleItems(Bytes(4), 24, items).isOk());

    KsDataRange range;
    range.FormatSize = 40; // smaller than a KSDATARANGE
    Bytes ranges = test::dataRanges({});
    ranges.resize(8 + 64);
    std::memcpy(ranges.data() + 8, &range, sizeof(range));
    const KsMultipleItem one{72, 1};
    std::memcpy(ranges.data(), &one, sizeof(one));
    std::vector<KsDataRange> parsed;
    CHECK(parseDataRanges(ranges, parsed).message().find("FormatSize 40") != std::string::npos);
}

TEST_CASE("pin names are decoded from UTF-16")
{
    Bytes bytes = test::utf16("Capture");
    CHECK(utf16ToUtf8(bytes) == "Capture");
    // "Caméra" with a surrogate pair (U+1F4F7) and a lone surrogate
    const std::uint16_t units[] = {0x43, 0xe9, 0xd83d, 0xdcf7, 0xd800, 0x41, 0};
    Bytes wide(sizeof(units));
    std::memcpy(wide.data(), units, sizeof(units));
    CHECK(utf16ToUtf8(wide) == "C\xc3\xa9\xf0\x9f\x93\xb7\xef\xbf\xbd"
                               "A");
    CHECK(utf16ToUtf8(Bytes(3)).empty());
}

TEST_CASE("format names")
{
    CHECK(majorTypeName(ks::guids::KSDATAFORMAT_TYPE_AUDIO) == "audio");
    CHECK(subtypeName(ks::guids::KSDATAFORMAT_SUBTYPE_PCM) == "PCM");
    Guid nv12 = ks::guids::KSDATAFORMAT_TYPE_VIDEO;
    nv12.Data1 = 0x3231564e;
    CHECK(subtypeName(nv12) == "NV12");
    CHECK(subtypeName(ksscope::guids::KSMEMORY_TYPE_USER) == "KSMEMORY_TYPE_USER");
    CHECK(dataFlowName(kDataFlowIn) == "in");
    CHECK(propertyName(ks::guids::KSPROPSETID_Pin, 99).find(" id 99") != std::string::npos);
}
