// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Item data roles shared by the models and the widgets that read them.

#include <Qt>

namespace ksscope::ui {

enum Role {
    IdRole = Qt::UserRole + 1, ///< QString: the stable id of a backend, filter, pin or allocator
    NodeKindRole, ///< int (NodeKind)
    GoneRole, ///< bool: the device is gone; its last known state is shown
    StarvingRole, ///< bool: the allocator is starving now
    TimeRole, ///< qint64: event time, ns since the session started
    EventKindRole, ///< int (ksscope::EventKind)
    SortRole, ///< a value to sort by
};

enum class NodeKind { Backend, Filter, Pin, Allocator };

} // namespace ksscope::ui
