// SPDX-License-Identifier: GPL-3.0-or-later
// The ks backend on Windows.
//  - Discovery: device interfaces of KSCATEGORY_CAPTURE / VIDEO / AUDIO through SetupDi, each opened with
//    CreateFile and asked for its pin factories with IOCTL_KS_PROPERTY (ks_property.h); the DirectShow
//    capture categories (video input, audio input, AM_KSCATEGORY_CAPTURE) through ICreateDevEnum, joined to
//    them by device path.
//  - Allocators: a ksproxy pin has one once it is connected. `connectPin` connects a capture pin to a null
//    renderer in a graph of KsScope's own and runs it; IKsPin::KsPeekAllocator then gives the pin's
//    IKsAllocatorEx, wrapped for the core (ks_com_win.h), and framing comes from the pin's
//    KSPROPERTY_CONNECTION_ALLOCATORFRAMING(_EX).
//  - Arrival and removal: WM_DEVICECHANGE for the three interface classes, on a thread with a message-only
//    window.
// Over 600 lines because discovery, the DirectShow graphs it builds, the probes and the edits all hold the same
// per-filter handles and COM objects, which must be released in one order.
#include "ks/ks_com_win.h"
#include "ks/ks_property.h"
#include "ksscope/backend_registry.h"

#include <algorithm>
#include <atomic>
#include <cwctype>
#include <map>
#include <mutex>
#include <thread>

namespace ksscope::ks {

namespace win {
namespace {

/// IID_IKsPinFactory (ksproxy.h declares the interface but not its id)
constexpr ::GUID kIidIKsPinFactory{0xcd5ebe6b, 0x8b6e, 0x11d1, {0x8a, 0xe0, 0x00, 0xa0, 0xc9, 0x22, 0x31, 0x96}};

const Guid* const kInterfaceClasses[] = {&ksscope::guids::KSCATEGORY_CAPTURE, &ksscope::guids::KSCATEGORY_VIDEO,
                                         &ksscope::guids::KSCATEGORY_AUDIO};

/// COM on the calling thread (multithreaded apartment), for as long as the thread lives.
class ComThread {
public:
    ComThread() : m_hr(::CoInitializeEx(nullptr, COINIT_MULTITHREADED)) { }
    ~ComThread()
    {
        if (SUCCEEDED(m_hr))
            ::CoUninitialize();
    }
    ComThread(const ComThread&) = delete;
    ComThread& operator=(const ComThread&) = delete;
    /// S_OK / S_FALSE, or RPC_E_CHANGED_MODE when the thread is already in a single-threaded apartment
    /// (usable as well).
    [[nodiscard]] ksscope::HRESULT result() const { return m_hr; }

private:
    ::HRESULT m_hr;
};

ksscope::HRESULT ensureCom()
{
    thread_local ComThread com;
    return com.result() == RPC_E_CHANGED_MODE ? S_OK : com.result();
}

/// For COM out-parameters typed void**: releases what \a p held and returns where the new pointer goes.
template <typename T> void** outParam(ComPtr<T>& p)
{
    return reinterpret_cast<void**>(p.put());
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// "USB Camera (2)" -> "usb-camera-2"
std::string slug(const std::string& name)
{
    std::string out;
    for (const char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c))
            out += static_cast<char>(std::tolower(c));
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out.empty() ? "filter" : out;
}

std::string win32Message(::DWORD error, const std::string& what)
{
    return what + ": " + describeHresult(hresultFromWin32(static_cast<std::uint32_t>(error)));
}

void freeMediaType(::AM_MEDIA_TYPE& mt)
{
    if (mt.cbFormat != 0 && mt.pbFormat)
        ::CoTaskMemFree(mt.pbFormat);
    mt.cbFormat = 0;
    mt.pbFormat = nullptr;
    if (mt.pUnk) {
        mt.pUnk->Release();
        mt.pUnk = nullptr;
    }
}

MediaFormat formatOf(const ::AM_MEDIA_TYPE& mt)
{
    MediaFormat f;
    f.majorType = majorTypeName(fromWindows(mt.majortype));
    f.subtype = subtypeName(fromWindows(mt.subtype));
    if (mt.formattype == FORMAT_VideoInfo && mt.cbFormat >= sizeof(::VIDEOINFOHEADER) && mt.pbFormat) {
        const auto* vih = reinterpret_cast<const ::VIDEOINFOHEADER*>(mt.pbFormat);
        f.width = static_cast<std::uint32_t>(std::abs(vih->bmiHeader.biWidth));
        f.height = static_cast<std::uint32_t>(std::abs(vih->bmiHeader.biHeight));
        f.bitCount = vih->bmiHeader.biBitCount;
        f.avgTimePerFrame = vih->AvgTimePerFrame;
    } else if (mt.formattype == FORMAT_WaveFormatEx && mt.cbFormat >= sizeof(::WAVEFORMATEX) && mt.pbFormat) {
        const auto* wfx = reinterpret_cast<const ::WAVEFORMATEX*>(mt.pbFormat);
        f.sampleRate = wfx->nSamplesPerSec;
        f.channels = wfx->nChannels;
        f.bitsPerSample = wfx->wBitsPerSample;
    }
    return f;
}

/// A handle closed on destruction.
class FileHandle {
public:
    FileHandle() = default;
    explicit FileHandle(::HANDLE h) : m_h(h) { }
    FileHandle(FileHandle&& o) noexcept : m_h(std::exchange(o.m_h, INVALID_HANDLE_VALUE)) { }
    FileHandle& operator=(FileHandle&& o) noexcept
    {
        std::swap(m_h, o.m_h);
        return *this;
    }
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;
    ~FileHandle()
    {
        if (valid())
            ::CloseHandle(m_h);
    }
    [[nodiscard]] bool valid() const { return m_h != INVALID_HANDLE_VALUE && m_h != nullptr; }
    [[nodiscard]] ::HANDLE get() const { return m_h; }

private:
    ::HANDLE m_h = INVALID_HANDLE_VALUE;
};

/// One KS filter as found.
struct Filter {
    std::string id;
    std::string name;
    std::string devicePath; ///< lower case; empty for a DirectShow filter without one
    std::vector<Guid> categories;
    std::vector<PinFactory> factories;
    std::string readError; ///< why the pin factories could not be read
    ComPtr<::IMoniker> moniker; ///< DirectShow, when the filter is registered there
};

/// A graph KsScope built: capture pin -> null renderer, running.
struct OwnedGraph {
    std::string pinId;
    ComPtr<::IGraphBuilder> graph;
    ComPtr<::IMediaControl> control;
    ComPtr<::IBaseFilter> capture;
    ComPtr<::IPin> pin;
    ComPtr<NativePin> ksPin;
    MediaFormat format;
};

/// Reads the allocator of a connected pin for the sampler.
class NativeProbe final : public AllocatorProbe {
public:
    explicit NativeProbe(ComPtr<NativePin> pin) : m_pin(std::move(pin)) { }

    ksscope::HRESULT read(AllocatorReading& reading) override
    {
        if (const ksscope::HRESULT hr = ensureCom(); FAILED(hr))
            return hr;
        ksscope::IMemAllocator* memory = m_pin->KsPeekAllocator(ksscope::KsPeekOperation_AddRef);
        if (!memory)
            return VFW_E_NO_ALLOCATOR;
        auto allocator = ComPtr<ksscope::IMemAllocator>::adopt(memory);
        auto ks = allocator.as<ksscope::IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
        if (!ks)
            return E_NOINTERFACE;
        reading.mode = ks->KsGetAllocatorMode();
        ksscope::HRESULT hr = ks->KsGetAllocatorStatus(&reading.status);
        if (FAILED(hr)) {
            // ksproxy answers for kernel-mode allocators; a user-mode pool reports its properties
            ksscope::ALLOCATOR_PROPERTIES props;
            hr = allocator->GetProperties(&props);
            if (FAILED(hr))
                return hr;
            reading.status = {};
            reading.status.Framing = framingFromProperties(props, 0, kPagedPool);
        }
        return S_OK;
    }
    std::vector<BufferState> bufferStates() override { return {}; }

private:
    ComPtr<NativePin> m_pin;
};

class KsBackend final : public Backend {
public:
    explicit KsBackend(const BackendOptions&) { }
    ~KsBackend() override { close(); }

    [[nodiscard]] std::string name() const override { return "ks"; }
    [[nodiscard]] Availability availability() const override
    {
        const ksscope::HRESULT hr = ensureCom();
        if (FAILED(hr))
            return {false, "COM could not be initialised: " + describeHresult(hr)};
        return {true, {}};
    }

    SelfTestReport selfTest() override
    {
        SelfTestReport report;
        report.passed = true;
        auto check = [&](bool ok, const std::string& line) {
            report.lines.push_back((ok ? "ok: " : "FAIL: ") + line);
            report.passed = report.passed && ok;
        };
        const ksscope::HRESULT com = ensureCom();
        check(SUCCEEDED(com), "COM initialised (multithreaded apartment): " + describeHresult(com));
        ComPtr<::ICreateDevEnum> devEnum;
        const ::HRESULT hr = ::CoCreateInstance(CLSID_SystemDeviceEnum, nullptr, CLSCTX_INPROC_SERVER,
                                                IID_ICreateDevEnum, outParam(devEnum));
        check(SUCCEEDED(hr), "DirectShow system device enumerator: " + describeHresult(hr));
        std::size_t interfaces = 0;
        for (const Guid* cls : kInterfaceClasses)
            interfaces += interfacePaths(*cls).size();
        check(true, "SetupDi: " + std::to_string(interfaces) + " KS capture/video/audio device interfaces");
        std::lock_guard lock(m_mutex);
        check(true, "KS filters found: " + std::to_string(m_filters.size()));
        if (m_hotplug.joinable())
            check(m_hotplugError.empty(),
                  m_hotplugError.empty() ? "device arrival/removal notifications registered" : m_hotplugError);
        return report;
    }

    Status open() override
    {
        if (const ksscope::HRESULT hr = ensureCom(); FAILED(hr))
            return {hr, "ks: COM could not be initialised on this thread"};
        std::vector<BackendEvent> problems;
        {
            std::lock_guard lock(m_mutex);
            discover();
            for (const Filter& f : m_filters)
                if (!f.readError.empty())
                    problems.push_back({BackendEvent::Kind::Error, f.id,
                                        f.name + ": its pin factories could not be read: " + f.readError, E_FAIL});
        }
        // a filter the driver does not describe is listed without pins; say why once
        if (m_sink)
            for (const BackendEvent& e : problems)
                m_sink(e);
        return Status::ok();
    }

    Status start() override
    {
        startHotplug();
        return Status::ok();
    }

    void close() override
    {
        stopHotplug();
        std::lock_guard lock(m_mutex);
        for (auto& g : m_graphs)
            if (g.control)
                g.control->Stop();
        m_graphs.clear();
        m_filters.clear();
    }

    [[nodiscard]] Topology topology() override
    {
        ensureCom();
        std::lock_guard lock(m_mutex);
        if (m_dirty.exchange(false))
            discover();
        Topology t;
        for (const Filter& f : m_filters) {
            FilterInfo info;
            info.id = f.id;
            info.name = f.name;
            info.backend = "ks";
            info.kind = "capture";
            info.categories = f.categories;
            for (const PinFactory& factory : f.factories)
                info.pins.push_back(toPinInfo(factory, f.id));
            for (const OwnedGraph& g : m_graphs) {
                auto pin =
                    std::find_if(info.pins.begin(), info.pins.end(), [&](const PinInfo& p) { return p.id == g.pinId; });
                if (pin == info.pins.end())
                    continue;
                pin->format = g.format;
                if (auto allocator = allocatorInfo(g); !allocator.id.empty()) {
                    pin->allocatorId = allocator.id;
                    t.allocators.push_back(std::move(allocator));
                }
            }
            t.filters.push_back(std::move(info));
        }
        return t;
    }

    /// Each pin factory's data ranges; a pin KsScope connected streams its graph's format.
    std::vector<PinFormats> formats() override
    {
        const Topology t = topology();
        std::lock_guard lock(m_mutex);
        std::vector<PinFormats> out;
        for (const Filter& f : m_filters)
            for (const PinFactory& factory : f.factories) {
                PinFormats p = toPinFormats(factory, f.id);
                if (const PinInfo* pin = t.findPin(p.pinId); pin && !pin->allocatorId.empty()) {
                    const StreamFormat connected = streamFormatOf(pin->format);
                    p.active.width = connected.width;
                    p.active.height = connected.height;
                    p.active.interval = connected.interval;
                    if (!connected.subtype.empty())
                        p.active.subtype = connected.subtype;
                }
                out.push_back(std::move(p));
            }
        return out;
    }

    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) override
    {
        std::lock_guard lock(m_mutex);
        for (const OwnedGraph& g : m_graphs)
            if (g.pinId + "/allocator" == allocatorId)
                return std::make_shared<NativeProbe>(g.ksPin);
        return nullptr;
    }

    ComPtr<ksscope::IKsPin> pin(const std::string& pinId) override
    {
        std::lock_guard lock(m_mutex);
        for (const OwnedGraph& g : m_graphs)
            if (g.pinId == pinId)
                return ComPtr<ksscope::IKsPin>(g.ksPin);
        return {};
    }

    PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                 ApplyMode mode) override
    {
        PropertyChange change;
        auto allocator = allocatorFor(allocatorId);
        if (!allocator) {
            change.status = {VFW_E_NO_ALLOCATOR, "\"" + allocatorId +
                                                     "\" has no allocator: connect its pin first "
                                                     "(ksscope-cli watch --backend ks --connect PIN)"};
            return change;
        }
        ksscope::ALLOCATOR_PROPERTIES current;
        allocator->GetProperties(&current);
        change.requested = request.mergedWith(current);
        if (mode == ApplyMode::DryRun) {
            const Negotiation n = negotiateProperties(change.requested);
            change.actual = n.actual;
            change.status = FAILED(n.hr) ? Status(n.hr, "the allocator would refuse these properties")
                                         : Status(S_OK, "predicted with the DirectShow allocator rules");
            return change;
        }
        const ksscope::HRESULT hr = allocator->SetProperties(&change.requested, &change.actual);
        change.applied = SUCCEEDED(hr);
        change.status = change.applied ? Status::ok()
                                       : Status(hr, "IMemAllocator::SetProperties on \"" + allocatorId +
                                                        "\" was refused (stop the graph to change a committed "
                                                        "allocator)");
        return change;
    }

    Status setMode(const std::string& allocatorId, ksscope::KSALLOCATORMODE mode, ApplyMode apply) override
    {
        auto allocator = allocatorFor(allocatorId);
        if (!allocator)
            return {VFW_E_NO_ALLOCATOR, "\"" + allocatorId + "\" has no allocator: connect its pin first"};
        auto ks = allocator.as<ksscope::IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
        if (apply == ApplyMode::DryRun)
            return {S_OK, "KsSetAllocatorMode would be called; ksproxy accepts it only before the pin connects"};
        const ksscope::HRESULT hr = ks->KsSetAllocatorMode(mode);
        return SUCCEEDED(hr) ? Status::ok()
                             : Status(hr, "KsSetAllocatorMode on \"" + allocatorId +
                                              "\" did not take: the allocator is already in use by the connection");
    }

    Status connectPin(const std::string& pinId) override
    {
        if (const ksscope::HRESULT hr = ensureCom(); FAILED(hr))
            return {hr, "ks: COM could not be initialised"};
        std::lock_guard lock(m_mutex);
        for (const OwnedGraph& g : m_graphs)
            if (g.pinId == pinId)
                return {S_FALSE, pinId + " is already connected"};
        const Filter* filter = nullptr;
        const PinFactory* factory = nullptr;
        for (const Filter& f : m_filters)
            for (const PinFactory& p : f.factories)
                if (ks::pinId(f.id, p.id) == pinId) {
                    filter = &f;
                    factory = &p;
                }
        if (!filter)
            return {E_INVALIDARG, "no ks pin \"" + pinId + "\"; `ksscope-cli list --backend ks` shows the pins"};
        if (factory->dataFlow != kDataFlowOut)
            return {E_INVALIDARG, pinId + " is an input pin; connect an output (capture) pin"};
        if (!filter->moniker)
            return {E_NOTIMPL, filter->name + " is not registered with DirectShow, so KsScope cannot build a "
                                              "graph for it; its pin factories are listed from the driver"};
        return buildGraph(*filter, *factory, pinId);
    }

    void setEventSink(EventSink sink) override { m_sink = std::move(sink); }

private:
    ComPtr<ksscope::IMemAllocator> allocatorFor(const std::string& allocatorId)
    {
        ensureCom();
        std::lock_guard lock(m_mutex);
        for (const OwnedGraph& g : m_graphs)
            if (g.pinId + "/allocator" == allocatorId)
                return ComPtr<ksscope::IMemAllocator>::adopt(g.ksPin->KsPeekAllocator(ksscope::KsPeekOperation_AddRef));
        return {};
    }

    AllocatorInfo allocatorInfo(const OwnedGraph& g)
    {
        AllocatorInfo a;
        auto memory = ComPtr<ksscope::IMemAllocator>::adopt(g.ksPin->KsPeekAllocator(ksscope::KsPeekOperation_AddRef));
        if (!memory)
            return a;
        auto ks = memory.as<ksscope::IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
        a.id = g.pinId + "/allocator";
        a.pinIds = {g.pinId};
        a.mode = ks->KsGetAllocatorMode();
        memory->GetProperties(&a.properties);
        if (FAILED(ks->KsGetAllocatorStatus(&a.status)))
            a.status.Framing = framingFromProperties(a.properties, 0, kPagedPool);
        if (const ksscope::ALLOCATOR_PROPERTIES_EX* ex = ks->KsGetProperties())
            a.memoryType = ex->MemoryType;
        a.committed = true; // the graph runs
        a.framePeriodSeconds = g.format.framesPerSecond() > 0 ? 1.0 / g.format.framesPerSecond() : 0.0;
        // framing as the pin's driver states it
        ComPtr<::IKsControl> control;
        if (SUCCEEDED(g.pin->QueryInterface(IID_IKsControl, outParam(control)))) {
            PropertyClient pin(ksControlTransport(control.get()), "pin " + g.pinId);
            KSALLOCATOR_FRAMING framing;
            if (pin.framing(framing))
                a.status.Framing = framing;
        }
        return a;
    }

    Status buildGraph(const Filter& filter, const PinFactory& factory, const std::string& pinId)
    {
        OwnedGraph g;
        g.pinId = pinId;
        auto fail = [&](::HRESULT hr, const std::string& what) {
            if (g.control)
                g.control->Stop();
            return Status(hr, "--connect " + pinId + ": " + what + ": " + describeHresult(hr));
        };
        ::HRESULT hr = filter.moniker->BindToObject(nullptr, nullptr, IID_IBaseFilter, outParam(g.capture));
        if (FAILED(hr))
            return fail(hr, "opening \"" + filter.name + "\" failed (is another application using it?)");
        hr = ::CoCreateInstance(CLSID_FilterGraph, nullptr, CLSCTX_INPROC_SERVER, IID_IGraphBuilder, outParam(g.graph));
        if (FAILED(hr))
            return fail(hr, "creating the filter graph failed");
        hr = g.graph->AddFilter(g.capture.get(), L"KsScope capture");
        if (FAILED(hr))
            return fail(hr, "adding the capture filter failed");
        ComPtr<::IBaseFilter> renderer;
        hr = ::CoCreateInstance(kClsidNullRenderer, nullptr, CLSCTX_INPROC_SERVER, IID_IBaseFilter, outParam(renderer));
        if (FAILED(hr))
            return fail(hr, "creating the null renderer failed");
        g.graph->AddFilter(renderer.get(), L"KsScope null renderer");
        // the DirectShow pin of the factory: IKsPinFactory names it, else the n-th pin
        ComPtr<::IEnumPins> pins;
        g.capture->EnumPins(pins.put());
        ComPtr<::IPin> candidate;
        ::ULONG index = 0;
        while (pins && pins->Next(1, candidate.put(), nullptr) == S_OK) {
            ComPtr<::IKsPinFactory> pf;
            ::ULONG id = index++;
            if (SUCCEEDED(candidate->QueryInterface(kIidIKsPinFactory, outParam(pf))))
                pf->KsPinFactory(&id);
            if (id == factory.id) {
                g.pin = candidate;
                break;
            }
        }
        if (!g.pin)
            return fail(VFW_E_NOT_CONNECTED,
                        "the DirectShow filter has no pin for pin factory " + std::to_string(factory.id));
        ComPtr<::IPin> rendererIn;
        ComPtr<::IEnumPins> rpins;
        renderer->EnumPins(rpins.put());
        if (!rpins || rpins->Next(1, rendererIn.put(), nullptr) != S_OK)
            return fail(E_UNEXPECTED, "the null renderer has no input pin");
        hr = g.graph->Connect(g.pin.get(), rendererIn.get());
        if (FAILED(hr))
            return fail(hr, "connecting the pin to a null renderer failed");
        ::AM_MEDIA_TYPE mt{};
        if (SUCCEEDED(g.pin->ConnectionMediaType(&mt))) {
            g.format = formatOf(mt);
            freeMediaType(mt);
        }
        ComPtr<::IKsPin> ksPin;
        hr = g.pin->QueryInterface(IID_IKsPin, outParam(ksPin));
        if (FAILED(hr))
            return fail(hr, "the pin is not a ksproxy pin (no IKsPin)");
        g.ksPin = NativePin::wrap(ksPin.get());
        hr = g.graph->QueryInterface(IID_IMediaControl, outParam(g.control));
        if (SUCCEEDED(hr))
            hr = g.control->Run();
        if (FAILED(hr))
            return fail(hr, "running the graph failed");
        const std::string message = "connected to a null renderer and running (" + g.format.toString() + ")";
        m_graphs.push_back(std::move(g));
        return {S_OK, message};
    }

    static std::vector<std::pair<std::string, std::string>> interfacePaths(const Guid& cls)
    {
        std::vector<std::pair<std::string, std::string>> out; // path, friendly name
        const ::GUID guid = toWindows(cls);
        ::HDEVINFO set = ::SetupDiGetClassDevsW(&guid, nullptr, nullptr, DIGCF_PRESENT | DIGCF_DEVICEINTERFACE);
        if (set == INVALID_HANDLE_VALUE)
            return out;
        for (::DWORD i = 0;; ++i) {
            ::SP_DEVICE_INTERFACE_DATA data{};
            data.cbSize = sizeof(data);
            if (!::SetupDiEnumDeviceInterfaces(set, nullptr, &guid, i, &data))
                break; // ERROR_NO_MORE_ITEMS
            ::DWORD size = 0;
            ::SetupDiGetDeviceInterfaceDetailW(set, &data, nullptr, 0, &size, nullptr);
            if (size < sizeof(::SP_DEVICE_INTERFACE_DETAIL_DATA_W))
                continue;
            std::vector<std::byte> buffer(size);
            auto* detail = reinterpret_cast<::SP_DEVICE_INTERFACE_DETAIL_DATA_W*>(buffer.data());
            detail->cbSize = sizeof(::SP_DEVICE_INTERFACE_DETAIL_DATA_W);
            ::SP_DEVINFO_DATA device{};
            device.cbSize = sizeof(device);
            if (!::SetupDiGetDeviceInterfaceDetailW(set, &data, detail, size, nullptr, &device))
                continue;
            wchar_t name[256] = {};
            if (!::SetupDiGetDeviceRegistryPropertyW(set, &device, SPDRP_FRIENDLYNAME, nullptr,
                                                     reinterpret_cast<::PBYTE>(name), sizeof(name) - 2, nullptr) &&
                !::SetupDiGetDeviceRegistryPropertyW(set, &device, SPDRP_DEVICEDESC, nullptr,
                                                     reinterpret_cast<::PBYTE>(name), sizeof(name) - 2, nullptr))
                name[0] = 0;
            out.emplace_back(narrow(detail->DevicePath), narrow(name));
        }
        ::SetupDiDestroyDeviceInfoList(set);
        return out;
    }

    /// Re-reads the device set. Called with m_mutex held.
    void discover()
    {
        std::vector<Filter> found;
        std::map<std::string, std::size_t> byPath;
        for (const Guid* cls : kInterfaceClasses) {
            for (const auto& [path, friendly] : interfacePaths(*cls)) {
                const std::string key = lower(path);
                if (auto it = byPath.find(key); it != byPath.end()) {
                    found[it->second].categories.push_back(*cls);
                    continue;
                }
                Filter f;
                f.name = friendly.empty() ? path : friendly;
                f.devicePath = key;
                f.categories.push_back(*cls);
                readFactories(path, f);
                byPath[key] = found.size();
                found.push_back(std::move(f));
            }
        }
        addDirectShowFilters(found, byPath);
        // ids from the names, unique, stable for a device set
        std::map<std::string, int> used;
        for (Filter& f : found) {
            const std::string base = "ks:" + slug(f.name);
            const int n = ++used[base];
            f.id = n == 1 ? base : base + "-" + std::to_string(n);
        }
        m_filters = std::move(found);
    }

    static void readFactories(const std::string& path, Filter& f)
    {
        std::wstring wide(path.begin(), path.end()); // device paths are ASCII
        FileHandle handle(::CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                        FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED, nullptr));
        if (!handle.valid()) {
            f.readError = win32Message(::GetLastError(), "opening " + path);
            return;
        }
        PropertyClient client(deviceIoControlTransport(handle.get()), "filter \"" + f.name + "\"");
        if (Status s = readPinFactories(client, f.factories); !s)
            f.readError = s.message();
    }

    static void addDirectShowFilters(std::vector<Filter>& found, std::map<std::string, std::size_t>& byPath)
    {
        ComPtr<::ICreateDevEnum> devEnum;
        if (FAILED(::CoCreateInstance(CLSID_SystemDeviceEnum, nullptr, CLSCTX_INPROC_SERVER, IID_ICreateDevEnum,
                                      outParam(devEnum))))
            return;
        const ::GUID* categories[] = {&CLSID_VideoInputDeviceCategory, &CLSID_AudioInputDeviceCategory,
                                      &AM_KSCATEGORY_CAPTURE};
        for (const ::GUID* category : categories) {
            ComPtr<::IEnumMoniker> monikers;
            if (devEnum->CreateClassEnumerator(*category, monikers.put(), 0) != S_OK || !monikers)
                continue; // S_FALSE: the category is empty
            ComPtr<::IMoniker> moniker;
            while (monikers->Next(1, moniker.put(), nullptr) == S_OK) {
                ComPtr<::IPropertyBag> bag;
                if (FAILED(moniker->BindToStorage(nullptr, nullptr, IID_IPropertyBag, outParam(bag))))
                    continue;
                auto read = [&](const wchar_t* key) {
                    ::VARIANT v;
                    ::VariantInit(&v);
                    std::string value;
                    if (SUCCEEDED(bag->Read(key, &v, nullptr)) && v.vt == VT_BSTR)
                        value = narrow(v.bstrVal);
                    ::VariantClear(&v);
                    return value;
                };
                const std::string path = lower(read(L"DevicePath"));
                const std::string name = read(L"FriendlyName");
                if (auto it = byPath.find(path); !path.empty() && it != byPath.end()) {
                    Filter& f = found[it->second];
                    f.moniker = moniker;
                    if (!name.empty())
                        f.name = name;
                    continue;
                }
                Filter f;
                f.name = name.empty() ? "DirectShow capture device" : name;
                f.devicePath = path;
                f.categories.push_back(ksscope::guids::KSCATEGORY_CAPTURE);
                f.moniker = moniker;
                if (!path.empty()) {
                    readFactories(path, f);
                    byPath[path] = found.size();
                }
                found.push_back(std::move(f));
            }
        }
    }

    // ---- arrival and removal ----------------------------------------------------------------------

    void startHotplug()
    {
        if (m_hotplug.joinable())
            return;
        m_hotplug = std::thread([this] { hotplugLoop(); });
    }

    void stopHotplug()
    {
        if (!m_hotplug.joinable())
            return;
        if (::HWND w = m_window.load())
            ::PostMessageW(w, WM_CLOSE, 0, 0);
        m_stop = true;
        m_hotplug.join();
    }

    static ::LRESULT CALLBACK windowProc(::HWND hwnd, ::UINT msg, ::WPARAM wp, ::LPARAM lp)
    {
        auto* self = reinterpret_cast<KsBackend*>(::GetWindowLongPtrW(hwnd, GWLP_USERDATA));
        if (msg == WM_DEVICECHANGE && self && (wp == DBT_DEVICEARRIVAL || wp == DBT_DEVICEREMOVECOMPLETE)) {
            const auto* header = reinterpret_cast<const ::DEV_BROADCAST_HDR*>(lp);
            if (header && header->dbch_devicetype == DBT_DEVTYP_DEVICEINTERFACE) {
                const auto* di = reinterpret_cast<const ::DEV_BROADCAST_DEVICEINTERFACE_W*>(lp);
                self->deviceChanged(fromWindows(di->dbcc_classguid), narrow(di->dbcc_name), wp == DBT_DEVICEARRIVAL);
            }
            return TRUE;
        }
        if (msg == WM_CLOSE) {
            ::DestroyWindow(hwnd);
            return 0;
        }
        if (msg == WM_DESTROY) {
            ::PostQuitMessage(0);
            return 0;
        }
        return ::DefWindowProcW(hwnd, msg, wp, lp);
    }

    void deviceChanged(const Guid& cls, const std::string& path, bool arrived)
    {
        if (std::none_of(std::begin(kInterfaceClasses), std::end(kInterfaceClasses),
                         [&](const Guid* c) { return *c == cls; }))
            return;
        m_dirty = true;
        if (m_sink) {
            BackendEvent e;
            e.kind = arrived ? BackendEvent::Kind::FilterAdded : BackendEvent::Kind::FilterRemoved;
            e.id = path;
            e.message = std::string(arrived ? "KS device interface arrived: " : "KS device interface removed: ") + path;
            e.hr = arrived ? S_OK : hresultFromWin32(kErrorDeviceRemoved);
            m_sink(e);
        }
    }

    void hotplugLoop()
    {
        ::WNDCLASSW wc{};
        wc.lpfnWndProc = &KsBackend::windowProc;
        wc.hInstance = ::GetModuleHandleW(nullptr);
        wc.lpszClassName = L"KsScopeDeviceNotifications";
        ::RegisterClassW(&wc); // fails harmlessly when already registered
        ::HWND hwnd =
            ::CreateWindowExW(0, wc.lpszClassName, L"", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, wc.hInstance, nullptr);
        if (!hwnd) {
            const ::DWORD error = ::GetLastError();
            std::lock_guard lock(m_mutex);
            m_hotplugError = win32Message(error, "device notifications (message-only window)");
            return;
        }
        ::SetWindowLongPtrW(hwnd, GWLP_USERDATA, reinterpret_cast<::LONG_PTR>(this));
        std::vector<::HDEVNOTIFY> notifications;
        for (const Guid* cls : kInterfaceClasses) {
            ::DEV_BROADCAST_DEVICEINTERFACE_W filter{};
            filter.dbcc_size = sizeof(filter);
            filter.dbcc_devicetype = DBT_DEVTYP_DEVICEINTERFACE;
            filter.dbcc_classguid = toWindows(*cls);
            if (::HDEVNOTIFY n = ::RegisterDeviceNotificationW(hwnd, &filter, DEVICE_NOTIFY_WINDOW_HANDLE))
                notifications.push_back(n);
        }
        m_window = hwnd;
        if (m_stop) // close() came before the window existed
            ::PostMessageW(hwnd, WM_CLOSE, 0, 0);
        ::MSG msg;
        while (::GetMessageW(&msg, nullptr, 0, 0) > 0) {
            ::TranslateMessage(&msg);
            ::DispatchMessageW(&msg);
        }
        for (::HDEVNOTIFY n : notifications)
            ::UnregisterDeviceNotification(n);
        m_window = nullptr;
    }

    std::mutex m_mutex;
    std::vector<Filter> m_filters;
    std::vector<OwnedGraph> m_graphs;
    EventSink m_sink;
    std::atomic<bool> m_dirty{false};
    std::thread m_hotplug;
    std::atomic<::HWND> m_window{nullptr};
    std::atomic<bool> m_stop{false};
    std::string m_hotplugError; ///< guarded by m_mutex
};

} // namespace
} // namespace win

} // namespace ksscope::ks

namespace ksscope {

void registerKsBackend()
{
    BackendRegistry::add({"ks", "KS filters through DirectShow/ksproxy and IOCTL_KS_PROPERTY", 30, true,
                          [](const BackendOptions& options) -> std::unique_ptr<Backend> {
                              return std::make_unique<ks::win::KsBackend>(options);
                          }});
}

} // namespace ksscope
