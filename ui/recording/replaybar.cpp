// SPDX-License-Identifier: GPL-3.0-or-later
#include "replaybar.h"

#include "ksscope/monitor.h"
#include "sessioncontroller.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QMouseEvent>
#include <QSignalBlocker>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ksscope::ui {

namespace {
constexpr std::int64_t kNsPerMs = 1'000'000;

struct SpeedChoice {
    double speed;
    const char* text;
};
constexpr SpeedChoice kSpeeds[] = {{0.25, "0.25\u00D7"}, {0.5, "0.5\u00D7"}, {1.0, "1\u00D7"}, {2.0, "2\u00D7"},
                                   {4.0, "4\u00D7"},     {10.0, "10\u00D7"}, {0.0, "max"}};

int toMs(std::int64_t t_ns)
{
    return static_cast<int>(std::clamp<std::int64_t>(t_ns / kNsPerMs, 0, std::numeric_limits<int>::max()));
}
} // namespace

SeekSlider::SeekSlider(QWidget* parent) : QSlider(Qt::Horizontal, parent), m_keySettle(new QTimer(this))
{
    setFocusPolicy(Qt::StrongFocus);
    m_keySettle->setSingleShot(true);
    m_keySettle->setInterval(300);
    connect(m_keySettle, &QTimer::timeout, this, [this] { Q_EMIT seekRequested(value()); });
    connect(this, &QSlider::sliderReleased, this, [this] { Q_EMIT seekRequested(value()); });
    connect(this, &QAbstractSlider::actionTriggered, this, [this](int action) {
        // keys (each seek starts a new monitor: a held key seeks once it is let go)
        if (action != SliderNoAction && action != SliderMove)
            m_keySettle->start();
    });
}

bool SeekSlider::userMoving() const
{
    return isSliderDown() || m_keySettle->isActive();
}

void SeekSlider::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || maximum() <= minimum()) {
        QSlider::mousePressEvent(event);
        return;
    }
    QStyleOptionSlider option;
    initStyleOption(&option);
    const QPoint pos = event->position().toPoint();
    if (style()->hitTestComplexControl(QStyle::CC_Slider, &option, pos, this) == QStyle::SC_SliderHandle) {
        QSlider::mousePressEvent(event); // drag the handle
        return;
    }
    // anywhere else: jump there
    const QRect groove = style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderGroove, this);
    const QRect handle = style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, this);
    const int span = std::max(1, groove.width() - handle.width());
    const int x = std::clamp(pos.x() - groove.x() - handle.width() / 2, 0, span);
    const int target = QStyle::sliderValueFromPosition(minimum(), maximum(), x, span, option.upsideDown);
    setValue(target);
    event->accept();
    Q_EMIT seekRequested(target);
}

void SeekSlider::wheelEvent(QWheelEvent* event)
{
    event->ignore(); // a wheel turned over the toolbar must not move the replay
}

ReplayBar::ReplayBar(QWidget* parent) : QToolBar(tr("Replay"), parent)
{
    setObjectName(QStringLiteral("ReplayToolBar"));
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    m_name = new QLabel(this);
    m_name->setContentsMargins(4, 0, 8, 0);
    addWidget(m_name);

    m_play = addAction(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause"));
    m_play->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Space));
    connect(m_play, &QAction::triggered, this, [this] {
        if (m_playback)
            setPlaying(!m_playback->playing());
    });

    m_slider = new SeekSlider(this);
    m_slider->setMinimumWidth(320);
    m_slider->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_slider->setToolTip(tr("Replay position: click or drag to seek (the graphs then show the %1 s before it)")
                             .arg(static_cast<int>(kReplayCatchUpSeconds)));
    m_slider->setSingleStep(1000);
    m_slider->setPageStep(10'000);
    connect(m_slider, &SeekSlider::seekRequested, this, &ReplayBar::requestSeek);
    connect(m_slider, &QSlider::valueChanged, this, [this](int ms) {
        if (m_slider->userMoving())
            updateLabel(static_cast<std::int64_t>(ms) * kNsPerMs);
    });
    addWidget(m_slider);

    m_position = new QLabel(this);
    m_position->setContentsMargins(8, 0, 8, 0);
    m_position->setMinimumWidth(m_position->fontMetrics().horizontalAdvance(QStringLiteral("0:00:00.0 / 0:00:00.0")) +
                                16);
    m_position->setToolTip(tr("Position / length of the recording"));
    addWidget(m_position);

    auto* speedLabel = new QLabel(tr("Speed"), this);
    speedLabel->setContentsMargins(4, 0, 4, 0);
    addWidget(speedLabel);
    m_speed = new QComboBox(this);
    m_speed->setToolTip(tr("Replay speed (max: everything at once)"));
    for (const SpeedChoice& choice : kSpeeds)
        m_speed->addItem(QString::fromUtf8(choice.text), choice.speed);
    connect(m_speed, &QComboBox::activated, this, [this](int index) { setSpeed(m_speed->itemData(index).toDouble()); });
    speedLabel->setBuddy(m_speed);
    addWidget(m_speed);

    setPlayback(nullptr);
}

void ReplayBar::setPlayback(Playback* playback, const QString& source)
{
    m_playback = playback;
    for (QWidget* w : std::initializer_list<QWidget*>{m_slider, m_speed})
        w->setEnabled(playback != nullptr);
    m_play->setEnabled(playback != nullptr);
    m_name->setText(playback ? tr("<b>Replay</b> %1").arg(QString::fromStdString(playback->title()).toHtmlEscaped())
                             : QString());
    m_name->setToolTip(source);
    if (!playback) {
        m_slider->setRange(0, 0);
        m_position->clear();
        return;
    }
    {
        const QSignalBlocker block(m_slider);
        m_slider->setRange(toMs(playback->begin_ns()), toMs(playback->end_ns()));
    }
    const double speed = playback->speed();
    int index = -1;
    for (int i = 0; i < m_speed->count(); ++i)
        if (std::abs(m_speed->itemData(i).toDouble() - speed) < 1e-9)
            index = i;
    if (index < 0) { // a speed from the command line that the list does not have
        m_speed->insertItem(m_speed->count() - 1, QStringLiteral("%1\u00D7").arg(speed), speed);
        index = m_speed->count() - 2;
    }
    m_speed->setCurrentIndex(index);
    m_shownPlaying = !playback->playing(); // forces the action to be set
    refresh();
}

void ReplayBar::refresh()
{
    if (!m_playback)
        return;
    const std::int64_t position = m_playback->position_ns();
    if (!m_slider->userMoving()) {
        const QSignalBlocker block(m_slider);
        m_slider->setValue(toMs(position));
        updateLabel(position);
    }
    updatePlayAction(m_playback->playing());
}

void ReplayBar::setPlaying(bool playing)
{
    if (!m_playback)
        return;
    const bool atEnd = m_playback->position_ns() >= m_playback->end_ns();
    m_playback->setPlaying(playing);
    if (playing && atEnd)
        Q_EMIT seekRequested(m_playback->begin_ns()); // play again from the start
    updatePlayAction(m_playback->playing());
}

void ReplayBar::setSpeed(double speed)
{
    for (int i = 0; i < m_speed->count(); ++i)
        if (std::abs(m_speed->itemData(i).toDouble() - speed) < 1e-9)
            m_speed->setCurrentIndex(i);
    if (m_playback)
        m_playback->setSpeed(speed);
}

QString ReplayBar::positionText() const
{
    return m_position->text();
}

QString ReplayBar::formatPosition(std::int64_t t_ns)
{
    const std::int64_t tenths = std::max<std::int64_t>(0, t_ns) / 100'000'000;
    const std::int64_t h = tenths / 36'000;
    const std::int64_t m = (tenths / 600) % 60;
    const std::int64_t s = (tenths / 10) % 60;
    const QString rest =
        QStringLiteral("%1:%2.%3").arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0')).arg(tenths % 10);
    return h > 0 ? QStringLiteral("%1:%2").arg(h).arg(rest) : rest;
}

void ReplayBar::updatePlayAction(bool playing)
{
    if (playing == m_shownPlaying)
        return;
    m_shownPlaying = playing;
    m_play->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_play->setText(playing ? tr("Pause") : tr("Play"));
    m_play->setToolTip(playing ? tr("Pause the replay (Ctrl+Shift+Space)")
                               : tr("Play the recording (Ctrl+Shift+Space)"));
}

void ReplayBar::requestSeek(int ms)
{
    if (!m_playback)
        return;
    const std::int64_t t_ns = static_cast<std::int64_t>(ms) * kNsPerMs;
    updateLabel(t_ns);
    Q_EMIT seekRequested(t_ns);
}

void ReplayBar::updateLabel(std::int64_t position_ns)
{
    if (!m_playback)
        return;
    m_position->setText(
        QStringLiteral("%1 / %2").arg(formatPosition(position_ns), formatPosition(m_playback->end_ns())));
}

} // namespace ksscope::ui
