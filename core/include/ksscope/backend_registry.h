// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file backend_registry.h
/// The backends a program has. Each backend registers itself from its own folder (one registration: its name,
/// what it is, whether it opens when no backend is named, and how to create it); the core's own are collected by
/// the build (core/src/<backend>/backend.cmake), a program or a test may add its own with a static
/// `BackendRegistry::add(...)`. Nothing outside a backend's folder names it.

#include "ksscope/backend.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope {

struct BackendRegistration {
    std::string name; ///< as Backend::name() starts and as --backend names it
    std::string description; ///< one line, for `backends` and --help
    int order = 100; ///< where it is listed and opened: lower first
    /// Opened when no backend is named and it is available (the local devices); false for those that need to be
    /// told what to open (a recording, a remote agent).
    bool openedByDefault = true;
    std::function<std::unique_ptr<Backend>(const BackendOptions& options)> create;
    /// When no backend is named: true when these options ask for this backend (a recording to play, an agent to
    /// connect to); then the backends they ask for open, and only those. Empty: never.
    std::function<bool(const BackendOptions& options)> selectedBy = {};
};

class BackendRegistry {
public:
    /// Adds a backend (a later one of the same name replaces it). Returns true, so that a registration can be a
    /// static initialiser: `static const bool registered = BackendRegistry::add({...});`.
    static bool add(BackendRegistration registration);
    /// Every registered backend, by order then name.
    [[nodiscard]] static std::vector<BackendRegistration> all();
    /// Null when no backend of that name is registered.
    [[nodiscard]] static std::unique_ptr<Backend> create(std::string_view name, const BackendOptions& options);
    [[nodiscard]] static bool has(std::string_view name);
    /// The backend \a options ask for (BackendRegistration::selectedBy: the agent an address names, ...); null when
    /// they ask for none.
    [[nodiscard]] static std::unique_ptr<Backend> createSelected(const BackendOptions& options);
};

} // namespace ksscope
