// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope-cli: inspect kernel streaming devices and their allocators from the command line.

#include "commands.h"

int main(int argc, char** argv)
{
    return ksscope::cli::run(argc, argv);
}
