// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file controls.h
/// A device's controls as VIDIOC_QUERY_EXT_CTRL describes them (integers, booleans, menus, buttons, strings, bitmasks,
/// compound controls) with their values read live, how a value typed by a person is checked against them, and what an
/// edit asked for and got.

#include "ksscope/hresult.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope {

enum class ControlType : std::uint8_t {
    Integer,
    Boolean,
    Menu,
    Button, ///< write-only: an action (vivid's error injections)
    Integer64,
    Class, ///< a heading, no value
    String,
    Bitmask,
    IntegerMenu,
    Compound, ///< arrays and structures: shown, not edited
};
[[nodiscard]] std::string_view controlTypeName(ControlType type); ///< "int", "bool", "menu", "button", ...

// V4L2_CTRL_FLAG_* as videodev2.h numbers them.
inline constexpr std::uint32_t kControlFlagDisabled = 0x0001;
inline constexpr std::uint32_t kControlFlagGrabbed = 0x0002;
inline constexpr std::uint32_t kControlFlagReadOnly = 0x0004;
inline constexpr std::uint32_t kControlFlagUpdate = 0x0008;
inline constexpr std::uint32_t kControlFlagInactive = 0x0010;
inline constexpr std::uint32_t kControlFlagSlider = 0x0020;
inline constexpr std::uint32_t kControlFlagWriteOnly = 0x0040;
inline constexpr std::uint32_t kControlFlagVolatile = 0x0080;
inline constexpr std::uint32_t kControlFlagHasPayload = 0x0100;
inline constexpr std::uint32_t kControlFlagExecuteOnWrite = 0x0200;
inline constexpr std::uint32_t kControlFlagModifyLayout = 0x0400;
/// "read-only inactive volatile", as v4l2-ctl prints flags.
[[nodiscard]] std::string controlFlagsText(std::uint32_t flags);

struct ControlMenuEntry {
    std::int64_t index = 0;
    std::string name; ///< a menu's text, or an integer menu's value as text
};

/// A control's value: a number (integers, booleans, menus, bitmasks) or text (strings).
struct ControlValue {
    std::int64_t number = 0;
    std::string text;
    bool operator==(const ControlValue&) const = default;
};

struct ControlInfo {
    std::string filterId; ///< the filter (video node or subdevice entity) it belongs to
    std::uint32_t id = 0; ///< V4L2_CID_*
    std::string name; ///< "Percentage of Dropped Buffers"
    std::string key; ///< v4l2-ctl's name for it: "percentage_of_dropped_buffers"
    std::string className; ///< the control class it is in ("User Controls"), empty when not known
    ControlType type = ControlType::Integer;
    std::int64_t minimum = 0;
    std::int64_t maximum = 0;
    std::uint64_t step = 1;
    std::int64_t defaultValue = 0;
    std::uint32_t flags = 0;
    std::vector<ControlMenuEntry> menu; ///< the entries a menu offers (the driver may skip indices)
    std::uint32_t elements = 1; ///< compound controls: how many
    std::uint32_t elementSize = 0; ///< compound controls: bytes each
    std::vector<std::uint32_t> dims; ///< compound controls: array dimensions
    ControlValue value; ///< as read (not for buttons, write-only, class headings and compound controls)
    bool valueKnown = false;
    std::string error; ///< why the value could not be read

    [[nodiscard]] bool readOnly() const { return (flags & kControlFlagReadOnly) != 0; }
    [[nodiscard]] bool writeOnly() const { return (flags & kControlFlagWriteOnly) != 0 || type == ControlType::Button; }
    [[nodiscard]] bool disabled() const { return (flags & kControlFlagDisabled) != 0; }
    /// A control a person can change (not read-only, disabled, a class heading or compound).
    [[nodiscard]] bool editable() const;
    /// The value as v4l2-ctl prints it: "20", "true", "1 (Fixed Color)" style "Fixed Color (1)" for menus, the text
    /// of strings, "0x00000003" for bitmasks; "" when not known.
    [[nodiscard]] std::string valueText() const;
    /// "0 - 100 step 1, default 0", "menu 0 - 3, default 0", "string of 2 - 32 chars", "u8 [4 x 2]"
    [[nodiscard]] std::string rangeText() const;
    /// The menu entry with \a index, or null.
    [[nodiscard]] const ControlMenuEntry* menuEntry(std::int64_t index) const;
};

/// v4l2-ctl's key for a control name: lower case, runs of other characters as one '_' ("White Balance, Automatic" ->
/// "white_balance_automatic").
[[nodiscard]] std::string controlKey(std::string_view name);

/// Finds a control by its key, its name (either case), or its id ("0x00980900" or decimal); null when none matches.
[[nodiscard]] const ControlInfo* findControl(const std::vector<ControlInfo>& controls, std::string_view what);

/// Reads what a person typed for \a control: a number (decimal or 0x hex), true/false/on/off for booleans, a menu
/// entry's index or name, the text of a string control, nothing for a button (press). Checks it against the range,
/// step, menu and string length: a failure names the control and what it allows. \a text is taken as it is.
[[nodiscard]] std::optional<ControlValue> parseControlValue(const ControlInfo& control, std::string_view text,
                                                            std::string& error);
/// Checks \a value against \a control's range, step, menu, length and flags; the message names the control and what
/// it allows.
[[nodiscard]] Status checkControlValue(const ControlInfo& control, const ControlValue& value);

/// What a control edit asked for and got.
struct ControlChange {
    std::string filterId;
    ControlInfo before; ///< the control as it was (its value the one to restore)
    ControlValue requested;
    ControlValue actual; ///< read back after the write (not for buttons and write-only controls)
    bool applied = false;
    Status status;
    /// The driver stored something other than what was asked (e.g. rounded to its step).
    [[nodiscard]] bool adjusted() const { return applied && before.valueKnown && !(actual == requested); }
};

} // namespace ksscope
