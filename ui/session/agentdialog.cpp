// SPDX-License-Identifier: GPL-3.0-or-later
#include "agentdialog.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace ksscope::ui {

std::optional<AgentRequest> askForAgent(QWidget* parent)
{
    QSettings settings;
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Connect to Agent"));
    dialog.setMinimumWidth(520);
    auto* layout = new QVBoxLayout(&dialog);
    auto* intro =
        new QLabel(QObject::tr("The remote machine runs <tt>ksscope-cli serve</tt>. Its devices appear beside the "
                               "local ones, under a backend of their own; a lost connection greys them out until "
                               "the agent answers again."),
                   &dialog);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    auto* url = new QLineEdit(
        settings.value(QStringLiteral("agent/url"), QStringLiteral("http://127.0.0.1:9464")).toString(), &dialog);
    url->setObjectName(QStringLiteral("agentUrl"));
    url->setPlaceholderText(QStringLiteral("http://HOST:9464"));
    form->addRow(QObject::tr("Agent &address:"), url);
    auto* tokenRow = new QHBoxLayout;
    auto* token = new QLineEdit(settings.value(QStringLiteral("agent/tokenFile")).toString(), &dialog);
    token->setObjectName(QStringLiteral("agentTokenFile"));
    token->setPlaceholderText(QObject::tr("none (an agent on loopback without --token-file)"));
    auto* browse = new QPushButton(QObject::tr("&Browse..."), &dialog);
    QObject::connect(browse, &QPushButton::clicked, &dialog, [&dialog, token] {
        const QString path = QFileDialog::getOpenFileName(&dialog, QObject::tr("Token File"), token->text());
        if (!path.isEmpty())
            token->setText(path);
    });
    tokenRow->addWidget(token);
    tokenRow->addWidget(browse);
    auto* tokenLabel = new QLabel(QObject::tr("&Token file:"), &dialog);
    tokenLabel->setBuddy(token);
    form->addRow(tokenLabel, tokenRow);
    layout->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(QObject::tr("&Connect"));
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted || url->text().trimmed().isEmpty())
        return std::nullopt;
    settings.setValue(QStringLiteral("agent/url"), url->text().trimmed());
    settings.setValue(QStringLiteral("agent/tokenFile"), token->text().trimmed());
    return AgentRequest{url->text().trimmed(), token->text().trimmed()};
}

} // namespace ksscope::ui
