// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file options.h
/// What every front end (ksscope-cli, the window, serve) shares about its command line: the exit codes, the one
/// parser for number options, which refuses what is not a finite number in range, and the one way to name a
/// number in a message.

#include "ksscope/hresult.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ksscope {

/// Exit codes of ksscope-cli and of the window program's command line; users and scripts depend on them.
enum ExitCode : int {
    ExitOk = 0,
    ExitUsage = 2, ///< a usage error: a missing or unknown option, argument or file
    ExitDevice = 3, ///< a device, backend or system error (including a file that cannot be written)
    ExitInvalidValue = 4, ///< an invalid value: an option out of range, a malformed scenario or recording
    ExitRecording = 5, ///< the recording could not be written to the end (watching went on)
    ExitDoctor = 6, ///< the pipeline doctor found a link the kernel would refuse to stream (STREAMON: EPIPE)
};

/// The exit code for a failed Status: a missing file or options that do not go together (ERROR_BAD_ARGUMENTS) are a
/// usage error, a malformed or invalid input an invalid
/// value, anything else (a device, a full disk, a refused write) a device error.
[[nodiscard]] int exitCodeFor(const Status& status);

/// Parses \a text as a finite number from \a min to \a max ("nan", "inf", "", "1e999", trailing text and values out
/// of range are refused). On failure returns nullopt and sets \a error to a message that names \a option (when not
/// empty), what was given and what is allowed, e.g. `--rate: expected a number from 1 to 2000, got "nan"`.
[[nodiscard]] std::optional<double> parseNumberOption(std::string_view option, std::string_view text, double min,
                                                      double max, std::string& error);

/// Parses \a text as a whole number from \a min to \a max (decimal digits with an optional sign; no blanks, no
/// fraction). On failure returns nullopt and sets \a error as parseNumberOption does.
[[nodiscard]] std::optional<std::int64_t> parseWholeOption(std::string_view option, std::string_view text,
                                                           std::int64_t min, std::int64_t max, std::string& error);

/// Whether an output file (a report, an export) can be written, checked before any work: its folder exists, it is
/// not a folder itself, and it can be opened for writing (a file that did not exist is not left behind). "-" is
/// standard output. On failure the status (ERROR_PATH_NOT_FOUND: a usage error) names the file and the problem.
[[nodiscard]] Status checkOutputFile(const std::string& output);

/// A number as a person writes it in a message: up to 6 significant digits, no exponent below 1e15
/// ("2000", "0.001", "31536000", "1.5e+300").
[[nodiscard]] std::string numberText(double value);

} // namespace ksscope
