# SPDX-License-Identifier: GPL-3.0-or-later
# The sim backend: simulated AVStream devices from a scenario, everywhere.
ksscope_backend(sim registerSimBackend SOURCES src/sim/sim_backend.cpp src/sim/sim_formats.cpp)
