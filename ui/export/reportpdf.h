// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/report.h"

#include <QString>

#include <functional>

namespace ksscope::ui {

/// Draws \a report as an A4 PDF with Qt: a title, the session, the topology and each allocator's occupancy
/// as vector pictures (the same drawings as the HTML report's SVG), the tables, and "page N of M" on every page.
[[nodiscard]] Status writeReportPdf(const Report& report, const QString& path,
                                    const std::function<bool(double)>& progress = {});

/// Writes the report of the recording \a recordingPath as \a format (json, csv, html or pdf) to \a outputPath,
/// reporting progress from 0 to 1 (the GUI's File > Export report and `ksscope --export-report`).
[[nodiscard]] Status exportReport(const QString& recordingPath, const QString& format, const QString& outputPath,
                                  const std::function<bool(double)>& progress = {});

} // namespace ksscope::ui
