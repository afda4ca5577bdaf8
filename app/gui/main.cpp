// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope: the desktop inspector. `ksscope --help` lists the options.

#include "ksscope/backend_registry.h"
#include "ksscope/options.h"
#include "ksscope/version.h"
#include "mainwindow.h"
#include "reportpdf.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#if defined(_WIN32)
#include <cstdio>
#include <windows.h>
#endif

namespace {

#if defined(_WIN32)
/// A Windows GUI program has no console: its text (--help, --version, messages) goes to the console it was started
/// from, when there is one and nothing else receives it.
void useParentConsole()
{
    const HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (out != nullptr && out != INVALID_HANDLE_VALUE) {
        // redirected (a pipe, a file, wine): --help and --version go there, not into a message box
        qputenv("QT_COMMAND_LINE_PARSER_NO_GUI_MESSAGE_BOXES", "1");
        return;
    }
    if (AttachConsole(ATTACH_PARENT_PROCESS)) {
        (void)std::freopen("CONOUT$", "w", stdout);
        (void)std::freopen("CONOUT$", "w", stderr);
    }
}

/// The offscreen platform (tests, report export without a window) reads fonts from a folder: the system's, unless
/// QT_QPA_FONTDIR names another.
void offscreenFonts()
{
    if (!qEnvironmentVariableIsEmpty("QT_QPA_FONTDIR"))
        return;
    wchar_t windows[MAX_PATH] = {};
    const UINT n = GetWindowsDirectoryW(windows, MAX_PATH);
    if (n > 0 && n < MAX_PATH)
        qputenv("QT_QPA_FONTDIR",
                (QString::fromWCharArray(windows, static_cast<int>(n)) + QStringLiteral("\\Fonts")).toUtf8());
}
#endif

bool asksForText(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if (arg == "-h" || arg == "--help" || arg == "--help-all" || arg == "-v" || arg == "--version")
            return true;
    }
    return false;
}

/// Prints the message and returns the exit code, the same ones ksscope-cli uses (ksscope/options.h).
int fail(const QString& message, int exitCode = ksscope::ExitUsage)
{
    std::fprintf(stderr, "ksscope: %s\n", qPrintable(message));
    return exitCode;
}

/// A number option through the one parser every front end uses: finite and in range.
std::optional<double> numberOption(const QCommandLineParser& parser, const QCommandLineOption& option, double min,
                                   double max, QString& error)
{
    std::string message;
    const auto value = ksscope::parseNumberOption("--" + option.names().constLast().toStdString(),
                                                  parser.value(option).toStdString(), min, max, message);
    error = QString::fromStdString(message);
    return value;
}

} // namespace

int main(int argc, char** argv)
{
    QElapsedTimer sinceStart; // --measure-startup: from here to the first frame with samples
    sinceStart.start();
#if defined(_WIN32)
    useParentConsole();
    offscreenFonts();
#endif
    // --help and --version print text only: they need no display, so they work over ssh and in a build log
    std::unique_ptr<QCoreApplication> application;
    if (asksForText(argc, argv))
        application = std::make_unique<QCoreApplication>(argc, argv);
    else
        application = std::make_unique<QApplication>(argc, argv);
    QCoreApplication& app = *application;
    QApplication::setApplicationName(QStringLiteral("ksscope"));
    QApplication::setOrganizationName(QStringLiteral("KsScope"));
    QApplication::setApplicationDisplayName(QStringLiteral("KsScope"));
    QApplication::setApplicationVersion(QStringLiteral(KSSCOPE_VERSION_FULL));
    QApplication::setDesktopFileName(QStringLiteral("org.ksscope.KsScope"));
    if (qobject_cast<QApplication*>(&app))
        QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.ksscope.KsScope"),
                                                     QIcon(QStringLiteral(":/icons/org.ksscope.KsScope.svg"))));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Inspector for kernel streaming media devices: pins, connections and allocators, live."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption backendOption(
        QStringList{QStringLiteral("b"), QStringLiteral("backend")},
        QStringLiteral("Open only this backend (%1); repeat for several. Default: every available one.")
            .arg(QString::fromStdString(ksscope::BackendRegistry::names())),
        QStringLiteral("NAME"));
    // each backend's options, as its registration declares them; those of a backend opened beside the others (a
    // remote agent) may be given several times, one backend each
    struct GivenOption {
        ksscope::BackendRegistration backend;
        ksscope::BackendOption option;
        QCommandLineOption commandLine;
    };
    std::vector<GivenOption> backendOptions;
    for (const ksscope::BackendRegistration& b : ksscope::BackendRegistry::all())
        for (const ksscope::BackendOption& o : b.options) {
            QString help = QString::fromStdString(o.help);
            help = help.left(1).toUpper() + help.mid(1) + QLatin1Char('.');
            if (o.selects && !b.openedByDefault && !b.opensAlone)
                help += QStringLiteral(" Repeat for several.");
            backendOptions.push_back(
                {b, o, QCommandLineOption(QString::fromStdString(o.name), help, QString::fromStdString(o.valueName))});
        }
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("Sample rate in Hz (1-2000; default: the last one used, 100)."),
                                        QStringLiteral("HZ"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a PNG grab of the main window after --after seconds, then exit."),
        QStringLiteral("FILE.png"));
    const QCommandLineOption afterOption(QStringLiteral("after"),
                                         QStringLiteral("Seconds before the screenshot (default 5)."),
                                         QStringLiteral("SECONDS"), QStringLiteral("5"));
    const QCommandLineOption startupOption(QStringLiteral("measure-startup"),
                                           QStringLiteral("Print the time from start to the first painted frame "
                                                          "with samples, then exit."));
    const QCommandLineOption sizeOption(QStringLiteral("size"), QStringLiteral("Window size, e.g. 1600x1000."),
                                        QStringLiteral("WxH"));
    const QCommandLineOption selectOption(
        QStringLiteral("select"),
        QStringLiteral("Select this allocator, pin or filter once the devices are open; "
                       "repeat for several."),
        QStringLiteral("ID"));
    const QCommandLineOption exportOption(
        QStringLiteral("export-report"),
        QStringLiteral("Write the status report of this recording to --output (json, csv, html or pdf, from the "
                       "file name or --format), then exit."),
        QStringLiteral("RECORDING"));
    const QCommandLineOption outputOption(
        QStringLiteral("output"), QStringLiteral("The report file of --export-report."), QStringLiteral("FILE"));
    const QCommandLineOption formatOption(
        QStringLiteral("format"), QStringLiteral("--export-report: json, csv, html or pdf."), QStringLiteral("FORMAT"));
    parser.addOption(backendOption);
    for (const GivenOption& given : backendOptions)
        parser.addOption(given.commandLine);
    parser.addOptions({rateOption, selectOption, screenshotOption, afterOption, startupOption, sizeOption, exportOption,
                       outputOption, formatOption});
    parser.process(app);

    if (parser.isSet(exportOption)) {
        const QString output = parser.value(outputOption);
        if (output.isEmpty())
            return fail(QStringLiteral("--export-report needs --output FILE"));
        QString format = parser.value(formatOption);
        if (format.isEmpty())
            format = QFileInfo(output).suffix().toLower();
        if (format != QLatin1String("json") && format != QLatin1String("csv") && format != QLatin1String("html") &&
            format != QLatin1String("pdf"))
            return fail(QStringLiteral("--export-report: give --format json, csv, html or pdf (or an --output file "
                                       "ending in one of them)"),
                        ksscope::ExitInvalidValue);
        if (const ksscope::Status writable = ksscope::checkOutputFile(output.toStdString()); !writable)
            return fail(QStringLiteral("--output ") + QString::fromStdString(writable.message()),
                        ksscope::exitCodeFor(writable));
        const ksscope::Status status = ksscope::ui::exportReport(parser.value(exportOption), format, output);
        if (!status) {
            std::fprintf(stderr, "ksscope: %s\n", status.toString().c_str());
            return ksscope::exitCodeFor(status);
        }
        std::printf("report written to %s\n", qPrintable(output));
        return 0;
    }

    ksscope::ui::SessionRequest request;
    request.backends = parser.values(backendOption);
    // a backend opened beside the others (a remote agent) opens once per value of the option that asks for it, with
    // the other options of that backend; every other option goes with the request
    struct Asking {
        std::string backend;
        std::string option;
        std::string value;
    };
    std::vector<Asking> asking;
    std::map<std::string, ksscope::BackendOptions> shared; // by backend
    QStringList addedGiven;
    for (const GivenOption& given : backendOptions) {
        if (!parser.isSet(given.commandLine))
            continue;
        const bool added = !given.backend.openedByDefault && !given.backend.opensAlone;
        if (added && given.option.selects) {
            for (const QString& value : parser.values(given.commandLine))
                asking.push_back({given.backend.name, given.option.name, value.toStdString()});
            addedGiven.append(QStringLiteral("--") + given.commandLine.names().constFirst());
        } else {
            (added ? shared[given.backend.name] : request.options)
                .set(given.option.name, parser.value(given.commandLine).toStdString());
        }
    }
    // options of a backend that is not asked for stay with the request: the check names what they need
    for (const auto& [backend, options] : shared)
        if (std::none_of(asking.begin(), asking.end(), [&](const Asking& a) { return a.backend == backend; }))
            for (const auto& [name, value] : options.values())
                request.options.set(name, value);
    // a malformed scenario, a file that is not a recording, are named before any window opens
    if (const ksscope::Status status = ksscope::BackendRegistry::check(request.backendNames(), request.options);
        !status)
        return fail(QString::fromStdString(status.message()), ksscope::exitCodeFor(status));
    for (const Asking& a : asking) {
        ksscope::BackendOptions options = shared[a.backend];
        options.set(a.option, a.value);
        if (const ksscope::Status status = ksscope::BackendRegistry::check({}, options); !status)
            return fail(QString::fromStdString(status.message()), ksscope::exitCodeFor(status));
        request.added.append(options);
    }
    if (request.opensAlone() && !request.added.isEmpty())
        return fail(QStringLiteral("%1 opens on its own: leave out %2")
                        .arg(request.source(), addedGiven.join(QStringLiteral(", "))));
    request.rateHz = 0; // the window uses the last rate
    if (parser.isSet(rateOption)) {
        QString error;
        const auto rate =
            numberOption(parser, rateOption, ksscope::Monitor::kMinRateHz, ksscope::Monitor::kMaxRateHz, error);
        if (!rate)
            return fail(error, ksscope::ExitInvalidValue);
        request.rateHz = *rate;
    }
    double afterSeconds = 5;
    if (parser.isSet(afterOption)) {
        QString error;
        const auto after = numberOption(parser, afterOption, 0.0, 3600.0, error);
        if (!after)
            return fail(error, ksscope::ExitInvalidValue);
        afterSeconds = *after;
        if (!parser.isSet(screenshotOption))
            return fail(QStringLiteral("--after needs --screenshot FILE.png"));
    }

#if defined(SIGXFSZ)
    // past a file size limit a recording's write should fail with an error the window reports, not kill it
    std::signal(SIGXFSZ, SIG_IGN);
#endif

    ksscope::ui::MainWindow window;
    if (parser.isSet(sizeOption)) {
        const QStringList parts = parser.value(sizeOption).split(QLatin1Char('x'));
        const int w = parts.size() == 2 ? parts[0].toInt() : 0;
        const int h = parts.size() == 2 ? parts[1].toInt() : 0;
        if (w < 200 || h < 200)
            return fail(QStringLiteral("--size %1: give WIDTHxHEIGHT, e.g. 1600x1000").arg(parser.value(sizeOption)),
                        ksscope::ExitInvalidValue);
        window.resize(w, h);
    }
    if (parser.isSet(startupOption)) {
        QObject::connect(&window, &ksscope::ui::MainWindow::firstFramePainted, &app, [&sinceStart](qint64 windowMs) {
            std::printf("first frame with samples painted %lld ms after start (%lld ms after the window was created)\n",
                        static_cast<long long>(sinceStart.elapsed()), static_cast<long long>(windowMs));
            QApplication::exit(0);
        });
        QTimer::singleShot(20'000, &app, [] {
            std::fprintf(stderr, "ksscope: no frame with samples within 20 s\n");
            QApplication::exit(1);
        });
    }
    int exitCode = 0;
    if (parser.isSet(screenshotOption)) {
        const QString path = parser.value(screenshotOption);
        QTimer::singleShot(static_cast<int>(afterSeconds * 1000), &app, [&window, path, &exitCode] {
            const QPixmap grab = window.grab();
            if (grab.isNull() || !grab.save(path, "PNG")) {
                std::fprintf(stderr, "ksscope: cannot save the screenshot to %s\n", qPrintable(path));
                exitCode = 1;
            } else {
                std::printf("screenshot saved to %s (%dx%d)\n", qPrintable(path), grab.width(), grab.height());
                std::printf("%s\n", qPrintable(window.shownSummary()));
            }
            window.close();
            QApplication::exit(exitCode);
        });
    }
    if (parser.isSet(selectOption)) {
        const QStringList ids = parser.values(selectOption);
        QObject::connect(window.controller(), &ksscope::ui::SessionController::opened, &window,
                         [&window, ids](bool ok) {
                             if (!ok)
                                 return;
                             QStringList unknown;
                             for (const QString& id : ids)
                                 if (window.controller()->topology().resolveAllocatorId(id.toStdString()).empty() &&
                                     !window.controller()->topology().findFilter(id.toStdString()))
                                     unknown.append(id);
                             if (!unknown.isEmpty())
                                 std::fprintf(stderr, "ksscope: --select: no allocator, pin or filter %s\n",
                                              qPrintable(unknown.join(QStringLiteral(", "))));
                             window.selectIds(ids);
                         });
    }
    window.show();
    window.open(request);
    const int rc = app.exec();
    return exitCode != 0 ? exitCode : rc;
}
