// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated AVStream devices: filters from a scenario, with producer and consumer threads on real KsMemAllocator
// pools. Over 600 lines because the threads, the faults they inject and the edits they must survive (a pool resized
// under a running producer) share one lock and one set of pools.

#include "sim_backend.h"

#include "allocator_pin.h"
#include "ksscope/backend_registry.h"
#include "ksscope/device_id.h"
#include "sim_formats.h"
#include "transition_source.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <random>
#include <system_error>
#include <thread>

namespace ksscope::sim {

ScenarioResult loadScenario(const std::string& path)
{
    return path.empty() ? parseScenario(defaultScenarioText(), "<embedded default>") : loadScenarioFile(path);
}

Status scenarioStatus(const ScenarioError& error)
{
    const HRESULT code = error.unreadable ? hresultFromWin32(kErrorFileNotFound) : E_INVALIDARG;
    return {code, (error.unreadable ? "" : "invalid scenario: ") + error.toString()};
}

using Clock = std::chrono::steady_clock;

struct SimBackend::Sleeper {
    std::mutex mutex;
    std::condition_variable cv;
};

namespace {
thread_local SimBackend::Sleeper* t_sleeper = nullptr; // the calling sim thread's own, null elsewhere
const HRESULT kDeviceRemoved = hresultFromWin32(kErrorDeviceRemoved);

Clock::duration fromMs(double ms)
{
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}
} // namespace

/// An allocator shared by an output pin and the input pin it connects to, plus the queue of filled
/// frames between producer and consumer.
struct SimBackend::Channel {
    std::string id; // "sim:filter/pin/allocator"
    std::string outputPinId; // "sim:filter/pin"
    std::string inputPinId; // "" when the application consumes
    Filter* producerFilter = nullptr;
    const PinSpec* outputSpec = nullptr;
    ConsumerSpec consumer; // of the input pin, or of the application
    ComPtr<KsMemAllocator> allocator;
    std::atomic<double> framePeriodSeconds{0.0}; // a format edit of the producing pin changes it while streaming

    std::mutex queueMutex;
    std::condition_variable queueCv;
    std::deque<ComPtr<IMediaSample>> queue; // filled, waiting for the consumer

    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<Clock::rep> stallUntil{0}; // consumer stall fault
    std::atomic<bool> removed{false}; // the producing filter is gone
    std::atomic<bool> consumerRemoved{false}; // the consuming filter is gone
    std::atomic<bool> failed{false}; // an allocator failure was injected: stays down
    std::atomic<bool> failureReported{false};
};

struct SimBackend::Filter {
    const FilterSpec* spec = nullptr;
    std::string id; // "sim:filter"
    std::vector<std::unique_ptr<Pin>> pins;
    std::vector<ControlInfo> controls; // their values now; guarded by m_controlMutex
    std::atomic<bool> removed{false};
};

/// A simulated pin: its id, its scenario entry and its IKsPin, whose allocator is the channel's.
class SimBackend::Pin {
public:
    Pin(std::string id, const PinSpec* spec)
        : m_id(std::move(id)), m_spec(spec), m_format(spec->format), m_ksPin(AllocatorPin::create())
    {
    }
    void assign(const ComPtr<KsMemAllocator>& allocator) { m_ksPin->assign(ComPtr<IMemAllocator>(allocator)); }
    [[nodiscard]] const std::string& id() const { return m_id; }
    [[nodiscard]] const PinSpec* spec() const { return m_spec; }
    [[nodiscard]] ComPtr<IKsPin> ksPin() const { return ComPtr<IKsPin>(m_ksPin); }
    /// The format now (the scenario's until an edit); read and set under the backend's control mutex.
    [[nodiscard]] const MediaFormat& format() const { return m_format; }
    void setFormat(const MediaFormat& format) { m_format = format; }

private:
    std::string m_id;
    const PinSpec* m_spec;
    MediaFormat m_format;
    ComPtr<AllocatorPin> m_ksPin;
};

namespace {

class SimProbe final : public AllocatorProbe {
public:
    explicit SimProbe(std::shared_ptr<SimBackend::Channel> channel, ComPtr<KsMemAllocator> allocator)
        : m_channel(std::move(channel)), m_allocator(std::move(allocator))
    {
    }
    HRESULT read(AllocatorReading& reading) override;
    std::vector<BufferState> bufferStates() override { return m_allocator->BufferStates(); }

private:
    std::shared_ptr<SimBackend::Channel> m_channel;
    ComPtr<KsMemAllocator> m_allocator;
};

} // namespace

HRESULT SimProbe::read(AllocatorReading& reading)
{
    if (m_channel->removed.load(std::memory_order_relaxed))
        return kDeviceRemoved;
    const HRESULT hr = m_allocator->KsGetAllocatorStatus(&reading.status);
    if (FAILED(hr))
        return hr;
    reading.mode = m_allocator->KsGetAllocatorMode();
    reading.droppedFrames = m_channel->dropped.load(std::memory_order_relaxed);
    reading.deliveredFrames = m_channel->delivered.load(std::memory_order_relaxed);
    return S_OK;
}

SimBackend::SimBackend(BackendOptions options) : m_options(std::move(options)) { }

SimBackend::SimBackend(Scenario scenario) : m_scenario(std::move(scenario)), m_haveScenario(true) { }

SimBackend::~SimBackend()
{
    close();
}

void SimBackend::setEventSink(EventSink sink)
{
    std::lock_guard lock(m_sinkMutex);
    m_sink = std::move(sink);
}

void SimBackend::emit(const BackendEvent& event)
{
    std::lock_guard lock(m_sinkMutex);
    if (m_sink)
        m_sink(event);
}

SelfTestReport SimBackend::selfTest()
{
    SelfTestReport report;
    report.passed = true;
    auto check = [&report](bool ok, const std::string& what) {
        report.lines.push_back((ok ? "ok: " : "FAIL: ") + what);
        report.passed = report.passed && ok;
    };
    auto allocator = KsMemAllocator::create();
    ALLOCATOR_PROPERTIES request{2, 4000, 16, 0};
    ALLOCATOR_PROPERTIES actual;
    check(allocator->SetProperties(&request, &actual) == S_OK && actual.cbBuffer == 4000,
          "SetProperties 2 x 4000 bytes, align 16");
    check(allocator->Commit() == S_OK, "Commit");
    ComPtr<IMediaSample> a;
    ComPtr<IMediaSample> b;
    ComPtr<IMediaSample> c;
    check(allocator->GetBuffer(a.put(), nullptr, nullptr, 0) == S_OK &&
              allocator->GetBuffer(b.put(), nullptr, nullptr, 0) == S_OK,
          "GetBuffer twice");
    check(allocator->GetBuffer(c.put(), nullptr, nullptr, AM_GBF_NOWAIT) == VFW_E_TIMEOUT,
          "GetBuffer(AM_GBF_NOWAIT) on an empty pool gives VFW_E_TIMEOUT");
    KSSTREAMALLOCATOR_STATUS status;
    check(allocator->KsGetAllocatorStatus(&status) == S_OK && status.AllocatedFrames == 2 && status.Framing.Frames == 2,
          "KsGetAllocatorStatus reports 2 of 2 frames allocated");
    a.reset();
    b.reset();
    check(allocator->KsGetAllocatorStatus(&status) == S_OK && status.AllocatedFrames == 0,
          "released frames return to the pool");
    check(allocator->Decommit() == S_OK, "Decommit");
    auto scenario = m_haveScenario ? ScenarioResult(m_scenario) : loadScenario(m_options.value(kScenarioOption));
    if (auto* error = std::get_if<ScenarioError>(&scenario))
        check(false, "scenario: " + error->toString());
    else
        check(true, "scenario \"" + std::get<Scenario>(scenario).name + "\" is valid");
    return report;
}

Status SimBackend::open()
{
    std::lock_guard control(m_controlMutex);
    if (m_open)
        return Status::ok();
    if (!m_haveScenario) {
        ScenarioResult result = loadScenario(m_options.value(kScenarioOption));
        if (const auto* error = std::get_if<ScenarioError>(&result))
            return scenarioStatus(*error);
        m_scenario = std::move(std::get<Scenario>(result));
        m_haveScenario = true;
    }

    // filters and pins
    for (const FilterSpec& fs : m_scenario.filters) {
        auto filter = std::make_unique<Filter>();
        filter->spec = &fs;
        filter->id = "sim:" + fs.id;
        for (const PinSpec& ps : fs.pins)
            filter->pins.push_back(std::make_unique<Pin>(filter->id + "/" + ps.id, &ps));
        filter->controls = controlsOf(fs, filter->id);
        m_filters.push_back(std::move(filter));
    }
    // one allocator per output pin, shared with the input pin it connects to
    for (auto& filter : m_filters) {
        for (auto& pin : filter->pins) {
            const PinSpec* ps = pin->spec();
            if (ps->direction != PinDirection::Output)
                continue;
            auto channel = std::make_shared<Channel>();
            channel->id = pin->id() + "/allocator";
            channel->outputPinId = pin->id();
            channel->producerFilter = filter.get();
            channel->outputSpec = ps;
            channel->framePeriodSeconds = 1.0 / ps->format.framesPerSecond();
            KsMemAllocator::Options options;
            options.mode = ps->framing.mode;
            options.optionsFlags = ps->framing.flags;
            options.poolType = ps->framing.poolType;
            options.memoryType = ps->framing.memoryType;
            channel->allocator = KsMemAllocator::create(options);
            const ALLOCATOR_PROPERTIES request{
                static_cast<LONG>(ps->framing.frames), static_cast<LONG>(ps->framing.frameSize),
                static_cast<LONG>(ps->framing.alignment), static_cast<LONG>(ps->framing.prefix)};
            ALLOCATOR_PROPERTIES actual;
            const HRESULT hr = channel->allocator->SetPoolProperties(&request, &actual);
            if (FAILED(hr))
                return {hr, m_scenario.source + ":" + std::to_string(ps->line) + ": framing of " + pin->id() +
                                " rejected: " + hresultMessage(hr)};
            pin->assign(channel->allocator);
            channel->consumer = ps->consumer.value_or(ConsumerSpec{});
            m_channels.push_back(std::move(channel));
        }
    }
    for (const ConnectionSpec& cs : m_scenario.connections) {
        Channel* channel = findChannel("sim:" + cs.from + "/allocator");
        const std::string inputId = "sim:" + cs.to;
        channel->inputPinId = inputId;
        const PinSpec* input = m_scenario.findPin(cs.to);
        channel->consumer = input->consumer.value_or(ConsumerSpec{});
        for (auto& filter : m_filters)
            for (auto& pin : filter->pins)
                if (pin->id() == inputId)
                    pin->assign(channel->allocator);
    }
    m_open = true;
    for (auto& filter : m_filters)
        emit({BackendEvent::Kind::FilterAdded, filter->id, "filter \"" + filter->spec->name + "\" added", S_OK});
    return Status::ok();
}

Status SimBackend::start()
{
    std::lock_guard control(m_controlMutex);
    if (!m_open)
        return {E_UNEXPECTED, "the sim backend is not open"};
    return startStreaming();
}

Status SimBackend::startStreaming()
{
    if (m_streaming)
        return Status::ok();
    // the threads to run, decided once: their number is checked against the limit before anything is committed
    std::vector<std::function<void()>> plan;
    std::uint32_t seed = m_scenario.seed;
    for (auto& channel : m_channels)
        planChannel(channel.get(), true, true, seed, plan);
    if (m_nextFault < m_scenario.faults.size())
        plan.emplace_back([this] { faultLoop(); });
    // past the limit the threads would starve each other and the sampler
    if (plan.size() > kMaxSimThreads)
        return {E_INVALIDARG, "cannot stream " + m_scenario.source + ": its " +
                                  std::to_string(m_scenario.filters.size()) + " filters need " +
                                  std::to_string(plan.size()) +
                                  " simulator threads (one per capture pin and one per consumer); the simulator "
                                  "runs at most " +
                                  std::to_string(kMaxSimThreads) + " (" + std::to_string(kMaxSimThreads / 2) +
                                  " capture filters with their consumers): simulate fewer, or watch real devices"};

    for (auto& channel : m_channels) {
        if (channel->removed || channel->failed)
            continue; // a removed or failed allocator stays down after a restart
        auto& allocator = channel->allocator;
        HRESULT hr = S_OK;
        if (allocator->KsGetAllocatorMode() == KsAllocatorMode_Kernel) {
            allocator->KsCreateAllocatorAndGetHandle(nullptr);
            hr = allocator->CommitPool();
        } else {
            hr = allocator->Commit();
        }
        if (FAILED(hr)) {
            for (auto& c : m_channels)
                c->allocator->DecommitPool();
            return {hr, "cannot commit " + channel->id + ": " + hresultMessage(hr)};
        }
    }
    m_stopping = false;
    if (!m_startedOnce)
        m_startTime = Clock::now();
    m_startedOnce = true;
    // a thread that cannot start (no memory for its stack, a limit on threads) stops the ones already started
    if (const Status spawned = spawn(plan); !spawned) {
        const std::size_t started = m_threads.size();
        m_streaming = true; // so that stopStreaming joins what started and decommits the pools
        stopStreaming();
        return {E_OUTOFMEMORY, "the simulated devices could not start their threads (" + std::to_string(started) +
                                   " started, then: " + spawned.message() + "); the scenario has " +
                                   std::to_string(m_filters.size()) +
                                   " filters: simulate fewer, or raise the process's limits (ulimit -u, ulimit -v)"};
    }
    m_streaming = true;
    return Status::ok();
}

void SimBackend::planChannel(Channel* c, bool producer, bool consumer, std::uint32_t& seed,
                             std::vector<std::function<void()>>& plan)
{
    if (c->removed)
        return;
    const std::string& kind = c->producerFilter->spec->kind;
    if (producer && kind == "capture")
        plan.emplace_back([this, c] { captureLoop(c, c->producerFilter); });
    if (!consumer || c->consumerRemoved)
        return;
    if (c->inputPinId.empty()) {
        plan.emplace_back([this, c, s = ++seed] { consumeLoop(c, c->consumer, s); });
        return;
    }
    // the consumer is the filter of the input pin: a transform forwards, a renderer consumes
    Filter* consumerFilter = findFilter(filterOfPin(c->inputPinId));
    if (consumerFilter->spec->kind == "transform") {
        Channel* out = nullptr;
        for (auto& pin : consumerFilter->pins)
            if (pin->spec()->direction == PinDirection::Output)
                out = findChannel(pin->id() + "/allocator");
        plan.emplace_back([this, c, out, s = ++seed] { transformLoop(c, out, c->consumer, s); });
    } else {
        plan.emplace_back([this, c, s = ++seed] { consumeLoop(c, c->consumer, s); });
    }
}

Status SimBackend::spawn(std::vector<std::function<void()>>& plan)
{
    for (auto& body : plan) {
        try {
            // each thread sleeps on a mutex and condition variable of its own: a thousand threads waking at their
            // own times on one shared pair spent more time contending for it than simulating
            auto sleeper = std::make_unique<Sleeper>();
            Sleeper* own = sleeper.get();
            m_sleepers.push_back(std::move(sleeper));
            m_threads.emplace_back([own, run = std::move(body)] {
                t_sleeper = own;
                run();
            });
        } catch (const std::system_error& e) {
            return {E_OUTOFMEMORY, e.what()};
        } catch (const std::bad_alloc&) {
            return {E_OUTOFMEMORY, "out of memory"};
        }
    }
    return Status::ok();
}

void SimBackend::stopStreaming()
{
    if (!m_streaming)
        return;
    m_stopping = true;
    for (const auto& sleeper : m_sleepers) {
        {
            std::lock_guard lock(sleeper->mutex); // a sleeper checks m_stopping under its own mutex
        }
        sleeper->cv.notify_all();
    }
    for (auto& channel : m_channels) {
        {
            std::lock_guard lock(channel->queueMutex);
        }
        channel->queueCv.notify_all();
        channel->allocator->DecommitPool(); // wakes producers blocked in GetBuffer
    }
    for (auto& thread : m_threads)
        thread.join();
    m_threads.clear();
    m_sleepers.clear();
    for (auto& channel : m_channels) {
        std::lock_guard lock(channel->queueMutex);
        channel->queue.clear(); // frames go back to their pools
    }
    m_streaming = false;
}

void SimBackend::close()
{
    std::lock_guard control(m_controlMutex);
    stopStreaming();
}

bool SimBackend::sleepUntil(Clock::time_point deadline)
{
    Sleeper& own = *t_sleeper; // only the simulator's own threads sleep here
    std::unique_lock lock(own.mutex);
    return !own.cv.wait_until(lock, deadline, [this] { return m_stopping.load(); });
}

void SimBackend::captureLoop(Channel* channel, Filter* filter)
{
    const auto periodNow = [channel] {
        return std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(channel->framePeriodSeconds.load(std::memory_order_relaxed)));
    };
    const auto fill = fromMs(channel->outputSpec->fillMs);
    auto next = Clock::now() + periodNow();
    std::uint64_t frameNumber = 0;
    while (sleepUntil(next)) {
        const auto period = periodNow(); // a format edit may change the rate
        // frames whose time passed while we were late are skipped, as avshws counts them
        const auto now = Clock::now();
        if (now - next > period) {
            const auto missed = static_cast<std::uint64_t>((now - next) / period);
            channel->dropped.fetch_add(missed, std::memory_order_relaxed);
            frameNumber += missed; // their numbers are gone with them
            next += period * static_cast<std::int64_t>(missed);
        }
        next += period;
        if (filter->removed)
            return;
        ++frameNumber;
        ComPtr<IMediaSample> sample;
        const HRESULT hr = channel->allocator->GetBuffer(sample.put(), nullptr, nullptr, AM_GBF_NOWAIT);
        if (hr == VFW_E_TIMEOUT) {
            channel->dropped.fetch_add(1, std::memory_order_relaxed); // no free frame: the frame is lost
            continue;
        }
        if (FAILED(hr)) {
            if (m_stopping || filter->removed)
                return;
            if (!channel->failureReported.exchange(true))
                emit({BackendEvent::Kind::Error, channel->id,
                      "GetBuffer on " + channel->id + " failed: " + hresultName(hr) + ": " + hresultMessage(hr), hr});
            channel->dropped.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        std::byte* data = nullptr;
        sample->GetPointer(&data);
        const LONG size = sample->GetSize();
        if (data && size >= static_cast<LONG>(sizeof frameNumber))
            std::memcpy(data, &frameNumber, sizeof frameNumber); // PictureNumber, as KS_FRAME_INFO carries it
        sample->SetActualDataLength(size);
        if (fill.count() > 0 && !sleepUntil(Clock::now() + fill))
            return;
        channel->allocator->SetSampleState(sample.get(), BufferState::Waiting, static_cast<std::int64_t>(frameNumber));
        {
            std::lock_guard lock(channel->queueMutex);
            channel->queue.push_back(std::move(sample));
        }
        channel->queueCv.notify_one();
        channel->delivered.fetch_add(1, std::memory_order_relaxed);
    }
}

class HoldTime {
public:
    HoldTime(const ConsumerSpec& spec, std::uint32_t seed) : m_spec(spec), m_rng(seed), m_lastStall(Clock::now()) { }
    Clock::duration next()
    {
        double ms = m_spec.costMs;
        if (m_spec.stallMs > 0 && Clock::now() - m_lastStall >= fromMs(m_spec.stallEveryMs)) {
            ms += m_spec.stallMs;
            m_lastStall = Clock::now();
        }
        if (m_spec.jitterMs > 0)
            ms += std::uniform_real_distribution<double>(0.0, m_spec.jitterMs)(m_rng);
        if (m_spec.spikeProbability > 0 && std::bernoulli_distribution(m_spec.spikeProbability)(m_rng))
            ms += m_spec.spikeMs;
        return fromMs(ms);
    }

private:
    ConsumerSpec m_spec;
    std::mt19937 m_rng;
    Clock::time_point m_lastStall;
};

namespace {

/// The next filled frame, or null when streaming stops or the consumer was removed.
ComPtr<IMediaSample> popFrame(SimBackend::Channel* channel, const std::atomic<bool>& stopping)
{
    std::unique_lock lock(channel->queueMutex);
    channel->queueCv.wait(
        lock, [&] { return stopping.load() || channel->consumerRemoved.load() || !channel->queue.empty(); });
    if (stopping || channel->consumerRemoved)
        return nullptr;
    ComPtr<IMediaSample> sample = std::move(channel->queue.front());
    channel->queue.pop_front();
    return sample;
}

} // namespace

ComPtr<IMediaSample> SimBackend::takeAndHold(Channel* channel, HoldTime& hold)
{
    const auto stalled = Clock::time_point(Clock::duration(channel->stallUntil.load()));
    if (stalled > Clock::now() && !sleepUntil(stalled))
        return nullptr;
    ComPtr<IMediaSample> sample = popFrame(channel, m_stopping);
    if (!sample)
        return nullptr;
    channel->allocator->SetSampleState(sample.get(), BufferState::Consumer);
    const auto cost = hold.next();
    if (cost.count() > 0 && !sleepUntil(Clock::now() + cost))
        return nullptr;
    return sample;
}

void SimBackend::consumeLoop(Channel* channel, const ConsumerSpec& spec, std::uint32_t seed)
{
    HoldTime hold(spec, seed);
    while (takeAndHold(channel, hold)) {
        // the frame's last reference goes here: back to the pool
    }
}

void SimBackend::transformLoop(Channel* input, Channel* output, const ConsumerSpec& spec, std::uint32_t seed)
{
    HoldTime hold(spec, seed);
    std::uint64_t frameNumber = 0; // of the output frames, those lost included
    for (;;) {
        ComPtr<IMediaSample> in = takeAndHold(input, hold);
        if (!in)
            return;
        if (output->removed)
            continue;
        // a transform waits for a free output frame (back-pressure), holding its input meanwhile
        ComPtr<IMediaSample> out;
        HRESULT hr = VFW_E_TIMEOUT;
        while (hr == VFW_E_TIMEOUT && !m_stopping)
            hr = output->allocator->GetBufferTimeout(out.put(), std::chrono::milliseconds(50));
        if (m_stopping || output->removed)
            return;
        ++frameNumber;
        if (FAILED(hr)) {
            if (!output->failureReported.exchange(true))
                emit({BackendEvent::Kind::Error, output->id,
                      "GetBuffer on " + output->id + " failed: " + hresultName(hr) + ": " + hresultMessage(hr), hr});
            output->dropped.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        std::byte* src = nullptr;
        std::byte* dst = nullptr;
        in->GetPointer(&src);
        out->GetPointer(&dst);
        const LONG n = std::min<LONG>({in->GetActualDataLength(), out->GetSize(), 64});
        if (src && dst && n > 0)
            std::memcpy(dst, src, static_cast<std::size_t>(n));
        out->SetActualDataLength(out->GetSize());
        in.reset();
        output->allocator->SetSampleState(out.get(), BufferState::Waiting, static_cast<std::int64_t>(frameNumber));
        {
            std::lock_guard lock(output->queueMutex);
            output->queue.push_back(std::move(out));
        }
        output->queueCv.notify_one();
        output->delivered.fetch_add(1, std::memory_order_relaxed);
    }
}

void SimBackend::faultLoop()
{
    std::vector<const FaultSpec*> faults;
    for (const auto& f : m_scenario.faults)
        faults.push_back(&f);
    std::stable_sort(faults.begin(), faults.end(),
                     [](const FaultSpec* a, const FaultSpec* b) { return a->atSeconds < b->atSeconds; });
    for (std::size_t i = m_nextFault; i < faults.size(); ++i) {
        const FaultSpec* fault = faults[i];
        if (!sleepUntil(m_startTime + fromMs(fault->atSeconds * 1000.0)))
            return;
        switch (fault->kind) {
        case FaultSpec::Kind::ConsumerStall: {
            // the allocator consumed at this pin: the upstream one for an input pin, else the pin's own
            const std::string pinId = "sim:" + fault->target;
            for (auto& c : m_channels) {
                if (c->inputPinId == pinId || (c->inputPinId.empty() && c->outputPinId == pinId)) {
                    const auto until = Clock::now() + fromMs(fault->durationSeconds * 1000.0);
                    c->stallUntil.store(until.time_since_epoch().count());
                }
            }
            break;
        }
        case FaultSpec::Kind::DeviceRemoval:
            if (Filter* filter = findFilter("sim:" + fault->target))
                removeFilter(filter);
            break;
        case FaultSpec::Kind::DeviceArrival:
            if (Filter* filter = findFilter("sim:" + fault->target); filter && !arriveFilter(filter))
                return; // streaming stops
            break;
        case FaultSpec::Kind::AllocatorFailure:
            if (Channel* c = findChannel("sim:" + fault->target + "/allocator")) {
                c->failed = true;
                c->allocator->InjectFailure(fault->hr);
            }
            break;
        }
        m_nextFault = i + 1;
    }
}

void SimBackend::removeFilter(Filter* filter)
{
    if (filter->removed.exchange(true))
        return;
    for (auto& c : m_channels) {
        if (c->producerFilter == filter) {
            c->removed = true;
            c->allocator->InjectFailure(kDeviceRemoved);
        }
        if (!c->inputPinId.empty() && filterOfPin(c->inputPinId) == filter->id) {
            std::lock_guard lock(c->queueMutex);
            c->consumerRemoved = true; // nobody takes frames from this allocator any more
        }
        c->queueCv.notify_all();
    }
    emit({BackendEvent::Kind::FilterRemoved, filter->id,
          "filter \"" + filter->spec->name + "\" was removed (device unplugged)", kDeviceRemoved});
}

bool SimBackend::arriveFilter(Filter* filter)
{
    // the threads are started under the control mutex, which stopStreaming() holds while it joins them (this one
    // among them): give up once it asks them to stop
    std::unique_lock control(m_controlMutex, std::defer_lock);
    while (!control.try_lock()) {
        if (m_stopping)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (m_stopping)
        return false;
    if (!filter->removed)
        return true; // it is there: nothing arrives
    std::vector<std::function<void()>> plan;
    std::uint32_t seed = m_scenario.seed + static_cast<std::uint32_t>(m_threads.size());
    for (auto& c : m_channels) {
        const bool produced = c->producerFilter == filter;
        const bool consumed = !c->inputPinId.empty() && filterOfPin(c->inputPinId) == filter->id;
        if (produced) {
            c->removed = false;
            if (!c->failed)
                c->allocator->InjectFailure(S_OK);
        }
        if (consumed) {
            std::lock_guard lock(c->queueMutex);
            c->consumerRemoved = false;
        }
        // its own threads: the producers of its capture pins and the consumers of its input pins (those that
        // consume what it produces kept waiting for frames)
        if (produced || consumed)
            planChannel(c.get(), produced, consumed, seed, plan);
    }
    filter->removed = false;
    const Status status = spawn(plan);
    emit({BackendEvent::Kind::FilterAdded, filter->id,
          "filter \"" + filter->spec->name + "\" arrived (device plugged in again)" +
              (status ? std::string() : "; its threads could not start: " + status.message()),
          S_OK});
    return true;
}

namespace {

/// Every frame of the simulated allocators as it moves: GetBuffer (being filled), filled with its number, taken by
/// the consumer, given back. The producers' numbers skip the frames they lost, so the drops come out named.
class SimSource final : public TransitionSource {
public:
    using Find = std::function<std::shared_ptr<SimBackend::Channel>(const std::string& id)>;
    explicit SimSource(Find find) : m_find(std::move(find)) { }
    ~SimSource() override
    {
        for (const auto& c : m_channels)
            if (c)
                c->allocator->FollowTransitions(false);
    }
    SimSource(const SimSource&) = delete;
    SimSource& operator=(const SimSource&) = delete;

private:
    std::optional<Queue> watch(std::size_t index, const std::string& id, SampleSink& sink) override;
    void unwatch(std::size_t index) override
    {
        if (index < m_channels.size() && m_channels[index]) {
            m_channels[index]->allocator->FollowTransitions(false);
            m_channels[index].reset();
        }
    }
    void collect(std::int64_t t_ns, SampleSink& sink, std::vector<BufferEvent>& out) override;

    Find m_find;
    std::vector<std::shared_ptr<SimBackend::Channel>> m_channels; // by watched index
    std::vector<FrameTransition> m_scratch;
};

} // namespace

std::optional<TransitionSource::Queue> SimSource::watch(std::size_t index, const std::string& id, SampleSink& sink)
{
    (void)sink;
    if (m_channels.size() <= index)
        m_channels.resize(index + 1);
    std::shared_ptr<SimBackend::Channel> channel = m_find(id);
    if (!channel)
        return std::nullopt;
    // a channel watched again (its filter came back) is followed under its new index only
    for (auto& c : m_channels)
        if (c == channel)
            c.reset();
    channel->allocator->FollowTransitions(true);
    KSSTREAMALLOCATOR_STATUS status;
    Queue q;
    if (SUCCEEDED(channel->allocator->KsGetAllocatorStatus(&status))) {
        q.frames = status.Framing.Frames;
        q.frameSize = status.Framing.FrameSize;
    }
    q.mode = channel->allocator->KsGetAllocatorMode();
    q.fillingIsAllocated = true; // KS: every frame not free is allocated
    m_channels[index] = std::move(channel);
    return q;
}

void SimSource::collect(std::int64_t t_ns, SampleSink& sink, std::vector<BufferEvent>& out)
{
    for (std::size_t i = 0; i < m_channels.size(); ++i) {
        SimBackend::Channel* c = m_channels[i].get();
        if (!c || !mine(i))
            continue;
        m_scratch.clear();
        if (const std::uint64_t lost = c->allocator->TakeTransitions(m_scratch); lost > 0)
            sink.event({t_ns, EventKind::Error, c->id,
                        std::to_string(lost) + " frame transitions were not kept (the sampler fell behind): frames "
                                               "around now are incomplete"});
        for (const FrameTransition& f : m_scratch) {
            BufferEvent e;
            e.t_ns = f.t_ns;
            e.allocator = static_cast<std::uint32_t>(i);
            e.buffer = f.buffer;
            switch (f.state) {
            case BufferState::Producer:
                e.transition = BufferTransition::DriverOwned;
                break;
            case BufferState::Waiting:
                e.transition = BufferTransition::Done;
                e.numbered = f.sequence >= 0;
                e.sequence = static_cast<std::uint32_t>(std::max<std::int64_t>(f.sequence, 0));
                e.timestamp_ns = f.t_ns;
                e.bytesUsed = f.bytes;
                break;
            case BufferState::Consumer:
                e.transition = BufferTransition::Dequeued;
                break;
            case BufferState::Free:
                e.transition = BufferTransition::Queued;
                break;
            }
            out.push_back(e);
        }
    }
}

std::unique_ptr<SampleSource> SimBackend::createSource(const SourceOptions& options)
{
    (void)options;
    if (m_options.value(kEventsOption, "follow") == "poll")
        return nullptr;
    return std::make_unique<SimSource>([this](const std::string& id) -> std::shared_ptr<Channel> {
        std::lock_guard control(m_controlMutex);
        for (auto& c : m_channels)
            if (c->id == id)
                return c;
        return nullptr;
    });
}

SimBackend::Channel* SimBackend::findChannel(std::string_view allocatorId)
{
    for (auto& c : m_channels)
        if (c->id == allocatorId)
            return c.get();
    return nullptr;
}

SimBackend::Filter* SimBackend::findFilter(std::string_view filterId)
{
    for (auto& f : m_filters)
        if (f->id == filterId)
            return f.get();
    return nullptr;
}

Topology SimBackend::topology()
{
    Topology topo;
    std::lock_guard control(m_controlMutex);
    for (auto& filter : m_filters) {
        if (filter->removed)
            continue;
        FilterInfo info;
        info.id = filter->id;
        info.name = filter->spec->name;
        info.backend = "sim";
        info.kind = filter->spec->kind;
        info.categories = filter->spec->categories;
        for (auto& pin : filter->pins) {
            const PinSpec* ps = pin->spec();
            PinInfo p;
            p.id = pin->id();
            p.name = ps->name;
            p.direction = ps->direction;
            p.category = ps->category;
            p.format = pin->format();
            for (auto& c : m_channels)
                if (!c->removed && (c->outputPinId == p.id || c->inputPinId == p.id))
                    p.allocatorId = c->id;
            info.pins.push_back(std::move(p));
        }
        topo.filters.push_back(std::move(info));
    }
    for (auto& c : m_channels) {
        if (c->removed)
            continue;
        if (!c->inputPinId.empty()) {
            Filter* consumer = findFilter(filterOfPin(c->inputPinId));
            if (consumer && !consumer->removed)
                topo.connections.push_back({c->outputPinId, c->inputPinId, ConnectionEnabled | ConnectionImmutable});
        }
        AllocatorInfo a;
        a.id = c->id;
        a.mode = c->allocator->KsGetAllocatorMode();
        c->allocator->KsGetAllocatorStatus(&a.status);
        c->allocator->GetProperties(&a.properties);
        a.memoryType = c->allocator->KsGetProperties()->MemoryType;
        a.committed = c->allocator->IsCommitted();
        a.framePeriodSeconds = c->framePeriodSeconds;
        a.pinIds.push_back(c->outputPinId);
        if (!c->inputPinId.empty())
            a.pinIds.push_back(c->inputPinId);
        topo.allocators.push_back(std::move(a));
    }
    return topo;
}

std::shared_ptr<AllocatorProbe> SimBackend::probe(const std::string& allocatorId)
{
    std::lock_guard control(m_controlMutex);
    for (auto& c : m_channels)
        if (c->id == allocatorId)
            return std::make_shared<SimProbe>(c, c->allocator);
    return nullptr;
}

ComPtr<IKsPin> SimBackend::pin(const std::string& pinId)
{
    std::lock_guard control(m_controlMutex);
    for (auto& filter : m_filters)
        for (auto& pin : filter->pins)
            if (pin->id() == pinId)
                return pin->ksPin();
    return nullptr;
}

std::string SimBackend::restartedAgain(const std::string& allocatorId)
{
    const Status again = startStreaming();
    if (again)
        return " and the devices stream again";
    emit({BackendEvent::Kind::Error, allocatorId, "the simulated devices are stopped: " + again.message(),
          again.code()});
    return ", but the devices could not restart and are stopped: " + again.message();
}

PropertyChange SimBackend::setProperties(const std::string& allocatorId, const PropertyRequest& request, ApplyMode mode)
{
    PropertyChange change;
    std::lock_guard control(m_controlMutex);
    Channel* c = findChannel(allocatorId);
    if (!c || c->removed) {
        change.status = {hresultFromWin32(kErrorNotFound), "no allocator \"" + allocatorId + "\""};
        return change;
    }
    ALLOCATOR_PROPERTIES current;
    c->allocator->GetProperties(&current);
    change.requested = request.mergedWith(current);
    if (const std::string problem = KsMemAllocator::poolSizeProblem(change.requested); !problem.empty()) {
        change.actual = current; // refused before anything was stopped
        change.status = {E_OUTOFMEMORY, std::string(mode == ApplyMode::DryRun ? "would be refused" : "not applied") +
                                            ": Commit could not allocate the pool: " + problem};
        return change;
    }
    if (mode == ApplyMode::DryRun) {
        const Negotiation predicted = negotiateProperties(change.requested);
        change.actual = SUCCEEDED(predicted.hr) ? predicted.actual : current;
        change.status = {predicted.hr, SUCCEEDED(predicted.hr) ? "prediction only, nothing applied"
                                                               : "would be refused: " + hresultMessage(predicted.hr)};
        return change;
    }
    if (const Negotiation check = negotiateProperties(change.requested); FAILED(check.hr)) {
        change.actual = current; // refused before anything was stopped
        change.status = {check.hr, "KsSetProperties refused: " + hresultMessage(check.hr)};
        return change;
    }
    const bool wasStreaming = m_streaming;
    stopStreaming(); // KsSetProperties is refused while committed: stop, apply, restart
    const ALLOCATOR_PROPERTIES_EX previous = *c->allocator->KsGetProperties();
    ALLOCATOR_PROPERTIES_EX ex = previous;
    ex.cBuffers = change.requested.cBuffers;
    ex.cbBuffer = change.requested.cbBuffer;
    ex.cbAlign = change.requested.cbAlign;
    ex.cbPrefix = change.requested.cbPrefix;
    const HRESULT hr = c->allocator->KsSetProperties(&ex);
    c->allocator->GetProperties(&change.actual);
    change.applied = SUCCEEDED(hr);
    change.status = {hr, SUCCEEDED(hr) ? "applied" : "KsSetProperties refused: " + hresultMessage(hr)};
    if (wasStreaming) {
        const Status restarted = startStreaming();
        if (!restarted && change.applied) {
            // the allocator took the values but cannot commit them (no memory for the frames): the device goes
            // back to what it had, so a failed edit never leaves it stopped
            ALLOCATOR_PROPERTIES_EX back = previous;
            c->allocator->KsSetProperties(&back);
            c->allocator->GetProperties(&change.actual);
            change.applied = false;
            change.status = {restarted.code(), "not applied: " + restarted.message() +
                                                   "; the previous properties were restored" +
                                                   restartedAgain(allocatorId)};
        } else if (!restarted) {
            change.status = restarted;
            emit({BackendEvent::Kind::Error, allocatorId, restarted.message(), restarted.code()});
        }
    }
    if (change.applied)
        emit({BackendEvent::Kind::AllocatorReconfigured, allocatorId,
              "properties set: " + std::to_string(change.actual.cBuffers) + " x " +
                  std::to_string(change.actual.cbBuffer) + " bytes, align " + std::to_string(change.actual.cbAlign) +
                  ", prefix " + std::to_string(change.actual.cbPrefix),
              hr});
    return change;
}

Status SimBackend::setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply)
{
    std::lock_guard control(m_controlMutex);
    Channel* c = findChannel(allocatorId);
    if (!c || c->removed)
        return {hresultFromWin32(kErrorNotFound), "no allocator \"" + allocatorId + "\""};
    if (mode != KsAllocatorMode_User && mode != KsAllocatorMode_Kernel)
        return {E_INVALIDARG, "mode must be user or kernel"};
    if (apply == ApplyMode::DryRun)
        return {S_OK, "prediction only: mode would become " + std::string(allocatorModeName(mode))};
    const bool wasStreaming = m_streaming;
    stopStreaming();
    const KSALLOCATORMODE previous = c->allocator->KsGetAllocatorMode();
    HRESULT hr = c->allocator->KsSetAllocatorMode(mode);
    Status result{hr, SUCCEEDED(hr) ? "mode set to " + std::string(allocatorModeName(mode))
                                    : "KsSetAllocatorMode refused: " + hresultMessage(hr)};
    if (wasStreaming) {
        const Status restarted = startStreaming();
        if (!restarted && SUCCEEDED(hr)) {
            // as for properties: a mode the pool cannot be committed in is undone
            c->allocator->KsSetAllocatorMode(previous);
            hr = restarted.code();
            result = {restarted.code(), "not applied: " + restarted.message() + "; the allocator is back in " +
                                            std::string(allocatorModeName(previous)) + " mode" +
                                            restartedAgain(allocatorId)};
        } else if (!restarted) {
            result = restarted;
        }
    }
    if (SUCCEEDED(hr))
        emit({BackendEvent::Kind::AllocatorReconfigured, allocatorId,
              "allocator mode set to " + std::string(allocatorModeName(mode)), hr});
    return result;
}

Status SimBackend::setConnectionEnabled(const std::string& from, const std::string& to, bool /*enabled*/)
{
    std::lock_guard control(m_controlMutex);
    if (std::any_of(m_channels.begin(), m_channels.end(),
                    [&](const auto& c) { return c->outputPinId == from && c->inputPinId == to; }))
        return {E_INVALIDARG, "the connection " + from + " -> " + to +
                                  " is immutable: simulated pins share their allocator for the whole run"};
    return {hresultFromWin32(kErrorNotFound), "no connection from \"" + from + "\" to \"" + to + "\""};
}

std::vector<PinFormats> SimBackend::formats()
{
    std::lock_guard control(m_controlMutex);
    std::vector<PinFormats> out;
    for (auto& filter : m_filters) {
        if (filter->removed)
            continue;
        for (auto& pin : filter->pins) {
            PinFormats p;
            p.pinId = pin->id();
            p.active = streamFormatOf(pin->format());
            p.options = formatOptionsOf(*pin->spec());
            if (pin->spec()->dataRanges.empty())
                p.readOnlyReason = "the scenario gives this pin one format (no \"dataRanges\")";
            out.push_back(std::move(p));
        }
    }
    return out;
}

FormatChange SimBackend::setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode)
{
    FormatChange change;
    change.pinId = pinId;
    change.requested = format;
    std::lock_guard control(m_controlMutex);
    Pin* pin = nullptr;
    std::string label; // as the doctor names the pin: "\"USB Camera\"/Capture"
    for (auto& filter : m_filters)
        for (auto& p : filter->pins)
            if (p->id() == pinId && !filter->removed) {
                pin = p.get();
                label = "\"" + filter->spec->name + "\"/" + p->spec()->name;
            }
    if (!pin) {
        change.status = {hresultFromWin32(kErrorNotFound), "no simulated pin \"" + pinId + "\""};
        return change;
    }
    change.before = streamFormatOf(pin->format());
    if (format.space != FormatSpace::KsSubtype) {
        change.status = {E_INVALIDARG, pinId + " is a simulated KS pin: give a subtype and size (e.g. YUY2/640x480)"};
        return change;
    }
    if (pin->spec()->dataRanges.empty()) {
        change.status = {E_INVALIDARG, pinId + ": the scenario gives this pin one format, " + change.before.toString() +
                                           " (add \"dataRanges\" to the pin to let it take others)"};
        return change;
    }
    const MediaFormat adjusted = adjustFormat(*pin->spec(), pin->format(), format);
    change.actual = streamFormatOf(adjusted);
    // a time per frame as KS keeps it (100 ns units): the rate asked, not its rounding, is what the pin took
    if (format.interval.known() && change.actual.interval.known() &&
        std::abs(change.actual.interval.value() - format.interval.value()) < 1e-7)
        change.actual.interval = format.interval;
    if (mode == ApplyMode::Apply) {
        pin->setFormat(adjusted);
        for (auto& c : m_channels)
            if (c->outputPinId == pinId && adjusted.framesPerSecond() > 0)
                c->framePeriodSeconds = 1.0 / adjusted.framesPerSecond();
        change.applied = true;
    }
    const std::string what = label + (change.applied ? " set to " : " would be ") + change.actual.toString();
    const std::string adjustments = change.adjustments();
    change.status = adjustments.empty()
                        ? Status{S_OK, what}
                        : Status{S_FALSE, what + "; the simulated pin " + (change.applied ? "chose" : "would choose") +
                                              " that instead of what was asked (" + adjustments + ")"};
    if (change.applied)
        emit({BackendEvent::Kind::AllocatorReconfigured, pinId, change.status.message(), S_OK});
    return change;
}

std::vector<ControlInfo> SimBackend::controls(const std::string& filterId, std::string& error)
{
    std::lock_guard control(m_controlMutex);
    Filter* filter = findFilter(filterId);
    if (!filter || filter->removed) {
        error = "no simulated filter \"" + filterId + "\"";
        return {};
    }
    return filter->controls;
}

ControlChange SimBackend::setControl(const std::string& filterId, const std::string& control, const ControlValue& value)
{
    ControlChange change;
    change.filterId = filterId;
    change.requested = value;
    std::lock_guard lock(m_controlMutex);
    Filter* filter = findFilter(filterId);
    if (!filter || filter->removed) {
        change.status = {hresultFromWin32(kErrorNotFound), "no simulated filter \"" + filterId + "\""};
        return change;
    }
    const ControlInfo* found = findControl(filter->controls, control);
    if (!found) {
        change.status = {E_INVALIDARG, "no control \"" + control + "\" on " + filterId};
        return change;
    }
    const auto index = static_cast<std::size_t>(found - filter->controls.data());
    ControlInfo& c = filter->controls[index];
    change.before = c;
    if (Status s = checkControlValue(c, value); !s) {
        change.status = s;
        return change;
    }
    std::string what;
    if (c.type == ControlType::Button) {
        // the button's action: the consumer at its target stalls for its duration
        const ControlSpec& spec = filter->spec->controls[index];
        const std::string pinId = "sim:" + spec.target;
        const auto until = Clock::now() + fromMs(spec.durationMs);
        for (auto& ch : m_channels)
            if (ch->inputPinId == pinId || (ch->inputPinId.empty() && ch->outputPinId == pinId))
                ch->stallUntil.store(until.time_since_epoch().count());
        change.actual = value;
        what = "control \"" + c.name + "\" pressed: the consumer at " + pinId + " stalls for " +
               std::to_string(static_cast<long long>(spec.durationMs)) + " ms";
    } else {
        c.value = value;
        change.actual = value;
        what = "control \"" + c.name + "\" of " + filterId + " set to " + c.valueText();
    }
    change.applied = true;
    change.status = {S_OK, what};
    emit({BackendEvent::Kind::AllocatorReconfigured, filterId, what, S_OK});
    return change;
}

} // namespace ksscope::sim

namespace ksscope {

void registerSimBackend()
{
    BackendRegistration sim;
    sim.name = "sim";
    sim.description = "simulated AVStream devices from a scenario (--scenario FILE, or the embedded one)";
    sim.order = 10;
    sim.create = [](const BackendOptions& options) -> std::unique_ptr<Backend> {
        return std::make_unique<sim::SimBackend>(options);
    };
    BackendOption scenario;
    scenario.name = sim::kScenarioOption;
    scenario.valueName = "FILE";
    scenario.help = "simulate the devices of this scenario file (default: the embedded one)";
    scenario.label = "Scenario file";
    scenario.inWindow = true;
    scenario.fileFilter = "KsScope scenarios (*.json);;All files (*)";
    // a malformed scenario is named with file:line before anything opens
    scenario.check = [](const std::string& path) {
        const ScenarioResult result = sim::loadScenario(path);
        const auto* error = std::get_if<ScenarioError>(&result);
        return error ? sim::scenarioStatus(*error) : Status::ok();
    };
    sim.options.push_back(std::move(scenario));
    BackendOption events;
    events.name = sim::kEventsOption;
    events.valueName = "follow|poll";
    events.help = "simulated buffers: follow every frame as it moves (default), or poll the allocators' status";
    events.check = [](const std::string& value) {
        return value == "follow" || value == "poll"
                   ? Status::ok()
                   : Status(E_INVALIDARG, "must be follow or poll, got \"" + value + "\"");
    };
    sim.options.push_back(std::move(events));
    sim.windowAction = "Open &Scenario...";
    sim.windowActionTip = "Simulate the devices of a scenario file";
    sim.windowShortcut = "Ctrl+Shift+O";
    sim.examplesFolder = "scenarios";
    BackendRegistry::add(std::move(sim));
}

} // namespace ksscope
