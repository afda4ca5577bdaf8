// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QTableView>

namespace ksscope::ui {

class EventModel;

/// The events log: one row per event, following new ones unless the user scrolled up to read older ones; a click
/// names the event's time and device.
class EventLogView : public QTableView {
    Q_OBJECT
public:
    explicit EventLogView(EventModel* model, QWidget* parent = nullptr);

Q_SIGNALS:
    /// A row was clicked: the event's time (ns) and the id it concerns.
    void eventClicked(qint64 t_ns, const QString& id);

private:
    bool m_follow = true;
};

} // namespace ksscope::ui
