/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The functions of libtracefs (1.6) the trace reader uses. <tracefs.h> does not compile as C++ (an inline function
 * in it passes an int where an enum is expected), so they are declared here; tracefs_api_check.c includes both
 * headers, and the C compiler checks that the declarations agree. */
#ifndef KSSCOPE_TRACEFS_API_H
#define KSSCOPE_TRACEFS_API_H

#include <event-parse.h>
#ifdef __cplusplus
#include <cstddef>
#else
#include <stdbool.h>
#include <stddef.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#include <kbuffer.h>

struct tracefs_instance;
struct tracefs_cpu;

int tracefs_tracing_dir_is_mounted(bool mount, const char** path);
char** tracefs_instances(const char* regex);
void tracefs_list_free(char** list);
struct tracefs_instance* tracefs_instance_alloc(const char* tracing_dir, const char* name);
struct tracefs_instance* tracefs_instance_create(const char* name);
int tracefs_instance_destroy(struct tracefs_instance* instance);
void tracefs_instance_free(struct tracefs_instance* instance);
int tracefs_instance_file_write(struct tracefs_instance* instance, const char* file, const char* str);
char* tracefs_instance_file_read(struct tracefs_instance* instance, const char* file, int* psize);
int tracefs_instance_set_buffer_size(struct tracefs_instance* instance, size_t size, int cpu);
struct tep_handle* tracefs_local_events_system(const char* tracing_dir, const char* const* sys_names);
int tracefs_event_file_write(struct tracefs_instance* instance, const char* system, const char* event, const char* file,
                             const char* str);
int tracefs_event_enable(struct tracefs_instance* instance, const char* system, const char* event);
struct tracefs_cpu* tracefs_cpu_open(struct tracefs_instance* instance, int cpu, bool nonblock);
int tracefs_cpu_read_size(struct tracefs_cpu* tcpu);
int tracefs_cpu_read(struct tracefs_cpu* tcpu, void* buffer, bool nonblock);
void tracefs_cpu_close(struct tracefs_cpu* tcpu);
int tracefs_trace_on(struct tracefs_instance* instance);
int tracefs_trace_off(struct tracefs_instance* instance);

#ifdef __cplusplus
}
#endif

#endif
