/* python_hints.c — Python frames handed to the shim by a Python-level helper (fdhound_python_stack, public
 * API in shim/include/fdhound.h), for runtimes whose frames the shim cannot walk itself: PyPy runs Python
 * as JIT and RPython code with no CPython frame objects. fdhound's helper (shim/python-helper) wraps the
 * few Python entry points that create descriptors and, just before each real call, passes the calling
 * thread's Python stack; the next descriptor-creating capture on this thread (open, socket, dup…) appends
 * those frames at the outer end of its native stack, and consumes them. Closes never do.
 *
 * Frames become section-8 code records keyed by (file, name, line) with an unknown offset, so a reader
 * resolves them like CPython frames (line = first_line). Pending frames live in the thread's side-stack
 * scratch page (not static TLS); a forked child's new trace drops them (trace generation). */
#include "fdhound.h"
#include "shim.h"

#define HINT_FRAMES 64

struct pending_hint {
    uint64_t trace_generation;
    int count;                 /* frames waiting for the next opening capture; 0 when none */
    int parsed_count;          /* frames in ips, parsed from the buffer with this hash and length: a loop */
    uint64_t parsed_hash;      /* hands the same stack again and again, and re-interning it each time */
    uint64_t parsed_length;    /* would cost more than the rest of the hook */
    uint64_t ips[HINT_FRAMES]; /* innermost first: code id << 32 | FDH_PY_OFFSET_UNKNOWN */
};
_Static_assert(sizeof(struct pending_hint) <= FDH_SCRATCH_HINT_SIZE, "pending hint outgrew its scratch slot");

static struct pending_hint *pending(void) {
    char *page = fdh_side_stack_scratch(FDH_SCRATCH_HINT_OFFSET + FDH_SCRATCH_HINT_SIZE);
    return page ? (struct pending_hint *)(void *)(page + FDH_SCRATCH_HINT_OFFSET) : NULL;
}

struct parse_args { const char *frames; size_t length; };

/* A 64-bit hash of the buffer, eight bytes per step. */
static uint64_t buffer_hash(const char *bytes, size_t length) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ length;
    size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        __builtin_memcpy(&word, bytes + i, 8);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    for (; i < length; i++) h = (h ^ (unsigned char)bytes[i]) * 0x100000001B3ull;
    return h;
}

/* "file\0name\0line\0" repeated, innermost first; a truncated or malformed tail is ignored. */
static uint64_t parse_on_side_stack(void *argument) {
    const struct parse_args *a = argument;
    struct pending_hint *p = pending();
    if (!p) return 0;
    uint64_t hash = buffer_hash(a->frames, a->length);
    if (p->trace_generation == fdh_trace_generation && p->parsed_count > 0 && p->parsed_hash == hash &&
        p->parsed_length == a->length) {
        p->count = p->parsed_count; /* the same stack as last time: its frames are interned already */
        return 0;
    }
    p->count = p->parsed_count = 0;
    p->trace_generation = fdh_trace_generation;
    size_t at = 0;
    int n = 0;
    while (n < HINT_FRAMES && at < a->length) {
        const char *fields[3];
        size_t lengths[3];
        int complete = 1;
        for (int i = 0; i < 3; i++) {
            fields[i] = a->frames + at;
            size_t length = 0;
            while (at + length < a->length && fields[i][length]) length++;
            if (at + length >= a->length) { complete = 0; break; }
            lengths[i] = length;
            at += length + 1;
        }
        if (!complete) break;
        uint32_t line = 0;
        for (size_t i = 0; i < lengths[2] && i < 9; i++) {
            if (fields[2][i] < '0' || fields[2][i] > '9') break;
            line = line * 10 + (uint32_t)(fields[2][i] - '0');
        }
        uint32_t code = fdh_python_hint_code(fields[0], lengths[0], fields[1], lengths[1], line);
        if (code) p->ips[n++] = (uint64_t)code << 32 | FDH_PY_OFFSET_UNKNOWN;
    }
    p->count = p->parsed_count = n;
    p->parsed_hash = hash;
    p->parsed_length = a->length;
    if (n > 0) fdh_python_helper_started();
    return 0;
}

FDH_EXPORT void fdhound_python_stack(const char *frames, size_t length) {
    FDH_RECORDING {
        if (!frames || length == 0) {
            struct pending_hint *p = pending();
            if (p) p->count = 0;
        } else {
            struct parse_args a = {frames, length};
            fdh_on_side_stack(parse_on_side_stack, &a, 0);
        }
    }
}

int fdh_python_hint_pending(void) {
    struct pending_hint *p = pending();
    return p && p->count != 0;
}

int fdh_python_hint_take(uint64_t *ips, uint16_t *kinds, int count, int max) {
    struct pending_hint *p = pending();
    if (!p || p->count == 0) return count;
    if (p->trace_generation == fdh_trace_generation) {
        for (int i = 0; i < p->count && count < max; i++) {
            ips[count] = p->ips[i];
            kinds[count] = FDH_FRAME_PYTHON;
            count++;
        }
    }
    p->count = 0;
    return count;
}
