// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the ksscope program (KSSCOPE_GUI_PATH) as a user would, offscreen, with its settings in a folder of the test.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace ksscope::test {

class GuiProcess {
public:
    /// Settings go to \a configHome (an empty folder of the test), not to the user's.
    explicit GuiProcess(const QString& configHome) : m_env(QProcessEnvironment::systemEnvironment())
    {
        m_env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        m_env.insert(QStringLiteral("XDG_CONFIG_HOME"), configHome);
    }

    /// The exit code; -1 when it did not finish within a minute, -2 when it crashed.
    int run(const QStringList& args, QByteArray* out = nullptr, QByteArray* err = nullptr) const
    {
        QProcess p;
        p.setProcessEnvironment(m_env);
        p.start(QStringLiteral(KSSCOPE_GUI_PATH), args);
        if (!p.waitForFinished(60000))
            return -1;
        if (out)
            *out = p.readAllStandardOutput();
        if (err)
            *err = p.readAllStandardError();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    }

private:
    QProcessEnvironment m_env;
};

} // namespace ksscope::test
