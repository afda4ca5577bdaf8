// SPDX-License-Identifier: GPL-3.0-or-later
#include "recording_format.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>

#if defined(__unix__)
#include <sys/utsname.h>
#include <unistd.h>
#elif defined(_WIN32)
#include <windows.h>
#endif

namespace ksscope::recording {

std::string utcText(std::int64_t unixNs)
{
    const auto seconds = static_cast<std::time_t>(unixNs / 1'000'000'000);
    std::tm tm{};
#if defined(_WIN32)
    gmtime_s(&tm, &seconds);
#else
    gmtime_r(&seconds, &tm);
#endif
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((unixNs / 1'000'000) % 1000));
    return text;
}

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string hostName()
{
#if defined(__unix__)
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0)
        return name;
#elif defined(_WIN32)
    char name[MAX_COMPUTERNAME_LENGTH + 1] = {};
    ::DWORD size = sizeof name;
    if (GetComputerNameA(name, &size))
        return std::string(name, size);
#endif
    return {};
}

std::string osName()
{
#if defined(__unix__)
    utsname u{};
    if (uname(&u) == 0)
        return std::string(u.sysname) + " " + u.release + " " + u.machine;
#elif defined(_WIN32)
    // the version Windows reports to ntdll's callers (GetVersionEx answers what the manifest asks for)
    using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
    if (HMODULE ntdll = GetModuleHandleW(L"ntdll.dll")) {
        const auto get =
            reinterpret_cast<RtlGetVersionFn>(reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")));
        OSVERSIONINFOW v{};
        v.dwOSVersionInfoSize = sizeof v;
        if (get && get(&v) == 0)
            return "Windows " + std::to_string(v.dwMajorVersion) + "." + std::to_string(v.dwMinorVersion) + "." +
                   std::to_string(v.dwBuildNumber) + " x86_64";
    }
    return "Windows";
#endif
    return {};
}

std::string eventKindText(EventKind kind)
{
    return std::string(eventKindName(kind));
}

bool eventKindFromText(std::string_view text, EventKind& out)
{
    for (EventKind kind : {EventKind::Starvation, EventKind::Drop, EventKind::Config, EventKind::Added,
                           EventKind::Removed, EventKind::Error})
        if (eventKindName(kind) == text) {
            out = kind;
            return true;
        }
    return false;
}

std::uint64_t fileBytes(const std::string& path)
{
    std::uint64_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path + suffix, ec);
        if (!ec)
            total += size;
    }
    return total;
}

// Checks that \a table of the recording at \a path is an ordinary table with (at least) \a columns.
Status checkTable(Connection& db, const std::string& path, const std::string& table,
                  const std::vector<std::string>& columns)
{
    // an ordinary table: a view (or a virtual table) of that name in a crafted file could be endless to read
    {
        Statement st;
        if (Status s =
                st.prepare(db, "SELECT type, sql FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", "cannot read");
            !s)
            return s;
        st.bind(1, std::string_view(table));
        int rc = 0;
        bool ordinary = true;
        std::string kind;
        while ((rc = st.step()) == SQLITE_ROW) {
            const std::string type = st.text(0);
            std::string sql = st.text(1).substr(0, 14);
            std::transform(sql.begin(), sql.end(), sql.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            if (type != "table" || sql == "CREATE VIRTUAL") {
                ordinary = false;
                kind = type == "table" ? std::string("virtual table") : type;
                break;
            }
        }
        if (!ordinary)
            return {hresultFromWin32(kErrorFileCorrupt),
                    "malformed recording " + path + ": \"" + table + "\" is a " + kind + ", not a table"};
        if (rc != SQLITE_DONE)
            return st.error(rc, "cannot read");
    }
    Statement st;
    const std::string sql = "PRAGMA table_info(" + table + ")";
    if (Status s = st.prepare(db, sql.c_str(), "cannot read"); !s)
        return s;
    std::vector<std::string> found;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW)
        found.push_back(st.text(1));
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read");
    if (found.empty())
        return {hresultFromWin32(kErrorFileCorrupt),
                "malformed recording " + path + ": table \"" + table + "\" is missing"};
    const auto missing = std::find_if(columns.begin(), columns.end(), [&](const std::string& column) {
        return std::find(found.begin(), found.end(), column) == found.end();
    });
    if (missing != columns.end())
        return {hresultFromWin32(kErrorFileCorrupt),
                "malformed recording " + path + ": table \"" + table + "\" has no column \"" + *missing + "\""};
    return Status::ok();
}

} // namespace ksscope::recording
