// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/json_output.h"

#include <limits>
#include <stdexcept>
#include <type_traits>

namespace ksscope {

using nlohmann::json;

json propertiesToJson(const ALLOCATOR_PROPERTIES& properties)
{
    return {{"buffers", properties.cBuffers},
            {"bufferSize", properties.cbBuffer},
            {"align", properties.cbAlign},
            {"prefix", properties.cbPrefix}};
}

json modeToJson(KSALLOCATORMODE mode)
{
    return {{"mode", allocatorModeName(mode)}};
}

json allocatorToJson(const AllocatorInfo& a)
{
    const KSALLOCATOR_FRAMING& f = a.status.Framing;
    json pins = json::array();
    for (const auto& p : a.pinIds)
        pins.push_back(p);
    return json{
        {"id", a.id},
        {"mode", std::string(allocatorModeName(a.mode))},
        {"framing",
         {{"frames", f.Frames},
          {"frameSize", f.FrameSize},
          {"fileAlignment", f.FileAlignment},
          {"poolType", f.PoolType},
          {"optionsFlags", f.OptionsFlags},
          {"optionsFlagsText", framingFlagsToString(f.OptionsFlags)},
          {"reserved", f.Reserved}}},
        {"allocatedFrames", a.status.AllocatedFrames},
        {"properties", propertiesToJson(a.properties)},
        {"memoryType", guidName(a.memoryType)},
        {"committed", a.committed},
        {"framePeriodSeconds", a.framePeriodSeconds},
        {"pins", pins},
        {"editable", a.readOnlyReason.empty()},
        {"readOnlyReason", a.readOnlyReason.empty() ? json(nullptr) : json(a.readOnlyReason)},
        {"sampled", a.unsampledReason.empty()},
        {"unsampledReason", a.unsampledReason.empty() ? json(nullptr) : json(a.unsampledReason)},
    };
}

namespace {
json detailsToJson(const std::vector<Detail>& details)
{
    json out = json::array();
    for (const Detail& d : details)
        out.push_back({{"name", d.name}, {"value", d.value}});
    return out;
}
} // namespace

json topologyToJson(const Topology& topology)
{
    json filters = json::array();
    for (const FilterInfo& f : topology.filters) {
        json categories = json::array();
        for (const Guid& g : f.categories)
            categories.push_back(guidName(g));
        json pins = json::array();
        for (const PinInfo& p : f.pins) {
            json pin{{"id", p.id},
                     {"name", p.name},
                     {"direction", std::string(pinDirectionName(p.direction))},
                     {"category", p.category.isNull() ? json(nullptr) : json(guidName(p.category))},
                     {"format", p.format.toString()},
                     {"mediaFormat",
                      {{"majorType", p.format.majorType},
                       {"subtype", p.format.subtype},
                       {"width", p.format.width},
                       {"height", p.format.height},
                       {"bitCount", p.format.bitCount},
                       {"sampleRate", p.format.sampleRate},
                       {"channels", p.format.channels},
                       {"bitsPerSample", p.format.bitsPerSample},
                       {"avgTimePerFrame", p.format.avgTimePerFrame}}}};
            const AllocatorInfo* a = p.allocatorId.empty() ? nullptr : topology.findAllocator(p.allocatorId);
            pin["allocator"] = a ? allocatorToJson(*a) : json(nullptr);
            pin["details"] = detailsToJson(p.details);
            if (!p.deviceNode.empty())
                pin["deviceNode"] = p.deviceNode;
            if (!p.pipewireStream.empty())
                pin["pipewireStream"] = p.pipewireStream;
            pins.push_back(std::move(pin));
        }
        json filter{{"id", f.id},
                    {"name", f.name},
                    {"backend", f.backend},
                    {"kind", f.kind},
                    {"categories", categories},
                    {"pins", pins},
                    {"details", detailsToJson(f.details)}};
        if (!f.pipewireStream.empty())
            filter["pipewireStream"] = f.pipewireStream;
        filters.push_back(std::move(filter));
    }
    json connections = json::array();
    for (const ConnectionInfo& c : topology.connections)
        connections.push_back({{"from", c.from}, {"to", c.to}, {"flags", c.flags}});
    return json{{"schemaVersion", kJsonSchemaVersion}, {"filters", filters}, {"connections", connections}};
}

json sampleToJson(const std::string& id, const SampleRecord& r)
{
    return json{{"type", "sample"},
                {"t", static_cast<double>(r.sample.t_ns) * 1e-9},
                {"id", id},
                {"frames", r.sample.frames},
                {"frameSize", r.frameSize},
                {"allocatedFrames", r.sample.allocated}};
}

json eventToJson(const MonitorEvent& e)
{
    return json{{"type", "event"},
                {"t", static_cast<double>(e.t_ns) * 1e-9},
                {"id", e.id},
                {"kind", std::string(eventKindName(e.kind))},
                {"message", e.message}};
}

nlohmann::json allocatorStatsToJson(const std::string& id, const AllocatorStats& s)
{
    return {{"id", id},
            {"samples", s.samples},
            {"minAllocated", s.minAllocated},
            {"meanAllocated", s.meanAllocated},
            {"maxAllocated", s.maxAllocated},
            {"frames", s.frames},
            {"starvationCount", s.starvationCount},
            {"starvedMs", s.starvedMs},
            {"drops", s.drops},
            {"delivered", s.delivered},
            {"framesPerSecond", s.framesPerSecond},
            {"gone", s.gone}};
}

nlohmann::json durationsToJson(const DurationHistogram& durations)
{
    if (durations.count() == 0)
        return nullptr;
    return {{"count", durations.count()},
            {"minNs", durations.min_ns()},
            {"p50Ns", durations.percentile_ns(0.5)},
            {"p90Ns", durations.percentile_ns(0.9)},
            {"p99Ns", durations.percentile_ns(0.99)},
            {"maxNs", durations.max_ns()},
            {"meanNs", durations.mean_ns()}};
}

nlohmann::json frameStatsToJson(const FrameStats& stats)
{
    json out = {{"frames", stats.frames}, {"dropped", stats.dropped}, {"errors", stats.errors}};
    for (const FrameTiming& timing : kFrameTimings)
        out[timing.key] = durationsToJson(stats.*timing.histogram);
    return out;
}

namespace {

/// Reads a document written by topologyToJson, naming the first field that is wrong.
class JsonReader {
public:
    [[noreturn]] static void fail(const std::string& path, const std::string& what)
    {
        throw std::runtime_error(path + ": " + what);
    }
    static const json& member(const json& object, const char* name, const std::string& path)
    {
        if (!object.is_object())
            fail(path, "expected an object");
        const auto it = object.find(name);
        if (it == object.end())
            fail(path + "." + name, "missing");
        return *it;
    }
    static std::string string(const json& object, const char* name, const std::string& path)
    {
        const json& v = member(object, name, path);
        if (!v.is_string())
            fail(path + "." + name, "expected a string");
        return v.get<std::string>();
    }
    /// An optional string: empty when the member is missing or null.
    static std::string optionalString(const json& object, const char* name, const std::string& path)
    {
        const auto it = object.find(name);
        if (it == object.end() || it->is_null())
            return {};
        if (!it->is_string())
            fail(path + "." + name, "expected a string or null");
        return it->get<std::string>();
    }
    template <typename T> static T integer(const json& object, const char* name, const std::string& path)
    {
        const json& v = member(object, name, path);
        if (!v.is_number_integer())
            fail(path + "." + name, "expected an integer");
        if constexpr (std::is_unsigned_v<T>) {
            if (v.is_number_unsigned()
                    ? v.get<std::uint64_t>() > std::numeric_limits<T>::max()
                    : v.get<std::int64_t>() < 0 ||
                          static_cast<std::uint64_t>(v.get<std::int64_t>()) > std::numeric_limits<T>::max())
                fail(path + "." + name, "out of range");
        } else {
            if (v.is_number_unsigned()
                    ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                    : v.get<std::int64_t>() < std::numeric_limits<T>::min() ||
                          v.get<std::int64_t>() > std::numeric_limits<T>::max())
                fail(path + "." + name, "out of range");
        }
        return v.get<T>();
    }
    /// An optional integer: \a fallback when the member is missing.
    template <typename T>
    static T optionalInteger(const json& object, const char* name, const std::string& path, T fallback)
    {
        return object.contains(name) ? integer<T>(object, name, path) : fallback;
    }
    static const json& array(const json& object, const char* name, const std::string& path)
    {
        const json& v = member(object, name, path);
        if (!v.is_array())
            fail(path + "." + name, "expected an array");
        return v;
    }
    static Guid guid(const std::string& text, const std::string& path)
    {
        Guid g;
        if (!guidFromName(text, g))
            fail(path, "\"" + text + "\" is neither a known GUID name nor a {XXXXXXXX-...} GUID");
        return g;
    }

    static AllocatorInfo allocator(const json& a, const std::string& path)
    {
        AllocatorInfo info;
        info.id = string(a, "id", path);
        const std::string mode = string(a, "mode", path);
        if (mode != "user" && mode != "kernel")
            fail(path + ".mode", "expected \"user\" or \"kernel\", got \"" + mode + "\"");
        info.mode = mode == "kernel" ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
        const json& f = member(a, "framing", path);
        const std::string fp = path + ".framing";
        KSALLOCATOR_FRAMING& framing = info.status.Framing;
        framing.Frames = integer<ULONG>(f, "frames", fp);
        framing.FrameSize = integer<ULONG>(f, "frameSize", fp);
        framing.FileAlignment = integer<ULONG>(f, "fileAlignment", fp);
        framing.PoolType = integer<ULONG>(f, "poolType", fp);
        framing.OptionsFlags = integer<ULONG>(f, "optionsFlags", fp);
        framing.Reserved = optionalInteger<ULONG>(f, "reserved", fp, 0);
        info.status.AllocatedFrames = integer<ULONG>(a, "allocatedFrames", path);
        const json& p = member(a, "properties", path);
        const std::string pp = path + ".properties";
        info.properties.cBuffers = integer<LONG>(p, "buffers", pp);
        info.properties.cbBuffer = integer<LONG>(p, "bufferSize", pp);
        info.properties.cbAlign = integer<LONG>(p, "align", pp);
        info.properties.cbPrefix = integer<LONG>(p, "prefix", pp);
        info.memoryType = guid(string(a, "memoryType", path), path + ".memoryType");
        const json& committed = member(a, "committed", path);
        if (!committed.is_boolean())
            fail(path + ".committed", "expected true or false");
        info.committed = committed.get<bool>();
        const json& period = member(a, "framePeriodSeconds", path);
        if (!period.is_number() || !(period.get<double>() >= 0.0))
            fail(path + ".framePeriodSeconds", "expected a number >= 0");
        info.framePeriodSeconds = period.get<double>();
        const json& pins = array(a, "pins", path);
        for (std::size_t i = 0; i < pins.size(); ++i) {
            if (!pins[i].is_string())
                fail(path + ".pins[" + std::to_string(i) + "]", "expected a string");
            info.pinIds.push_back(pins[i].get<std::string>());
        }
        info.readOnlyReason = optionalString(a, "readOnlyReason", path);
        info.unsampledReason = optionalString(a, "unsampledReason", path);
        return info;
    }

    /// An optional "details" array of {"name", "value"} strings.
    static std::vector<Detail> details(const json& object, const std::string& path)
    {
        std::vector<Detail> out;
        const auto it = object.find("details");
        if (it == object.end() || it->is_null())
            return out;
        const std::string dp = path + ".details";
        if (!it->is_array())
            fail(dp, "expected an array");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const std::string ip = dp + "[" + std::to_string(i) + "]";
            const json& d = (*it)[i];
            if (!d.is_object())
                fail(ip, "expected an object with name and value");
            out.push_back({string(d, "name", ip), string(d, "value", ip)});
        }
        return out;
    }

    static MediaFormat format(const json& pin, const std::string& path)
    {
        MediaFormat format;
        const auto it = pin.find("mediaFormat");
        if (it == pin.end() || it->is_null())
            return format; // written before the structured format existed: only the text
        const std::string fp = path + ".mediaFormat";
        format.majorType = string(*it, "majorType", fp);
        format.subtype = string(*it, "subtype", fp);
        format.width = integer<std::uint32_t>(*it, "width", fp);
        format.height = integer<std::uint32_t>(*it, "height", fp);
        format.bitCount = integer<std::uint32_t>(*it, "bitCount", fp);
        format.sampleRate = integer<std::uint32_t>(*it, "sampleRate", fp);
        format.channels = integer<std::uint32_t>(*it, "channels", fp);
        format.bitsPerSample = integer<std::uint32_t>(*it, "bitsPerSample", fp);
        format.avgTimePerFrame = integer<REFERENCE_TIME>(*it, "avgTimePerFrame", fp);
        return format;
    }

    static void topology(const json& doc, Topology& out)
    {
        const std::string root = "topology";
        const json& filters = array(doc, "filters", root);
        for (std::size_t i = 0; i < filters.size(); ++i) {
            const std::string path = root + ".filters[" + std::to_string(i) + "]";
            const json& f = filters[i];
            FilterInfo filter;
            filter.id = string(f, "id", path);
            filter.name = string(f, "name", path);
            filter.backend = string(f, "backend", path);
            filter.kind = string(f, "kind", path);
            const json& categories = array(f, "categories", path);
            for (std::size_t c = 0; c < categories.size(); ++c) {
                const std::string cp = path + ".categories[" + std::to_string(c) + "]";
                if (!categories[c].is_string())
                    fail(cp, "expected a string");
                filter.categories.push_back(guid(categories[c].get<std::string>(), cp));
            }
            const json& pins = array(f, "pins", path);
            for (std::size_t p = 0; p < pins.size(); ++p) {
                const std::string pp = path + ".pins[" + std::to_string(p) + "]";
                const json& pj = pins[p];
                PinInfo pin;
                pin.id = string(pj, "id", pp);
                pin.name = string(pj, "name", pp);
                const std::string direction = string(pj, "direction", pp);
                if (direction != "in" && direction != "out")
                    fail(pp + ".direction", "expected \"in\" or \"out\", got \"" + direction + "\"");
                pin.direction = direction == "in" ? PinDirection::Input : PinDirection::Output;
                if (const std::string category = optionalString(pj, "category", pp); !category.empty())
                    pin.category = guid(category, pp + ".category");
                pin.format = format(pj, pp);
                pin.details = details(pj, pp);
                pin.deviceNode = optionalString(pj, "deviceNode", pp);
                pin.pipewireStream = optionalString(pj, "pipewireStream", pp);
                const json& a = member(pj, "allocator", pp);
                if (!a.is_null()) {
                    AllocatorInfo info = allocator(a, pp + ".allocator");
                    pin.allocatorId = info.id;
                    if (!out.findAllocator(info.id))
                        out.allocators.push_back(std::move(info));
                }
                filter.pins.push_back(std::move(pin));
            }
            filter.details = details(f, path);
            filter.pipewireStream = optionalString(f, "pipewireStream", path);
            out.filters.push_back(std::move(filter));
        }
        const json& connections = array(doc, "connections", root);
        for (std::size_t i = 0; i < connections.size(); ++i) {
            const std::string path = root + ".connections[" + std::to_string(i) + "]";
            out.connections.push_back({string(connections[i], "from", path), string(connections[i], "to", path),
                                       integer<std::uint32_t>(connections[i], "flags", path)});
        }
    }
};

} // namespace

Status topologyFromJson(const nlohmann::json& document, Topology& out)
{
    out = {};
    try {
        JsonReader::topology(document, out);
    } catch (const std::exception& e) {
        out = {};
        return {E_INVALIDARG, e.what()};
    }
    return Status::ok();
}

namespace {

nlohmann::json fractionToJson(const Fraction& f)
{
    return f.known() ? nlohmann::json{{"numerator", f.numerator}, {"denominator", f.denominator}} : nlohmann::json();
}

nlohmann::json intervalRangeToJson(const IntervalRange& r)
{
    if (r.kind == RangeKind::Discrete)
        return fractionToJson(r.min);
    return {{"kind", r.kind == RangeKind::Stepwise ? "stepwise" : "continuous"},
            {"min", fractionToJson(r.min)},
            {"max", fractionToJson(r.max)},
            {"step", fractionToJson(r.step)}};
}

nlohmann::json sizeRangeToJson(const SizeRange& s)
{
    nlohmann::json intervals = nlohmann::json::array();
    for (const IntervalRange& i : s.intervals)
        intervals.push_back(intervalRangeToJson(i));
    if (s.kind == RangeKind::Discrete)
        return {{"kind", "discrete"}, {"width", s.minWidth}, {"height", s.minHeight}, {"intervals", intervals}};
    return {{"kind", s.kind == RangeKind::Stepwise ? "stepwise" : "continuous"},
            {"minWidth", s.minWidth},
            {"maxWidth", s.maxWidth},
            {"stepWidth", s.stepWidth},
            {"minHeight", s.minHeight},
            {"maxHeight", s.maxHeight},
            {"stepHeight", s.stepHeight},
            {"intervals", intervals}};
}

} // namespace

nlohmann::json streamFormatToJson(const StreamFormat& f)
{
    nlohmann::json j{{"space", formatSpaceName(f.space)},
                     {"code", f.code},
                     {"codeName", f.codeName()},
                     {"width", f.width},
                     {"height", f.height},
                     {"interval", fractionToJson(f.interval)},
                     {"text", f.toString()}};
    if (f.space != FormatSpace::KsSubtype) {
        j["field"] = fieldName(f.field);
        j["colorspace"] = colorspaceName(f.colorspace);
        j["xfer"] = xferFuncName(f.xferFunc);
        j["ycbcr"] = ycbcrEncName(f.ycbcrEnc);
        j["quantization"] = quantizationName(f.quantization);
    }
    if (f.space == FormatSpace::PixelFormat) {
        j["bytesPerLine"] = f.bytesPerLine;
        j["sizeImage"] = f.sizeImage;
    }
    return j;
}

nlohmann::json pinFormatsToJson(const PinFormats& pin)
{
    nlohmann::json formats = nlohmann::json::array();
    for (const FormatOption& o : pin.options) {
        nlohmann::json sizes = nlohmann::json::array();
        for (const SizeRange& s : o.sizes)
            sizes.push_back(sizeRangeToJson(s));
        formats.push_back({{"code", o.code},
                           {"codeName", o.codeName(pin.active.space)},
                           {"description", o.description},
                           {"flags", o.flags},
                           {"sizes", sizes}});
    }
    nlohmann::json selections = nlohmann::json::array();
    for (const SelectionInfo& s : pin.selections)
        selections.push_back({{"target", s.target},
                              {"left", s.rect.left},
                              {"top", s.rect.top},
                              {"width", s.rect.width},
                              {"height", s.rect.height}});
    return {{"pin", pin.pinId},
            {"node", pin.node},
            {"driver", pin.driver},
            {"active", pin.active.known() ? streamFormatToJson(pin.active) : nlohmann::json()},
            {"formats", formats},
            {"selections", selections},
            {"readOnlyReason", pin.readOnlyReason},
            {"error", pin.error}};
}

nlohmann::json controlToJson(const ControlInfo& c)
{
    nlohmann::json flags = nlohmann::json::array();
    for (std::uint32_t bit = 1; bit != 0 && bit <= kControlFlagModifyLayout; bit <<= 1)
        if (c.flags & bit)
            flags.push_back(controlFlagsText(bit));
    nlohmann::json menu = nlohmann::json::array();
    for (const ControlMenuEntry& e : c.menu)
        menu.push_back({{"index", e.index}, {"name", e.name}});
    nlohmann::json value;
    if (c.valueKnown)
        value = (c.type == ControlType::String || c.type == ControlType::Compound) ? nlohmann::json(c.value.text)
                                                                                   : nlohmann::json(c.value.number);
    return {{"filter", c.filterId}, {"id", c.id},
            {"key", c.key},         {"name", c.name},
            {"class", c.className}, {"type", controlTypeName(c.type)},
            {"minimum", c.minimum}, {"maximum", c.maximum},
            {"step", c.step},       {"default", c.defaultValue},
            {"flags", flags},       {"menu", menu},
            {"value", value},       {"valueText", c.valueText()},
            {"error", c.error}};
}

nlohmann::json findingToJson(const Finding& f)
{
    nlohmann::json fixes = nlohmann::json::array();
    for (const FormatFix& fix : f.fixes)
        fixes.push_back({{"pin", fix.pinId}, {"format", fix.format.toString()}, {"summary", fix.summary}});
    return {{"severity", severityName(f.severity)},
            {"link", f.link},
            {"from", f.from},
            {"to", f.to.empty() ? nlohmann::json() : nlohmann::json(f.to)},
            {"attribute", f.attribute},
            {"source", f.sourceValue},
            {"sink", f.sinkValue},
            {"message", f.message},
            {"fixes", fixes}};
}

} // namespace ksscope
