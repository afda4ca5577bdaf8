// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Device arrival and removal for the v4l2 backend: kernel uevents of the video4linux and media
// subsystems, through libudev.

#include <functional>
#include <memory>
#include <string>

namespace ksscope::v4l2 {

class HotplugMonitor {
public:
    /// \a onChange runs on the monitor's thread after a burst of uevents has settled.
    explicit HotplugMonitor(std::function<void()> onChange);
    ~HotplugMonitor();
    HotplugMonitor(const HotplugMonitor&) = delete;
    HotplugMonitor& operator=(const HotplugMonitor&) = delete;

    /// False (with a reason) when uevents cannot be received here.
    bool start(std::string& error);
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace ksscope::v4l2
