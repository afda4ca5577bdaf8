// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/model.h"
#include "roles.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QMultiHash>

#include <memory>
#include <vector>

namespace ksscope::ui {

/// Live state of one allocator, applied in bulk on the UI throttle timer.
struct AllocatorLive {
    quint32 allocated = 0;
    quint32 frames = 0;
    bool starving = false;
    bool gone = false;
    double framesPerSecond = 0.0;
};

/// The device tree: backend -> filter -> pin -> allocator, with live columns. Filters that disappear
/// stay, greyed out (GoneRole) with their last known state, until they come back.
class DeviceTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, ModeColumn, FramesColumn, AllocatedColumn, StateColumn, ColumnCount };

    explicit DeviceTreeModel(QObject* parent = nullptr);
    ~DeviceTreeModel() override;

    /// Structure entry point: inserts new backends, filters and pins, marks missing filters gone.
    void setTopology(const Topology& topology);
    /// Live entry point: one dataChanged per changed row range of the live columns.
    void updateLive(const QHash<QString, AllocatorLive>& live);
    /// Marks a filter (and what it holds) gone or back.
    void setFilterGone(const QString& filterId, bool gone);
    void clear();

    /// Every index showing \a id (an allocator shared by two pins shows twice).
    [[nodiscard]] QModelIndexList indexesForId(const QString& id) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node;
    Node* nodeFor(const QModelIndex& index) const;
    QModelIndex indexFor(const Node* node, int column = 0) const;
    Node* ensureBackend(const QString& name);
    void insertChild(Node* parent, std::unique_ptr<Node> child);
    void removeChildren(Node* parent);
    void fillFilter(Node* filterNode, const FilterInfo& filter, const Topology& topology);
    void unregister(Node* node);
    void setGoneRecursive(Node* node, bool gone);

    std::unique_ptr<Node> m_root;
    QMultiHash<QString, Node*> m_byId;
};

} // namespace ksscope::ui
