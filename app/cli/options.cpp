// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include <charconv>
#include <cstdlib>

namespace ksscope::cli {

namespace {
bool parseLong(std::string_view text, LONG& out)
{
    long long value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || value < INT32_MIN || value > INT32_MAX)
        return false;
    out = static_cast<LONG>(value);
    return true;
}

/// Splits "key=value,key=value" and calls \a onItem(key, value) for each, in order; stops at the first
/// item \a onItem rejects (returns false). An item without '=' is an error named with \a option.
template <typename OnItem>
bool forEachKeyValue(std::string_view list, const std::string& option, std::string& error, OnItem onItem)
{
    while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            error = option + ": \"" + std::string(item) + "\" is not key=value";
            return false;
        }
        if (!onItem(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))))
            return false;
    }
    return true;
}
} // namespace

std::optional<SetSpec> parseSetSpec(const std::string& text, std::string& error)
{
    // the id itself holds ':' ("sim:avshws/pin0/allocator"): the id ends at the last ':' before the first '='
    const auto eq = text.find('=');
    const auto colon = eq == std::string::npos ? std::string::npos : text.rfind(':', eq);
    if (eq == std::string::npos || colon == std::string::npos || colon == 0) {
        error =
            "--set " + text + ": expected ID:key=value[,key=value...], e.g. --set sim:avshws/pin0/allocator:buffers=8";
        return std::nullopt;
    }
    SetSpec spec;
    spec.text = text;
    spec.id = text.substr(0, colon);
    const bool ok = forEachKeyValue(
        std::string_view(text).substr(colon + 1), "--set " + text, error,
        [&](const std::string& key, const std::string& value) {
            if (key == "mode") {
                if (value != "user" && value != "kernel") {
                    error = "--set " + text + ": mode must be user or kernel, got \"" + value + "\"";
                    return false;
                }
                spec.mode = value == "kernel" ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
                return true;
            }
            if (key != "buffers" && key != "buffer-size" && key != "bufferSize" && key != "align" && key != "prefix") {
                error = "--set " + text + ": unknown key \"" + key +
                        "\"; allowed: buffers, buffer-size, align, prefix, mode";
                return false;
            }
            LONG number = 0;
            if (!parseLong(value, number)) {
                error = "--set " + text + ": " + key + " must be an integer, got \"" + value + "\"";
                return false;
            }
            if (key == "buffers")
                spec.properties.buffers = number;
            else if (key == "buffer-size" || key == "bufferSize")
                spec.properties.bufferSize = number;
            else if (key == "align")
                spec.properties.align = number;
            else
                spec.properties.prefix = number;
            return true;
        });
    if (!ok)
        return std::nullopt;
    if (spec.properties.empty() && !spec.mode) {
        error = "--set " + text + ": nothing to set";
        return std::nullopt;
    }
    return spec;
}

std::optional<StreamSpec> parseStreamSpec(const std::string& text, std::string& error)
{
    StreamSpec spec;
    spec.text = text;
    // "ID" alone, or "ID:key=value,...": the id ends at the last ':' before the first '='
    const auto eq = text.find('=');
    const auto colon = eq == std::string::npos ? std::string::npos : text.rfind(':', eq);
    spec.id = colon == std::string::npos ? text : text.substr(0, colon);
    if (spec.id.empty()) {
        error = "--stream " + text +
                ": expected ID[:memory=mmap|userptr|dmabuf,buffers=N,format=FOURCC,width=W,"
                "height=H,fps=F,hold-ms=MS,dmabuf-from=ID]";
        return std::nullopt;
    }
    const std::string_view list =
        colon == std::string::npos ? std::string_view() : std::string_view(text).substr(colon + 1);
    const bool ok =
        forEachKeyValue(list, "--stream " + text, error, [&](const std::string& key, const std::string& value) {
            auto number = [&](double min, double max, double& out) {
                char* end = nullptr;
                out = std::strtod(value.c_str(), &end);
                if (value.empty() || *end != '\0' || !(out >= min && out <= max)) {
                    error = "--stream " + text + ": " + key + " must be a number from " +
                            std::to_string(static_cast<long>(min)) + " to " + std::to_string(static_cast<long>(max)) +
                            ", got \"" + value + "\"";
                    return false;
                }
                return true;
            };
            double n = 0;
            if (key == "memory") {
                if (value != "mmap" && value != "userptr" && value != "dmabuf") {
                    error = "--stream " + text + ": memory must be mmap, userptr or dmabuf, got \"" + value + "\"";
                    return false;
                }
                spec.options.memory = value;
            } else if (key == "buffers") {
                if (!number(1, 64, n))
                    return false;
                spec.options.buffers = static_cast<std::uint32_t>(n);
            } else if (key == "format") {
                if (value.empty() || value.size() > 4) {
                    error = "--stream " + text + ": format is a FOURCC such as YUYV, got \"" + value + "\"";
                    return false;
                }
                spec.options.fourcc = value;
            } else if (key == "width" || key == "height") {
                if (!number(1, 16384, n))
                    return false;
                (key == "width" ? spec.options.width : spec.options.height) = static_cast<std::uint32_t>(n);
            } else if (key == "fps") {
                if (!number(0.1, 1000, n))
                    return false;
                spec.options.fps = n;
            } else if (key == "hold-ms") {
                if (!number(0, 60000, n))
                    return false;
                spec.options.holdMs = n;
            } else if (key == "dmabuf-from") {
                spec.options.dmabufFrom = value;
            } else {
                error = "--stream " + text + ": unknown key \"" + key +
                        "\"; allowed: memory, buffers, format, width, height, fps, hold-ms, dmabuf-from";
                return false;
            }
            return true;
        });
    if (!ok)
        return std::nullopt;
    return spec;
}

} // namespace ksscope::cli
