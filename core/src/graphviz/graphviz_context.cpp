// SPDX-License-Identifier: GPL-3.0-or-later
// The dot layout engine is loaded from Graphviz's plugin folder (KSSCOPE_GRAPHVIZ_DOT_PLUGIN, found at configure
// time) and handed to Graphviz as a built-in. So neither the plugin configuration file that `dot -c` writes at
// install time nor a run path into Graphviz's private folder is needed. Should the library not load, Graphviz's
// own plugin loading, which reads that configuration file, is tried. On Windows the program links the plugin's
// DLL (KSSCOPE_GRAPHVIZ_LINKED_DOT_PLUGIN, scripts/windows-deps) and hands its library over the same way.
#include "ksscope/graphviz_context.h"

#if defined(KSSCOPE_GRAPHVIZ_DOT_PLUGIN) && !defined(_WIN32)
#define KSSCOPE_LOAD_DOT_PLUGIN 1
#include <dlfcn.h>
#endif
#include <gvc.h>
#include <gvplugin.h>

#if defined(KSSCOPE_GRAPHVIZ_LINKED_DOT_PLUGIN)
extern "C" gvplugin_library_t gvplugin_dot_layout_LTX_library; // libgvplugin_dot_layout.dll
#endif

namespace ksscope::graphviz {

namespace {

std::string g_error; // guarded by mutex()

GVC_t* makeContext()
{
#if defined(KSSCOPE_GRAPHVIZ_LINKED_DOT_PLUGIN)
    static lt_symlist_t builtins[] = {
        {"gvplugin_dot_layout_LTX_library", &gvplugin_dot_layout_LTX_library},
        {nullptr, nullptr},
    };
    GVC_t* gvc = gvContextPlugins(builtins, 0);
    if (!gvc)
        g_error = "Graphviz could not create a context; reinstall KsScope (libgvc.dll)";
    return gvc;
#elif !defined(KSSCOPE_LOAD_DOT_PLUGIN)
    GVC_t* gvc = gvContext();
    if (!gvc)
        g_error = "Graphviz could not create a context; reinstall Graphviz";
    return gvc;
#else
    void* library = dlopen(KSSCOPE_GRAPHVIZ_DOT_PLUGIN, RTLD_NOW | RTLD_LOCAL); // kept loaded for the process
    if (library) {
        if (void* symbol = dlsym(library, "gvplugin_dot_layout_LTX_library")) {
            static lt_symlist_t builtins[] = {
                {"gvplugin_dot_layout_LTX_library", symbol},
                {nullptr, nullptr},
            };
            if (GVC_t* gvc = gvContextPlugins(builtins, 0))
                return gvc;
        }
    }
    const char* why = dlerror(); // NOLINT(concurrency-mt-unsafe): glibc keeps its state per thread
    GVC_t* gvc = gvContext();
    if (!gvc)
        g_error = std::string("Graphviz's dot layout could not be loaded from " KSSCOPE_GRAPHVIZ_DOT_PLUGIN) +
                  (why ? std::string(": ") + why : std::string()) + "; reinstall Graphviz (libgvc6)";
    return gvc;
#endif
}

} // namespace

std::mutex& mutex()
{
    static std::mutex m;
    return m;
}

GVC_s* context()
{
    // kept for the life of the process: creating one per layout costs more than the layout of a small graph
    static GVC_t* gvc = makeContext();
    return gvc;
}

const std::string& error()
{
    return g_error;
}

} // namespace ksscope::graphviz
