# SPDX-License-Identifier: GPL-3.0-or-later
# The replay backend: a recording's devices and samples, played back (it registers where recordings can be read).
ksscope_backend(replay registerReplayBackend SOURCES src/replay/replay_backend.cpp src/replay/replay_source.cpp)
