// SPDX-License-Identifier: GPL-3.0-or-later
// `formats`, `set-format`, `controls`, `set-control` and `doctor`: what each pin streams and offers, the controls of
// each device, and the links the kernel would refuse to stream, with the edit that fixes each.

#include "cli_session.h"
#include "ksscope/doctor.h"
#include "ksscope/json_output.h"

#include <algorithm>
#include <iostream>
#include <set>

namespace ksscope::cli {

namespace {

/// Whether \a pinOrFilterId is \a id or a pin of it.
bool belongsTo(const std::string& pinOrFilterId, const std::string& id)
{
    return pinOrFilterId == id || (pinOrFilterId.size() > id.size() && pinOrFilterId.compare(0, id.size(), id) == 0 &&
                                   pinOrFilterId[id.size()] == '/');
}

/// The formats of the pins \a ids name (pin or filter ids; all when empty). False after naming an unknown id.
bool selectFormats(const std::vector<PinFormats>& all, const std::vector<std::string>& ids,
                   std::vector<PinFormats>& out)
{
    for (const PinFormats& p : all)
        if (ids.empty() ||
            std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return belongsTo(p.pinId, id); }))
            out.push_back(p);
    for (const std::string& id : ids)
        if (std::none_of(all.begin(), all.end(), [&](const PinFormats& p) { return belongsTo(p.pinId, id); })) {
            std::cerr << "ksscope-cli: \"" << id << "\" is no pin or filter with formats. Pins:\n";
            for (const PinFormats& p : all)
                std::cerr << "  " << p.pinId << "\n";
            return false;
        }
    return true;
}

/// "from>to": a link as one key
std::string linkKey(const std::string& from, const std::string& to)
{
    std::string key = from;
    key += '>';
    key += to;
    return key;
}

std::string quoted(const std::string& text)
{
    return "'" + text + "'";
}

/// The command that applies \a fix.
std::string fixCommand(const FormatFix& fix)
{
    return "ksscope-cli set-format " + quoted(fix.pinId) + " " + quoted(fix.format.toString());
}

void printFormats(const Topology& topology, const PinFormats& p)
{
    std::cout << p.pinId << "  " << pinLabel(topology, p.pinId) << (p.node.empty() ? "" : "  " + p.node) << "\n";
    if (!p.error.empty())
        std::cout << "  error:      " << p.error << "\n";
    if (p.active.known()) {
        std::cout << "  active:     " << p.active.toString();
        if (p.active.bytesPerLine)
            std::cout << "  (" << p.active.bytesPerLine << " bytes per line, " << p.active.sizeImage << " bytes)";
        std::cout << "\n";
        if (p.active.interval.known())
            std::cout << "  interval:   " << p.active.interval.describe() << "\n";
    }
    if (!p.readOnlyReason.empty())
        std::cout << "  read-only:  " << p.readOnlyReason << "\n";
    for (const FormatOption& o : p.options) {
        std::cout << "  format:     " << o.codeName(p.active.space)
                  << (o.description.empty() ? "" : " (" + o.description + ")") << "\n";
        for (const SizeRange& s : o.sizes) {
            std::cout << "    size:     " << s.toString() << "\n";
            for (const IntervalRange& i : s.intervals)
                std::cout << "      interval: " << i.toString() << "\n";
        }
    }
    for (const SelectionInfo& s : p.selections)
        std::cout << "  " << s.target << ":" << std::string(s.target.size() < 11 ? 11 - s.target.size() : 1, ' ')
                  << s.rect.toString() << "\n";
}

std::string padded(std::string text, std::size_t width)
{
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text;
}

void printControls(const std::string& filterId, const std::vector<ControlInfo>& controls)
{
    std::cout << filterId << "  (" << controls.size() << " controls)\n";
    for (const ControlInfo& c : controls) {
        if (c.type == ControlType::Class) {
            std::cout << "  " << c.name << "\n";
            continue;
        }
        std::string value = c.type == ControlType::Button ? "(action)" : c.valueText();
        if (!c.error.empty())
            value = "(" + c.error + ")";
        const std::string flags = controlFlagsText(c.flags);
        std::cout << "    " << padded(c.key, 34) << " " << padded(std::string(controlTypeName(c.type)), 8) << " "
                  << padded(value, 24) << " " << c.rangeText() << (flags.empty() ? "" : "  [" + flags + "]") << "\n";
        if (c.type == ControlType::Menu || c.type == ControlType::IntegerMenu)
            for (const ControlMenuEntry& e : c.menu)
                std::cout << "        " << e.index << ": " << e.name << "\n";
    }
}

} // namespace

int runFormats(const GlobalOptions& global, const std::vector<std::string>& ids, bool json)
{
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    std::vector<PinFormats> selected;
    if (!selectFormats(watch.session().formats(), ids, selected))
        return ExitDevice;
    if (json) {
        nlohmann::json pins = nlohmann::json::array();
        for (const PinFormats& p : selected)
            pins.push_back(pinFormatsToJson(p));
        std::cout << nlohmann::json{{"ksscopeJson", kJsonSchemaVersion}, {"pins", pins}}.dump(2) << "\n";
        return ExitOk;
    }
    const Topology topology = watch.session().topology();
    for (const PinFormats& p : selected)
        printFormats(topology, p);
    return ExitOk;
}

int runSetFormat(const GlobalOptions& global, const std::string& pinId, const std::string& text, bool dryRun)
{
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    const std::vector<PinFormats> all = watch.session().formats();
    const auto pin = std::find_if(all.begin(), all.end(), [&](const PinFormats& p) { return p.pinId == pinId; });
    if (pin == all.end()) {
        std::vector<PinFormats> none;
        selectFormats(all, {pinId}, none);
        return ExitDevice;
    }
    std::string error;
    const std::optional<StreamFormat> wanted = parseStreamFormat(text, pin->active, error);
    if (!wanted) {
        std::cerr << "ksscope-cli: set-format " << pinId << ": " << error << "\n";
        return ExitInvalidValue;
    }
    const FormatChange change = watch.setFormat(pinId, *wanted, dryRun ? ApplyMode::DryRun : ApplyMode::Apply);
    std::cout << "pin " << pinId << (dryRun ? "  (dry run: nothing applied)" : "") << "\n"
              << "  before:    " << change.before.toString() << "\n"
              << "  requested: " << change.requested.toString() << "\n";
    if (!change.status) {
        std::cerr << "ksscope-cli: set-format " << pinId << ": " << change.status.message() << "\n";
        return exitCodeFor(change.status);
    }
    std::cout << "  " << (dryRun ? "would be: " : "now:       ") << change.actual.toString() << "\n";
    if (!change.adjustments().empty()) {
        // "<pad> set to <chosen>; the driver chose that instead of what was asked (<what changed>)"
        std::cerr << "ksscope-cli: set-format: " << change.status.message()
                  << (dryRun ? std::string()
                             : "; restore the format before with: ksscope-cli set-format " + quoted(pinId) + " " +
                                   quoted(change.before.toString()))
                  << "\n";
        return ExitInvalidValue;
    }
    return ExitOk;
}

int runControls(const GlobalOptions& global, const std::vector<std::string>& ids, bool json)
{
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    const Topology topology = watch.session().topology();
    std::vector<std::string> filters;
    for (const std::string& id : ids) {
        if (!topology.findFilter(id)) {
            std::cerr << "ksscope-cli: controls: \"" << id << "\" is no filter. Filters:\n";
            for (const FilterInfo& f : topology.filters)
                std::cerr << "  " << f.id << "\n";
            return ExitDevice;
        }
        filters.push_back(id);
    }
    const bool all = filters.empty();
    if (all)
        for (const FilterInfo& f : topology.filters)
            filters.push_back(f.id);
    nlohmann::json out = nlohmann::json::array();
    int rc = ExitOk;
    for (const std::string& id : filters) {
        std::string error;
        const std::vector<ControlInfo> controls = watch.session().controls(id, error);
        if (!error.empty() && !all) {
            std::cerr << "ksscope-cli: controls " << id << ": " << error << "\n";
            rc = ExitDevice;
        }
        if (controls.empty() && all)
            continue;
        if (json) {
            nlohmann::json list = nlohmann::json::array();
            for (const ControlInfo& c : controls)
                list.push_back(controlToJson(c));
            out.push_back({{"filter", id}, {"controls", list}, {"error", error}});
        } else {
            printControls(id, controls);
        }
    }
    if (json)
        std::cout << nlohmann::json{{"ksscopeJson", kJsonSchemaVersion}, {"filters", out}}.dump(2) << "\n";
    return rc;
}

int runSetControl(const GlobalOptions& global, const std::string& filterId, const std::vector<std::string>& sets,
                  bool dryRun)
{
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    std::string error;
    const std::vector<ControlInfo> controls = watch.session().controls(filterId, error);
    if (controls.empty()) {
        std::cerr << "ksscope-cli: set-control " << filterId << ": " << (error.empty() ? "it has no controls" : error)
                  << "\n";
        return ExitDevice;
    }
    // every value is checked before any is set
    std::vector<std::pair<const ControlInfo*, ControlValue>> edits;
    for (const std::string& set : sets) {
        const auto eq = set.find('=');
        const std::string key = set.substr(0, eq);
        const std::string text = eq == std::string::npos ? std::string() : set.substr(eq + 1);
        const ControlInfo* c = findControl(controls, key);
        if (!c) {
            std::cerr << "ksscope-cli: set-control " << filterId << ": no control \"" << key << "\"; it has:";
            for (const ControlInfo& i : controls)
                if (i.type != ControlType::Class)
                    std::cerr << " " << i.key;
            std::cerr << "\n";
            return ExitInvalidValue;
        }
        if (eq == std::string::npos && c->type != ControlType::Button) {
            std::cerr << "ksscope-cli: set-control " << filterId << ": give " << c->key << "=VALUE (" << c->rangeText()
                      << ")\n";
            return ExitUsage;
        }
        std::string why;
        const std::optional<ControlValue> value = parseControlValue(*c, text, why);
        if (!value) {
            std::cerr << "ksscope-cli: set-control " << filterId << ": " << why << "\n";
            return ExitInvalidValue;
        }
        edits.emplace_back(c, *value);
    }
    if (dryRun) {
        for (const auto& [c, value] : edits) {
            ControlInfo asked = *c;
            asked.value = value;
            asked.valueKnown = true;
            std::cout << c->key << ": " << c->valueText() << " -> "
                      << (c->type == ControlType::Button ? "(pressed)" : asked.valueText()) << "  (dry run)\n";
        }
        return ExitOk;
    }
    for (const auto& [c, value] : edits) {
        const ControlChange change = watch.setControl(filterId, c->key, value);
        if (!change.status) {
            std::cerr << "ksscope-cli: set-control " << filterId << ": " << change.status.message() << "\n";
            return exitCodeFor(change.status);
        }
        ControlInfo after = *c;
        after.value = change.actual;
        if (c->type == ControlType::Button)
            std::cout << c->key << ": pressed\n";
        else
            std::cout << c->key << ": " << c->valueText() << " -> " << after.valueText() << "\n";
        if (change.adjusted()) {
            ControlInfo asked = *c;
            asked.value = value;
            std::cerr << "ksscope-cli: set-control " << filterId << ": the driver stored " << after.valueText()
                      << " for " << c->key << " instead of " << asked.valueText() << "\n";
            return ExitInvalidValue;
        }
    }
    return ExitOk;
}

int runDoctor(const GlobalOptions& global, const std::vector<std::string>& ids, bool json, bool fix, bool reverse)
{
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    const auto examine = [&] {
        const Topology topology = watch.session().topology();
        std::vector<Finding> findings = diagnose(topology, watch.session().formats());
        if (!ids.empty())
            std::erase_if(findings, [&](const Finding& f) {
                return std::none_of(ids.begin(), ids.end(), [&](const std::string& id) {
                    return belongsTo(f.from, id) || (!f.to.empty() && belongsTo(f.to, id));
                });
            });
        return std::make_pair(topology, findings);
    };
    auto [topology, findings] = examine();
    for (const std::string& id : ids)
        if (!topology.findFilter(id) && !topology.findPin(id)) {
            std::cerr << "ksscope-cli: doctor: \"" << id << "\" is no filter or pin\n";
            return ExitDevice;
        }
    nlohmann::json applied = nlohmann::json::array();
    if (fix) {
        // one link at a time, in pipeline order (fixing one can move a mismatch downstream); each link's fixes in
        // turn until it passes
        const auto failing = [](const std::vector<Finding>& list, const std::string& from, const std::string& to) {
            return std::any_of(list.begin(), list.end(), [&](const Finding& f) {
                return f.severity == Severity::Error && f.from == from && f.to == to;
            });
        };
        std::set<std::string> givenUp;
        for (int round = 0; round < 32 && anyError(findings); ++round) {
            const auto next = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) {
                return f.severity == Severity::Error && !givenUp.count(linkKey(f.from, f.to));
            });
            if (next == findings.end())
                break;
            const std::string from = next->from;
            const std::string to = next->to;
            std::vector<FormatFix> order = next->fixes;
            if (reverse && order.size() > 1)
                std::swap(order[0], order[1]);
            bool passes = false;
            for (const FormatFix& chosen : order) {
                const FormatChange change = watch.setFormat(chosen.pinId, chosen.format, ApplyMode::Apply);
                std::tie(topology, findings) = examine();
                passes = change.status.isOk() && !failing(findings, from, to);
                if (!json)
                    std::cout << (passes ? "fixed:   " : "tried:   ") << chosen.summary << "\n"
                              << "         " << fixCommand(chosen) << "\n"
                              << (change.status ? "" : "         " + change.status.message() + "\n")
                              << (change.adjustments().empty()
                                      ? ""
                                      : "         the driver chose " + change.actual.toString() + " (" +
                                            change.adjustments() + ")\n");
                applied.push_back({{"pin", chosen.pinId},
                                   {"format", chosen.format.toString()},
                                   {"summary", chosen.summary},
                                   {"command", fixCommand(chosen)},
                                   {"ok", change.status.isOk()},
                                   {"passes", passes},
                                   {"actual", change.actual.toString()},
                                   {"message", change.status.message()}});
                if (passes)
                    break;
            }
            if (!passes)
                givenUp.insert(linkKey(from, to));
        }
    }
    int errors = 0;
    int warnings = 0;
    for (const Finding& f : findings) {
        errors += f.severity == Severity::Error;
        warnings += f.severity == Severity::Warning;
    }
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const Finding& f : findings) {
            nlohmann::json j = findingToJson(f);
            for (std::size_t i = 0; i < f.fixes.size(); ++i)
                j["fixes"][i]["command"] = fixCommand(f.fixes[i]);
            list.push_back(j);
        }
        std::cout << nlohmann::json{{"ksscopeJson", kJsonSchemaVersion},
                                    {"findings", list},
                                    {"errors", errors},
                                    {"warnings", warnings},
                                    {"fixed", applied}}
                         .dump(2)
                  << "\n";
    } else {
        for (std::size_t n = 0; n < findings.size(); ++n) {
            const Finding& f = findings[n];
            std::cout << padded(std::string(severityName(f.severity)) + ":", 9) << f.message << "\n";
            // a link's fixes once, after its last finding
            if (n + 1 < findings.size() && findings[n + 1].from == f.from && findings[n + 1].to == f.to)
                continue;
            for (std::size_t i = 0; i < f.fixes.size(); ++i)
                std::cout << "         " << (i == 0 ? "fix: " : "or:  ") << fixCommand(f.fixes[i]) << "\n";
        }
        if (findings.empty())
            std::cout << "no findings: every enabled link's ends agree\n";
        else
            std::cout << errors << (errors == 1 ? " error, " : " errors, ") << warnings
                      << (warnings == 1 ? " warning" : " warnings")
                      << (errors ? ": the pipelines with errors cannot stream (V4L2: STREAMON fails with EPIPE)" : "")
                      << "\n";
    }
    return errors ? ExitDoctor : ExitOk;
}

} // namespace ksscope::cli
