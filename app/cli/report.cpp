// SPDX-License-Identifier: GPL-3.0-or-later
// `report` and `diff`: status reports of recordings. JSON, CSV and HTML are written here; a PDF is drawn by the
// GUI executable (Qt), which this program runs for it, so that ksscope-cli itself needs no Qt.

#include "ksscope/report.h"

#include "commands.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#if defined(__unix__)
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#elif defined(_WIN32)
#include <io.h>
#include <windows.h>
#endif

namespace ksscope::cli {

namespace {

/// Reports progress on standard error for long recordings (on a terminal only).
class Progress {
public:
    explicit Progress(const char* what) : m_what(what) { }
    ~Progress()
    {
        if (m_shown)
            std::fprintf(stderr, "\r%s: done        \n", m_what);
    }
    bool operator()(double share)
    {
#if defined(__unix__)
        if (!isatty(STDERR_FILENO))
            return true;
#elif defined(_WIN32)
        if (!_isatty(_fileno(stderr)))
            return true;
#endif
        m_shown = true;
        std::fprintf(stderr, "\r%s: %3.0f %%", m_what, share * 100.0);
        return true;
    }

private:
    const char* m_what;
    bool m_shown = false;
};

std::filesystem::path selfDirectory()
{
#if defined(__unix__)
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec)
        return self.parent_path();
#elif defined(_WIN32)
    std::wstring name(32768, L'\0');
    const ::DWORD n = GetModuleFileNameW(nullptr, name.data(), static_cast<::DWORD>(name.size()));
    if (n > 0 && n < name.size()) {
        name.resize(n);
        return std::filesystem::path(name).parent_path();
    }
#endif
    return {};
}

#if defined(_WIN32)
constexpr const char* kGuiProgram = "ksscope.exe";

/// \a arg quoted for a Windows command line as the C runtime splits it.
std::wstring quoted(const std::wstring& arg)
{
    if (!arg.empty() && arg.find_first_of(L" \t\"") == std::wstring::npos)
        return arg;
    std::wstring out = L"\"";
    std::size_t backslashes = 0;
    for (wchar_t c : arg) {
        if (c == L'\\') {
            ++backslashes;
            continue;
        }
        out.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
        backslashes = 0;
        out += c;
    }
    out.append(backslashes * 2, L'\\');
    return out + L"\"";
}

/// Runs \a args and waits: the program's exit code, or -1 when it could not be started.
int runProgram(const std::vector<std::string>& args)
{
    std::wstring line;
    for (const std::string& a : args)
        line += (line.empty() ? L"" : L" ") + quoted(std::filesystem::path(a).wstring());
    // no window needed: Qt draws offscreen unless told otherwise (the child inherits this)
    if (GetEnvironmentVariableW(L"QT_QPA_PLATFORM", nullptr, 0) == 0)
        SetEnvironmentVariableW(L"QT_QPA_PLATFORM", L"offscreen");
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION process{};
    if (!CreateProcessW(nullptr, line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &startup, &process))
        return -1;
    WaitForSingleObject(process.hProcess, INFINITE);
    ::DWORD code = 1;
    GetExitCodeProcess(process.hProcess, &code);
    CloseHandle(process.hThread);
    CloseHandle(process.hProcess);
    return static_cast<int>(code);
}
#elif defined(__unix__)
constexpr const char* kGuiProgram = "ksscope";

/// Runs \a args and waits: the program's exit code, or -1 when it could not be started or did not exit.
int runProgram(std::vector<std::string> args)
{
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    // no display needed: Qt draws offscreen unless told otherwise
    std::vector<std::string> env;
    bool hasPlatform = false;
    for (char** e = environ; *e; ++e) {
        env.emplace_back(*e);
        hasPlatform = hasPlatform || env.back().rfind("QT_QPA_PLATFORM=", 0) == 0;
    }
    if (!hasPlatform)
        env.emplace_back("QT_QPA_PLATFORM=offscreen");
    std::vector<char*> envp;
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()) != 0)
        return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    if (!WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}
#endif

/// Draws the PDF with the GUI executable (`ksscope --export-report`). Returns an exit code.
int writePdf(const std::string& recording, const std::string& output)
{
#if defined(__unix__) || defined(_WIN32)
    std::filesystem::path gui = selfDirectory() / kGuiProgram;
    if (const char* overridden = std::getenv("KSSCOPE_GUI"); overridden && *overridden)
        gui = overridden;
    else if (!std::filesystem::exists(gui))
        gui = selfDirectory() / "gui" / kGuiProgram; // the build tree
    if (!std::filesystem::exists(gui)) {
        std::cerr << "ksscope-cli: report --format pdf: PDF reports are drawn by the KsScope window program, which "
                     "is not installed next to ksscope-cli ("
                  << gui.string() << "); install it, or use --format html\n";
        return ExitUsage;
    }
    // the format is named: the window program would otherwise take it from the file name
    const int rc = runProgram({gui.string(), "--export-report", recording, "--format", "pdf", "--output", output});
    if (rc < 0) {
        std::cerr << "ksscope-cli: report --format pdf: cannot run " << gui.string() << "\n";
        return ExitDevice;
    }
    return rc;
#else
    (void)recording;
    (void)output;
    std::cerr << "ksscope-cli: report --format pdf is not available in this build; use --format html\n";
    return ExitUsage;
#endif
}

/// Writes \a text to \a output ("-": standard output), which checkOutputFile accepted. Returns an exit code: a
/// write that fails midway (a full disk) is ExitDevice, whatever the format.
int writeText(const std::string& text, const std::string& output)
{
    if (output == "-") {
        std::cout << text << std::flush;
        if (!std::cout) {
            std::cerr << "ksscope-cli: cannot write the report to standard output\n";
            return ExitDevice;
        }
        return ExitOk;
    }
    std::ofstream file(output, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
        std::cerr << "ksscope-cli: -o " << output << ": cannot write the report (a full disk?)\n";
        return ExitDevice;
    }
    return ExitOk;
}

int openRecording(const std::string& path, std::unique_ptr<Recording>& out)
{
    Status status;
    out = Recording::open(path, status);
    if (!out) {
        std::cerr << "ksscope-cli: " << status.toString() << "\n";
        return exitCodeFor(status);
    }
    if (!out->info().note.empty())
        std::cerr << "ksscope-cli: " << path << ": " << out->info().note << "\n";
    return ExitOk;
}

int build(Recording& recording, Report& report)
{
    Progress progress("reading the recording");
    ksscope::ReportOptions options;
    options.progress = std::ref(progress);
    const Status status = buildReport(recording, options, report);
    if (!status) {
        std::cerr << "ksscope-cli: " << status.toString() << "\n";
        return exitCodeFor(status);
    }
    return ExitOk;
}

void keepRecording(const std::string& path);
int writeReport(const std::string& recordingPath, const ReportCommandOptions& options);

} // namespace

int runReport(const GlobalOptions& global, const ReportCommandOptions& options)
{
    const std::string& format = options.format;
    if (format != "json" && format != "csv" && format != "html" && format != "pdf") {
        std::cerr << "ksscope-cli: report --format: expected json, csv, html or pdf, got \"" << format << "\"\n";
        return ExitInvalidValue;
    }
    if (options.output.empty()) {
        std::cerr << "ksscope-cli: report: give the output file with -o FILE (or -o - for standard output)\n";
        return ExitUsage;
    }
    if (format == "pdf" && options.output == "-") {
        std::cerr << "ksscope-cli: report --format pdf: a PDF goes to a file; give -o FILE.pdf\n";
        return ExitUsage;
    }
    if (Status s = checkOutputFile(options.output); !s) {
        std::cerr << "ksscope-cli: -o " << s.message() << "\n";
        return exitCodeFor(s);
    }
    std::string recordingPath = global.backendOptions.value("recording");
    std::string temporary;
    if (recordingPath.empty()) {
        // a live report: watch for --duration seconds into a recording, then report it
        if (options.durationSeconds <= 0) {
            std::cerr << "ksscope-cli: report: give --recording FILE, or --duration S to watch the devices for S "
                         "seconds and report on them\n";
            return ExitUsage;
        }
        if (options.recordPath.empty()) {
            const auto dir = std::filesystem::temp_directory_path();
            temporary = (dir / ("ksscope-report-" + std::to_string(::getpid()) + ".ksrec")).string();
            std::filesystem::remove(temporary);
        }
        recordingPath = options.recordPath.empty() ? temporary : options.recordPath;
        WatchOptions watch;
        watch.durationSeconds = options.durationSeconds;
        watch.rateHz = options.rateHz;
        watch.format = OutputFormat::Quiet;
        watch.recordPath = recordingPath;
        if (options.output != "-")
            std::fprintf(stderr, "watching for %g s...\n", options.durationSeconds);
        const int rc = runWatch(global, watch);
        if (rc != ExitOk) {
            keepRecording(temporary);
            return rc;
        }
    }
    const int rc = writeReport(recordingPath, options);
    if (!temporary.empty()) {
        if (rc == ExitOk) {
            std::error_code ec;
            std::filesystem::remove(temporary, ec);
        } else {
            keepRecording(temporary);
        }
    }
    return rc;
}

namespace {

void keepRecording(const std::string& path)
{
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec))
        return;
    std::cerr << "ksscope-cli: what was watched is kept in " << path << "; make the report from it with: ksscope-cli "
              << "report --recording " << path << " -o FILE\n";
}

int writeReport(const std::string& recordingPath, const ReportCommandOptions& options)
{
    const std::string& format = options.format;
    if (format == "pdf")
        return writePdf(recordingPath, options.output);

    std::unique_ptr<Recording> recording;
    if (int rc = openRecording(recordingPath, recording); rc != ExitOk)
        return rc;
    if (format == "csv") {
        Progress progress("writing the samples");
        if (options.output == "-") {
            const Status s = writeSamplesCsv(*recording, std::cout, std::ref(progress));
            if (!s)
                std::cerr << "ksscope-cli: " << s.toString() << "\n";
            return s ? ExitOk : exitCodeFor(s);
        }
        std::ofstream file(options.output, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::cerr << "ksscope-cli: -o " << options.output << ": cannot create the file\n";
            return ExitUsage;
        }
        const Status s = writeSamplesCsv(*recording, file, std::ref(progress));
        file.close();
        if (!s || !file) {
            std::cerr << "ksscope-cli: -o " << options.output << ": "
                      << (s ? std::string("cannot write the report (a full disk?)") : s.toString()) << "\n";
            return s ? ExitDevice : exitCodeFor(s);
        }
        return ExitOk;
    }
    Report report;
    if (int rc = build(*recording, report); rc != ExitOk)
        return rc;
    const int rc = writeText(format == "json" ? reportToJson(report) + "\n" : reportToHtml(report), options.output);
    if (rc == ExitOk && options.output != "-")
        std::printf("report of %s (%s, %zu allocators, %llu samples) written to %s\n", recordingPath.c_str(),
                    formatDuration(static_cast<double>(report.info.duration_ns) * 1e-9).c_str(),
                    report.allocators.size(), static_cast<unsigned long long>(report.samples), options.output.c_str());
    return rc;
}

} // namespace

int runDiff(const std::string& a, const std::string& b, bool json)
{
    std::unique_ptr<Recording> ra;
    std::unique_ptr<Recording> rb;
    if (int rc = openRecording(a, ra); rc != ExitOk)
        return rc;
    if (int rc = openRecording(b, rb); rc != ExitOk)
        return rc;
    Report reportA;
    Report reportB;
    if (int rc = build(*ra, reportA); rc != ExitOk)
        return rc;
    if (int rc = build(*rb, reportB); rc != ExitOk)
        return rc;
    std::cout << (json ? diffToJson(reportA, reportB) + "\n" : diffToText(reportA, reportB));
    return ExitOk;
}

} // namespace ksscope::cli
