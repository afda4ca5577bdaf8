// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/scenario.h"

#include "located_json.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace ksscope {

std::string ScenarioError::toString() const
{
    std::string out = file;
    if (line > 0)
        out += ":" + std::to_string(line);
    out += ": ";
    if (!field.empty())
        out += field + ": ";
    return out + message;
}

const FilterSpec* Scenario::findFilter(std::string_view id) const
{
    for (const auto& f : filters)
        if (f.id == id)
            return &f;
    return nullptr;
}

const PinSpec* Scenario::findPin(std::string_view filterSlashPin) const
{
    const auto slash = filterSlashPin.find('/');
    if (slash == std::string_view::npos)
        return nullptr;
    const FilterSpec* filter = findFilter(filterSlashPin.substr(0, slash));
    if (!filter)
        return nullptr;
    for (const auto& p : filter->pins)
        if (p.id == filterSlashPin.substr(slash + 1))
            return &p;
    return nullptr;
}

namespace {

using nlohmann::json;

struct Invalid {
    ScenarioError error;
};

class Reader {
public:
    Reader(const detail::LocatedJson& doc, std::string source) : m_doc(doc), m_source(std::move(source)) { }

    [[noreturn]] void fail(const std::string& path, const std::string& message) const
    {
        // the line of the field, or of its nearest parent that has one
        std::string p = path;
        int line = m_doc.lineOf(p);
        while (line == 0 && !p.empty()) {
            const auto cut = p.find_last_of(".[");
            p = cut == std::string::npos ? std::string() : p.substr(0, cut);
            line = m_doc.lineOf(p);
        }
        throw Invalid{{m_source, line, path, message}};
    }
    [[nodiscard]] int line(const std::string& path) const { return m_doc.lineOf(path); }

    static std::string join(const std::string& path, const std::string& key)
    {
        return path.empty() ? key : path + "." + key;
    }

    const json& object(const json& parent, const std::string& path, const std::string& key) const
    {
        const std::string p = join(path, key);
        if (!parent.contains(key))
            fail(path, "missing \"" + key + "\" (an object)");
        if (!parent[key].is_object())
            fail(p, "must be an object");
        return parent[key];
    }
    const json& array(const json& parent, const std::string& path, const std::string& key, bool required) const
    {
        static const json kEmpty = json::array();
        if (!parent.contains(key)) {
            if (required)
                fail(path, "missing \"" + key + "\" (an array)");
            return kEmpty;
        }
        if (!parent[key].is_array())
            fail(join(path, key), "must be an array");
        return parent[key];
    }
    std::string string(const json& parent, const std::string& path, const std::string& key,
                       std::optional<std::string> fallback = std::nullopt) const
    {
        if (!parent.contains(key)) {
            if (fallback)
                return *fallback;
            fail(path, "missing \"" + key + "\" (a string)");
        }
        if (!parent[key].is_string())
            fail(join(path, key), "must be a string");
        return parent[key].get<std::string>();
    }
    double number(const json& parent, const std::string& path, const std::string& key, double min, double max,
                  std::optional<double> fallback = std::nullopt) const
    {
        if (!parent.contains(key)) {
            if (fallback)
                return *fallback;
            fail(path, "missing \"" + key + "\" (a number from " + fmt(min) + " to " + fmt(max) + ")");
        }
        const json& v = parent[key];
        if (!v.is_number())
            fail(join(path, key), "must be a number from " + fmt(min) + " to " + fmt(max) + ", got " + v.dump());
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < min || d > max)
            fail(join(path, key), "must be from " + fmt(min) + " to " + fmt(max) + ", got " + v.dump());
        return d;
    }
    ULONG integer(const json& parent, const std::string& path, const std::string& key, ULONG min, ULONG max,
                  std::optional<ULONG> fallback = std::nullopt) const
    {
        if (!parent.contains(key)) {
            if (fallback)
                return *fallback;
            fail(path, "missing \"" + key + "\" (an integer from " + std::to_string(min) + " to " +
                           std::to_string(max) + ")");
        }
        const json& v = parent[key];
        if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)
            fail(join(path, key),
                 "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + v.dump());
        return static_cast<ULONG>(v.get<std::int64_t>());
    }
    void onlyKeys(const json& obj, const std::string& path, std::initializer_list<const char*> allowed) const
    {
        for (const auto& [key, value] : obj.items()) {
            bool known = false;
            for (const char* a : allowed)
                known = known || key == a;
            if (!known) {
                std::string list;
                for (const char* a : allowed)
                    list += (list.empty() ? "" : ", ") + std::string(a);
                fail(join(path, key), "unknown field; allowed here: " + list);
            }
        }
    }

    static std::string fmt(double d)
    {
        std::ostringstream s;
        s << d;
        return s.str();
    }

private:
    const detail::LocatedJson& m_doc;
    std::string m_source;
};

bool validId(const std::string& id)
{
    if (id.empty() || id.size() > 64)
        return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
            return false;
    return true;
}

ConsumerSpec readConsumer(const Reader& r, const json& obj, const std::string& path)
{
    r.onlyKeys(obj, path, {"costMs", "jitterMs", "spikeMs", "spikeProbability", "stallMs", "stallEveryMs"});
    ConsumerSpec c;
    c.costMs = r.number(obj, path, "costMs", 0, 10000, 0.0);
    c.jitterMs = r.number(obj, path, "jitterMs", 0, 10000, 0.0);
    c.spikeMs = r.number(obj, path, "spikeMs", 0, 60000, 0.0);
    c.spikeProbability = r.number(obj, path, "spikeProbability", 0, 1, 0.0);
    c.stallMs = r.number(obj, path, "stallMs", 0, 60000, 0.0);
    c.stallEveryMs = r.number(obj, path, "stallEveryMs", 0, 3600000, 0.0);
    if (c.stallMs > 0 && c.stallEveryMs <= 0)
        r.fail(Reader::join(path, "stallEveryMs"), "required with \"stallMs\": how often the consumer stalls, in ms");
    return c;
}

MediaFormat readFormat(const Reader& r, const json& obj, const std::string& path)
{
    r.onlyKeys(obj, path,
               {"type", "subtype", "width", "height", "bitCount", "fps", "avgTimePerFrame", "sampleRate", "channels",
                "bitsPerSample"});
    MediaFormat f;
    f.majorType = r.string(obj, path, "type");
    if (f.majorType != "video" && f.majorType != "audio" && f.majorType != "data")
        r.fail(Reader::join(path, "type"), "must be \"video\", \"audio\" or \"data\", got \"" + f.majorType + "\"");
    f.subtype = r.string(obj, path, "subtype");
    if (f.majorType == "video") {
        f.width = r.integer(obj, path, "width", 1, 16384);
        f.height = r.integer(obj, path, "height", 1, 16384);
        f.bitCount = r.integer(obj, path, "bitCount", 1, 64);
    } else if (f.majorType == "audio") {
        f.sampleRate = r.integer(obj, path, "sampleRate", 1000, 768000);
        f.channels = r.integer(obj, path, "channels", 1, 64);
        f.bitsPerSample = r.integer(obj, path, "bitsPerSample", 8, 64);
    }
    const bool hasFps = obj.contains("fps");
    const bool hasAvg = obj.contains("avgTimePerFrame");
    if (hasFps && hasAvg)
        r.fail(path, "give either \"fps\" or \"avgTimePerFrame\", not both");
    if (hasAvg) {
        // 100 ns units: 1 kHz .. 0.1 Hz
        f.avgTimePerFrame = r.integer(obj, path, "avgTimePerFrame", 10000, 100000000);
    } else {
        const double fps = r.number(obj, path, "fps", 0.1, 1000);
        f.avgTimePerFrame = static_cast<REFERENCE_TIME>(std::llround(1.0e7 / fps));
    }
    return f;
}

/// "width": 640 or [160, 1920]
std::pair<std::uint32_t, std::uint32_t> readSpan(const Reader& r, const json& obj, const std::string& path,
                                                 const std::string& key, std::uint32_t max)
{
    const std::string p = Reader::join(path, key);
    if (!obj.contains(key))
        r.fail(path, "missing \"" + key + "\" (a number, or [min, max])");
    const json& v = obj[key];
    auto whole = [&](const json& n) {
        if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > max)
            r.fail(p, "must be a whole number from 1 to " + std::to_string(max) + ", or [min, max] of them; got " +
                          v.dump());
        return static_cast<std::uint32_t>(n.get<std::int64_t>());
    };
    if (v.is_array()) {
        if (v.size() != 2)
            r.fail(p, "a range is [min, max]; got " + v.dump());
        const auto lo = whole(v[0]);
        const auto hi = whole(v[1]);
        if (lo > hi)
            r.fail(p, "the least value comes first: [" + std::to_string(hi) + ", " + std::to_string(lo) + "]");
        return {lo, hi};
    }
    const auto one = whole(v);
    return {one, one};
}

DataRangeSpec readDataRange(const Reader& r, const json& obj, const std::string& path)
{
    r.onlyKeys(obj, path, {"subtype", "width", "height", "fps"});
    DataRangeSpec d;
    d.line = r.line(path);
    d.subtype = r.string(obj, path, "subtype");
    std::tie(d.minWidth, d.maxWidth) = readSpan(r, obj, path, "width", 16384);
    std::tie(d.minHeight, d.maxHeight) = readSpan(r, obj, path, "height", 16384);
    if (obj.contains("fps")) {
        const json& v = obj["fps"];
        const std::string p = Reader::join(path, "fps");
        auto rate = [&](const json& n) {
            if (!n.is_number() || n.get<double>() < 0.1 || n.get<double>() > 1000)
                r.fail(p, "must be frames per second from 0.1 to 1000, or [min, max] of them; got " + v.dump());
            return n.get<double>();
        };
        if (v.is_array() && v.size() == 2) {
            d.minFps = rate(v[0]);
            d.maxFps = rate(v[1]);
            if (d.minFps > d.maxFps)
                r.fail(p, "the least rate comes first");
        } else if (v.is_array()) {
            r.fail(p, "a range is [min, max]; got " + v.dump());
        } else {
            d.minFps = d.maxFps = rate(v);
        }
    }
    return d;
}

ControlSpec readControl(const Reader& r, const json& obj, const std::string& path)
{
    r.onlyKeys(obj, path, {"name", "type", "min", "max", "step", "default", "menu", "action", "target", "durationMs"});
    ControlSpec c;
    c.line = r.line(path);
    c.name = r.string(obj, path, "name");
    if (c.name.empty() || c.name.size() > 31)
        r.fail(Reader::join(path, "name"), "must be 1 to 31 characters (as a V4L2 control's name)");
    const std::string type = r.string(obj, path, "type");
    auto signedNumber = [&](const char* key, std::int64_t fallback) {
        if (!obj.contains(key))
            return fallback;
        const json& v = obj[key];
        if (!v.is_number_integer())
            r.fail(Reader::join(path, key), "must be a whole number, got " + v.dump());
        return v.get<std::int64_t>();
    };
    if (type == "int") {
        c.type = ControlType::Integer;
        c.minimum = signedNumber("min", 0);
        c.maximum = signedNumber("max", 0);
        c.step = signedNumber("step", 1);
        if (c.minimum > c.maximum)
            r.fail(Reader::join(path, "max"), "must not be less than \"min\"");
        if (c.step < 1)
            r.fail(Reader::join(path, "step"), "must be 1 or more");
    } else if (type == "bool") {
        c.type = ControlType::Boolean;
        c.maximum = 1;
    } else if (type == "menu") {
        c.type = ControlType::Menu;
        const json& menu = r.array(obj, path, "menu", true);
        if (menu.empty())
            r.fail(Reader::join(path, "menu"), "a menu needs at least one entry");
        for (std::size_t i = 0; i < menu.size(); ++i) {
            if (!menu[i].is_string())
                r.fail(Reader::join(path, "menu") + "[" + std::to_string(i) + "]", "must be a string");
            c.menu.push_back(menu[i].get<std::string>());
        }
        c.maximum = static_cast<std::int64_t>(c.menu.size()) - 1;
    } else if (type == "button") {
        c.type = ControlType::Button;
        c.action = r.string(obj, path, "action");
        if (c.action != "consumer-stall")
            r.fail(Reader::join(path, "action"), "must be \"consumer-stall\", got \"" + c.action + "\"");
        c.target = r.string(obj, path, "target");
        c.durationMs = r.number(obj, path, "durationMs", 1, 60000);
    } else {
        r.fail(Reader::join(path, "type"), "must be \"int\", \"bool\", \"menu\" or \"button\", got \"" + type + "\"");
    }
    if (c.type == ControlType::Boolean && obj.contains("default")) {
        if (!obj["default"].is_boolean())
            r.fail(Reader::join(path, "default"), "must be true or false");
        c.defaultValue = obj["default"].get<bool>() ? 1 : 0;
    } else if (c.type != ControlType::Button) {
        c.defaultValue = signedNumber("default", c.minimum);
        if (c.defaultValue < c.minimum || c.defaultValue > c.maximum)
            r.fail(Reader::join(path, "default"),
                   "must be from " + std::to_string(c.minimum) + " to " + std::to_string(c.maximum));
    } else if (obj.contains("default")) {
        r.fail(Reader::join(path, "default"), "a button has no value");
    }
    for (const char* key : {"min", "max", "step"})
        if (obj.contains(key) && c.type != ControlType::Integer)
            r.fail(Reader::join(path, key), "only an \"int\" control has a range");
    if (c.type != ControlType::Button)
        for (const char* key : {"action", "target", "durationMs"})
            if (obj.contains(key))
                r.fail(Reader::join(path, key), "only a \"button\" has an action");
    return c;
}

FramingSpec readFraming(const Reader& r, const json& obj, const std::string& path, const MediaFormat& format)
{
    r.onlyKeys(obj, path, {"frames", "frameSize", "alignment", "prefix", "memoryType", "flags", "mode", "poolType"});
    FramingSpec s;
    s.frames = r.integer(obj, path, "frames", 1, 1024);
    const ULONG imageSize = format.imageSize();
    s.frameSize =
        r.integer(obj, path, "frameSize", 1, 256u << 20, imageSize ? std::optional<ULONG>(imageSize) : std::nullopt);
    s.alignment = r.integer(obj, path, "alignment", 1, 65536, 1);
    if ((s.alignment & (s.alignment - 1)) != 0)
        r.fail(Reader::join(path, "alignment"),
               "must be a power of two from 1 to 65536 (bytes), got " + std::to_string(s.alignment));
    s.prefix = r.integer(obj, path, "prefix", 0, 1u << 20, 0);
    const std::string memory = r.string(obj, path, "memoryType", std::string("KSMEMORY_TYPE_KERNEL_NONPAGED"));
    if (!guidFromName(memory, s.memoryType) ||
        (s.memoryType != guids::KSMEMORY_TYPE_KERNEL_NONPAGED && s.memoryType != guids::KSMEMORY_TYPE_KERNEL_PAGED &&
         s.memoryType != guids::KSMEMORY_TYPE_USER && s.memoryType != guids::KSMEMORY_TYPE_SYSTEM))
        r.fail(Reader::join(path, "memoryType"),
               "must be KSMEMORY_TYPE_KERNEL_NONPAGED, KSMEMORY_TYPE_KERNEL_PAGED, KSMEMORY_TYPE_USER or "
               "KSMEMORY_TYPE_SYSTEM, got \"" +
                   memory + "\"");
    const std::string mode = r.string(obj, path, "mode", std::string("kernel"));
    if (mode != "user" && mode != "kernel")
        r.fail(Reader::join(path, "mode"), "must be \"user\" or \"kernel\", got \"" + mode + "\"");
    s.mode = mode == "kernel" ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
    const std::string pool = r.string(obj, path, "poolType", std::string("NonPagedPool"));
    if (pool != "NonPagedPool" && pool != "PagedPool")
        r.fail(Reader::join(path, "poolType"), "must be \"NonPagedPool\" or \"PagedPool\", got \"" + pool + "\"");
    s.poolType = pool == "PagedPool" ? kPagedPool : kNonPagedPool;
    const json& flags = r.array(obj, path, "flags", false);
    for (std::size_t i = 0; i < flags.size(); ++i) {
        const std::string fp = Reader::join(path, "flags") + "[" + std::to_string(i) + "]";
        if (!flags[i].is_string())
            r.fail(fp, "must be a flag name");
        const std::string name = flags[i].get<std::string>();
        if (name == "INPLACE_MODIFIER")
            s.flags |= KSALLOCATOR_REQUIREMENTF_INPLACE_MODIFIER;
        else if (name == "SYSTEM_MEMORY")
            s.flags |= KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY;
        else if (name == "FRAME_INTEGRITY")
            s.flags |= KSALLOCATOR_REQUIREMENTF_FRAME_INTEGRITY;
        else if (name == "MUST_ALLOCATE")
            s.flags |= KSALLOCATOR_REQUIREMENTF_MUST_ALLOCATE;
        else if (name == "PREFERENCES_ONLY")
            s.flags |= KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY;
        else
            r.fail(fp, "unknown flag \"" + name +
                           "\"; allowed: INPLACE_MODIFIER, SYSTEM_MEMORY, FRAME_INTEGRITY, MUST_ALLOCATE, "
                           "PREFERENCES_ONLY");
    }
    return s;
}

Guid readGuidName(const Reader& r, const json& value, const std::string& path, std::string_view what)
{
    if (!value.is_string())
        r.fail(path, "must be a " + std::string(what) + " name");
    Guid g;
    if (!guidFromName(value.get<std::string>(), g))
        r.fail(path, "unknown " + std::string(what) + " \"" + value.get<std::string>() + "\"");
    return g;
}

Scenario readScenario(const Reader& r, const json& root)
{
    if (!root.is_object())
        r.fail("", "a scenario is a JSON object");
    r.onlyKeys(root, "", {"ksscopeScenario", "name", "description", "seed", "filters", "connections", "faults"});
    if (!root.contains("ksscopeScenario"))
        r.fail("", "missing \"ksscopeScenario\": 1 (the scenario format version)");
    const ULONG version = r.integer(root, "", "ksscopeScenario", 1, 1000000);
    if (version > static_cast<ULONG>(kScenarioFormatVersion))
        r.fail("ksscopeScenario", "format version " + std::to_string(version) +
                                      " is newer than this KsScope understands (" +
                                      std::to_string(kScenarioFormatVersion) + "): update KsScope");
    Scenario s;
    s.name = r.string(root, "", "name");
    s.description = r.string(root, "", "description", std::string());
    s.seed = r.integer(root, "", "seed", 0, 0xFFFFFFFFu, 1);

    const json& filters = r.array(root, "", "filters", true);
    if (filters.empty())
        r.fail("filters", "must hold at least one filter");
    std::set<std::string> filterIds;
    for (std::size_t fi = 0; fi < filters.size(); ++fi) {
        const std::string fp = "filters[" + std::to_string(fi) + "]";
        const json& fobj = filters[fi];
        if (!fobj.is_object())
            r.fail(fp, "must be an object");
        r.onlyKeys(fobj, fp, {"id", "name", "kind", "categories", "pins", "controls"});
        FilterSpec f;
        f.line = r.line(fp);
        f.id = r.string(fobj, fp, "id");
        if (!validId(f.id))
            r.fail(fp + ".id", "must be 1-64 letters, digits, '_', '-' or '.', got \"" + f.id + "\"");
        if (!filterIds.insert(f.id).second)
            r.fail(fp + ".id", "duplicate filter id \"" + f.id + "\"");
        f.name = r.string(fobj, fp, "name", f.id);
        f.kind = r.string(fobj, fp, "kind");
        if (f.kind != "capture" && f.kind != "transform" && f.kind != "render")
            r.fail(fp + ".kind", "must be \"capture\", \"transform\" or \"render\", got \"" + f.kind + "\"");
        const json& cats = r.array(fobj, fp, "categories", false);
        for (std::size_t ci = 0; ci < cats.size(); ++ci)
            f.categories.push_back(
                readGuidName(r, cats[ci], fp + ".categories[" + std::to_string(ci) + "]", "category"));
        const json& pins = r.array(fobj, fp, "pins", true);
        if (pins.empty())
            r.fail(fp + ".pins", "a filter needs at least one pin");
        std::set<std::string> pinIds;
        int inputs = 0;
        int outputs = 0;
        for (std::size_t pi = 0; pi < pins.size(); ++pi) {
            const std::string pp = fp + ".pins[" + std::to_string(pi) + "]";
            const json& pobj = pins[pi];
            if (!pobj.is_object())
                r.fail(pp, "must be an object");
            r.onlyKeys(
                pobj, pp,
                {"id", "name", "direction", "category", "format", "framing", "fillMs", "consumer", "dataRanges"});
            PinSpec p;
            p.line = r.line(pp);
            p.id = r.string(pobj, pp, "id");
            if (!validId(p.id))
                r.fail(pp + ".id", "must be 1-64 letters, digits, '_', '-' or '.', got \"" + p.id + "\"");
            if (!pinIds.insert(p.id).second)
                r.fail(pp + ".id", "duplicate pin id \"" + p.id + "\" in filter \"" + f.id + "\"");
            p.name = r.string(pobj, pp, "name", p.id);
            const std::string dir = r.string(pobj, pp, "direction");
            if (dir != "in" && dir != "out")
                r.fail(pp + ".direction", "must be \"in\" or \"out\", got \"" + dir + "\"");
            p.direction = dir == "in" ? PinDirection::Input : PinDirection::Output;
            (p.direction == PinDirection::Input ? inputs : outputs)++;
            if (pobj.contains("category"))
                p.category = readGuidName(r, pobj["category"], pp + ".category", "pin category");
            p.format = readFormat(r, r.object(pobj, pp, "format"), pp + ".format");
            if (p.direction == PinDirection::Output) {
                p.framing = readFraming(r, r.object(pobj, pp, "framing"), pp + ".framing", p.format);
                p.fillMs = r.number(pobj, pp, "fillMs", 0, 10000, 1.0);
            } else if (pobj.contains("framing")) {
                r.fail(pp + ".framing", "input pins use the allocator of the output pin they connect to: remove it");
            }
            if (pobj.contains("consumer"))
                p.consumer = readConsumer(r, r.object(pobj, pp, "consumer"), pp + ".consumer");
            const json& ranges = r.array(pobj, pp, "dataRanges", false);
            for (std::size_t ri = 0; ri < ranges.size(); ++ri) {
                const std::string rp = pp + ".dataRanges[" + std::to_string(ri) + "]";
                if (!ranges[ri].is_object())
                    r.fail(rp, "must be an object");
                p.dataRanges.push_back(readDataRange(r, ranges[ri], rp));
            }
            f.pins.push_back(std::move(p));
        }
        const json& controls = r.array(fobj, fp, "controls", false);
        std::set<std::string> controlKeys;
        for (std::size_t ci = 0; ci < controls.size(); ++ci) {
            const std::string cp = fp + ".controls[" + std::to_string(ci) + "]";
            if (!controls[ci].is_object())
                r.fail(cp, "must be an object");
            ControlSpec c = readControl(r, controls[ci], cp);
            if (!controlKeys.insert(controlKey(c.name)).second)
                r.fail(cp + ".name", "a control named like \"" + c.name + "\" exists already in this filter");
            f.controls.push_back(std::move(c));
        }
        if (f.kind == "capture" && inputs > 0)
            r.fail(fp + ".pins", "a capture filter has output pins only");
        if (f.kind == "render" && outputs > 0)
            r.fail(fp + ".pins", "a render filter has input pins only");
        if (f.kind == "transform" && (inputs != 1 || outputs != 1))
            r.fail(fp + ".pins", "a transform filter has exactly one input and one output pin");
        s.filters.push_back(std::move(f));
    }

    const json& conns = r.array(root, "", "connections", false);
    std::set<std::string> connected;
    for (std::size_t ci = 0; ci < conns.size(); ++ci) {
        const std::string cp = "connections[" + std::to_string(ci) + "]";
        const json& cobj = conns[ci];
        if (!cobj.is_object())
            r.fail(cp, "must be an object");
        r.onlyKeys(cobj, cp, {"from", "to"});
        ConnectionSpec c;
        c.line = r.line(cp);
        c.from = r.string(cobj, cp, "from");
        c.to = r.string(cobj, cp, "to");
        const PinSpec* from = s.findPin(c.from);
        const PinSpec* to = s.findPin(c.to);
        if (!from)
            r.fail(cp + ".from", "no pin \"" + c.from + "\" (write it as \"filter/pin\")");
        if (!to)
            r.fail(cp + ".to", "no pin \"" + c.to + "\" (write it as \"filter/pin\")");
        if (from->direction != PinDirection::Output)
            r.fail(cp + ".from", "\"" + c.from + "\" is an input pin; connections go from an output pin");
        if (to->direction != PinDirection::Input)
            r.fail(cp + ".to", "\"" + c.to + "\" is an output pin; connections go to an input pin");
        if (!connected.insert(c.from).second)
            r.fail(cp + ".from", "\"" + c.from + "\" is already connected");
        if (!connected.insert(c.to).second)
            r.fail(cp + ".to", "\"" + c.to + "\" is already connected");
        s.connections.push_back(std::move(c));
    }
    for (std::size_t fi = 0; fi < s.filters.size(); ++fi) {
        for (std::size_t pi = 0; pi < s.filters[fi].pins.size(); ++pi) {
            const PinSpec& p = s.filters[fi].pins[pi];
            const std::string full = s.filters[fi].id + "/" + p.id;
            if (p.direction == PinDirection::Input && !connected.count(full))
                r.fail("filters[" + std::to_string(fi) + "].pins[" + std::to_string(pi) + "]",
                       "input pin \"" + full + "\" is not connected: add a connection to it or remove it");
        }
    }

    // a button's consumer stall: at a consuming pin, as the fault of that kind
    for (std::size_t fi = 0; fi < s.filters.size(); ++fi)
        for (std::size_t ci = 0; ci < s.filters[fi].controls.size(); ++ci) {
            const ControlSpec& c = s.filters[fi].controls[ci];
            if (c.type != ControlType::Button)
                continue;
            const PinSpec* pin = s.findPin(c.target);
            if (!pin || !(pin->direction == PinDirection::Input || !connected.count(c.target)))
                r.fail("filters[" + std::to_string(fi) + "].controls[" + std::to_string(ci) + "].target",
                       "\"" + c.target +
                           "\" is not a consuming pin (an input pin, or an output pin with no connection, as "
                           "\"filter/pin\")");
        }

    const json& faults = r.array(root, "", "faults", false);
    for (std::size_t i = 0; i < faults.size(); ++i) {
        const std::string fp = "faults[" + std::to_string(i) + "]";
        const json& fobj = faults[i];
        if (!fobj.is_object())
            r.fail(fp, "must be an object");
        r.onlyKeys(fobj, fp, {"at", "kind", "target", "duration", "hresult"});
        FaultSpec fault;
        fault.line = r.line(fp);
        fault.atSeconds = r.number(fobj, fp, "at", 0, 86400);
        const std::string kind = r.string(fobj, fp, "kind");
        fault.target = r.string(fobj, fp, "target");
        if (kind == "consumer-stall") {
            fault.kind = FaultSpec::Kind::ConsumerStall;
            fault.durationSeconds = r.number(fobj, fp, "duration", 0.001, 86400);
            const PinSpec* pin = s.findPin(fault.target);
            if (!pin || !(pin->direction == PinDirection::Input || !connected.count(fault.target)))
                r.fail(fp + ".target", "\"" + fault.target +
                                           "\" is not a consuming pin (an input pin, or an output pin with no "
                                           "connection)");
        } else if (kind == "device-removal" || kind == "device-arrival") {
            fault.kind = kind == "device-removal" ? FaultSpec::Kind::DeviceRemoval : FaultSpec::Kind::DeviceArrival;
            if (!s.findFilter(fault.target))
                r.fail(fp + ".target", "no filter \"" + fault.target + "\"");
        } else if (kind == "allocator-failure") {
            fault.kind = FaultSpec::Kind::AllocatorFailure;
            const PinSpec* pin = s.findPin(fault.target);
            if (!pin || pin->direction != PinDirection::Output)
                r.fail(fp + ".target", "\"" + fault.target + "\" is not an output pin (\"filter/pin\")");
            const std::string name = r.string(fobj, fp, "hresult", std::string("E_FAIL"));
            static const std::pair<const char*, HRESULT> kCodes[] = {
                {"E_FAIL", E_FAIL},
                {"E_OUTOFMEMORY", E_OUTOFMEMORY},
                {"E_UNEXPECTED", E_UNEXPECTED},
                {"VFW_E_NOT_COMMITTED", VFW_E_NOT_COMMITTED},
                {"VFW_E_TIMEOUT", VFW_E_TIMEOUT},
                {"ERROR_DEVICE_REMOVED", hresultFromWin32(kErrorDeviceRemoved)}};
            bool found = false;
            for (const auto& [n, code] : kCodes)
                if (name == n) {
                    fault.hr = code;
                    found = true;
                }
            if (!found)
                r.fail(fp + ".hresult", "unknown code \"" + name +
                                            "\"; allowed: E_FAIL, E_OUTOFMEMORY, E_UNEXPECTED, VFW_E_NOT_COMMITTED, "
                                            "VFW_E_TIMEOUT, ERROR_DEVICE_REMOVED");
        } else {
            r.fail(
                fp + ".kind",
                "must be \"consumer-stall\", \"device-removal\", \"device-arrival\" or \"allocator-failure\", got \"" +
                    kind + "\"");
        }
        s.faults.push_back(std::move(fault));
    }
    return s;
}

} // namespace

ScenarioResult parseScenario(std::string_view text, const std::string& source)
{
    const detail::LocatedJson doc = detail::parseLocatedJson(text);
    if (!doc.ok)
        return ScenarioError{source, doc.errorLine, "", doc.tooDeep ? doc.error : "not valid JSON: " + doc.error};
    try {
        Reader reader(doc, source);
        Scenario s = readScenario(reader, doc.root);
        s.source = source;
        return s;
    } catch (const Invalid& invalid) {
        return invalid.error;
    }
}

ScenarioResult loadScenarioFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return ScenarioError{path, 0, "", "cannot open the scenario file (does it exist and is it readable?)", true};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return ScenarioError{path, 0, "", "read error", true};
    const std::string content = text.str();
    if (content.size() > (16u << 20))
        return ScenarioError{path, 0, "", "file is larger than 16 MiB; a scenario is a small JSON file"};
    return parseScenario(content, path);
}

} // namespace ksscope
