/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The <regex.h> Graphviz includes, for its mingw-w64 build (scripts/windows-deps): mingw-w64 has no POSIX regex.
 * Graphviz uses regular expressions for two things only: rescanning plugin configurations (ltdl, off in this
 * build) and reading the width and height of SVG files used as node images. KsScope uses neither: regcomp() fails,
 * regexec() never matches, so an SVG node image would get no size; nothing else changes. */
#ifndef KSSCOPE_GRAPHVIZ_REGEX_H
#define KSSCOPE_GRAPHVIZ_REGEX_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef ptrdiff_t regoff_t;
typedef struct {
    size_t re_nsub;
    void* unused;
} regex_t;
typedef struct {
    regoff_t rm_so;
    regoff_t rm_eo;
} regmatch_t;
#define REG_EXTENDED 1
#define REG_ICASE 2
#define REG_NOSUB 4
#define REG_NEWLINE 8
#define REG_NOMATCH 1
#define REG_BADPAT 2
int regcomp(regex_t* preg, const char* pattern, int cflags);
int regexec(const regex_t* preg, const char* string, size_t nmatch, regmatch_t pmatch[], int eflags);
void regfree(regex_t* preg);
#ifdef __cplusplus
}
#endif
#endif
