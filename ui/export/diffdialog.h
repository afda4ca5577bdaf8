// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/report.h"

#include <QDialog>
#include <QFutureWatcher>

#include <memory>

class QLabel;
class QTableWidget;

namespace ksscope::ui {

/// File > Compare recordings: two recordings side by side, allocator by allocator (as `ksscope-cli diff`).
/// The recordings are read on a worker thread; the table fills in when both are done.
class DiffDialog : public QDialog {
    Q_OBJECT
public:
    explicit DiffDialog(QWidget* parent = nullptr);
    ~DiffDialog() override;

    /// Reads \a a and \a b and shows them; finished() tells when the table is filled (or why not).
    void compare(const QString& a, const QString& b);

    [[nodiscard]] QTableWidget* table() const { return m_table; }
    [[nodiscard]] QString message() const;

Q_SIGNALS:
    void finished(bool ok);

private:
    struct Result {
        Status status;
        Report a;
        Report b;
    };
    void present(const Result& result);

    QLabel* m_header;
    QTableWidget* m_table;
    QFutureWatcher<std::shared_ptr<Result>> m_watcher;
};

} // namespace ksscope::ui
