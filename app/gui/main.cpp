// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope: the desktop inspector. `ksscope --help` lists the options.

#include "ksscope/backend.h"
#include "ksscope/options.h"
#include "ksscope/recording.h"
#include "ksscope/scenario.h"
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
#include <memory>
#include <optional>
#include <string_view>

namespace {

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
    QStringList known;
    for (const std::string& name : ksscope::BackendFactory::names())
        known.append(QString::fromStdString(name));
    const QCommandLineOption backendOption(
        QStringList{QStringLiteral("b"), QStringLiteral("backend")},
        QStringLiteral("Open only this backend (%1); repeat for several. Default: every available one.")
            .arg(known.join(QStringLiteral(", "))),
        QStringLiteral("NAME"));
    const QCommandLineOption scenarioOption(QStringList{QStringLiteral("s"), QStringLiteral("scenario")},
                                            QStringLiteral("Simulate the devices of this scenario file."),
                                            QStringLiteral("FILE"));
    const QCommandLineOption recordingOption(
        QStringLiteral("recording"),
        QStringLiteral("Replay this recording (made with File > Record or ksscope-cli "
                       "watch --record) instead of opening devices."),
        QStringLiteral("FILE"));
    const QCommandLineOption speedOption(
        QStringLiteral("speed"), QStringLiteral("Replay speed: 1 = as recorded (default), 2 = twice as fast, max."),
        QStringLiteral("X"));
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
    const QCommandLineOption agentOption(
        QStringLiteral("agent"),
        QStringLiteral("Also open the devices of this remote agent (`ksscope-cli serve`); repeat for several."),
        QStringLiteral("URL"));
    const QCommandLineOption agentTokenOption(QStringLiteral("agent-token-file"),
                                              QStringLiteral("The token file of the --agent agents."),
                                              QStringLiteral("FILE"));
    parser.addOptions({agentOption, agentTokenOption});
    parser.addOptions({backendOption, scenarioOption, recordingOption, speedOption, rateOption, selectOption,
                       screenshotOption, afterOption, startupOption, sizeOption, exportOption, outputOption,
                       formatOption});
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
    for (const QString& name : parser.values(backendOption)) {
        if (!known.contains(name))
            return fail(QStringLiteral("unknown backend \"%1\"; this build has: %2")
                            .arg(name, known.join(QStringLiteral(", "))));
        request.backends.append(name);
    }
    if (parser.isSet(scenarioOption)) {
        request.scenarioPath = parser.value(scenarioOption);
        if (!QFileInfo(request.scenarioPath).isFile())
            return fail(QStringLiteral("--scenario %1: no such file").arg(request.scenarioPath));
        // a malformed scenario is named with file:line before any window opens
        const ksscope::ScenarioResult scenario = ksscope::loadScenarioFile(request.scenarioPath.toStdString());
        if (const auto* error = std::get_if<ksscope::ScenarioError>(&scenario))
            return fail(QString::fromStdString(error->toString()),
                        error->unreadable ? ksscope::ExitUsage : ksscope::ExitInvalidValue);
    }
    if (parser.isSet(recordingOption)) {
        if (parser.isSet(backendOption) || parser.isSet(scenarioOption))
            return fail(QStringLiteral("--recording replays a file on its own: leave out --backend and --scenario"));
        request.recordingPath = parser.value(recordingOption);
        if (!QFileInfo(request.recordingPath).isFile())
            return fail(QStringLiteral("--recording %1: no such file").arg(request.recordingPath));
        // a file that is not a recording (or a damaged one) is named before any window opens
        ksscope::Status status;
        if (!ksscope::Recording::open(request.recordingPath.toStdString(), status))
            return fail(QStringLiteral("--recording %1: %2")
                            .arg(request.recordingPath, QString::fromStdString(status.message())),
                        ksscope::exitCodeFor(status));
    }
    if (parser.isSet(speedOption)) {
        if (!parser.isSet(recordingOption))
            return fail(QStringLiteral("--speed needs --recording FILE"));
        if (parser.value(speedOption) == QStringLiteral("max")) {
            request.replaySpeed = 0.0;
        } else {
            QString error;
            const auto speed = numberOption(parser, speedOption, 0.001, 1000.0, error);
            if (!speed)
                return fail(error + QStringLiteral(", or max"), ksscope::ExitInvalidValue);
            request.replaySpeed = *speed;
        }
    }
    for (const QString& url : parser.values(agentOption)) {
        if (parser.isSet(recordingOption))
            return fail(QStringLiteral("--agent opens live devices: leave out --recording"));
        request.agents.append({url, parser.value(agentTokenOption)});
    }
    if (parser.isSet(agentTokenOption) && !parser.isSet(agentOption))
        return fail(QStringLiteral("--agent-token-file needs --agent URL"));
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
