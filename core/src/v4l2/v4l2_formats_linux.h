// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Formats and controls of V4L2 video nodes and subdevice pads, through their ioctls. Every failure names the node and
// the ioctl; nothing here keeps a node open.

#include "ksscope/controls.h"
#include "ksscope/formats.h"

#include <string>
#include <vector>

namespace ksscope::v4l2 {

/// A video node's formats (ENUM_FMT, ENUM_FRAMESIZES, ENUM_FRAMEINTERVALS), its active format (G_FMT, G_PARM) and
/// its crop/compose selections. \a pinId is set on the result; \a bufType is the node's queue type.
PinFormats readVideoNodeFormats(const std::string& node, std::uint32_t bufType);
/// A subdevice pad's media bus codes (ENUM_MBUS_CODE), sizes and intervals, active format (SUBDEV_G_FMT), frame
/// interval (SUBDEV_G_FRAME_INTERVAL) and selections.
PinFormats readSubdevPadFormats(const std::string& subdev, std::uint32_t pad);

/// VIDIOC_S_FMT (or TRY_FMT for a dry run) and, when \a wanted carries an interval, VIDIOC_S_PARM. Fills
/// \a change.actual with what the driver chose.
Status writeVideoNodeFormat(const std::string& node, std::uint32_t bufType, const StreamFormat& wanted, bool dryRun,
                            FormatChange& change);
/// VIDIOC_SUBDEV_S_FMT with which ACTIVE (TRY for a dry run) and, when \a wanted carries an interval,
/// VIDIOC_SUBDEV_S_FRAME_INTERVAL.
Status writeSubdevPadFormat(const std::string& subdev, std::uint32_t pad, const StreamFormat& wanted, bool dryRun,
                            FormatChange& change);

/// Every control of a video or subdevice node (QUERY_EXT_CTRL with NEXT_CTRL | NEXT_COMPOUND, QUERYMENU) with its
/// value (G_EXT_CTRLS); \a filterId is set on each. An unreadable node gives one error in \a error.
std::vector<ControlInfo> readControls(const std::string& node, const std::string& filterId, std::string& error);
/// VIDIOC_S_EXT_CTRLS of one control, then reads it back into \a change.actual.
Status writeControl(const std::string& node, const ControlInfo& control, const ControlValue& value,
                    ControlChange& change);

} // namespace ksscope::v4l2
