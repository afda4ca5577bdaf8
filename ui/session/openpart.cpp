// SPDX-License-Identifier: GPL-3.0-or-later
#include "openpart.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include <algorithm>
#include <vector>

namespace ksscope::ui {

namespace {

QString text(const std::string& s)
{
    return QString::fromStdString(s);
}

/// Whether \a options ask for \a backend (a remote agent's address asks for the agent backend).
bool asksFor(const BackendOptions& options, const std::string& backend)
{
    const std::vector<std::string> selected = BackendRegistry::selectedBy(options);
    return !selected.empty() && selected.front() == backend;
}

/// Where a backend's options are remembered between runs.
QString settingsKey(const BackendRegistration& backend, const BackendOption& option)
{
    return QStringLiteral("backendOptions/%1/%2").arg(text(backend.name), text(option.name));
}

/// Where a file chooser starts: the last folder used, else the installed examples, else nothing.
QString startFolder(const BackendRegistration& backend, const BackendOption& option)
{
    const QString last = QSettings().value(settingsKey(backend, option)).toString();
    if (!last.isEmpty())
        return QFileInfo(last).absolutePath();
    if (!backend.examplesFolder.empty()) {
        const QString installed = QCoreApplication::applicationDirPath() + QStringLiteral("/../share/ksscope/") +
                                  text(backend.examplesFolder);
        if (QFileInfo(installed).isDir())
            return QDir::cleanPath(installed);
    }
    return {};
}

QString withoutMnemonic(const std::string& action)
{
    QString title = text(action);
    title.remove(QLatin1Char('&'));
    if (title.endsWith(QStringLiteral("...")))
        title.chop(3);
    return title;
}

} // namespace

OpenPart::OpenPart(SessionController* controller, QWidget* window)
    : QObject(window), m_controller(controller), m_window(window)
{
    m_liveRequest.rateHz = 0; // the last rate used
    m_live = new QAction(QIcon::fromTheme(QStringLiteral("camera-web")), tr("Open &Live Devices"), this);
    m_live->setIconText(tr("Live Devices"));
    m_live->setToolTip(tr("Watch the live devices again (after a replay)"));
    connect(m_live, &QAction::triggered, this, &OpenPart::openLiveDevices);
    for (const BackendRegistration& b : BackendRegistry::all()) {
        if (!b.windowAction.empty()) {
            auto* action = new QAction(QIcon::fromTheme(text(b.windowIcon)), text(b.windowAction), this);
            action->setData(text(b.name));
            action->setToolTip(text(b.windowActionTip));
            if (!b.windowShortcut.empty())
                action->setShortcut(QKeySequence(text(b.windowShortcut)));
            connect(action, &QAction::triggered, this, [this, b] { triggered(b); });
            m_backendActions.append(action);
            if (!b.windowIcon.empty())
                m_toolBarActions.append(action);
        }
        if (!b.windowCloseAction.empty()) {
            auto* action = new QAction(text(b.windowCloseAction), this);
            action->setData(text(b.name));
            action->setEnabled(false);
            connect(action, &QAction::triggered, this, [this, name = b.name] { closeAdded(name); });
            m_closeActions.append(action);
        }
    }
    connect(m_controller, &SessionController::opened, this, &OpenPart::onOpened);
    connect(m_controller, &SessionController::problem, this,
            [this](const QString& message) { m_lastProblem = message; });
}

void OpenPart::open(SessionRequest request)
{
    if (request.rateHz <= 0)
        request.rateHz = QSettings().value(QStringLiteral("sampling/rateHz"), 100.0).toDouble();
    if (!request.opensAlone())
        m_liveRequest = request;
    Q_EMIT aboutToOpen(request);
    m_controller->open(request);
}

SessionRequest OpenPart::liveRequest() const
{
    return m_controller->request().opensAlone() ? m_liveRequest : m_controller->request();
}

void OpenPart::openLiveDevices()
{
    open(m_liveRequest);
}

QString OpenPart::openWith(const BackendOptions& options, bool interactive)
{
    const std::vector<std::string> selected = BackendRegistry::selectedBy(options);
    std::optional<BackendRegistration> backend;
    if (!selected.empty())
        backend = BackendRegistry::find(selected.front());
    else if (!options.empty())
        if (const auto option = BackendRegistry::findOption(options.values().begin()->first))
            backend = BackendRegistry::find(option->first);
    if (!backend)
        return tr("No backend of this build takes these options.");
    SessionRequest request = liveRequest();
    Status status;
    if (backend->opensAlone) {
        request = {};
        request.options = options;
        request.rateHz = m_controller->request().rateHz;
        status = BackendRegistry::check({}, options);
    } else if (backend->openedByDefault) {
        for (const auto& [name, value] : options.values())
            request.options.set(name, value);
        const QString name = text(backend->name);
        if (!request.backends.isEmpty() && !request.backends.contains(name))
            request.backends.append(name);
        status = BackendRegistry::check(request.backendNames(), request.options);
    } else {
        status = BackendRegistry::check({}, options);
        request.added.removeIf([&](const BackendOptions& o) { return describeOptions(o) == describeOptions(options); });
        request.added.append(options);
    }
    if (!status) {
        QString message = text(status.message());
        if (interactive)
            QMessageBox::warning(m_window, withoutMnemonic(backend->windowAction), message);
        return message;
    }
    if (!backend->opensAlone && !backend->openedByDefault) {
        m_adding = options;
        m_lastProblem.clear();
        Q_EMIT statusMessage(tr("Opening %1...").arg(describeOptions(options)), 0);
    }
    this->open(request);
    return {};
}

void OpenPart::triggered(const BackendRegistration& backend)
{
    if (const std::optional<BackendOptions> options = askForOptions(backend))
        (void)openWith(*options, true);
}

void OpenPart::closeAdded(const std::string& backend)
{
    SessionRequest request = liveRequest();
    request.added.removeIf([&](const BackendOptions& o) { return asksFor(o, backend); });
    open(request);
}

void OpenPart::updateActions()
{
    for (QAction* action : m_closeActions) {
        const std::string backend = action->data().toString().toStdString();
        action->setEnabled(std::any_of(m_liveRequest.added.begin(), m_liveRequest.added.end(),
                                       [&](const BackendOptions& o) { return asksFor(o, backend); }));
    }
}

void OpenPart::onOpened(bool ok, const QString& message)
{
    const SessionRequest& request = m_controller->request();
    if (!request.opensAlone())
        m_liveRequest.added = request.added; // a backend that could not be opened is left out
    updateActions();
    if (m_adding) {
        const BackendOptions adding = *std::exchange(m_adding, std::nullopt);
        const bool added =
            std::find(m_liveRequest.added.begin(), m_liveRequest.added.end(), adding) != m_liveRequest.added.end();
        if (ok && !added)
            QMessageBox::warning(m_window, tr("Not opened"),
                                 m_lastProblem.isEmpty() ? tr("KsScope could not open %1.").arg(describeOptions(adding))
                                                         : m_lastProblem);
    }
    if (!ok) {
        if (request.opensAlone()) {
            Q_EMIT statusMessage(tr("Could not open %1: %2").arg(request.source(), message), 0);
            QMessageBox::warning(m_window, tr("Not opened"),
                                 tr("KsScope could not open %1:\n%2").arg(request.source(), message));
            return;
        }
        Q_EMIT statusMessage(tr("Could not open the devices: %1").arg(message), 0);
        QStringList actions;
        for (const QAction* action : m_backendActions)
            actions.append(action->text().remove(QLatin1Char('&')));
        QMessageBox::warning(m_window, tr("Devices not opened"),
                             tr("KsScope could not open the devices:\n%1\n\nOpen others (File > %2) or check the "
                                "backend named on the command line.")
                                 .arg(message, actions.join(tr(", "))));
        return;
    }
    Q_EMIT statusMessage(m_controller->playback() ? tr("Replaying %1").arg(text(m_controller->playback()->title()))
                                                  : tr("Devices open"),
                         3000);
}

std::optional<BackendOptions> OpenPart::askForOptions(const BackendRegistration& backend)
{
    std::vector<const BackendOption*> asked;
    for (const BackendOption& o : backend.options)
        if (o.inWindow)
            asked.push_back(&o);
    const QString title = withoutMnemonic(backend.windowAction);
    QSettings settings;
    BackendOptions options;
    if (asked.size() == 1 && !asked.front()->fileFilter.empty()) {
        // one file: the file chooser alone
        const BackendOption& option = *asked.front();
        const QString path =
            QFileDialog::getOpenFileName(m_window, title, startFolder(backend, option), text(option.fileFilter));
        if (path.isEmpty())
            return std::nullopt;
        settings.setValue(settingsKey(backend, option), path);
        options.set(option.name, path.toStdString());
        return options;
    }
    QDialog dialog(m_window);
    dialog.setWindowTitle(title);
    dialog.setMinimumWidth(520);
    auto* layout = new QVBoxLayout(&dialog);
    auto* intro = new QLabel(text(backend.windowActionTip), &dialog);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    std::vector<QLineEdit*> fields;
    for (const BackendOption* option : asked) {
        auto* field = new QLineEdit(&dialog);
        field->setObjectName(text(option->name)); // as on the command line
        field->setText(settings
                           .value(settingsKey(backend, *option),
                                  text(option->fileFilter.empty() ? option->example : std::string()))
                           .toString());
        field->setPlaceholderText(option->example.empty() ? text(option->help) : text(option->example));
        field->setToolTip(
            QStringLiteral("--%1 %2: %3").arg(text(option->name), text(option->valueName), text(option->help)));
        QWidget* row = field;
        if (!option->fileFilter.empty()) {
            row = new QWidget(&dialog);
            auto* rowLayout = new QHBoxLayout(row);
            rowLayout->setContentsMargins(0, 0, 0, 0);
            auto* browse = new QPushButton(tr("&Browse..."), row);
            connect(browse, &QPushButton::clicked, &dialog, [&dialog, field, filter = text(option->fileFilter)] {
                const QString path = QFileDialog::getOpenFileName(&dialog, QString(), field->text(), filter);
                if (!path.isEmpty())
                    field->setText(path);
            });
            rowLayout->addWidget(field);
            rowLayout->addWidget(browse);
        }
        QString label = text(option->label.empty() ? option->help : option->label);
        label = label.left(1).toUpper() + label.mid(1);
        auto* labelWidget = new QLabel(label + QLatin1Char(':'), &dialog);
        labelWidget->setWordWrap(true);
        labelWidget->setBuddy(field);
        form->addRow(labelWidget, row);
        fields.push_back(field);
    }
    layout->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Open"));
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    for (std::size_t i = 0; i < asked.size(); ++i) {
        const QString value = fields[i]->text().trimmed();
        settings.setValue(settingsKey(backend, *asked[i]), value);
        if (!value.isEmpty())
            options.set(asked[i]->name, value.toStdString());
    }
    if (options.empty())
        return std::nullopt;
    return options;
}

} // namespace ksscope::ui
