/* python_frames.c — CPython 3.10–3.13 frames read from inside an intercepted call, interleaved with the
 * native stack: each native frame inside _PyEval_EvalFrameDefault is replaced by the Python frames that
 * invocation of the evaluator was running (innermost first).
 *
 * How (measured in /work/shared/notes/python-stacks-in-process.md, re-derived here):
 *   - The calling thread's PyThreadState comes from PyGILState_GetThisThreadState(): it reads the gilstate
 *     thread-specific key, which stays valid while the thread has released the GIL around the syscall.
 *     The "current thread state" getters follow the GIL holder and can name another thread: never used.
 *   - Only this thread pushes and pops its own frame chain, and it is inside our hook, so the chain and the
 *     code objects it references (frames hold strong references) cannot change while we walk it.
 *   - Per frame we record (code id, byte offset of the running instruction). The first time a code object
 *     is seen, its filename, qualified name, first line and raw line table are copied into the trace
 *     (section 8); the analyzer decodes line numbers offline. Nothing is resolved against process memory
 *     later: code objects die and their addresses are reused.
 *   - Never allocates, never takes the GIL, never calls into Python: only loads, checked one by one
 *     (pointer sanity, ob_type against the interpreter's own PyCode_Type/PyUnicode_Type/PyBytes_Type,
 *     depth caps).
 *
 * Fail safe: symbols resolved lazily with dlsym (re-tried when the module set changes: embedders may load
 * libpython late); an interpreter version without a table here, a free-threaded build, 3.13 debug offsets
 * that disagree with the table, a second interpreter, or a failed self-check (the first walk is done through
 * process_vm_readv, which fails with EFAULT instead of crashing, and must end cleanly) switch Python frames
 * off for the process and say why in header.python_status. A finalizing interpreter gets native-only
 * stacks for each event (header.python_skipped). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim.h"

/* ---- per-version layout ----------------------------------------------------------------------------- */

/* Byte offsets into CPython's structs, from tools/python-offsets/probe_offsets.c compiled against each
 * version's own internal headers (tools/python-offsets/print-tables prints them). -1: no such field. */
struct py_layout {
    uint32_t minor;             /* 3.<minor> */
    int16_t ts_thread_id;       /* PyThreadState.thread_id (pthread_self() of its thread) */
    int16_t ts_frame;           /* 3.10 frame, 3.11/3.12 cframe, 3.13 current_frame */
    int16_t cframe_current;     /* _PyCFrame.current_frame; -1 when ts_frame is the frame itself */
    int16_t fr_code;            /* f_code / f_executable */
    int16_t fr_back;            /* f_back (3.10) / previous */
    int16_t fr_instr;           /* 3.10 f_lasti (int, code units); prev_instr / instr_ptr */
    int16_t fr_owner;           /* char; -1 on 3.10 */
    int16_t fr_is_entry;        /* bool, 3.11 only */
    int16_t co_filename, co_name, co_firstlineno, co_linetable, co_code_adaptive, co_firsttraceable;
    int16_t ascii_size, compact_size, str_utf8, str_utf8_length;
    int16_t rt_initialized, rt_finalizing, rt_interp_head, rt_interp_main;
    int16_t is_gc_collecting;   /* PyInterpreterState.gc.collecting (int): the cyclic GC is running */
};

#define OWNED_BY_GENERATOR 1
#define OWNED_BY_CSTACK 3   /* 3.12+: the evaluator's entry marker on the C stack */

static const struct py_layout layouts[] = {
    /* minor tid frame cfr code back instr owner entry | file name first ltab adapt trace | asc cmp u8 u8l |
       init fin head main | gc.collecting */
    {10, 176, 24, -1, 32, 24, 96, -1, -1, 104, 112, 40, 120, -1, -1, 48, 72, 56, 48, 12, 16, 32, 40, 816},
    {11, 152, 56, 8, 32, 48, 56, 69, 68, 112, 128, 72, 136, 184, 168, 48, 72, 56, 48, 16, 24, 40, 48, 848},
    {12, 136, 56, 0, 0, 8, 56, 70, -1, 112, 128, 68, 136, 192, 176, 40, 56, 48, 40, 16, 24, 40, 48, 312},
    {13, 152, 72, -1, 0, 8, 56, 70, -1, 112, 128, 68, 136, 200, 184, 40, 56, 48, 40, 600, 608, 632, 640, 7600},
};

/* Fixed by the object model on every GIL build: ob_type at 8, ob_size at 16, bytes data at 32, and the
 * PyASCIIObject length/state words. */
#define OB_TYPE 8
#define OB_SIZE 16
#define BYTES_DATA 32
#define STR_LENGTH 16
#define STR_STATE 32
#define STATE_KIND_SHIFT 2
#define STATE_COMPACT_BIT 5
#define STATE_ASCII_BIT 6

#define LINETABLE_MAX (256u << 10)
#define WALK_MAX_STEPS 1024     /* frames visited (skipped ones included) before giving up */
#define PY_MAX_FRAMES 96        /* Python frames kept per stack */

/* ---- process-wide state ------------------------------------------------------------------------------ */

enum phase {
    PHASE_UNPROBED = 0, /* nothing looked up yet */
    PHASE_BUSY,         /* one thread is probing or self-checking; the others record native-only */
    PHASE_ABSENT,       /* no CPython (yet): probe again when the module set changes */
    PHASE_UNCHECKED,    /* resolved, waiting for the first Python event's self-check */
    PHASE_ACTIVE,
    PHASE_OFF,          /* for good: python_status says why */
};
static _Atomic int phase;
static uint64_t absent_generation;  /* header.module_generation when the probe found nothing */
static uint32_t status = FDH_PYTHON_NONE;
static uint32_t version_hex;
static uint64_t status_written_generation; /* fdh_trace_generation whose header carries `status` */

static const struct py_layout *L;
typedef void *(*get_tstate_fn)(void);
static get_tstate_fn get_tstate;
static uintptr_t runtime, code_type, frame_type, unicode_type, bytes_type;
static uintptr_t eval_start, eval_end;  /* _PyEval_EvalFrameDefault's text; eval_end 0: unknown */

/* ---- memory access ----------------------------------------------------------------------------------- */

/* Plausible user-space address for an object of `align`. */
static inline __attribute__((always_inline)) int sane(uintptr_t p, uintptr_t align) {
    return p >= 4096 && p < 0x0000800000000000ull && (p & (align - 1)) == 0;
}

/* Reads n bytes at address p. In checked mode through process_vm_readv on ourselves: a bad address is an
 * error (EFAULT), not a crash. Only the self-check runs checked; afterwards every read is a plain load. */
static int checked_mode;
static inline __attribute__((always_inline)) int rd_in(int checked, uintptr_t p, void *out, size_t n) {
    if (FDH_UNLIKELY(checked)) {
        struct iovec local = {out, n}, remote = {(void *)p, n};
        return syscall(SYS_process_vm_readv, (long)fdh_state.pid, &local, 1L, &remote, 1L, 0L) == (long)n ? 0 : -1;
    }
    memcpy(out, (const void *)p, n);
    return 0;
}
static inline int rd(uintptr_t p, void *out, size_t n) { return rd_in(checked_mode, p, out, n); }
static inline __attribute__((always_inline)) int rdp_in(int checked, uintptr_t p, uintptr_t *out) { return rd_in(checked, p, out, sizeof *out); }
static inline int rd_ptr(uintptr_t p, uintptr_t *out) { return rd(p, out, sizeof *out); }

static inline __attribute__((always_inline)) int has_type_in(int checked, uintptr_t object, uintptr_t type) {
    uintptr_t t;
    return sane(object, 8) && rd_in(checked, object + OB_TYPE, &t, sizeof t) == 0 && t == type;
}
static int has_type(uintptr_t object, uintptr_t type) { return has_type_in(checked_mode, object, type); }

/* ---- probing ----------------------------------------------------------------------------------------- */

static void set_status(uint32_t s) {
    status = s;
    status_written_generation = 0; /* rewrite the header at the next capture */
}

/* Header fields follow `status`; a forked child's fresh trace gets them at its first capture. */
static void write_status(void) {
    struct fdh_header *h = fdh_state.trace.header;
    if (!h || status_written_generation == fdh_trace_generation) return;
    status_written_generation = fdh_trace_generation;
    h->python_status = status;
    h->python_version = version_hex;
    /* PYTHON_FRAMES stays once set: stacks recorded before a later switch-off still hold Python frames. */
    if (status == FDH_PYTHON_ACTIVE || status == FDH_PYTHON_HELPER) {
        __atomic_fetch_or(&h->flags, FDH_HEADER_FLAG_PYTHON_FRAMES, __ATOMIC_RELEASE);
    }
    else if (status != FDH_PYTHON_NONE) {
        __atomic_fetch_or(&h->flags, FDH_HEADER_FLAG_PYTHON_NATIVE_ONLY, __ATOMIC_RELEASE);
    }
}

/* dl_iterate_phdr callback: the path of a loaded libpython3.*, for embedders that dlopen it RTLD_LOCAL. */
static int find_libpython(struct dl_phdr_info *info, size_t size, void *data) {
    const char *name = info->dlpi_name, *base = name;
    for (const char *c = name; *c; c++) if (*c == '/') base = c + 1;
    if (strncmp(base, "libpython3.", 11) == 0) {
        *(const char **)data = name;
        return 1;
    }
    return 0;
}

/* dl_iterate_phdr callback: whether PyPy's runtime (libpypy3.9-c.so, libpypy3-c.so…) is loaded. PyPy
 * exports CPython's C API under PyPy* names for cpyext, but its frames are RPython/JIT frames, not
 * CPython frame objects: nothing here can walk them, and the process line must say so. */
static int find_libpypy(struct dl_phdr_info *info, size_t size, void *data) {
    const char *name = info->dlpi_name, *base = name;
    for (const char *c = name; *c; c++) if (*c == '/') base = c + 1;
    return strncmp(base, "libpypy", 7) == 0;
}

/* A symbol of the interpreter: from libpython's handle when it was found by path, else from the global
 * scope. Callers only ask for symbols the detected version has: a failing dlsym allocates its error
 * message with malloc, which a hook must not do (it may run inside the program's malloc or a signal
 * handler). The one lookup that may fail, "is there a CPython at all", runs in the constructor only. */
static void *lookup(void *handle, const char *name) {
    return dlsym(handle ? handle : RTLD_DEFAULT, name);
}

/* 3.13+: _PyRuntime starts with _Py_DebugOffsets; its offsets must agree with our table. Field positions
 * inside the debug struct come from probe_offsets.c (dbg_*), valid for 3.13.x. */
static uint32_t check_debug_offsets(void) {
    const char *cookie = (const char *)runtime;
    if (memcmp(cookie, "xdebugpy", 8) != 0) return FDH_PYTHON_LAYOUT_MISMATCH;
    const uint64_t *d = (const uint64_t *)runtime;
    if (d[16 / 8] != 0) return FDH_PYTHON_FREE_THREADED;
    if ((d[8 / 8] >> 16) != (version_hex >> 16)) return FDH_PYTHON_LAYOUT_MISMATCH;
    struct { unsigned at; int expected; } pairs[] = {
        {32, L->rt_finalizing}, {184, L->ts_frame}, {192, L->ts_thread_id}, {232, L->fr_back},
        {240, L->fr_code}, {248, L->fr_instr}, {264, L->fr_owner}, {280, L->co_filename},
        {296, L->co_name}, {304, L->co_linetable}, {312, L->co_firstlineno}, {344, L->co_code_adaptive},
        {528, BYTES_DATA}, {560, L->ascii_size},
    };
    for (unsigned i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (d[pairs[i].at / 8] != (uint64_t)pairs[i].expected) return FDH_PYTHON_LAYOUT_MISMATCH;
    }
    return FDH_PYTHON_ACTIVE;
}

/* Parses "3.10.13 (main, ...)" from Py_GetVersion (3.10 has no Py_Version). Py_GetVersion only formats
 * compile-time strings into a static buffer: no interpreter state involved. */
static uint32_t parse_version(const char *text) {
    uint32_t parts[3] = {0, 0, 0};
    int i = 0;
    for (const char *c = text; *c && i < 3; c++) {
        if (*c >= '0' && *c <= '9') parts[i] = parts[i] * 10 + (uint32_t)(*c - '0');
        else if (*c == '.') i++;
        else break;
    }
    return parts[0] << 24 | parts[1] << 16 | parts[2] << 8;
}

/* Looks the interpreter up; returns the next phase. `at_start`: called from the constructor, where a
 * failing dlsym (no CPython in this process) is harmless; later (from a hook, after a dlopen) only a
 * libpython found by path is looked into. */
static int probe_held(int at_start);

/* The look-up runs with the program's signals held off: dlsym, dlopen and dl_iterate_phdr take the
 * loader's lock, which a handler jumping out would leave held (raw.c). */
static int probe(int at_start) {
    uint64_t signals = fdh_signals_hold();
    int next = probe_held(at_start);
    fdh_signals_release(signals);
    return next;
}

static int probe_held(int at_start) {
    void *handle = NULL;
    get_tstate = at_start ? (get_tstate_fn)dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState") : NULL;
    if (!get_tstate) {
        const char *path = NULL;
        dl_iterate_phdr(find_libpython, &path);
        if (path) handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
        if (handle) get_tstate = (get_tstate_fn)dlsym(handle, "PyGILState_GetThisThreadState");
        if (!get_tstate && dl_iterate_phdr(find_libpypy, NULL)) {
            set_status(FDH_PYTHON_OTHER_RUNTIME);
            return PHASE_OFF;
        }
        if (!get_tstate) {
            struct fdh_header *h = fdh_state.trace.header;
            __atomic_store_n(&absent_generation, h ? __atomic_load_n(&h->module_generation, __ATOMIC_RELAXED) : 0,
                             __ATOMIC_RELAXED);
            return PHASE_ABSENT;
        }
    }
    if (!fdh_state.config.python) { /* only a process that has a CPython says so */
        set_status(FDH_PYTHON_DISABLED);
        return PHASE_OFF;
    }
    /* Py_GetVersion exists in every CPython 3; Py_Version (exact, hex) only from 3.11 on. */
    const char *(*get_version)(void) = (const char *(*)(void))lookup(handle, "Py_GetVersion");
    version_hex = get_version ? parse_version(get_version()) : 0;
    if ((version_hex >> 24) == 3 && ((version_hex >> 16) & 0xff) >= 11) {
        const unsigned long *py_version = lookup(handle, "Py_Version");
        if (py_version) version_hex = (uint32_t)*py_version;
    }
    uint32_t major = version_hex >> 24, minor = (version_hex >> 16) & 0xff;
    L = NULL;
    for (unsigned i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        if (major == 3 && layouts[i].minor == minor) L = &layouts[i];
    }
    if (!L) {
        set_status(FDH_PYTHON_UNSUPPORTED_VERSION);
        return PHASE_OFF;
    }
    runtime = (uintptr_t)lookup(handle, "_PyRuntime");
    code_type = (uintptr_t)lookup(handle, "PyCode_Type");
    frame_type = (uintptr_t)lookup(handle, "PyFrame_Type");
    unicode_type = (uintptr_t)lookup(handle, "PyUnicode_Type");
    bytes_type = (uintptr_t)lookup(handle, "PyBytes_Type");
    void *eval = lookup(handle, "_PyEval_EvalFrameDefault");
    if (!runtime || !code_type || !unicode_type || !bytes_type || (minor == 10 && !frame_type)) {
        set_status(FDH_PYTHON_MISSING_SYMBOLS);
        return PHASE_OFF;
    }
    if (minor >= 13) {
        uint32_t verdict = check_debug_offsets();
        if (verdict != FDH_PYTHON_ACTIVE) {
            set_status(verdict);
            return PHASE_OFF;
        }
    }
    if (eval) {
        Dl_info info;
        const ElfW(Sym) *symbol = NULL;
        eval_start = (uintptr_t)eval;
        /* Without a size, interleaving is off and the Python frames go to the outer end of the stack. */
        if (dladdr1(eval, &info, (void **)&symbol, RTLD_DL_SYMENT) && symbol && symbol->st_size) {
            eval_end = eval_start + symbol->st_size;
        }
    }
    return PHASE_UNCHECKED;
}

/* ---- code objects → section 8 ------------------------------------------------------------------------ */

/* A str object as UTF-8 into out (at most cap bytes); returns the length or -1 if it is not a str. */
static long read_str(uintptr_t object, char *out, size_t cap) {
    if (!has_type(object, unicode_type)) return -1;
    int64_t length;
    uint32_t state;
    if (rd(object + STR_LENGTH, &length, 8) || rd(object + STR_STATE, &state, 4)) return -1;
    if (length < 0 || length > (1 << 20) || !(state & (1u << STATE_COMPACT_BIT))) return -1;
    if (state & (1u << STATE_ASCII_BIT)) {
        size_t n = (size_t)length < cap ? (size_t)length : cap;
        return rd(object + (uintptr_t)L->ascii_size, out, n) ? -1 : (long)n;
    }
    uintptr_t utf8;
    int64_t utf8_length;
    if (rd_ptr(object + (uintptr_t)L->str_utf8, &utf8) == 0 && utf8 &&
        rd(object + (uintptr_t)L->str_utf8_length, &utf8_length, 8) == 0 && utf8_length >= 0 && sane(utf8, 1)) {
        size_t n = (size_t)utf8_length < cap ? (size_t)utf8_length : cap;
        return rd(utf8, out, n) ? -1 : (long)n;
    }
    /* Compact, not ASCII, no cached UTF-8: encode the UCS1/2/4 code points ourselves. */
    unsigned kind = (state >> STATE_KIND_SHIFT) & 7;
    if (kind != 1 && kind != 2 && kind != 4) return -1;
    uintptr_t data = object + (uintptr_t)L->compact_size;
    size_t used = 0;
    for (int64_t i = 0; i < length; i++) {
        uint32_t cp = 0;
        if (rd(data + (uintptr_t)i * kind, &cp, kind)) return -1;
        char b[4];
        size_t n;
        if (cp < 0x80) { b[0] = (char)cp; n = 1; }
        else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
        else if (cp < 0x10000) {
            b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
        } else {
            b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
        }
        if (used + n > cap) break;
        memcpy(out + used, b, n);
        used += n;
    }
    return (long)used;
}

struct code_identity {
    uintptr_t filename, name, linetable;
    int32_t first_line;
};

static uint64_t identity_hash(const struct code_identity *c) {
    uint64_t h = (uint64_t)c->filename * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)c->name + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
    h ^= (uint64_t)c->linetable + 0x85EBCA77C2B2AE63ull + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)c->first_line + (h << 6) + (h >> 2);
    return h | 1; /* never 0 */
}

/* Copies what the analyzer needs from a code object into a claimed slot. */
static void fill_code(struct fdh_py_code *slot, uintptr_t code, const struct code_identity *c) {
    char text[1024];
    long n = read_str(c->filename, text, sizeof text);
    slot->filename_string = n > 0 ? fdh_intern(text, (size_t)n) : 0;
    n = read_str(c->name, text, sizeof text);
    slot->qualname_string = n > 0 ? fdh_intern(text, (size_t)n) : 0;
    slot->first_line = c->first_line > 0 ? (uint32_t)c->first_line : 0;
    slot->python_version = version_hex;
    slot->linetable_string = 0;
    int64_t size;
    if (has_type(c->linetable, bytes_type) && rd(c->linetable + OB_SIZE, &size, 8) == 0 && size > 0 &&
        (uint64_t)size <= LINETABLE_MAX) {
        if (!checked_mode) {
            /* Bytes objects are immutable and this one is kept alive by the code object: copy in place. */
            slot->linetable_string = fdh_store_blob((const void *)(c->linetable + BYTES_DATA), (size_t)size);
        } else {
            static char copy[LINETABLE_MAX]; /* the self-check runs alone (phase BUSY) */
            if (rd(c->linetable + BYTES_DATA, copy, (size_t)size) == 0) {
                slot->linetable_string = fdh_store_blob(copy, (size_t)size);
            }
        }
    }
    slot->code_address = code;
}

/* Finds or claims the slot of (code, identity) in section 8; `fill` copies the record into a claimed slot.
 * Returns the code id, 0 when the table is full or contended. */
static uint32_t claim_code(uintptr_t code, uint64_t identity, void (*fill)(struct fdh_py_code *, uintptr_t, const void *),
                           const void *context) {
    struct fdh_trace *t = &fdh_state.trace;
    if (!t->py_codes) return 0;
    uint64_t mask = t->py_codes_mask;
    uint64_t h = ((uint64_t)code >> 4) * 0x9E3779B97F4A7C15ull ^ identity;
    uint64_t slot = (h ^ (h >> 29)) & mask;
    for (unsigned probe = 0; probe < 128; probe++, slot = (slot + 1) & mask) {
        if (slot == 0) continue; /* code id 0 means "unknown" */
        struct fdh_py_code *entry = &t->py_codes[slot];
        uint32_t state = __atomic_load_n(&entry->state, __ATOMIC_ACQUIRE);
        if (state == FDH_NODE_EMPTY) {
            /* Claimed to published with the program's signals held off (raw.c): a handler that jumped out
             * in between would leave the slot claimed for good, and each later probe of it would spin.
             * Once per code object and trace. */
            uint64_t signals = fdh_signals_hold();
            uint32_t expected = FDH_NODE_EMPTY;
            if (__atomic_compare_exchange_n(&entry->state, &expected, FDH_NODE_CLAIMED, 0, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                fill(entry, code, context);
                entry->identity = identity;
                __atomic_store_n(&entry->state, FDH_NODE_PUBLISHED, __ATOMIC_RELEASE);
                fdh_signals_release(signals);
                return (uint32_t)slot;
            }
            fdh_signals_release(signals);
            state = expected;
        }
        /* Another thread is copying this one: bounded wait (a few µs at most), then look further. A
         * second slot for the same code object is harmless: both decode to the same frames. */
        for (unsigned spin = 0; state == FDH_NODE_CLAIMED && spin < 20000; spin++) {
            __builtin_ia32_pause();
            state = __atomic_load_n(&entry->state, __ATOMIC_ACQUIRE);
        }
        if (state == FDH_NODE_PUBLISHED && entry->code_address == code && entry->identity == identity) {
            return (uint32_t)slot;
        }
    }
    __atomic_fetch_add(&t->header->py_codes_dropped, 1, __ATOMIC_RELAXED);
    return 0;
}

static void fill_cpython_code(struct fdh_py_code *slot, uintptr_t code, const void *context) {
    fill_code(slot, code, context);
}

/* This thread's recently seen code objects and their code ids: a code object seen again with the same
 * identity (the fields claim_code tells code objects apart by) skips the hash and the probe of section 8,
 * which every thread shares. In the thread's side-stack scratch area; ids belong to one trace. */
#define CODE_MEMO_SLOTS 128u
struct code_memo {
    uint64_t trace_generation;
    uint64_t reserved;
    struct code_memo_entry {
        uintptr_t code;
        struct code_identity identity;
        uint32_t id;
    } entries[CODE_MEMO_SLOTS];
};
_Static_assert(sizeof(struct code_memo) <= FDH_SCRATCH_CODE_MEMO_SIZE, "code memo outgrew its scratch slot");

static struct code_memo *code_memo(void) {
    if (checked_mode) return NULL;
    char *scratch = fdh_side_stack_scratch(FDH_SCRATCH_SIZE);
    if (!scratch) return NULL;
    struct code_memo *memo = (struct code_memo *)(void *)(scratch + FDH_SCRATCH_CODE_MEMO_OFFSET);
    if (memo->trace_generation != fdh_trace_generation) {
        if (memo->trace_generation != 0) memset(memo->entries, 0, sizeof memo->entries); /* fresh: zeros */
        memo->trace_generation = fdh_trace_generation;
    }
    return memo;
}

static inline __attribute__((always_inline)) int same_identity(const struct code_identity *a, const struct code_identity *b) {
    return a->filename == b->filename && a->name == b->name && a->linetable == b->linetable &&
           a->first_line == b->first_line;
}

/* A code object this thread's memo did not know: section 8's shared table. Out of line: the walk's hot
 * loop keeps only the memo hit. */
static __attribute__((noinline)) uint32_t intern_code_slow(uintptr_t code, struct code_memo_entry *seen,
                                                          const struct code_identity *c) {
    uint32_t id = claim_code(code, identity_hash(c), fill_cpython_code, c);
    if (seen && id != 0) *seen = (struct code_memo_entry){code, *c, id};
    return id;
}

/* The code id of `code` (interning it on first sight); 0 when the table is full or contended. Inlined into
 * walk_with with its layout and mode. */
static inline __attribute__((always_inline)) uint32_t intern_code_with(const struct py_layout *L, const int checked,
                                                                       uintptr_t code, struct code_memo *memo) {
    if (!fdh_state.trace.py_codes) return 0;
    struct code_identity c;
    if (rdp_in(checked, code + (uintptr_t)L->co_filename, &c.filename) ||
        rdp_in(checked, code + (uintptr_t)L->co_name, &c.name) ||
        rdp_in(checked, code + (uintptr_t)L->co_linetable, &c.linetable) ||
        rd_in(checked, code + (uintptr_t)L->co_firstlineno, &c.first_line, 4)) {
        return 0;
    }
    struct code_memo_entry *seen = memo ? &memo->entries[(code >> 4) & (CODE_MEMO_SLOTS - 1)] : NULL;
    if (seen && seen->code == code && seen->id != 0 && same_identity(&seen->identity, &c)) return seen->id;
    return intern_code_slow(code, seen, &c);
}

/* ---- frames handed in by a Python-level helper (python_hints.c) -------------------------------------- */

struct hint_frame { const char *file; size_t file_length; const char *name; size_t name_length; uint32_t line; };

static void fill_hint_code(struct fdh_py_code *slot, uintptr_t key, const void *context) {
    const struct hint_frame *f = context;
    slot->filename_string = fdh_intern(f->file, f->file_length);
    slot->qualname_string = fdh_intern(f->name, f->name_length);
    slot->first_line = f->line;       /* the frame's line: its ip carries FDH_PY_OFFSET_UNKNOWN */
    slot->linetable_string = 0;
    slot->python_version = 0;
    slot->code_address = key;
}

uint32_t fdh_python_hint_code(const char *file, size_t file_length, const char *name, size_t name_length,
                              uint32_t line) {
    /* One slot per (file, name, line): FNV-1a over all three is both the key and the identity. */
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < file_length; i++) h = (h ^ (unsigned char)file[i]) * 0x100000001B3ull;
    h = (h ^ 0xFF) * 0x100000001B3ull;
    for (size_t i = 0; i < name_length; i++) h = (h ^ (unsigned char)name[i]) * 0x100000001B3ull;
    h = (h ^ line) * 0x100000001B3ull;
    struct hint_frame f = {file, file_length, name, name_length, line};
    return claim_code((uintptr_t)(h | 1), h | 1, fill_hint_code, &f);
}

void fdh_python_helper_started(void) {
    if (status == FDH_PYTHON_HELPER) return;
    if (status == FDH_PYTHON_ACTIVE) return; /* a CPython's own walk wins */
    set_status(FDH_PYTHON_HELPER);
    write_status();
}

/* ---- the walk ---------------------------------------------------------------------------------------- */

/* One Python frame, or (code == 0) the end of one evaluator invocation's group of frames. */
struct py_item {
    uint64_t ip;       /* code id << 32 | offset */
    uint64_t boundary; /* 64 bits: no padding, so that the stack memo below compares items with memcmp */
};

/* Walks the thread's frame chain innermost first into items; returns the number of items, or -1 when the
 * chain is not sound (only meaningful to the self-check; the hot path treats -1 like "no frames").
 * Inlined once per (layout, mode): walk() calls it with a constant entry of layouts[] and checked 0, so the
 * offsets are immediates and the version and mode tests fold away (a 3.11 walk of 26 frames took ~4,350
 * instructions with them read from memory per frame, callgrind), and once with the probed layout for the
 * self-check. */
static inline __attribute__((always_inline)) int walk_with(const struct py_layout *L, const int checked, uintptr_t tstate,
                                                           struct py_item *items, int max, int *frames_out) {
    int n = 0, frames = 0;
    uintptr_t frame;
    if (L->cframe_current >= 0) {
        uintptr_t cframe;
        if (rdp_in(checked, tstate + (uintptr_t)L->ts_frame, &cframe)) return -1;
        if (!cframe) return 0;
        if (!sane(cframe, 8) || rdp_in(checked, cframe + (uintptr_t)L->cframe_current, &frame)) return -1;
    } else if (rdp_in(checked, tstate + (uintptr_t)L->ts_frame, &frame)) {
        return -1;
    }
    int steps = 0;
    struct code_memo *memo = checked ? NULL : code_memo();
    const uintptr_t code_type_ = code_type;
    while (frame) {
        if (++steps > WALK_MAX_STEPS || !sane(frame, 8)) return -1;
        if (L->minor == 10 && !has_type_in(checked, frame, frame_type)) return -1;
        uintptr_t code = 0, next = 0;
        if (rdp_in(checked, frame + (uintptr_t)L->fr_code, &code) ||
            rdp_in(checked, frame + (uintptr_t)L->fr_back, &next)) {
            return -1;
        }
        uint8_t owner = 0, is_entry = L->minor == 10;
        if (L->fr_owner >= 0 && rd_in(checked, frame + (uintptr_t)L->fr_owner, &owner, 1)) return -1;
        if (L->fr_is_entry >= 0 && rd_in(checked, frame + (uintptr_t)L->fr_is_entry, &is_entry, 1)) return -1;
        int cstack = L->minor >= 12 && owner == OWNED_BY_CSTACK;
        if (!cstack && has_type_in(checked, code, code_type_) && n < max) {
            uint32_t offset = FDH_PY_OFFSET_UNKNOWN;
            int complete = 1;
            if (L->minor == 10) {
                int32_t lasti;
                if (rd_in(checked, frame + (uintptr_t)L->fr_instr, &lasti, 4)) return -1;
                if (lasti >= 0) offset = (uint32_t)lasti * 2;
            } else {
                uintptr_t instr;
                int64_t units;
                int32_t first_traceable;
                if (rdp_in(checked, frame + (uintptr_t)L->fr_instr, &instr) || rd_in(checked, code + OB_SIZE, &units, 8) ||
                    rd_in(checked, code + (uintptr_t)L->co_firsttraceable, &first_traceable, 4)) {
                    return -1;
                }
                uintptr_t base = code + (uintptr_t)L->co_code_adaptive;
                /* A frame still in its prologue (before RESUME) is not shown, as in CPython's tracebacks. */
                if (owner != OWNED_BY_GENERATOR && instr < base + (uintptr_t)first_traceable * 2) complete = 0;
                if (instr >= base && units > 0 && instr < base + (uintptr_t)units * 2) offset = (uint32_t)(instr - base);
            }
            if (complete) {
                uint32_t id = intern_code_with(L, checked, code, memo);
                items[n].ip = (uint64_t)id << 32 | offset;
                items[n].boundary = 0;
                n++;
                frames++;
            }
        } else if (!cstack && code && !sane(code, 8)) {
            return -1;
        }
        /* A group ends (3.10: every frame; 3.11: an is_entry frame; 3.12+: the C-stack marker frame). An
         * empty group still stands for one evaluator frame of the native stack. */
        if ((is_entry || cstack) && n < max) {
            items[n].ip = 0;
            items[n].boundary = 1;
            n++;
        }
        frame = next;
    }
    if (n > 0 && !items[n - 1].boundary && n < max) {
        items[n].ip = 0;
        items[n].boundary = 1;
        n++;
    }
    *frames_out = frames;
    return n;
}

static int walk(uintptr_t tstate, struct py_item *items, int max, int *frames_out) {
    if (FDH_UNLIKELY(checked_mode)) return walk_with(L, 1, tstate, items, max, frames_out);
    switch (L - layouts) {
    case 0: return walk_with(&layouts[0], 0, tstate, items, max, frames_out);
    case 1: return walk_with(&layouts[1], 0, tstate, items, max, frames_out);
    case 2: return walk_with(&layouts[2], 0, tstate, items, max, frames_out);
    case 3: return walk_with(&layouts[3], 0, tstate, items, max, frames_out);
    }
    return -1;
}
_Static_assert(sizeof layouts / sizeof layouts[0] == 4, "walk() has one case per entry of layouts[]");

/* The first Python event: the same walk through the fault-tolerant reader, plus checks that only a sound
 * layout passes: the thread state names this thread, the chain ends with no caller, at least one frame is
 * a code object, and its filename reads as a str. */
static int self_check(uintptr_t tstate) {
    checked_mode = 1;
    int ok = 0;
    unsigned long thread_id = 0;
    struct py_item items[PY_MAX_FRAMES + 32];
    int frames = 0;
    if (rd(tstate + (uintptr_t)L->ts_thread_id, &thread_id, sizeof thread_id) == 0 &&
        thread_id == (unsigned long)pthread_self() &&
        walk(tstate, items, PY_MAX_FRAMES + 32, &frames) > 0 && frames > 0) {
        ok = 1;
        for (int i = 0; i < frames && ok; i++) {
            if (items[i].boundary) continue;
            uint32_t id = (uint32_t)(items[i].ip >> 32);
            if (id == 0 || fdh_state.trace.py_codes[id].filename_string == 0) ok = 0;
        }
    }
    checked_mode = 0;
    return ok;
}

/* ---- the Python stack memo ---------------------------------------------------------------------------- */

/* This thread's recent (native frames, Python items) → stack id: a capture whose evaluator frames ran the
 * same Python frames at the same instructions on top of the same native stack (a loop) is the stack interned
 * before, so the interleave and the trie walk are skipped. The walk itself is never skipped: the items it
 * produces are the key, compared in full with the native frames, so a hit names exactly the stack a full
 * intern would (FDHOUND_UNWIND_VERIFY=1 checks every hit against one: stack_capture.c). Ids belong to one
 * trace (a forked child empties it). 8 sets of 4 entries, round robin: a loop's socket() and close() and
 * the same C path reached from several Python lines each take an entry. Stacks deeper than an entry holds
 * are not remembered. In the thread's scratch area, touched only as entries are used. */
#define PY_MEMO_SETS 8u
#define PY_MEMO_WAYS 4u
#define PY_MEMO_NATIVE 64
#define PY_MEMO_ITEMS 64
struct py_memo_entry {
    uint64_t key;
    uint32_t stack; /* 0: empty, or not interned (yet) */
    uint16_t native_count, item_count;
    void *native[PY_MEMO_NATIVE];
    struct py_item items[PY_MEMO_ITEMS];
};
struct py_memo {
    uint64_t trace_generation;
    uint8_t next[PY_MEMO_SETS]; /* the way each set writes next */
    struct py_memo_entry entries[PY_MEMO_SETS][PY_MEMO_WAYS];
};
_Static_assert(sizeof(struct py_memo) <= FDH_SCRATCH_PY_MEMO_SIZE, "Python stack memo outgrew its scratch slot");

static struct py_memo *py_memo(void) {
    char *scratch = fdh_side_stack_scratch(FDH_SCRATCH_SIZE);
    if (!scratch) return NULL;
    struct py_memo *memo = (struct py_memo *)(void *)(scratch + FDH_SCRATCH_PY_MEMO_OFFSET);
    if (FDH_UNLIKELY(memo->trace_generation != fdh_trace_generation)) {
        if (memo->trace_generation != 0) memset(memo, 0, sizeof *memo); /* fresh: zeros */
        memo->trace_generation = fdh_trace_generation;
    }
    return memo;
}

/* Looks the capture up; on a hit sets ref->stack, else points ref->entry at the entry that will remember it
 * (filled here, its stack set by fdh_python_memo_store once interned). */
static void py_memo_find(struct fdh_py_memo_ref *ref, void *const *native, int count, const struct py_item *items, int n) {
    if (count > PY_MEMO_NATIVE || n > PY_MEMO_ITEMS) return;
    struct py_memo *memo = py_memo();
    if (!memo) return;
    uint64_t key = ref->hash ^ (items[0].ip * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)n << 48 | (uint64_t)count << 32);
    key ^= key >> 29;
    key *= 0xBF58476D1CE4E5B9ull;
    key ^= key >> 32;
    unsigned set = (unsigned)(key % PY_MEMO_SETS);
    struct py_memo_entry *ways = memo->entries[set];
    for (unsigned w = 0; w < PY_MEMO_WAYS; w++) {
        const struct py_memo_entry *e = &ways[w];
        if (e->key == key && e->stack != 0 && e->native_count == (uint16_t)count && e->item_count == (uint16_t)n &&
            memcmp(e->items, items, (size_t)n * sizeof *items) == 0 &&
            memcmp(e->native, native, (size_t)count * sizeof *native) == 0) {
            ref->stack = e->stack;
            return;
        }
    }
    struct py_memo_entry *e = &ways[memo->next[set]];
    memo->next[set] = (uint8_t)((memo->next[set] + 1) % PY_MEMO_WAYS);
    e->key = key;
    e->stack = 0;
    e->native_count = (uint16_t)count;
    e->item_count = (uint16_t)n;
    memcpy(e->native, native, (size_t)count * sizeof *native);
    memcpy(e->items, items, (size_t)n * sizeof *items);
    ref->entry = e;
}

void fdh_python_memo_store(const struct fdh_py_memo_ref *ref, uint32_t stack) {
    if (ref->entry) ((struct py_memo_entry *)ref->entry)->stack = stack;
}

/* ---- entry point ------------------------------------------------------------------------------------- */

/* Whether the interpreter is in a state where the walk is safe for this event. */
static int interpreter_usable(void) {
    int32_t initialized;
    uintptr_t finalizing, head, main_interp;
    memcpy(&initialized, (const void *)(runtime + (uintptr_t)L->rt_initialized), 4);
    memcpy(&finalizing, (const void *)(runtime + (uintptr_t)L->rt_finalizing), 8);
    if (!initialized || finalizing) return 0;
    memcpy(&head, (const void *)(runtime + (uintptr_t)L->rt_interp_head), 8);
    memcpy(&main_interp, (const void *)(runtime + (uintptr_t)L->rt_interp_main), 8);
    if (head != main_interp) {
        set_status(FDH_PYTHON_SUBINTERPRETER);
        atomic_store(&phase, PHASE_OFF);
        return 0;
    }
    return 1;
}

/* What CPython was doing when a descriptor was closed (FDH_CLOSE_PY_* bits for the CLOSE event's `arg`):
 * finalizing the interpreter, or running the cyclic garbage collector. The analyzer tells finalizer,
 * garbage-collector and shutdown closes apart with these even when the interpreter is stripped (its static
 * gc_collect_main, finalize_garbage… have no names). Plain loads of _PyRuntime and of the main
 * interpreter, which is alive while the runtime is initialized and not finalizing. */
uint64_t fdh_python_close_context(void) {
    if (atomic_load_explicit(&phase, memory_order_acquire) != PHASE_ACTIVE) return 0;
    int32_t initialized;
    uintptr_t finalizing, main_interp;
    memcpy(&initialized, (const void *)(runtime + (uintptr_t)L->rt_initialized), 4);
    memcpy(&finalizing, (const void *)(runtime + (uintptr_t)L->rt_finalizing), 8);
    if (finalizing) return FDH_CLOSE_PY_FINALIZING;
    if (!initialized) return 0;
    memcpy(&main_interp, (const void *)(runtime + (uintptr_t)L->rt_interp_main), 8);
    if (!sane(main_interp, 8)) return 0;
    int32_t collecting;
    memcpy(&collecting, (const void *)(main_interp + (uintptr_t)L->is_gc_collecting), 4);
    return collecting ? FDH_CLOSE_PY_GC : 0;
}

static int is_eval_frame(void *ip) {
    uintptr_t a = (uintptr_t)ip;
    return eval_end && a > eval_start && a <= eval_end; /* a return address: the call is just before it */
}

/* Whether fdh_python_merge would return -1 at once, changing nothing: no CPython (and no module change to
 * probe again for), or Python frames off for good with the status already written. Lets a capture reuse
 * the stack id of an identical native stack (stack_capture.c). */
int fdh_python_native_only(void) {
    int p = atomic_load_explicit(&phase, memory_order_acquire);
    if (p == PHASE_ABSENT) {
        struct fdh_header *h = fdh_state.trace.header;
        return h && __atomic_load_n(&h->module_generation, __ATOMIC_RELAXED) ==
                        __atomic_load_n(&absent_generation, __ATOMIC_RELAXED);
    }
    return p == PHASE_OFF && status_written_generation == fdh_trace_generation;
}

int fdh_python_merge(void *const *native, int count, uint64_t *ips, uint16_t *kinds, int max,
                     struct fdh_py_memo_ref *memo) {
    int p = atomic_load_explicit(&phase, memory_order_acquire);
    if (FDH_UNLIKELY(p != PHASE_ACTIVE)) {
        if (p == PHASE_ABSENT) {
            struct fdh_header *h = fdh_state.trace.header;
            if (!h || __atomic_load_n(&h->module_generation, __ATOMIC_RELAXED) ==
                          __atomic_load_n(&absent_generation, __ATOMIC_RELAXED)) return -1;
            p = PHASE_UNPROBED;
            if (!atomic_compare_exchange_strong(&phase, &(int){PHASE_ABSENT}, PHASE_UNPROBED)) return -1;
        }
        if (p == PHASE_UNPROBED) {
            int expected = PHASE_UNPROBED;
            if (!atomic_compare_exchange_strong(&phase, &expected, PHASE_BUSY)) return -1;
            atomic_store(&phase, probe(0));
            write_status();
            return -1; /* this event stays native-only; the next one walks */
        }
        if (p != PHASE_UNCHECKED) {
            write_status();
            return -1;
        }
    }
    write_status();
    uintptr_t tstate = (uintptr_t)get_tstate();
    if (!tstate || !sane(tstate, 8)) return -1;
    if (!interpreter_usable()) {
        __atomic_fetch_add(&fdh_state.trace.header->python_skipped, 1, __ATOMIC_RELAXED);
        return -1;
    }
    if (FDH_UNLIKELY(p == PHASE_UNCHECKED)) {
        int expected = PHASE_UNCHECKED;
        if (!atomic_compare_exchange_strong(&phase, &expected, PHASE_BUSY)) return -1;
        uintptr_t frame_holder = 0, cframe = 0;
        /* Threads that have a state but have not run Python yet (no frame) do not decide anything. */
        checked_mode = 1;
        if (L->cframe_current >= 0) {
            if (rd_ptr(tstate + (uintptr_t)L->ts_frame, &cframe) == 0 && cframe && sane(cframe, 8)) {
                rd_ptr(cframe + (uintptr_t)L->cframe_current, &frame_holder);
            }
        } else {
            rd_ptr(tstate + (uintptr_t)L->ts_frame, &frame_holder);
        }
        checked_mode = 0;
        if (!frame_holder) {
            atomic_store(&phase, PHASE_UNCHECKED);
            return -1;
        }
        int ok = self_check(tstate);
        set_status(ok ? FDH_PYTHON_ACTIVE : FDH_PYTHON_SELF_CHECK_FAILED);
        atomic_store(&phase, ok ? PHASE_ACTIVE : PHASE_OFF);
        write_status();
        if (!ok) {
            fdh_diag("Python frames switched off: the self-check of the CPython layout failed", NULL);
            return -1;
        }
    }

    struct py_item items[PY_MAX_FRAMES + 32];
    int frames = 0;
    int n = walk(tstate, items, PY_MAX_FRAMES + 32, &frames);
    if (n <= 0 || frames == 0) return -1;
    if (memo) {
        py_memo_find(memo, native, count, items, n);
        if (memo->stack) return 0; /* ips and kinds unused */
    }

    /* Interleave: each evaluator frame of the native stack takes the next group of Python frames. */
    int out = 0, item = 0;
    for (int i = 0; i < count && out < max; i++) {
        if (is_eval_frame(native[i]) && item < n) {
            int emitted = 0;
            for (; item < n && !items[item].boundary && out < max; item++, emitted++) {
                ips[out] = items[item].ip;
                kinds[out++] = FDH_FRAME_PYTHON;
            }
            while (item < n && !items[item].boundary) item++; /* cut by max */
            if (item < n) item++;                               /* the boundary */
            if (emitted) continue;
        }
        ips[out] = (uint64_t)(uintptr_t)native[i];
        kinds[out++] = FDH_FRAME_RETURN_ADDRESS;
    }
    /* Groups the native stack did not reach (cut at the configured depth, or the evaluator's range is
     * unknown) go to the outer end: the Python stack is what the user reads. */
    for (; item < n && out < max; item++) {
        if (items[item].boundary) continue;
        ips[out] = items[item].ip;
        kinds[out++] = FDH_FRAME_PYTHON;
    }
    return out;
}

/* From the constructor: the one probe allowed to ask the global scope for a symbol that may be absent. */
void fdh_python_start(void) {
    int expected = PHASE_UNPROBED;
    if (!atomic_compare_exchange_strong(&phase, &expected, PHASE_BUSY)) return;
    atomic_store(&phase, probe(1));
}

/* Always-on mode (sampling.c): the innermost Python frame alone, as the merge would record it (the first
 * complete code frame of the chain: walk's first item), to name a code path without walking the whole
 * chain. The same checks as walk and fdh_python_merge, stopping at that frame. 1: *ip is its node's ip; 0:
 * the merge would record no Python frame; -1: Python frames are not decided yet (probe, self-check): only
 * fdh_python_merge, in a full capture, moves them on. */
int fdh_python_innermost(uint64_t *ip) {
    int p = atomic_load_explicit(&phase, memory_order_acquire);
    if (p != PHASE_ACTIVE) return fdh_python_native_only() ? 0 : -1;
    if (status_written_generation != fdh_trace_generation) return -1; /* a forked child's header: merge writes it */
    uintptr_t tstate = (uintptr_t)get_tstate();
    if (!tstate || !sane(tstate, 8) || !interpreter_usable()) return 0;
    uintptr_t frame;
    if (L->cframe_current >= 0) {
        uintptr_t cframe;
        memcpy(&cframe, (const void *)(tstate + (uintptr_t)L->ts_frame), 8);
        if (!cframe || !sane(cframe, 8)) return 0;
        memcpy(&frame, (const void *)(cframe + (uintptr_t)L->cframe_current), 8);
    } else {
        memcpy(&frame, (const void *)(tstate + (uintptr_t)L->ts_frame), 8);
    }
    for (int steps = 0; frame; steps++) {
        if (steps >= WALK_MAX_STEPS || !sane(frame, 8)) return 0;
        if (L->minor == 10 && !has_type_in(0, frame, frame_type)) return 0;
        uintptr_t code, next;
        memcpy(&code, (const void *)(frame + (uintptr_t)L->fr_code), 8);
        memcpy(&next, (const void *)(frame + (uintptr_t)L->fr_back), 8);
        uint8_t owner = 0;
        if (L->fr_owner >= 0) memcpy(&owner, (const void *)(frame + (uintptr_t)L->fr_owner), 1);
        int cstack = L->minor >= 12 && owner == OWNED_BY_CSTACK;
        if (!cstack && has_type_in(0, code, code_type)) {
            uint32_t offset = FDH_PY_OFFSET_UNKNOWN;
            int complete = 1;
            if (L->minor == 10) {
                int32_t lasti;
                memcpy(&lasti, (const void *)(frame + (uintptr_t)L->fr_instr), 4);
                if (lasti >= 0) offset = (uint32_t)lasti * 2;
            } else {
                uintptr_t instr;
                int64_t units;
                int32_t first_traceable;
                memcpy(&instr, (const void *)(frame + (uintptr_t)L->fr_instr), 8);
                memcpy(&units, (const void *)(code + OB_SIZE), 8);
                memcpy(&first_traceable, (const void *)(code + (uintptr_t)L->co_firsttraceable), 4);
                uintptr_t base = code + (uintptr_t)L->co_code_adaptive;
                if (owner != OWNED_BY_GENERATOR && instr < base + (uintptr_t)first_traceable * 2) complete = 0;
                if (instr >= base && units > 0 && instr < base + (uintptr_t)units * 2) offset = (uint32_t)(instr - base);
            }
            if (complete) {
                *ip = (uint64_t)intern_code_with(L, 0, code, code_memo()) << 32 | offset;
                return 1;
            }
        } else if (!cstack && code && !sane(code, 8)) {
            return 0;
        }
        frame = next;
    }
    return 0;
}
