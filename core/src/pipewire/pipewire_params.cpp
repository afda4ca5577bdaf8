// SPDX-License-Identifier: GPL-3.0-or-later
#include "pipewire_params.h"

#include <algorithm>
#include <cstring>
#include <spa/debug/types.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/audio/type-info.h>
#include <spa/param/buffers.h>
#include <spa/param/format-utils.h>
#include <spa/param/profiler.h>
#include <spa/param/video/format-utils.h>
#include <spa/param/video/type-info.h>
#include <spa/pod/filter.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>

namespace ksscope::pipewire {

namespace {

/// The field \a key of an object pod.
IntChoice readInt(const spa_pod* object, std::uint32_t key)
{
    IntChoice out;
    const spa_pod_prop* prop = spa_pod_find_prop(object, nullptr, key);
    if (!prop)
        return out;
    std::uint32_t count = 0;
    std::uint32_t choice = SPA_CHOICE_None;
    const spa_pod* values = spa_pod_get_values(&prop->value, &count, &choice);
    if (!values || count == 0 || values->type != SPA_TYPE_Int || values->size < sizeof(std::int32_t))
        return out;
    std::vector<std::int64_t> v;
    const auto* body = static_cast<const std::uint8_t*>(SPA_POD_BODY_CONST(values));
    for (std::uint32_t i = 0; i < count; ++i) {
        std::int32_t x = 0;
        std::memcpy(&x, body + static_cast<std::size_t>(i) * values->size, sizeof x);
        v.push_back(x);
    }
    out.present = true;
    out.value = v[0];
    out.min = out.max = v[0];
    switch (choice) {
    case SPA_CHOICE_Range:
    case SPA_CHOICE_Step:
        out.kind = choice == SPA_CHOICE_Range ? IntChoice::Kind::Range : IntChoice::Kind::Step;
        if (v.size() >= 3) {
            out.min = v[1];
            out.max = v[2];
        }
        break;
    case SPA_CHOICE_Enum:
    case SPA_CHOICE_Flags:
        out.kind = choice == SPA_CHOICE_Enum ? IntChoice::Kind::Enum : IntChoice::Kind::Flags;
        out.alternatives.assign(v.begin() + 1, v.end());
        break;
    default:
        break;
    }
    return out;
}

std::uint32_t clampToU32(std::int64_t v)
{
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(v, 0, UINT32_MAX));
}

std::string shortName(const spa_type_info* table, std::uint32_t value)
{
    const char* name = spa_debug_type_find_short_name(table, value);
    return name ? std::string(name) : std::to_string(value);
}

bool readBlock(const spa_pod* pod, ProfilerBlock& block)
{
    spa_pod_parser parser{};
    spa_pod_frame frame{};
    spa_pod_parser_pod(&parser, pod);
    if (spa_pod_parser_push_struct(&parser, &frame) < 0)
        return false;
    const char* name = nullptr;
    spa_fraction latency{0, 0};
    if (spa_pod_parser_get(&parser, SPA_POD_Int(&block.id), SPA_POD_String(&name), SPA_POD_Long(&block.prevSignal_ns),
                           SPA_POD_Long(&block.signal_ns), SPA_POD_Long(&block.awake_ns),
                           SPA_POD_Long(&block.finish_ns), SPA_POD_Int(&block.status), nullptr) < 0)
        return false;
    // the latency came later than the rest: optional
    if (spa_pod_parser_get(&parser, SPA_POD_Fraction(&latency), nullptr) >= 0) {
        block.latencyNum = latency.num;
        block.latencyDenom = latency.denom;
    }
    block.name = name ? name : "";
    return true;
}

bool readInfo(const spa_pod* pod, ProfilerPoint& point)
{
    spa_pod_parser parser{};
    spa_pod_frame frame{};
    spa_pod_parser_pod(&parser, pod);
    if (spa_pod_parser_push_struct(&parser, &frame) < 0)
        return false;
    if (spa_pod_parser_get(&parser, SPA_POD_Long(&point.counter), SPA_POD_Float(&point.cpuLoad[0]),
                           SPA_POD_Float(&point.cpuLoad[1]), SPA_POD_Float(&point.cpuLoad[2]), nullptr) < 0)
        return false;
    (void)spa_pod_parser_get(&parser, SPA_POD_Int(&point.xruns), nullptr);
    return true;
}

bool readClock(const spa_pod* pod, ProfilerPoint& point)
{
    spa_pod_parser parser{};
    spa_pod_frame frame{};
    spa_pod_parser_pod(&parser, pod);
    if (spa_pod_parser_push_struct(&parser, &frame) < 0)
        return false;
    std::int32_t flags = 0;
    std::int32_t id = 0;
    const char* name = nullptr;
    std::int64_t nsec = 0;
    spa_fraction rate{0, 0};
    std::int64_t position = 0;
    if (spa_pod_parser_get(&parser, SPA_POD_Int(&flags), SPA_POD_Int(&id), SPA_POD_String(&name), SPA_POD_Long(&nsec),
                           SPA_POD_Fraction(&rate), SPA_POD_Long(&position), SPA_POD_Long(&point.clockDuration),
                           nullptr) < 0)
        return false;
    point.rateNum = rate.num;
    point.rateDenom = rate.denom;
    point.clockName = name ? name : "";
    return true;
}

} // namespace

std::string IntChoice::toString() const
{
    if (!present)
        return "-";
    std::string text = std::to_string(value);
    switch (kind) {
    case Kind::Fixed:
        return text;
    case Kind::Range:
    case Kind::Step:
        return text + " (" + std::to_string(min) + " to " + std::to_string(max) + ")";
    case Kind::Enum:
    case Kind::Flags: {
        std::string list;
        for (const std::int64_t a : alternatives)
            list += (list.empty() ? "" : ", ") + std::to_string(a);
        if (list.empty())
            return text + (kind == Kind::Enum ? "" : " (flags)");
        return text + (kind == Kind::Enum ? " (one of " : " (flags ") + list + ")";
    }
    }
    return text;
}

std::optional<BuffersParam> readBuffersParam(const spa_pod* pod)
{
    if (!pod || !spa_pod_is_object_type(pod, SPA_TYPE_OBJECT_ParamBuffers))
        return std::nullopt;
    BuffersParam p;
    p.buffers = readInt(pod, SPA_PARAM_BUFFERS_buffers);
    p.blocks = readInt(pod, SPA_PARAM_BUFFERS_blocks);
    p.size = readInt(pod, SPA_PARAM_BUFFERS_size);
    p.stride = readInt(pod, SPA_PARAM_BUFFERS_stride);
    p.align = readInt(pod, SPA_PARAM_BUFFERS_align);
    p.dataType = readInt(pod, SPA_PARAM_BUFFERS_dataType);
    return p;
}

Negotiated negotiateBuffers(const std::vector<std::vector<std::uint8_t>>& outputParams,
                            const std::vector<std::vector<std::uint8_t>>& inputParams, bool outputDrives,
                            std::uint32_t maxBuffers, std::uint32_t maxAlign)
{
    Negotiated n;
    // the daemon swaps the roles when the output node drives: the input's params are then filtered, not filtering
    const auto& output = outputDrives ? inputParams : outputParams;
    const auto& input = outputDrives ? outputParams : inputParams;
    if (output.empty() && input.empty()) {
        n.reason = "neither port lists its buffers yet";
        return n;
    }
    const auto asPod = [](const std::vector<std::uint8_t>& bytes) -> const spa_pod* {
        if (bytes.size() < sizeof(spa_pod))
            return nullptr;
        const auto* pod = reinterpret_cast<const spa_pod*>(bytes.data());
        return SPA_POD_SIZE(pod) <= bytes.size() ? pod : nullptr;
    };
    // each of the filtering port's params in turn filters the other's; a port without params takes the other's
    std::vector<std::uint8_t> chosen;
    const std::size_t inputs = std::max<std::size_t>(input.size(), 1);
    for (std::size_t i = 0; i < inputs && chosen.empty(); ++i) {
        const spa_pod* filter = i < input.size() ? asPod(input[i]) : nullptr;
        if (output.empty()) {
            if (filter)
                chosen.assign(input[i].begin(), input[i].end());
            break;
        }
        for (const std::vector<std::uint8_t>& bytes : output) {
            const spa_pod* param = asPod(bytes);
            if (!param)
                continue;
            std::vector<std::uint8_t> buffer(4096);
            spa_pod_builder builder{};
            spa_pod_builder_init(&builder, buffer.data(), static_cast<std::uint32_t>(buffer.size()));
            spa_pod* result = nullptr;
            if (spa_pod_filter(&builder, &result, param, filter) < 0 || !result)
                continue;
            const auto* begin = reinterpret_cast<const std::uint8_t*>(result);
            chosen.assign(begin, begin + SPA_POD_SIZE(result));
            break;
        }
    }
    if (chosen.empty()) {
        n.reason = "the two ports' buffer parameters do not agree";
        return n;
    }
    auto* param = reinterpret_cast<spa_pod*>(chosen.data());
    spa_pod_fixate(param);
    auto buffers = static_cast<std::int32_t>(maxBuffers);
    std::int32_t blocks = 1;
    std::int32_t size = 0;
    std::int32_t stride = 0;
    auto align = static_cast<std::int32_t>(maxAlign);
    std::int32_t dataType = 0;
    if (spa_pod_parse_object(param, SPA_TYPE_OBJECT_ParamBuffers, nullptr, SPA_PARAM_BUFFERS_buffers,
                             SPA_POD_OPT_Int(&buffers), SPA_PARAM_BUFFERS_blocks, SPA_POD_OPT_Int(&blocks),
                             SPA_PARAM_BUFFERS_size, SPA_POD_OPT_Int(&size), SPA_PARAM_BUFFERS_stride,
                             SPA_POD_OPT_Int(&stride), SPA_PARAM_BUFFERS_align, SPA_POD_OPT_Int(&align),
                             SPA_PARAM_BUFFERS_dataType, SPA_POD_OPT_Int(&dataType)) < 0) {
        n.reason = "the agreed buffer parameters cannot be read";
        return n;
    }
    n.agreed = true;
    n.buffers = buffers == 0 ? maxBuffers : std::min(clampToU32(buffers), maxBuffers);
    n.buffers = std::max(n.buffers, 1U);
    n.blocks = std::clamp(clampToU32(blocks), 1U, 256U);
    n.size = clampToU32(size);
    n.stride = stride;
    n.align = std::max(clampToU32(align), maxAlign);
    return n;
}

std::optional<MediaFormat> readFormat(const spa_pod* pod)
{
    if (!pod || !spa_pod_is_object_type(pod, SPA_TYPE_OBJECT_Format))
        return std::nullopt;
    std::uint32_t mediaType = 0;
    std::uint32_t mediaSubtype = 0;
    if (spa_format_parse(pod, &mediaType, &mediaSubtype) < 0)
        return std::nullopt;
    MediaFormat f;
    if (mediaType == SPA_MEDIA_TYPE_video && mediaSubtype == SPA_MEDIA_SUBTYPE_raw) {
        spa_video_info_raw info{};
        if (spa_format_video_raw_parse(pod, &info) < 0)
            return std::nullopt;
        f.majorType = "video";
        f.subtype = info.format == SPA_VIDEO_FORMAT_UNKNOWN ? std::string("raw")
                                                            : shortName(spa_type_video_format, info.format);
        f.width = info.size.width;
        f.height = info.size.height;
        if (info.framerate.num > 0)
            f.avgTimePerFrame = static_cast<REFERENCE_TIME>(10'000'000LL * info.framerate.denom / info.framerate.num);
        return f;
    }
    if (mediaType == SPA_MEDIA_TYPE_audio && mediaSubtype == SPA_MEDIA_SUBTYPE_raw) {
        spa_audio_info_raw info{};
        if (spa_format_audio_raw_parse(pod, &info) < 0)
            return std::nullopt;
        f.majorType = "audio";
        f.subtype = shortName(spa_type_audio_format, info.format);
        f.sampleRate = info.rate;
        f.channels = info.channels;
        const std::string& s = f.subtype;
        for (const auto& [prefix, bits] :
             {std::pair{"S16", 16U}, std::pair{"S24_32", 32U}, std::pair{"S24", 24U}, std::pair{"S32", 32U},
              std::pair{"F32", 32U}, std::pair{"F64", 64U}, std::pair{"U8", 8U}, std::pair{"S8", 8U}})
            if (s.rfind(prefix, 0) == 0) {
                f.bitsPerSample = bits;
                break;
            }
        return f;
    }
    f.majorType = shortName(spa_type_media_type, mediaType);
    f.subtype = shortName(spa_type_media_subtype, mediaSubtype);
    return f;
}

std::vector<ProfilerPoint> readProfile(const spa_pod* pod)
{
    std::vector<ProfilerPoint> points;
    if (!pod || !spa_pod_is_struct(pod))
        return points;
    const void* body = SPA_POD_BODY_CONST(pod);
    for (auto* object = static_cast<const spa_pod*>(body); spa_pod_is_inside(body, SPA_POD_BODY_SIZE(pod), object);
         object = static_cast<const spa_pod*>(spa_pod_next(object))) {
        if (!spa_pod_is_object_type(object, SPA_TYPE_OBJECT_Profiler))
            continue;
        ProfilerPoint point;
        bool ok = true;
        const spa_pod_prop* prop = nullptr;
        SPA_POD_OBJECT_FOREACH(reinterpret_cast<const spa_pod_object*>(object), prop)
        {
            switch (prop->key) {
            case SPA_PROFILER_info:
                ok = readInfo(&prop->value, point);
                break;
            case SPA_PROFILER_clock:
                ok = readClock(&prop->value, point);
                break;
            case SPA_PROFILER_driverBlock: {
                ProfilerBlock block;
                ok = readBlock(&prop->value, block);
                if (ok)
                    point.driver = std::move(block);
                break;
            }
            case SPA_PROFILER_followerBlock: {
                ProfilerBlock block;
                if (readBlock(&prop->value, block)) // one unreadable follower spoils nothing else
                    point.followers.push_back(std::move(block));
                break;
            }
            default:
                break;
            }
            if (!ok)
                break;
        }
        if (ok && point.driver)
            points.push_back(std::move(point));
    }
    return points;
}

} // namespace ksscope::pipewire
