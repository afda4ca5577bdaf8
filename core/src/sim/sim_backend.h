// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The simulated AVStream devices: filters from a scenario, with real producer and consumer threads on
// real KsMemAllocator pools. Occupancy, starvation and drops come from timing alone.

#include "ksscope/backend.h"
#include "ksscope/scenario.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace ksscope::sim {

class HoldTime; // a consumer's hold time per frame

/// The sim backend's option: the scenario file (none: the embedded default scenario).
inline constexpr const char* kScenarioOption = "scenario";
/// --sim-events follow (default): every frame's transitions from the simulator's own allocators; poll: sample them.
inline constexpr const char* kEventsOption = "sim-events";
/// The scenario of \a path, or the embedded default when \a path is empty.
[[nodiscard]] ScenarioResult loadScenario(const std::string& path);
/// Why a scenario cannot be used, as a Status (a file that cannot be read: file not found; else an invalid value).
[[nodiscard]] Status scenarioStatus(const ScenarioError& error);

class SimBackend final : public Backend {
public:
    /// The most threads a scenario may need (docs/PERFORMANCE.md: past this, 2 cores cannot keep up).
    static constexpr std::size_t kMaxSimThreads = 1024;

    explicit SimBackend(BackendOptions options);
    /// Runs a scenario given directly (tests, benchmarks).
    explicit SimBackend(Scenario scenario);
    ~SimBackend() override;

    [[nodiscard]] std::string name() const override { return "sim"; }
    [[nodiscard]] bool editsOutliveProcess() const override { return false; }
    [[nodiscard]] Availability availability() const override { return {true, {}}; }
    SelfTestReport selfTest() override;
    Status open() override;
    Status start() override;
    void close() override;
    [[nodiscard]] Topology topology() override;
    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) override;
    ComPtr<IKsPin> pin(const std::string& pinId) override;
    PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                 ApplyMode mode) override;
    Status setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply) override;
    Status setConnectionEnabled(const std::string& from, const std::string& to, bool enabled) override;
    std::vector<PinFormats> formats() override;
    FormatChange setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode) override;
    std::vector<ControlInfo> controls(const std::string& filterId, std::string& error) override;
    ControlChange setControl(const std::string& filterId, const std::string& control,
                             const ControlValue& value) override;
    void setEventSink(EventSink sink) override;
    /// Every frame of the simulated allocators as it moves (GetBuffer, filled, taken, given back), unless asked to
    /// poll.
    std::unique_ptr<SampleSource> createSource(const SourceOptions& options) override;

    [[nodiscard]] const Scenario& scenario() const { return m_scenario; }

    struct Channel; // one allocator with its frame queue and counters
    struct Sleeper; // one thread's own mutex and condition variable to sleep on
    struct Filter;
    class Pin;

private:
    Status startStreaming();
    void stopStreaming();
    /// After an edit was undone: starts streaming again; the end of the edit's message saying how that went.
    std::string restartedAgain(const std::string& allocatorId);
    void emit(const BackendEvent& event);
    Channel* findChannel(std::string_view allocatorId);
    Filter* findFilter(std::string_view filterId);

    void captureLoop(Channel* channel, Filter* filter);
    /// Waits out a consumer stall, takes the next frame and holds it for the consumer's cost; null when
    /// streaming stops or the consumer is gone.
    ComPtr<IMediaSample> takeAndHold(Channel* channel, HoldTime& hold);
    void consumeLoop(Channel* channel, const ConsumerSpec& spec, std::uint32_t seed);
    void transformLoop(Channel* input, Channel* output, const ConsumerSpec& spec, std::uint32_t seed);
    void faultLoop();
    void removeFilter(Filter* filter);
    /// A removed filter plugged in again: its allocators work again and its threads start. False when streaming
    /// stops meanwhile.
    bool arriveFilter(Filter* filter);
    /// The threads that stream channel \a c: its producer (a capture pin) and its consumer, as asked.
    void planChannel(Channel* c, bool producer, bool consumer, std::uint32_t& seed,
                     std::vector<std::function<void()>>& plan);
    /// Starts the planned threads; stops at the first that cannot start (E_OUTOFMEMORY says why).
    Status spawn(std::vector<std::function<void()>>& plan);
    /// Sleeps until \a deadline on the calling simulator thread's own Sleeper; false when streaming is stopping.
    bool sleepUntil(std::chrono::steady_clock::time_point deadline);

    BackendOptions m_options;
    Scenario m_scenario;
    bool m_haveScenario = false;
    bool m_open = false;

    std::vector<std::unique_ptr<Filter>> m_filters;
    std::vector<std::shared_ptr<Channel>> m_channels; // shared with probes

    std::mutex m_controlMutex; // serialises open/start/close/edits
    bool m_streaming = false;
    std::chrono::steady_clock::time_point m_startTime;
    bool m_startedOnce = false;
    std::atomic<std::size_t> m_nextFault{0}; // faults run once, relative to the first start

    std::atomic<bool> m_stopping{false};
    std::vector<std::thread> m_threads;
    std::vector<std::unique_ptr<Sleeper>> m_sleepers; // one per thread in m_threads

    std::mutex m_sinkMutex; // guards m_sink
    EventSink m_sink;
};

} // namespace ksscope::sim
