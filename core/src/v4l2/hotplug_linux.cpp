// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotplug_linux.h"

#include "ksscope/hresult.h"

#include <atomic>
#include <cerrno>
#include <libudev.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace ksscope::v4l2 {

struct HotplugMonitor::Impl {
    std::function<void()> onChange;
    udev* context = nullptr;
    udev_monitor* monitor = nullptr;
    int wakeFd = -1; // eventfd that stop() writes to
    std::thread thread;

    void run()
    {
        const int fd = udev_monitor_get_fd(monitor);
        pollfd fds[2] = {{fd, POLLIN, 0}, {wakeFd, POLLIN, 0}};
        bool pending = false;
        for (;;) {
            // after an event, wait for the burst to settle (a driver registers several nodes at once)
            const int ready = ::poll(fds, 2, pending ? 200 : -1);
            if (ready < 0 && errno != EINTR)
                return;
            if (fds[1].revents & POLLIN)
                return;
            if (ready == 0 && pending) {
                pending = false;
                onChange();
                continue;
            }
            if (fds[0].revents & POLLIN) {
                while (udev_device* device = udev_monitor_receive_device(monitor)) {
                    pending = true;
                    udev_device_unref(device);
                }
            }
        }
    }
};

HotplugMonitor::HotplugMonitor(std::function<void()> onChange) : m_impl(std::make_unique<Impl>())
{
    m_impl->onChange = std::move(onChange);
}

HotplugMonitor::~HotplugMonitor()
{
    stop();
}

bool HotplugMonitor::start(std::string& error)
{
    Impl& d = *m_impl;
    d.context = udev_new();
    if (!d.context) {
        error = "udev_new failed";
        return false;
    }
    // kernel uevents need no udev daemon (containers and minimal systems have none)
    d.monitor = udev_monitor_new_from_netlink(d.context, "kernel");
    if (!d.monitor) {
        error = "cannot receive kernel uevents: " + errnoMessage(errno);
        stop();
        return false;
    }
    udev_monitor_filter_add_match_subsystem_devtype(d.monitor, "video4linux", nullptr);
    udev_monitor_filter_add_match_subsystem_devtype(d.monitor, "media", nullptr);
    if (udev_monitor_enable_receiving(d.monitor) < 0) {
        error = "cannot receive kernel uevents: " + errnoMessage(errno);
        stop();
        return false;
    }
    d.wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d.wakeFd < 0) {
        error = "eventfd: " + errnoMessage(errno);
        stop();
        return false;
    }
    d.thread = std::thread(&Impl::run, &d);
    return true;
}

void HotplugMonitor::stop()
{
    Impl& d = *m_impl;
    if (d.thread.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(d.wakeFd, &one, sizeof one);
        d.thread.join();
    }
    if (d.wakeFd >= 0)
        ::close(d.wakeFd);
    d.wakeFd = -1;
    if (d.monitor)
        udev_monitor_unref(d.monitor);
    d.monitor = nullptr;
    if (d.context)
        udev_unref(d.context);
    d.context = nullptr;
}

} // namespace ksscope::v4l2
