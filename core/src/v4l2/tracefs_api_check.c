/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Compiled, never linked: the declarations of tracefs_api.h must agree with libtracefs's own. */
#include "tracefs_api.h"

#include <tracefs.h>
