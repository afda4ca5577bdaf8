// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/ks_types.h"

#include <cstdio>

namespace ksscope {

std::string Guid::toString() const
{
    char text[40];
    std::snprintf(text, sizeof text, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", Data1, Data2, Data3,
                  Data4[0], Data4[1], Data4[2], Data4[3], Data4[4], Data4[5], Data4[6], Data4[7]);
    return text;
}

namespace {

struct NamedGuid {
    std::string_view name;
    const Guid* guid;
};

constexpr NamedGuid kGuidNames[] = {
    {"KSMEMORY_TYPE_SYSTEM", &guids::KSMEMORY_TYPE_SYSTEM},
    {"KSMEMORY_TYPE_USER", &guids::KSMEMORY_TYPE_USER},
    {"KSMEMORY_TYPE_KERNEL_PAGED", &guids::KSMEMORY_TYPE_KERNEL_PAGED},
    {"KSMEMORY_TYPE_KERNEL_NONPAGED", &guids::KSMEMORY_TYPE_KERNEL_NONPAGED},
    {"KSMEMORY_TYPE_DONT_CARE", &guids::KSMEMORY_TYPE_DONT_CARE},
    {"KSPROPSETID_Connection", &guids::KSPROPSETID_Connection},
    {"KSPROPSETID_StreamAllocator", &guids::KSPROPSETID_StreamAllocator},
    {"KSCATEGORY_CAPTURE", &guids::KSCATEGORY_CAPTURE},
    {"KSCATEGORY_VIDEO", &guids::KSCATEGORY_VIDEO},
    {"KSCATEGORY_AUDIO", &guids::KSCATEGORY_AUDIO},
    {"KSCATEGORY_VIDEO_CAMERA", &guids::KSCATEGORY_VIDEO_CAMERA},
    {"KSCATEGORY_DATATRANSFORM", &guids::KSCATEGORY_DATATRANSFORM},
    {"KSCATEGORY_RENDER", &guids::KSCATEGORY_RENDER},
    {"PINNAME_CAPTURE", &guids::PINNAME_CAPTURE},
    {"PINNAME_PREVIEW", &guids::PINNAME_PREVIEW},
};

} // namespace

std::string guidName(const Guid& guid)
{
    for (const auto& entry : kGuidNames)
        if (*entry.guid == guid)
            return std::string(entry.name);
    return guid.toString();
}

bool guidFromString(std::string_view text, Guid& out)
{
    // {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}
    if (text.size() != 38 || text.front() != '{' || text.back() != '}')
        return false;
    std::uint8_t bytes[16];
    std::size_t n = 0;
    for (std::size_t i = 1; i + 1 < text.size() && n < 16;) {
        if (text[i] == '-') {
            ++i;
            continue;
        }
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9')
                return c - '0';
            if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
            if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
            return -1;
        };
        const int hi = hex(text[i]);
        const int lo = i + 2 < text.size() ? hex(text[i + 1]) : -1;
        if (hi < 0 || lo < 0)
            return false;
        bytes[n++] = static_cast<std::uint8_t>(hi * 16 + lo);
        i += 2;
    }
    if (n != 16 || text[9] != '-' || text[14] != '-' || text[19] != '-' || text[24] != '-')
        return false;
    Guid g;
    g.Data1 =
        (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
    g.Data2 = static_cast<std::uint16_t>((bytes[4] << 8) | bytes[5]);
    g.Data3 = static_cast<std::uint16_t>((bytes[6] << 8) | bytes[7]);
    for (std::size_t i = 0; i < 8; ++i)
        g.Data4[i] = bytes[8 + i];
    out = g;
    return true;
}

bool guidFromName(std::string_view name, Guid& out)
{
    if (!name.empty() && name.front() == '{')
        return guidFromString(name, out);
    for (const auto& entry : kGuidNames) {
        const std::string_view full = entry.name;
        const bool exact = full == name;
        // also accept the suffix after the prefix: "KERNEL_NONPAGED", "CAPTURE"
        const auto underscore = full.find('_');
        const bool suffixMatch = !exact && full.size() > name.size() && full.ends_with(name) &&
                                 full[full.size() - name.size() - 1] == '_' && underscore != std::string_view::npos &&
                                 full.size() - name.size() - 1 >= underscore;
        if (exact || suffixMatch) {
            out = *entry.guid;
            return true;
        }
    }
    return false;
}

std::string_view allocatorModeName(KSALLOCATORMODE mode)
{
    return mode == KsAllocatorMode_Kernel ? "kernel" : "user";
}

std::string_view pipeStateName(PIPE_STATE state)
{
    switch (state) {
    case PipeState_DontCare:
        return "PipeState_DontCare";
    case PipeState_RangeNotFixed:
        return "PipeState_RangeNotFixed";
    case PipeState_RangeFixed:
        return "PipeState_RangeFixed";
    case PipeState_CompressionUnknown:
        return "PipeState_CompressionUnknown";
    case PipeState_Finalized:
        return "PipeState_Finalized";
    }
    return "PipeState_?";
}

std::string_view pipeAllocatorPlaceName(PIPE_ALLOCATOR_PLACE place)
{
    switch (place) {
    case Pipe_Allocator_None:
        return "Pipe_Allocator_None";
    case Pipe_Allocator_FirstPin:
        return "Pipe_Allocator_FirstPin";
    case Pipe_Allocator_LastPin:
        return "Pipe_Allocator_LastPin";
    case Pipe_Allocator_MiddlePin:
        return "Pipe_Allocator_MiddlePin";
    }
    return "Pipe_Allocator_?";
}

std::string_view logicalMemoryTypeName(KS_LogicalMemoryType type)
{
    switch (type) {
    case KS_MemoryTypeDontCare:
        return "KS_MemoryTypeDontCare";
    case KS_MemoryTypeKernelPaged:
        return "KS_MemoryTypeKernelPaged";
    case KS_MemoryTypeKernelNonPaged:
        return "KS_MemoryTypeKernelNonPaged";
    case KS_MemoryTypeDeviceHostMapped:
        return "KS_MemoryTypeDeviceHostMapped";
    case KS_MemoryTypeDeviceSpecific:
        return "KS_MemoryTypeDeviceSpecific";
    case KS_MemoryTypeUser:
        return "KS_MemoryTypeUser";
    case KS_MemoryTypeAnyHost:
        return "KS_MemoryTypeAnyHost";
    }
    return "KS_MemoryType?";
}

std::string framingFlagsToString(ULONG flags)
{
    struct Flag {
        ULONG bit;
        const char* name;
    };
    static constexpr Flag kFlags[] = {
        {KSALLOCATOR_REQUIREMENTF_INPLACE_MODIFIER, "INPLACE_MODIFIER"},
        {KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY, "SYSTEM_MEMORY"},
        {KSALLOCATOR_REQUIREMENTF_FRAME_INTEGRITY, "FRAME_INTEGRITY"},
        {KSALLOCATOR_REQUIREMENTF_MUST_ALLOCATE, "MUST_ALLOCATE"},
        {KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY, "PREFERENCES_ONLY"},
    };
    std::string out;
    ULONG rest = flags;
    for (const auto& flag : kFlags) {
        if (flags & flag.bit) {
            if (!out.empty())
                out += " | ";
            out += flag.name;
            rest &= ~flag.bit;
        }
    }
    if (rest) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%X", rest);
        if (!out.empty())
            out += " | ";
        out += hex;
    }
    return out.empty() ? "0" : out;
}

KSALLOCATOR_FRAMING framingFromProperties(const ALLOCATOR_PROPERTIES& props, ULONG optionsFlags, ULONG poolType)
{
    KSALLOCATOR_FRAMING framing;
    framing.OptionsFlags = optionsFlags;
    framing.PoolType = poolType;
    framing.Frames = static_cast<ULONG>(props.cBuffers);
    framing.FrameSize = static_cast<ULONG>(props.cbBuffer);
    framing.FileAlignment = props.cbAlign > 0 ? static_cast<ULONG>(props.cbAlign - 1) : 0;
    return framing;
}

ALLOCATOR_PROPERTIES propertiesFromFraming(const KSALLOCATOR_FRAMING& framing)
{
    ALLOCATOR_PROPERTIES props;
    props.cBuffers = static_cast<LONG>(framing.Frames);
    props.cbBuffer = static_cast<LONG>(framing.FrameSize);
    props.cbAlign = static_cast<LONG>(framing.FileAlignment + 1);
    props.cbPrefix = 0;
    return props;
}

} // namespace ksscope
