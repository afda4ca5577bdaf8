// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/controls.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace ksscope {

namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trimmed(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return std::string(text);
}

std::optional<std::int64_t> parseInteger(std::string_view text)
{
    bool negative = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint64_t magnitude = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    if (negative) {
        if (magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1)
            return std::nullopt;
        return magnitude == static_cast<std::uint64_t>(INT64_MAX) + 1 ? INT64_MIN
                                                                      : -static_cast<std::int64_t>(magnitude);
    }
    if (base == 10 && magnitude > static_cast<std::uint64_t>(INT64_MAX))
        return std::nullopt;
    return static_cast<std::int64_t>(magnitude); // hex may spell a 64-bit pattern
}

/// "control \"Brightness\" (brightness)"
std::string label(const ControlInfo& c)
{
    return "control \"" + c.name + "\" (" + c.key + ")";
}

std::string menuList(const ControlInfo& c)
{
    std::string out;
    for (const ControlMenuEntry& e : c.menu)
        out += (out.empty() ? "" : ", ") + std::to_string(e.index) + " (" + e.name + ")";
    return out;
}

} // namespace

std::string_view controlTypeName(ControlType type)
{
    switch (type) {
    case ControlType::Integer:
        return "int";
    case ControlType::Boolean:
        return "bool";
    case ControlType::Menu:
        return "menu";
    case ControlType::Button:
        return "button";
    case ControlType::Integer64:
        return "int64";
    case ControlType::Class:
        return "ctrl_class";
    case ControlType::String:
        return "str";
    case ControlType::Bitmask:
        return "bitmask";
    case ControlType::IntegerMenu:
        return "intmenu";
    case ControlType::Compound:
        return "compound";
    }
    return "?";
}

std::string controlFlagsText(std::uint32_t flags)
{
    static const std::pair<std::uint32_t, const char*> names[] = {
        {kControlFlagDisabled, "disabled"},          {kControlFlagGrabbed, "grabbed"},
        {kControlFlagReadOnly, "read-only"},         {kControlFlagUpdate, "update"},
        {kControlFlagInactive, "inactive"},          {kControlFlagSlider, "slider"},
        {kControlFlagWriteOnly, "write-only"},       {kControlFlagVolatile, "volatile"},
        {kControlFlagHasPayload, "has-payload"},     {kControlFlagExecuteOnWrite, "execute-on-write"},
        {kControlFlagModifyLayout, "modify-layout"},
    };
    std::string out;
    for (const auto& [bit, name] : names)
        if (flags & bit)
            out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

bool ControlInfo::editable() const
{
    return !readOnly() && !disabled() && type != ControlType::Class && type != ControlType::Compound;
}

const ControlMenuEntry* ControlInfo::menuEntry(std::int64_t index) const
{
    for (const ControlMenuEntry& e : menu)
        if (e.index == index)
            return &e;
    return nullptr;
}

std::string ControlInfo::valueText() const
{
    if (!valueKnown)
        return {};
    switch (type) {
    case ControlType::Boolean:
        return value.number ? "true" : "false";
    case ControlType::Menu:
    case ControlType::IntegerMenu:
        if (const ControlMenuEntry* e = menuEntry(value.number))
            return e->name + " (" + std::to_string(value.number) + ")";
        return std::to_string(value.number);
    case ControlType::Bitmask: {
        char text[16];
        std::snprintf(text, sizeof text, "0x%08llx", static_cast<unsigned long long>(value.number));
        return text;
    }
    case ControlType::String:
    case ControlType::Compound:
        return value.text;
    default:
        return std::to_string(value.number);
    }
}

std::string ControlInfo::rangeText() const
{
    switch (type) {
    case ControlType::Integer:
    case ControlType::Integer64:
        return std::to_string(minimum) + " - " + std::to_string(maximum) +
               (step > 1 ? " step " + std::to_string(step) : std::string()) + ", default " +
               std::to_string(defaultValue);
    case ControlType::Boolean:
        return std::string("default ") + (defaultValue ? "true" : "false");
    case ControlType::Menu:
    case ControlType::IntegerMenu: {
        const ControlMenuEntry* d = menuEntry(defaultValue);
        return "menu " + std::to_string(minimum) + " - " + std::to_string(maximum) + ", default " +
               (d ? d->name + " (" + std::to_string(defaultValue) + ")" : std::to_string(defaultValue));
    }
    case ControlType::Bitmask: {
        char text[48];
        std::snprintf(text, sizeof text, "mask 0x%08llx, default 0x%08llx", static_cast<unsigned long long>(maximum),
                      static_cast<unsigned long long>(defaultValue));
        return text;
    }
    case ControlType::String:
        return "string of " + std::to_string(minimum) + " - " + std::to_string(maximum) + " characters";
    case ControlType::Button:
        return "action";
    case ControlType::Class:
        return "class";
    case ControlType::Compound: {
        std::string out = std::to_string(elementSize) + "-byte element";
        if (!dims.empty()) {
            out += "s [";
            for (std::size_t i = 0; i < dims.size(); ++i)
                out += (i ? " x " : "") + std::to_string(dims[i]);
            out += "]";
        }
        return out;
    }
    }
    return {};
}

std::string controlKey(std::string_view name)
{
    std::string out;
    bool underscore = false;
    for (const char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            if (underscore)
                out += '_';
            underscore = false;
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!out.empty()) {
            underscore = true;
        }
    }
    return out;
}

const ControlInfo* findControl(const std::vector<ControlInfo>& controls, std::string_view what)
{
    const std::string wanted = lower(what);
    for (const ControlInfo& c : controls)
        if (c.key == wanted || lower(c.name) == wanted)
            return &c;
    if (const auto id = parseInteger(what); id && *id > 0)
        for (const ControlInfo& c : controls)
            if (c.id == static_cast<std::uint64_t>(*id))
                return &c;
    return nullptr;
}

Status checkControlValue(const ControlInfo& c, const ControlValue& value)
{
    if (c.type == ControlType::Class)
        return {E_INVALIDARG, label(c) + " is a class heading: it has no value"};
    if (c.type == ControlType::Compound)
        return {E_NOTIMPL, label(c) + " is a compound control (" + c.rangeText() + "): KsScope shows it, read-only"};
    if (c.readOnly())
        return {hresultFromWin32(kErrorAccessDenied), label(c) + " is read-only"};
    if (c.disabled())
        return {hresultFromWin32(kErrorAccessDenied), label(c) + " is disabled by the driver"};
    const std::int64_t v = value.number;
    switch (c.type) {
    case ControlType::Button:
        return Status::ok();
    case ControlType::Boolean:
        if (v != 0 && v != 1)
            return {E_INVALIDARG,
                    label(c) + ": " + std::to_string(v) + " is not a boolean: give 0 or 1 (false or true)"};
        return Status::ok();
    case ControlType::Menu:
    case ControlType::IntegerMenu:
        if (!c.menuEntry(v))
            return {E_INVALIDARG, label(c) + ": menu index " + std::to_string(v) +
                                      " does not exist; the driver offers " + menuList(c)};
        return Status::ok();
    case ControlType::Bitmask:
        if ((static_cast<std::uint64_t>(v) & ~static_cast<std::uint64_t>(c.maximum)) != 0) {
            char text[96];
            std::snprintf(text, sizeof text, ": 0x%08llx sets bits outside the mask 0x%08llx",
                          static_cast<unsigned long long>(v), static_cast<unsigned long long>(c.maximum));
            return {E_INVALIDARG, label(c) + text};
        }
        return Status::ok();
    case ControlType::String:
        if (static_cast<std::int64_t>(value.text.size()) < c.minimum ||
            static_cast<std::int64_t>(value.text.size()) > c.maximum)
            return {E_INVALIDARG, label(c) + ": \"" + value.text + "\" has " + std::to_string(value.text.size()) +
                                      " characters; the driver takes " + std::to_string(c.minimum) + " to " +
                                      std::to_string(c.maximum)};
        return Status::ok();
    default:
        if (v < c.minimum || v > c.maximum)
            return {E_INVALIDARG, label(c) + ": " + std::to_string(v) + " is out of range; the driver allows " +
                                      std::to_string(c.minimum) + " to " + std::to_string(c.maximum) +
                                      (c.step > 1 ? " in steps of " + std::to_string(c.step) : std::string())};
        return Status::ok();
    }
}

std::optional<ControlValue> parseControlValue(const ControlInfo& c, std::string_view text, std::string& error)
{
    ControlValue value;
    const std::string t = trimmed(text);
    switch (c.type) {
    case ControlType::Button:
        if (!t.empty() && t != "1") {
            error = label(c) + " is a button: it takes no value (it is pressed)";
            return std::nullopt;
        }
        value.number = 1;
        break;
    case ControlType::String:
        value.text = std::string(text);
        break;
    case ControlType::Boolean: {
        const std::string l = lower(t);
        if (l == "1" || l == "true" || l == "on" || l == "yes")
            value.number = 1;
        else if (l == "0" || l == "false" || l == "off" || l == "no")
            value.number = 0;
        else {
            error = label(c) + ": \"" + t + "\" is not a boolean: give true or false (1 or 0)";
            return std::nullopt;
        }
        break;
    }
    case ControlType::Menu:
    case ControlType::IntegerMenu: {
        if (const auto n = parseInteger(t)) {
            value.number = *n;
            break;
        }
        const std::string l = lower(t);
        const auto it =
            std::find_if(c.menu.begin(), c.menu.end(), [&](const ControlMenuEntry& e) { return lower(e.name) == l; });
        if (it == c.menu.end()) {
            error = label(c) + ": \"" + t + "\" is not one of its menu entries: " + menuList(c);
            return std::nullopt;
        }
        value.number = it->index;
        break;
    }
    default: {
        const auto n = parseInteger(t);
        if (!n) {
            error = label(c) + ": \"" + t + "\" is not a number";
            return std::nullopt;
        }
        value.number = *n;
        break;
    }
    }
    if (Status s = checkControlValue(c, value); !s) {
        error = s.message();
        return std::nullopt;
    }
    return value;
}

} // namespace ksscope
