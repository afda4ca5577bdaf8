// SPDX-License-Identifier: GPL-3.0-or-later
#include "samplingpart.h"

#include <QAction>
#include <QComboBox>
#include <QIcon>
#include <QLabel>
#include <QMenu>
#include <QSettings>

namespace ksscope::ui {

namespace {
constexpr int kRates[] = {10, 50, 100, 200, 500, 1000};
}

SamplingPart::SamplingPart(SessionController* controller, QWidget* window)
    : QObject(window), m_controller(controller),
      m_pause(new QAction(QIcon::fromTheme(QStringLiteral("media-playback-pause")), tr("&Pause Sampling"), this)),
      m_rateMenu(new QMenu(tr("Sample &Rate"), window)), m_rateBox(new QComboBox(window)), m_status(new QLabel(window))
{
    m_pause->setCheckable(true);
    m_pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Space));
    m_pause->setToolTip(tr("Pause or resume sampling (Ctrl+Space)"));
    connect(m_pause, &QAction::toggled, this, &SamplingPart::setPaused);
    m_rateBox->setToolTip(tr("Sample rate: how often each allocator's status is read"));
    for (int hz : kRates) {
        m_rateMenu->addAction(tr("%1 Hz").arg(hz), this, [this, hz] { setRate(hz); });
        m_rateBox->addItem(tr("%1 Hz").arg(hz), hz);
    }
    connect(m_rateBox, &QComboBox::activated, this,
            [this](int index) { setRate(m_rateBox->itemData(index).toDouble()); });
}

void SamplingPart::setRate(double rateHz)
{
    QSettings().setValue(QStringLiteral("sampling/rateHz"), rateHz);
    showRate(rateHz);
    if (m_controller->isOpen() && rateHz != m_controller->request().rateHz) {
        Q_EMIT rateChanging(tr("the sample rate changed to %1 Hz").arg(rateHz));
        m_controller->setRate(rateHz);
    }
}

void SamplingPart::showRate(double rateHz)
{
    const int index = m_rateBox->findData(static_cast<int>(rateHz));
    if (index >= 0)
        m_rateBox->setCurrentIndex(index);
}

void SamplingPart::setReplaying(bool replaying)
{
    if (replaying && m_pause->isChecked())
        m_pause->setChecked(false);
    m_pause->setEnabled(!replaying);
}

void SamplingPart::setPaused(bool paused)
{
    m_controller->setPaused(paused);
    m_pause->setText(paused ? tr("Resume &Sampling") : tr("&Pause Sampling"));
    m_pause->setIcon(
        QIcon::fromTheme(paused ? QStringLiteral("media-playback-start") : QStringLiteral("media-playback-pause")));
}

void SamplingPart::updateStatus(const Monitor* monitor, std::size_t allocators)
{
    if (!monitor) {
        m_status->setText(tr("no devices open"));
        return;
    }
    const SamplerStats s = monitor->samplerStats();
    const double cpu = s.wallSeconds > 0 ? 100.0 * s.cpuSeconds / s.wallSeconds : 0.0;
    QString text = tr("%n allocator(s)", nullptr, static_cast<int>(allocators)) +
                   tr(" | %1 Hz | sampler %2% CPU").arg(monitor->rateHz()).arg(cpu, 0, 'f', 1);
    if (m_controller->paused())
        text += tr(" | PAUSED");
    if (const Playback* playback = m_controller->playback())
        text += playback->speed() > 0 ? tr(" | replay %1\u00D7").arg(playback->speed()) : tr(" | replay max");
    m_status->setText(text);
}

} // namespace ksscope::ui
