// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/options.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ksscope {

int exitCodeFor(const Status& status)
{
    if (status.isOk())
        return ExitOk;
    const HRESULT code = status.code();
    if (code == hresultFromWin32(kErrorFileNotFound) || code == hresultFromWin32(kErrorPathNotFound) ||
        code == hresultFromWin32(kErrorBadArguments))
        return ExitUsage;
    if (code == E_INVALIDARG || code == VFW_E_BADALIGN || code == hresultFromWin32(kErrorFileCorrupt) ||
        code == hresultFromWin32(kErrorRevisionMismatch))
        return ExitInvalidValue;
    return ExitDevice;
}

Status checkOutputFile(const std::string& output)
{
    if (output == "-")
        return Status::ok();
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path path(output);
    auto cannot = [&](const std::string& why) {
        return Status(hresultFromWin32(kErrorPathNotFound), output + ": cannot write there: " + why);
    };
    if (output.empty())
        return cannot("no file name given");
    if (fs::is_directory(path, ec))
        return cannot("it is a folder; give a file name");
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (!fs::is_directory(folder, ec))
        return cannot("the folder " + folder.string() + " does not exist; create it or write elsewhere");
    const fs::file_status entry = fs::symlink_status(path, ec);
    if (entry.type() == fs::file_type::not_found) {
        // a new file: made and removed again, so that a folder without write permission is found now
        {
            std::ofstream probe(output, std::ios::binary | std::ios::app);
            if (!probe)
                return cannot("no file can be created in " + folder.string() + " (no permission?)");
        }
        fs::remove(path, ec);
    } else if (entry.type() == fs::file_type::regular) {
        std::ofstream probe(output, std::ios::binary | std::ios::app);
        if (!probe)
            return cannot("the file cannot be opened for writing (no permission?)");
    }
    // anything else (a link, a device, a pipe) is not opened twice: a pipe would see an end, a device a write
    return Status::ok();
}

std::string numberText(double value)
{
    char text[32];
    if (std::isfinite(value) && std::fabs(value) < 1e15 && value == std::floor(value))
        std::snprintf(text, sizeof text, "%.0f", value);
    else
        std::snprintf(text, sizeof text, "%g", value);
    return text;
}

namespace {

std::string quoted(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text.substr(0, 64)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        } else {
            out += c;
        }
    }
    if (text.size() > 64)
        out += "...";
    return out + "\"";
}

std::string prefix(std::string_view option)
{
    return option.empty() ? std::string() : std::string(option) + ": ";
}

std::string rangeText(double min, double max)
{
    return "from " + numberText(min) + " to " + numberText(max);
}

} // namespace

std::optional<double> parseNumberOption(std::string_view option, std::string_view text, double min, double max,
                                        std::string& error)
{
    const std::string copy(text);
    char* end = nullptr;
    errno = 0;
    const double value = copy.empty() ? 0.0 : std::strtod(copy.c_str(), &end);
    const bool parsed =
        !copy.empty() && end == copy.c_str() + copy.size() && copy.find_first_of(" \t\n") == std::string::npos;
    if (!parsed || !std::isfinite(value) || value < min || value > max) {
        error = prefix(option) + "expected a number " + rangeText(min, max) + ", got " + quoted(text);
        if (parsed && !std::isfinite(value))
            error += " (not a finite number)";
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> parseWholeOption(std::string_view option, std::string_view text, std::int64_t min,
                                             std::int64_t max, std::string& error)
{
    std::int64_t value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (!text.empty() && *first == '+')
        ++first; // "+8" is 8; from_chars takes only '-'
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (text.empty() || first == last || ec != std::errc() || ptr != last || value < min || value > max) {
        error = prefix(option) + "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                ", got " + quoted(text);
        if (ec == std::errc::result_out_of_range || (ec == std::errc() && ptr == last))
            error += " (out of range)";
        return std::nullopt;
    }
    return value;
}

} // namespace ksscope
