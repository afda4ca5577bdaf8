// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSlider>
#include <QToolBar>

#include <cstdint>

class QComboBox;
class QLabel;
class QTimer;

namespace ksscope {
class Playback;
}

namespace ksscope::ui {

/// A time slider that jumps to where it is clicked (a plain QSlider steps by a page) and reports a seek
/// once, when a click or a drag ends or a key moves it. The wheel does not seek.
class SeekSlider : public QSlider {
    Q_OBJECT
public:
    explicit SeekSlider(QWidget* parent = nullptr);

    /// Dragged, or moved by keys that have not come to rest yet: the position is the user's, not the replay's.
    [[nodiscard]] bool userMoving() const;

Q_SIGNALS:
    void seekRequested(int value);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    QTimer* m_keySettle; // held arrow keys seek once, when they stop
};

/// The replay controls: play/pause, the position over the recording (slider and "01:23.4 / 05:00.0") and
/// the speed. Play, pause and speed act on the playback directly; a seek needs a new monitor, so it is asked
/// for with seekRequested().
class ReplayBar : public QToolBar {
    Q_OBJECT
public:
    explicit ReplayBar(QWidget* parent = nullptr);

    /// The playback to control (null: none, the bar disables itself); shows its title, position and speed. \a source,
    /// where it comes from in full, is the tooltip of its title.
    void setPlayback(Playback* playback, const QString& source = {});
    [[nodiscard]] Playback* playback() const { return m_playback; }
    /// Follows the position and the play state (the window's refresh tick); leaves a slider being dragged alone.
    void refresh();

    /// Plays or pauses; playing from the end starts again at the beginning.
    void setPlaying(bool playing);
    /// Sets the speed (0: as fast as possible) and selects it in the speed box.
    void setSpeed(double speed);

    [[nodiscard]] QAction* playAction() const { return m_play; }
    [[nodiscard]] QSlider* slider() const { return m_slider; }
    [[nodiscard]] QComboBox* speedBox() const { return m_speed; }
    [[nodiscard]] QString positionText() const;

    /// "01:23.4" (and "1:01:23.4" past an hour).
    [[nodiscard]] static QString formatPosition(std::int64_t t_ns);

Q_SIGNALS:
    /// The user moved the position to \a t_ns (recording time).
    void seekRequested(std::int64_t t_ns);

private:
    void updatePlayAction(bool playing);
    void requestSeek(int ms);
    void updateLabel(std::int64_t position_ns);

    Playback* m_playback = nullptr;
    QLabel* m_name;
    QAction* m_play;
    SeekSlider* m_slider;
    QLabel* m_position;
    QComboBox* m_speed;
    bool m_shownPlaying = false;
};

} // namespace ksscope::ui
