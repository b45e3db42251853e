/* compact_trace IN OUT — rewrites a trace the shim wrote as a small seed for the trace-reader fuzzer: each
 * section keeps its entries up to the last non-zero one (ids and hash positions unchanged, so every link
 * stays valid), sections are packed at FDH_SECTION_ALIGN and file_size shrinks to match. A real trace is
 * ~700 KB of mostly holes (the module and D-Bus tables have fixed capacities); a compacted one is tens of
 * KB, so libFuzzer's mutations land on data. Plain C over fdhound_trace.h: the format's one definition. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdhound_trace.h"

static int all_zero(const unsigned char *p, uint64_t n) {
    for (uint64_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: compact_trace IN OUT\n"); return 64; }
    FILE *in = fopen(argv[1], "rb");
    if (!in) { perror(argv[1]); return 66; }
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    rewind(in);
    unsigned char *old = malloc(size);
    if (!old || fread(old, 1, size, in) != (size_t)size || (size_t)size < sizeof(struct fdh_header)) {
        fprintf(stderr, "%s: cannot read a trace\n", argv[1]);
        return 65;
    }
    fclose(in);
    struct fdh_header h;
    memcpy(&h, old, sizeof h);
    if (memcmp(h.magic, FDH_MAGIC_STRING, FDH_MAGIC_LENGTH) != 0 || h.section_count > FDH_MAX_SECTIONS) {
        fprintf(stderr, "%s: not an fdhound trace\n", argv[1]);
        return 65;
    }
    unsigned char *out = calloc(1, size); /* never larger than the original */
    uint64_t next = (h.header_size + FDH_SECTION_ALIGN - 1) / FDH_SECTION_ALIGN * FDH_SECTION_ALIGN;
    for (unsigned i = 0; i < h.section_count; i++) {
        struct fdh_section *s = &h.sections[i];
        uint64_t used = s->capacity;
        if (s->offset + s->capacity * s->entry_size > (uint64_t)size) { fprintf(stderr, "bad section\n"); return 65; }
        while (used > 1 && all_zero(old + s->offset + (used - 1) * s->entry_size, s->entry_size)) used--;
        memcpy(out + next, old + s->offset, used * s->entry_size);
        s->offset = next;
        s->capacity = used;
        next += (used * s->entry_size + FDH_SECTION_ALIGN - 1) / FDH_SECTION_ALIGN * FDH_SECTION_ALIGN;
    }
    h.file_size = next;
    memcpy(out, &h, sizeof h);
    memcpy(out + sizeof h, old + sizeof h, h.header_size - sizeof h); /* a newer writer's extra header bytes */
    FILE *o = fopen(argv[2], "wb");
    if (!o || fwrite(out, 1, next, o) != next || fclose(o) != 0) { perror(argv[2]); return 73; }
    return 0;
}
