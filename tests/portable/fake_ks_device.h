// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A KS object that answers IOCTL_KS_PROPERTY requests from a table, the way a driver does: a reply too
// small for the data gets ERROR_MORE_DATA with the size needed (or, for drivers that behave so,
// ERROR_INSUFFICIENT_BUFFER and no size), an unknown set ERROR_SET_NOT_FOUND, an unknown id ERROR_NOT_FOUND.
// Every request is logged so that tests can check the order of the calls.

#include "ks/ks_property.h"

#include <cstring>
#include <map>
#include <tuple>

namespace ksscope::test {

class FakeKsDevice {
public:
    struct Key {
        Guid set;
        ULONG id = 0;
        std::optional<ULONG> pin;
        friend bool operator<(const Key& a, const Key& b)
        {
            auto tie = [](const Key& k) {
                return std::make_tuple(k.set.Data1, k.set.Data2, k.set.Data3, k.set.Data4, k.id, k.pin);
            };
            return tie(a) < tie(b);
        }
    };
    struct Call {
        Key key;
        std::size_t replySize = 0;
    };

    bool sizeQueryReportsSize = true; ///< false: ERROR_INSUFFICIENT_BUFFER without the size
    std::uint32_t failAll = 0; ///< a Win32 error for every request (a removed device)

    template <typename T> void set(const Guid& set, ULONG id, std::optional<ULONG> pin, const T& value)
    {
        ks::Bytes bytes(sizeof(T));
        std::memcpy(bytes.data(), &value, sizeof(T));
        m_replies[{set, id, pin}] = bytes;
    }
    void setBytes(const Guid& set, ULONG id, std::optional<ULONG> pin, ks::Bytes bytes)
    {
        m_replies[{set, id, pin}] = std::move(bytes);
    }
    void setError(const Guid& set, ULONG id, std::optional<ULONG> pin, std::uint32_t error)
    {
        m_errors[{set, id, pin}] = error;
    }
    void knowSet(const Guid& set) { m_sets.push_back(set); }

    /// The transport: IOCTL_KS_PROPERTY semantics over the table.
    std::uint32_t io(std::span<const std::byte> request, std::span<std::byte> reply, ULONG& returned)
    {
        returned = 0;
        const auto decoded = ks::decodeRequest(request);
        if (!decoded)
            return 87; // ERROR_INVALID_PARAMETER
        const Key key{decoded->property.Set, decoded->property.Id, decoded->pinId};
        calls.push_back({key, reply.size()});
        if (failAll != 0)
            return failAll;
        if (decoded->property.Flags != ks::kPropertyTypeGet)
            return kErrorNotSupported;
        if (auto e = m_errors.find(key); e != m_errors.end())
            return e->second;
        auto it = m_replies.find(key);
        if (it == m_replies.end()) {
            for (const Guid& s : m_sets)
                if (s == key.set)
                    return kErrorNotFound;
            return kErrorSetNotFound;
        }
        const ks::Bytes& data = it->second;
        if (reply.size() < data.size()) {
            if (!sizeQueryReportsSize)
                return kErrorInsufficientBuffer;
            returned = static_cast<ULONG>(data.size());
            return kErrorMoreData;
        }
        std::memcpy(reply.data(), data.data(), data.size());
        returned = static_cast<ULONG>(data.size());
        return 0;
    }
    ks::PropertyIo transport()
    {
        return [this](std::span<const std::byte> request, std::span<std::byte> reply, ULONG& returned) {
            return io(request, reply, returned);
        };
    }

    std::vector<Call> calls;

private:
    std::map<Key, ks::Bytes> m_replies;
    std::map<Key, std::uint32_t> m_errors;
    std::vector<Guid> m_sets;
};

/// UTF-16LE bytes of \a text (ASCII) with the terminating NUL, as KSPROPERTY_PIN_NAME returns them.
inline ks::Bytes utf16(std::string_view text)
{
    ks::Bytes out;
    for (char c : text) {
        out.push_back(static_cast<std::byte>(c));
        out.push_back(std::byte{0});
    }
    out.push_back(std::byte{0});
    out.push_back(std::byte{0});
    return out;
}

/// A KSMULTIPLE_ITEM reply holding \a ranges (each padded to 8 bytes, as drivers lay them out).
inline ks::Bytes dataRanges(const std::vector<ks::KsDataRange>& ranges)
{
    ks::Bytes out(sizeof(ks::KsMultipleItem));
    for (const auto& r : ranges) {
        const std::size_t at = out.size();
        out.resize(at + ((r.FormatSize + 7u) & ~7u));
        std::memcpy(out.data() + at, &r, sizeof(r));
    }
    const ks::KsMultipleItem head{static_cast<ULONG>(out.size()), static_cast<ULONG>(ranges.size())};
    std::memcpy(out.data(), &head, sizeof(head));
    return out;
}

/// A capture filter with two pin factories (capture out, preview out) as a USB camera's driver reports it.
inline void describeCamera(FakeKsDevice& device)
{
    using namespace ks;
    device.knowSet(ks::guids::KSPROPSETID_Pin);
    device.knowSet(ksscope::guids::KSPROPSETID_Connection);
    device.set(ks::guids::KSPROPSETID_Pin, kPinCTypes, std::nullopt, ULONG{2});
    const char* names[] = {"Capture", "Still"};
    for (ULONG pin = 0; pin < 2; ++pin) {
        device.set(ks::guids::KSPROPSETID_Pin, kPinDataFlow, pin, ULONG{kDataFlowOut});
        device.set(ks::guids::KSPROPSETID_Pin, kPinCommunication, pin, ULONG{kCommunicationSink});
        device.setBytes(ks::guids::KSPROPSETID_Pin, kPinName, pin, utf16(names[pin]));
        device.set(ks::guids::KSPROPSETID_Pin, kPinCategory, pin, ksscope::guids::PINNAME_CAPTURE);
        device.set(ks::guids::KSPROPSETID_Pin, kPinCInstances, pin, KsPinCInstances{1, 0});
        KsDataRange yuy2;
        yuy2.FormatSize = 136; // KS_DATARANGE_VIDEO-sized: the parser must step over the tail
        yuy2.MajorFormat = ks::guids::KSDATAFORMAT_TYPE_VIDEO;
        yuy2.SubFormat = ks::guids::KSDATAFORMAT_TYPE_VIDEO;
        yuy2.SubFormat.Data1 = 0x32595559; // 'YUY2'
        KsDataRange mjpg = yuy2;
        mjpg.SubFormat.Data1 = 0x47504a4d; // 'MJPG'
        device.setBytes(ks::guids::KSPROPSETID_Pin, kPinDataRanges, pin, dataRanges({yuy2, mjpg}));
    }
}

} // namespace ksscope::test
