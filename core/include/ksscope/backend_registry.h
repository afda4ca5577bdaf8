// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file backend_registry.h
/// The backends a program has. Each backend registers itself from its own folder (one registration: its name,
/// what it is, whether it opens when no backend is named, how to create it, its options with their help and checks,
/// and how the window offers it); the core's own are collected by
/// the build (core/src/<backend>/backend.cmake), a program or a test may add its own with a static
/// `BackendRegistry::add(...)`. Nothing outside a backend's folder names it.

#include "ksscope/backend.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ksscope {

/// One option a backend takes. Every front end offers it: ksscope-cli and the window as `--NAME VALUE` with its help,
/// the window also in the dialog of its File menu action (BackendRegistration::windowAction).
struct BackendOption {
    std::string name; ///< `--NAME` on the command lines; the key in BackendOptions
    std::string valueName; ///< what the value is, in help texts: FILE, URL, X|max, S
    std::string help; ///< one line
    std::string label = {}; ///< a short name for a form ("Agent address"); empty: the help
    /// Giving it asks for this backend: when no backend is named, the backends asked for open, and only those.
    bool selects = false;
    std::string needs = {}; ///< another option this one needs (speed needs recording); empty: none
    bool inWindow = false; ///< asked for by the window's action
    std::string fileFilter = {}; ///< a file to read: the filter of the window's file chooser ("Recordings (*.ksrec)")
    /// A value to show as an example (and to start the window's field with, for a value that is not a file).
    std::string example = {};
    /// Checks a value before anything opens. A failure's message says what is wrong with it (the option is named
    /// by the caller); its code is E_INVALIDARG for an invalid value, a file-not-found error for a missing file.
    std::function<Status(const std::string& value)> check = {};
};

struct BackendRegistration {
    std::string name; ///< as Backend::name() starts and as --backend names it
    std::string description; ///< one line, for `backends` and --help
    int order = 100; ///< where it is listed and opened: lower first
    /// Opened when no backend is named and it is available (the local devices); false for those that need to be
    /// told what to open (a recording, a remote agent).
    bool openedByDefault = true;
    std::function<std::unique_ptr<Backend>(const BackendOptions& options)> create;
    std::vector<BackendOption> options = {};
    /// Opened on its own, with no other backend (one whose sample source keeps the clock: a recording played back).
    bool opensAlone = false;
    /// The window's File menu action that asks for the options marked inWindow and opens the backend with them
    /// ("Open &Recording..."), and its tooltip; empty: none. A backend opened by default is opened again with them;
    /// one that opens alone replaces the open session (until File > Open Live Devices); any other is opened
    /// beside what is open, one more at each use (a remote agent).
    std::string windowAction = {};
    std::string windowActionTip = {};
    std::string windowIcon = {}; ///< the action's icon, a freedesktop icon name ("document-open"); empty: none
    std::string windowShortcut = {}; ///< the action's shortcut, as Qt's QKeySequence reads it ("Ctrl+O"); empty: none
    /// A backend opened beside the others: the window's action that closes all of them ("&Disconnect from Agents").
    std::string windowCloseAction = {};
    /// A folder of examples under the installed data folder (share/ksscope/FOLDER), where the window's file chooser
    /// starts the first time.
    std::string examplesFolder = {};
};

class BackendRegistry {
public:
    /// Adds a backend (a later one of the same name replaces it). Returns true, so that a registration can be a
    /// static initialiser: `static const bool registered = BackendRegistry::add({...});`.
    static bool add(BackendRegistration registration);
    /// Every registered backend, by order then name.
    [[nodiscard]] static std::vector<BackendRegistration> all();
    /// The registration of \a name; nullopt when there is none.
    [[nodiscard]] static std::optional<BackendRegistration> find(std::string_view name);
    /// Null when no backend of that name is registered.
    [[nodiscard]] static std::unique_ptr<Backend> create(std::string_view name, const BackendOptions& options);
    [[nodiscard]] static bool has(std::string_view name) { return find(name).has_value(); }
    /// The backends \a options ask for (BackendOption::selects), in order.
    [[nodiscard]] static std::vector<std::string> selectedBy(const BackendOptions& options);
    /// The backends that open for \a names (empty: those \a options ask for, else every one opened by default).
    [[nodiscard]] static std::vector<std::string> opening(const std::vector<std::string>& names,
                                                          const BackendOptions& options);
    /// The option called \a name, and its backend's name; nullopt when no backend has it.
    [[nodiscard]] static std::optional<std::pair<std::string, BackendOption>> findOption(std::string_view name);
    /// Checks what a front end was given before it opens anything: every option's value (its file exists, its
    /// check passes), then checkSelection(). Messages name options as `--NAME`.
    [[nodiscard]] static Status check(const std::vector<std::string>& names, const BackendOptions& options);
    /// Checks that \a names and \a options go together (ERROR_BAD_ARGUMENTS, a usage error, when not): every backend
    /// named exists, every option is a backend's and has the option it needs, none is for a backend that does not
    /// open (the backends named leave it out, or another is asked for), and a backend that opens alone is the only
    /// one that opens.
    [[nodiscard]] static Status checkSelection(const std::vector<std::string>& names, const BackendOptions& options);
    /// Every registered backend's name, as a message lists them: "sim, v4l2, replay, agent".
    [[nodiscard]] static std::string names();
};

} // namespace ksscope
