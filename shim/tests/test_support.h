/* test_support.h — shared by the shim's C tests: map a trace file read-only and look things up in it, with
 * bounds checks (a test reading a broken trace must fail, not crash). Tests are separate programs: the
 * runner (run_tests.sh) preloads the shim into them, and checks what they wrote with trace_dump. */
#ifndef FDHOUND_TEST_SUPPORT_H
#define FDHOUND_TEST_SUPPORT_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdhound_trace.h"

struct mapped_trace {
    const unsigned char *base;
    size_t size;
    const struct fdh_header *header;
};

static inline const struct fdh_section *trace_section(const struct mapped_trace *t, uint32_t type) {
    for (unsigned i = 0; i < t->header->section_count && i < FDH_MAX_SECTIONS; i++) {
        const struct fdh_section *s = &t->header->sections[i];
        if (s->type == type && s->offset + s->capacity * s->entry_size <= t->size) return s;
    }
    return NULL;
}

static inline int trace_map(const char *path, struct mapped_trace *t) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct fdh_header)) { close(fd); return -1; }
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) return -1;
    t->base = base;
    t->size = (size_t)st.st_size;
    t->header = base;
    if (memcmp(t->header->magic, FDH_MAGIC_STRING, FDH_MAGIC_LENGTH) != 0 || t->header->version != FDH_FORMAT_VERSION)
        return -1;
    return 0;
}

static inline const char *trace_string(const struct mapped_trace *t, uint32_t id) {
    const struct fdh_section *s = trace_section(t, FDH_SECTION_STRINGS);
    if (!s || id == 0 || id + sizeof(struct fdh_string) >= s->capacity) return "";
    const struct fdh_string *record = (const void *)(t->base + s->offset + id);
    if (id + sizeof *record + record->length >= s->capacity) return "";
    return (const char *)(record + 1);
}

#endif
