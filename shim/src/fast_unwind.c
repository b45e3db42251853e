/* fast_unwind.c — the capture's fast path: walks the stack with per-return-address unwind rules kept in a
 * per-thread cache, and hands the whole capture to libunwind (stack_capture.c) whenever a frame is not one
 * it can step exactly.
 *
 * Why: libunwind's unw_backtrace costs ~80 instructions per frame (its rule cache is a hash table it
 * validates on every lookup, behind unw_init_local's context set-up); most events come from a few call
 * sites, so a frame here is one cache probe, a check of the code bytes the rule was made for, and two
 * loads. A cache miss reads the frame's DWARF CFI (.eh_frame, located with glibc's lock-free
 * _dl_find_object) once per thread and address.
 *
 * The rule of a frame, as libunwind's fast trace keeps it: the CFA is rsp or rbp plus an offset, the return
 * address is at CFA-8, rbp is either unchanged or saved at CFA+offset, and rsp becomes the CFA. A frame whose
 * CFI says anything else (an expression, another register, no FDE at all) makes the whole capture return
 * -1: libunwind then unwinds it as before, so a stack is the same whichever walked it
 * (FDHOUND_UNWIND_VERIFY=1 makes every capture walk both ways and abort on any difference; the shim's tests
 * run with it). The walk ends where the CFI says the return address is undefined (_start, clone3), as
 * libunwind's does. glibc's signal trampoline is stepped as libunwind steps it: the registers the kernel
 * saved in the ucontext above it give the interrupted frame, whose rule is read at its exact pc (an
 * expression of rip included, as the linker's .plt has). libunwind's own walk through a signal frame cost
 * ~30 µs a capture (its locked caches block and unblock signals per frame): a timer handler that opens a
 * pipe every 50 µs then never let the program's loop run again (adversarial signal_pipe, under load).
 * The CFA may also be rbx plus an offset — glibc's lazy-binding trampoline _dl_runtime_resolve, which a
 * handler interrupting a program's first call of a function finds below it — where rbx is known: from the
 * ucontext, or from the frame below that saved it (rules keep where; a walk that used it is not remembered).
 *
 * The cache lives in the thread's side-stack scratch area (no static TLS, no malloc), so it is only touched
 * by its own thread (a signal handler nested in the recorder captures no stack). Each entry also keeps the
 * eight code bytes before the address it was made for: a library unloaded and another loaded at the same
 * address (even by libc itself, which our dlopen/dlclose hooks do not see) misses instead of using a stale
 * rule; a dlopen or dlclose that changed the set of loaded objects also bumps a generation that empties
 * every thread's cache (fdh_fast_unwind_objects_changed).
 *
 * Every stack word the walk reads lies in memory known to be readable: a few ranges per thread, grown a
 * page at a time (page_readable), as libunwind validates its reads. Rules are only as true as the code
 * they describe: inline assembly that moves rsp to a stack of its own and calls from there leaves its
 * function's rule pointing just above that stack's top, where nothing may be mapped, or another stack's
 * guard page lies (tests/adversarial stack_switch). Like libunwind's, the ranges outlive a capture (a stack unmapped later and read through a
 * wrong rule again would fault). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define RULE_SETS 128u /* of RULE_WAYS entries: a direct-mapped table made a few call sites miss forever */
#define RULE_WAYS 4u
#define REMEMBER_MAX 8

enum rule_kind {
    RULE_EMPTY = 0,
    RULE_CFA_RSP = 1, /* CFA = rsp + cfa_offset */
    RULE_CFA_RBP = 2, /* CFA = rbp + cfa_offset */
    RULE_CFA_RBX = 3, /* CFA = rbx + cfa_offset: the loader's lazy-binding trampoline (see the walk) */
    RULE_OUTERMOST = 4, /* the return address is undefined: the walk ends after this frame */
    RULE_UNKNOWN = 5, /* not steppable here: libunwind takes the capture */
    RULE_SIGNAL = 6,  /* glibc's signal trampoline: the capture runs in a signal handler (stack_capture.c) */
};

#define RBP_UNCHANGED 0 /* rbp is never saved at the CFA itself: that is the caller's frame */
#define RBX_UNCHANGED 0
#define RBX_LOST INT16_MIN /* the caller's rbx is not known after this frame (not saved where a word says) */

struct rule {
    uint64_t ip;         /* the return address (or pc) this rule is for */
    uint64_t code;       /* the 8 code bytes before ip when the rule was made */
    int32_t cfa_offset;
    int32_t rbp_offset;  /* rbp saved at CFA + rbp_offset; RBP_UNCHANGED (0) if not saved */
    uint16_t kind;       /* enum rule_kind */
    int16_t rbx_offset;  /* rbx saved at CFA + rbx_offset; RBX_UNCHANGED, or RBX_LOST */
    int32_t low_offset;  /* the lowest word the step reads, from the CFA: rbp_offset, rbx_offset, or -8 (the return address) */
};

#define GOOD_RANGES 4
#define WINDOW 256u  /* captures over which CFI reads are counted */
#define BYPASS 4096u /* captures left to libunwind after a window that thrashed */

/* Memory known to be mapped, [low, high), page-aligned; empty when low == high. */
struct good_range {
    uint64_t low, high;
};

struct rule_cache {
    uint64_t generation;
    /* Moves whenever the cache forgets something a walk relied on: emptied, a rule evicted, a known range
     * replaced. A walk memo entry is only used in the epoch it was recorded in (see the walk memo). */
    uint64_t epoch;
    uint32_t walking;   /* inside fdh_unwind_from: a nested call (never expected) leaves it all alone */
    uint32_t good_next; /* the range a new one replaces */
    /* Thrashing: captures and rules evicted in the current window, and how many captures libunwind still
     * takes alone (see fdh_unwind_from). */
    uint32_t window_captures, window_evictions, bypass;
    struct good_range good[GOOD_RANGES];
    struct good_range last; /* the range the last check outside the side stack ended in */
    struct rule rules[RULE_SETS * RULE_WAYS];
};
_Static_assert(sizeof(struct rule_cache) <= FDH_SCRATCH_UNWIND_SIZE, "unwind cache outgrew its scratch slot");

_Atomic uint64_t fdh_fast_unwind_generation = 1;
_Atomic uint64_t fdh_signal_trampoline; /* glibc's __restore_rt, once a walk met it (0 before) */
static int available; /* _dl_find_object exists (glibc 2.35+) */

_Atomic uint64_t fdh_fast_unwind_rules_read; /* counted with FDHOUND_UNWIND_VERIFY=1 only, for its report */
_Atomic uint64_t fdh_fast_unwind_walks_reused; /* the same */

void fdh_fast_unwind_invalidate(void) {
    atomic_fetch_add_explicit(&fdh_fast_unwind_generation, 1, memory_order_release);
}

/* dl_iterate_phdr callback: the loader's counts of objects ever loaded and unloaded (the same in every
 * entry); their sum moves with any change of the set, libc's own loads and unloads included. */
static int read_objects_generation(struct dl_phdr_info *info, size_t size, void *data) {
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
        *(uint64_t *)data = (uint64_t)info->dlpi_adds + (uint64_t)info->dlpi_subs;
    }
    return 1;
}

/* From the dlopen/dlclose hooks: empties the caches only when the set of loaded objects really changed
 * (since the last look), not for every call — a program that takes dlopen(NULL) or an already loaded
 * library's handle in a loop would otherwise make every capture read CFI again (tests:
 * fast_unwinder_keeps_its_rules_across_dlopen_of_loaded_objects). */
void fdh_fast_unwind_objects_changed(void) {
    static _Atomic uint64_t seen;
    uint64_t now = 0;
    uint64_t signals = fdh_signals_hold(); /* the loader's lock (raw.c) */
    dl_iterate_phdr(read_objects_generation, &now);
    fdh_signals_release(signals);
    if (now == 0 || now != atomic_load_explicit(&seen, memory_order_acquire)) {
        fdh_fast_unwind_invalidate();
        atomic_store_explicit(&seen, now, memory_order_release);
    }
}

/* ---- reading .eh_frame ------------------------------------------------------------------------------- */

enum {
    PE_ABSPTR = 0x00, PE_ULEB128 = 0x01, PE_UDATA2 = 0x02, PE_UDATA4 = 0x03, PE_UDATA8 = 0x04,
    PE_SLEB128 = 0x09, PE_SDATA2 = 0x0a, PE_SDATA4 = 0x0b, PE_SDATA8 = 0x0c,
    PE_PCREL = 0x10, PE_DATAREL = 0x30, PE_INDIRECT = 0x80, PE_OMIT = 0xff,
};

struct reader {
    const uint8_t *p, *end;
    int bad;
};

static uint8_t read_u8(struct reader *r) {
    if (r->p >= r->end) { r->bad = 1; return 0; }
    return *r->p++;
}

static uint64_t read_uleb(struct reader *r) {
    uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t byte = read_u8(r);
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return value;
    }
    r->bad = 1;
    return 0;
}

static int64_t read_sleb(struct reader *r) {
    int64_t value = 0;
    unsigned shift = 0;
    uint8_t byte;
    do {
        byte = read_u8(r);
        value |= (int64_t)((uint64_t)(byte & 0x7f) << shift);
        shift += 7;
    } while ((byte & 0x80) && shift < 64 && !r->bad);
    if (shift < 64 && (byte & 0x40)) value |= -(int64_t)((uint64_t)1 << shift);
    return value;
}

static uint64_t read_fixed(struct reader *r, unsigned size) {
    if ((size_t)(r->end - r->p) < size) { r->bad = 1; return 0; }
    uint64_t value = 0;
    memcpy(&value, r->p, size);
    r->p += size;
    return value;
}

/* Reads a pointer in DWARF EH encoding; `data` is the base of datarel (the .eh_frame_hdr). */
static uint64_t read_encoded(struct reader *r, uint8_t encoding, uint64_t data) {
    if (encoding == PE_OMIT) return 0;
    uint64_t here = (uint64_t)(uintptr_t)r->p, value;
    switch (encoding & 0x0f) {
    case PE_ABSPTR: value = read_fixed(r, 8); break;
    case PE_ULEB128: value = read_uleb(r); break;
    case PE_UDATA2: value = read_fixed(r, 2); break;
    case PE_UDATA4: value = read_fixed(r, 4); break;
    case PE_UDATA8: value = read_fixed(r, 8); break;
    case PE_SLEB128: value = (uint64_t)read_sleb(r); break;
    case PE_SDATA2: value = (uint64_t)(int64_t)(int16_t)read_fixed(r, 2); break;
    case PE_SDATA4: value = (uint64_t)(int64_t)(int32_t)read_fixed(r, 4); break;
    case PE_SDATA8: value = read_fixed(r, 8); break;
    default: r->bad = 1; return 0;
    }
    switch (encoding & 0x70) {
    case 0: break;
    case PE_PCREL: value += here; break;
    case PE_DATAREL: value += data; break;
    default: r->bad = 1; return 0;
    }
    return value; /* PE_INDIRECT only occurs for the personality, which is skipped, never dereferenced */
}

/* The state of the registers the walk needs, while a CFA program runs. */
struct cfa_state {
    int cfa_register;  /* DWARF number: 7 rsp, 6 rbp, 3 rbx; anything else is unsupported */
    int64_t cfa_offset;
    int cfa_unsupported;
    const uint8_t *cfa_expression; /* the last DW_CFA_def_cfa_expression's bytes (see cfa_from_expression) */
    uint64_t cfa_expression_length;
    int rbp_saved;     /* 0 unchanged, 1 at CFA + rbp_offset, -1 anything else */
    int64_t rbp_offset;
    int rbx_saved;     /* as rbp_saved; -1 makes rbx unknown in the caller, not the rule unsupported */
    int64_t rbx_offset;
    int ra_state;      /* 1 at CFA + ra_offset, 0 undefined, -1 anything else */
    int64_t ra_offset;
};

enum { DW_RBX = 3, DW_RBP = 6, DW_RSP = 7, DW_RA = 16 };

static void set_offset(struct cfa_state *s, uint64_t reg, int64_t offset) {
    if (reg == DW_RBP) { s->rbp_saved = 1; s->rbp_offset = offset; }
    if (reg == DW_RBX) { s->rbx_saved = 1; s->rbx_offset = offset; }
    if (reg == DW_RA) { s->ra_state = 1; s->ra_offset = offset; }
}

static void set_other(struct cfa_state *s, uint64_t reg, int how) { /* how: 0 undefined/same, -1 unsupported */
    if (reg == DW_RBP) s->rbp_saved = how;
    if (reg == DW_RBX) s->rbx_saved = how;
    if (reg == DW_RA) s->ra_state = how;
}

static void restore(struct cfa_state *s, const struct cfa_state *initial, uint64_t reg) {
    if (reg == DW_RBP) { s->rbp_saved = initial->rbp_saved; s->rbp_offset = initial->rbp_offset; }
    if (reg == DW_RBX) { s->rbx_saved = initial->rbx_saved; s->rbx_offset = initial->rbx_offset; }
    if (reg == DW_RA) { s->ra_state = initial->ra_state; s->ra_offset = initial->ra_offset; }
}

/* Runs a CFA program until the location passes `target`; 0 when it ran to the end or the target. */
static int run_cfa(struct reader *r, struct cfa_state *s, const struct cfa_state *initial, uint64_t *location,
                   uint64_t target, uint64_t code_align, int64_t data_align) {
    struct cfa_state remembered[REMEMBER_MAX];
    int depth = 0;
    while (r->p < r->end && !r->bad) {
        uint8_t op = read_u8(r);
        uint8_t low = op & 0x3f;
        uint64_t reg, delta;
        switch (op >> 6) {
        case 1: /* DW_CFA_advance_loc */
            *location += low * code_align;
            if (*location > target) return 0;
            continue;
        case 2: /* DW_CFA_offset */
            set_offset(s, low, (int64_t)read_uleb(r) * data_align);
            continue;
        case 3: /* DW_CFA_restore */
            if (!initial) return -1;
            restore(s, initial, low);
            continue;
        }
        switch (op) {
        case 0x00: break; /* nop */
        case 0x02: delta = read_u8(r); goto advance;
        case 0x03: delta = read_fixed(r, 2); goto advance;
        case 0x04: delta = read_fixed(r, 4); goto advance;
        advance:
            *location += delta * code_align;
            if (*location > target) return 0;
            break;
        case 0x05: reg = read_uleb(r); set_offset(s, reg, (int64_t)read_uleb(r) * data_align); break;
        case 0x06: /* restore_extended */
            reg = read_uleb(r);
            if (!initial) return -1;
            restore(s, initial, reg);
            break;
        case 0x07: reg = read_uleb(r); set_other(s, reg, reg == DW_RA ? 0 : -1); break; /* undefined */
        case 0x08: reg = read_uleb(r); set_other(s, reg, reg == DW_RBP || reg == DW_RBX ? 0 : -1); break; /* same_value */
        case 0x09: reg = read_uleb(r); read_uleb(r); set_other(s, reg, -1); break;      /* register */
        case 0x0a:
            if (depth == REMEMBER_MAX) return -1;
            remembered[depth++] = *s;
            break;
        case 0x0b:
            if (depth == 0) return -1;
            *s = remembered[--depth];
            break;
        case 0x0c:
            s->cfa_register = (int)read_uleb(r);
            s->cfa_offset = (int64_t)read_uleb(r);
            s->cfa_unsupported = 0;
            break;
        case 0x0d: s->cfa_register = (int)read_uleb(r); s->cfa_unsupported = 0; break;
        case 0x0e: s->cfa_offset = (int64_t)read_uleb(r); break;
        case 0x0f: /* def_cfa_expression */
            s->cfa_unsupported = 1;
            s->cfa_expression_length = read_uleb(r);
            if (s->cfa_expression_length > (uint64_t)(r->end - r->p)) return -1;
            s->cfa_expression = r->p;
            r->p += s->cfa_expression_length;
            break;
        case 0x10: reg = read_uleb(r); r->p += read_uleb(r); set_other(s, reg, -1); break; /* expression */
        case 0x11: reg = read_uleb(r); set_offset(s, reg, read_sleb(r) * data_align); break;
        case 0x12:
            s->cfa_register = (int)read_uleb(r);
            s->cfa_offset = read_sleb(r) * data_align;
            s->cfa_unsupported = 0;
            break;
        case 0x13: s->cfa_offset = read_sleb(r) * data_align; break;
        case 0x14: reg = read_uleb(r); read_uleb(r); set_other(s, reg, -1); break; /* val_offset */
        case 0x15: reg = read_uleb(r); read_sleb(r); set_other(s, reg, -1); break; /* val_offset_sf */
        case 0x16: reg = read_uleb(r); r->p += read_uleb(r); set_other(s, reg, -1); break; /* val_expression */
        case 0x2e: read_uleb(r); break; /* GNU_args_size */
        case 0x2f: reg = read_uleb(r); set_offset(s, reg, -(int64_t)read_uleb(r) * data_align); break;
        default: return -1;
        }
    }
    return r->bad ? -1 : 0;
}

/* The CFA of an expression rule at an exact pc, as rsp plus a constant: what the linker's .plt FDE says
 * (rsp + 8, plus 8 once the stub has pushed its index: a test of rip's low bits), and any expression that
 * reads only rsp, rip and constants with integer arithmetic. Only an interrupted pc (the frame a signal
 * handler interrupted) has its rip known exactly; a return address's frame is never in such code, and its
 * rule is read at ip - 1, so there the expression stays unsupported. Returns 0 and the offset, or -1. */
static int cfa_from_expression(const uint8_t *code, uint64_t length, uint64_t pc, int64_t *offset) {
    struct value { int from_rsp; uint64_t v; } stack[8];
    int top = 0;
    if (length > 64) return -1;
    struct reader r = {code, code + length, 0};
    while (r.p < r.end && !r.bad) {
        uint8_t op = read_u8(&r);
        struct value a, b;
        if (op >= 0x30 && op <= 0x4f) { /* DW_OP_lit0..31 */
            if (top == 8) return -1;
            stack[top++] = (struct value){0, (uint64_t)(op - 0x30)};
            continue;
        }
        switch (op) {
        case 0x77: /* DW_OP_breg7 (rsp) */
        case 0x80: /* DW_OP_breg16 (rip) */
            if (top == 8) return -1;
            stack[top] = (struct value){op == 0x77, (uint64_t)read_sleb(&r)};
            if (op == 0x80) stack[top].v += pc;
            top++;
            continue;
        case 0x08: case 0x0a: case 0x0c: case 0x10: /* DW_OP_const1u, const2u, const4u, constu */
            if (top == 8) return -1;
            stack[top++] = (struct value){0, op == 0x10 ? read_uleb(&r) : read_fixed(&r, op == 0x08 ? 1u : op == 0x0a ? 2u : 4u)};
            continue;
        case 0x11: /* DW_OP_consts */
            if (top == 8) return -1;
            stack[top++] = (struct value){0, (uint64_t)read_sleb(&r)};
            continue;
        case 0x23: /* DW_OP_plus_uconst */
            if (top == 0) return -1;
            stack[top - 1].v += read_uleb(&r);
            continue;
        }
        if (top < 2) return -1;
        b = stack[--top];
        a = stack[--top];
        if (op == 0x22 && !(a.from_rsp && b.from_rsp)) { /* DW_OP_plus: rsp-based plus a constant stays so */
            stack[top++] = (struct value){a.from_rsp | b.from_rsp, a.v + b.v};
            continue;
        }
        if (op == 0x1c && !b.from_rsp) { /* DW_OP_minus */
            stack[top++] = (struct value){a.from_rsp, a.v - b.v};
            continue;
        }
        if (a.from_rsp || b.from_rsp) return -1; /* anything else of rsp's value is not a constant offset */
        int64_t sa = (int64_t)a.v, sb = (int64_t)b.v;
        uint64_t result;
        switch (op) {
        case 0x1a: result = a.v & b.v; break;                      /* and */
        case 0x21: result = a.v | b.v; break;                      /* or */
        case 0x1e: result = a.v * b.v; break;                      /* mul */
        /* A shift by 64 or more: C leaves it undefined, libunwind's `a << b` shifts by b mod 64 on x86
         * (1 << 64 gave it 1, 0 here: a CFA one byte off, a different stack). Left to libunwind. */
        case 0x24: if (b.v >= 64) return -1; result = a.v << b.v; break; /* shl */
        case 0x25: if (b.v >= 64) return -1; result = a.v >> b.v; break; /* shr */
        case 0x29: result = sa == sb; break;                       /* eq */
        case 0x2a: result = sa >= sb; break;                       /* ge */
        case 0x2b: result = sa > sb; break;                        /* gt */
        case 0x2c: result = sa <= sb; break;                       /* le */
        case 0x2d: result = sa < sb; break;                        /* lt */
        case 0x2e: result = sa != sb; break;                       /* ne */
        default: return -1;
        }
        stack[top++] = (struct value){0, result};
    }
    if (r.bad || top != 1 || !stack[0].from_rsp) return -1;
    *offset = (int64_t)stack[0].v;
    return 0;
}

#if defined(DLFO_STRUCT_HAS_EH_DBASE)
/* Finds the FDE covering pc (in `object`) through its .eh_frame_hdr search table and computes the rule.
 * `exact`: pc is an interrupted pc, not a return address's ip - 1 (cfa_from_expression). */
static uint32_t rule_from_cfi(uint64_t pc, const struct dl_find_object *object, struct rule *out, int exact) {
    if (!object->dlfo_eh_frame) return RULE_UNKNOWN;
    const uint8_t *hdr = object->dlfo_eh_frame;
    uint64_t hdr_base = (uint64_t)(uintptr_t)hdr;
    if (hdr[0] != 1 || hdr[3] != (PE_DATAREL | PE_SDATA4)) return RULE_UNKNOWN;
    struct reader r = {hdr + 4, hdr + 64, 0};
    read_encoded(&r, hdr[1], hdr_base); /* eh_frame_ptr: not needed, the table names each FDE */
    uint64_t count = read_encoded(&r, hdr[2], hdr_base);
    if (r.bad || count == 0) return RULE_UNKNOWN;
    const int32_t *table = (const int32_t *)(const void *)r.p;
    uint64_t low = 0, high = count; /* the last entry whose start <= pc */
    while (high - low > 1) {
        uint64_t mid = low + (high - low) / 2;
        if (hdr_base + (uint64_t)(int64_t)table[2 * mid] <= pc) low = mid; else high = mid;
    }
    if (hdr_base + (uint64_t)(int64_t)table[2 * low] > pc) return RULE_UNKNOWN;
    const uint8_t *fde = hdr + table[2 * low + 1];

    /* The FDE: length, CIE pointer, pc_begin, pc_range, augmentation data, instructions. */
    uint32_t fde_length;
    memcpy(&fde_length, fde, 4);
    if (fde_length == 0 || fde_length == 0xffffffffu) return RULE_UNKNOWN;
    int32_t cie_pointer;
    memcpy(&cie_pointer, fde + 4, 4);
    if (cie_pointer == 0) return RULE_UNKNOWN;
    const uint8_t *cie = fde + 4 - cie_pointer;
    uint32_t cie_length;
    memcpy(&cie_length, cie, 4);
    if (cie_length == 0 || cie_length == 0xffffffffu) return RULE_UNKNOWN;

    /* The CIE: id 0, version, augmentation, alignments, return-address register, augmentation data. */
    struct reader c = {cie + 8, cie + 4 + cie_length, 0};
    uint8_t version = read_u8(&c);
    if (version != 1 && version != 3) return RULE_UNKNOWN;
    const char *augmentation = (const char *)c.p;
    size_t aug_length = strnlen(augmentation, (size_t)(c.end - c.p));
    c.p += aug_length + 1;
    uint64_t code_align = read_uleb(&c);
    int64_t data_align = read_sleb(&c);
    uint64_t ra_register = version == 1 ? read_u8(&c) : read_uleb(&c);
    if (ra_register != DW_RA) return RULE_UNKNOWN;
    uint8_t fde_encoding = PE_ABSPTR;
    int has_z = aug_length > 0 && augmentation[0] == 'z';
    if (aug_length > 0 && !has_z) return RULE_UNKNOWN;
    if (has_z) {
        uint64_t data_length = read_uleb(&c);
        const uint8_t *data_end = c.p + data_length;
        for (size_t i = 1; i < aug_length; i++) {
            switch (augmentation[i]) {
            case 'R': fde_encoding = read_u8(&c); break;
            case 'L': read_u8(&c); break;
            case 'P': { uint8_t e = read_u8(&c); read_encoded(&c, e & 0x7f, 0); break; }
            case 'S': return RULE_UNKNOWN; /* a signal frame: libunwind's */
            default: return RULE_UNKNOWN;
            }
        }
        if (c.bad || c.p > data_end) return RULE_UNKNOWN;
        c.p = data_end;
    }

    struct reader f = {fde + 8, fde + 4 + fde_length, 0};
    uint64_t pc_begin = read_encoded(&f, fde_encoding, 0);
    uint64_t pc_range = read_encoded(&f, fde_encoding & 0x0f, 0);
    if (f.bad || pc < pc_begin || pc - pc_begin >= pc_range) return RULE_UNKNOWN;
    if (has_z) f.p += read_uleb(&f);

    struct cfa_state state = {.cfa_register = -1, .ra_state = -1};
    uint64_t location = pc_begin;
    if (run_cfa(&c, &state, NULL, &location, UINT64_MAX, code_align, data_align) != 0) return RULE_UNKNOWN;
    struct cfa_state initial = state;
    location = pc_begin;
    if (run_cfa(&f, &state, &initial, &location, pc, code_align, data_align) != 0) return RULE_UNKNOWN;

    if (state.ra_state == 0) return RULE_OUTERMOST;
    if (state.cfa_unsupported && exact && state.cfa_expression &&
        cfa_from_expression(state.cfa_expression, state.cfa_expression_length, pc, &state.cfa_offset) == 0) {
        state.cfa_register = DW_RSP;
        state.cfa_unsupported = 0;
    }
    if (state.cfa_unsupported || state.ra_state != 1 || state.ra_offset != -8 || state.rbp_saved < 0) {
        return RULE_UNKNOWN;
    }
    if (state.cfa_register != DW_RSP && state.cfa_register != DW_RBP && state.cfa_register != DW_RBX) {
        return RULE_UNKNOWN;
    }
    if (state.cfa_offset < 8 || state.cfa_offset > INT32_MAX) return RULE_UNKNOWN;
    if (state.rbp_saved && (state.rbp_offset < INT32_MIN || state.rbp_offset > -16)) return RULE_UNKNOWN;
    out->cfa_offset = (int32_t)state.cfa_offset;
    out->rbp_offset = state.rbp_saved ? (int32_t)state.rbp_offset : RBP_UNCHANGED;
    /* rbx matters only to a caller whose CFA is rbx-based: a save the walk would not read exactly (another
     * register, an expression, an odd place) loses it, which gives up only if such a frame follows. */
    out->rbx_offset = state.rbx_saved == 0 ? RBX_UNCHANGED
                      : state.rbx_saved == 1 && state.rbx_offset < -8 && state.rbx_offset > INT16_MIN
                          ? (int16_t)state.rbx_offset : RBX_LOST;
    /* a save below an rsp-based frame's sp (a leaf's red zone) would fail the walk's check of its words */
    if (state.cfa_register == DW_RSP && out->rbx_offset < -state.cfa_offset) out->rbx_offset = RBX_LOST;
    out->low_offset = out->rbp_offset < -8 ? out->rbp_offset : -8;
    if (out->rbx_offset != RBX_LOST && out->rbx_offset < out->low_offset) out->low_offset = out->rbx_offset;
    return state.cfa_register == DW_RSP ? RULE_CFA_RSP : state.cfa_register == DW_RBP ? RULE_CFA_RBP : RULE_CFA_RBX;
}
#endif

/* What a return address is before its CFI is read: RULE_SIGNAL at glibc's signal return trampoline
 * (__restore_rt: mov $15, %rax; syscall), RULE_EMPTY (read the CFI) anywhere else. `end`: where ip's object
 * ends. The code is compared only on ip's own page: the next one may not be mapped (an object's segments
 * can have PROT_NONE gaps between them). Only where the bytes on this page match the trampoline's start and
 * the rest would lie on the next page is the answer RULE_UNKNOWN (libunwind takes those captures); any
 * other return address in a page's last 8 bytes is an ordinary one (treating each as a signal frame sent
 * every capture through it to libunwind: a layout accident that halved the fast path in some builds). */
static uint32_t trampoline_kind(uint64_t ip, uint64_t end) {
    static const uint8_t code[9] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};
    if (ip + sizeof code > end) return RULE_EMPTY; /* the trampoline is not there */
    size_t on_page = 4096 - (size_t)(ip & 4095);
    if (on_page < sizeof code) {
        return memcmp((const void *)(uintptr_t)ip, code, on_page) == 0 ? RULE_UNKNOWN : RULE_EMPTY;
    }
    return memcmp((const void *)(uintptr_t)ip, code, sizeof code) == 0 ? RULE_SIGNAL : RULE_EMPTY;
}

/* The eight code bytes before a return address, which ends the call instruction that pushed it; read only
 * once the address is known to lie at least 8 bytes inside a loaded object (rule_missed), or when it is a
 * cached one (a live frame returns into code that is mapped). */
static inline uint64_t code_before(uint64_t ip) {
    uint64_t word;
    memcpy(&word, (const void *)(uintptr_t)(ip - 8), 8);
    return word;
}

/* For a return address in no loaded object (or within its first 8 bytes): never cached, nothing read. */
static const struct rule unknown_rule = {.kind = RULE_UNKNOWN};

/* The way of ip's set that holds its rule, made on a miss (into the first way, after the others moved down:
 * the set keeps its most recently made rules first). */
static __attribute__((noinline)) const struct rule *rule_missed(struct rule_cache *cache, struct rule *set,
                                                                 uint64_t ip) {
    for (unsigned way = 1; way < RULE_WAYS; way++) {
        if (set[way].ip == ip && set[way].code == code_before(ip)) return &set[way];
    }
#if defined(DLFO_STRUCT_HAS_EH_DBASE)
    /* A return address: the call is the instruction before it, which may end the function (noreturn). */
    struct dl_find_object object;
    if (_dl_find_object((void *)(uintptr_t)(ip - 1), &object) != 0 ||
        ip - 8 < (uint64_t)(uintptr_t)object.dlfo_map_start) {
        return &unknown_rule;
    }
    if (set[RULE_WAYS - 1].ip != 0) { /* a rule made earlier goes */
        cache->window_evictions++;
        cache->epoch++;
    }
    if (FDH_UNLIKELY(fdh_state.config.unwind_verify)) {
        atomic_fetch_add_explicit(&fdh_fast_unwind_rules_read, 1, memory_order_relaxed);
    }
    struct rule fresh = {.ip = ip, .code = code_before(ip)};
    uint64_t end = (uint64_t)(uintptr_t)object.dlfo_map_end;
    uint32_t trampoline = trampoline_kind(ip, end);
    fresh.kind = trampoline != RULE_EMPTY ? trampoline : rule_from_cfi(ip - 1, &object, &fresh, 0);
    if (fresh.kind == RULE_SIGNAL) atomic_store_explicit(&fdh_signal_trampoline, ip, memory_order_relaxed);
    memmove(&set[1], &set[0], (RULE_WAYS - 1) * sizeof *set);
    set[0] = fresh;
    return &set[0];
#else
    return &unknown_rule;
#endif
}

/* The rule of the frame a signal interrupted, at its pc itself (the instruction that has not run yet, not a
 * call's): read afresh each time, never cached — interrupted pcs are anywhere, and a rule for one address
 * as a return address (read at ip - 1) may differ from its rule as a pc. */
static __attribute__((noinline)) void rule_at_pc(uint64_t pc, struct rule *out) {
    *out = unknown_rule;
#if defined(DLFO_STRUCT_HAS_EH_DBASE)
    struct dl_find_object object;
    if (_dl_find_object((void *)(uintptr_t)pc, &object) != 0) return;
    out->kind = rule_from_cfi(pc, &object, out, 1);
#endif
}

/* ---- the stack words the walk reads ----------------------------------------------------------------- */

/* Whether a page may be read, asked of the kernel without touching it: rt_sigprocmask copies its 8-byte
 * set in (EFAULT from an unmapped or a PROT_NONE page — another stack's guard page right above this
 * one's top, as stack pools lay them out) before it looks at `how`, and a `how` that names no operation
 * then fails with EINVAL, changing nothing. Every program may make this call (libc makes it all the time;
 * sandboxes allow it), unlike process_vm_readv; mincore would not tell a PROT_NONE page. */
static int page_readable(uint64_t page) {
    int saved = errno;
    long result = syscall(SYS_rt_sigprocmask, 0x7fffffffL, (long)(page << 12), 0L, 8L);
    int readable = result == -1 && errno == EINVAL;
    errno = saved;
    return readable;
}

/* Whether [low, high) may be read: on pages inside a known range, or that page_readable accepts (each then
 * joins the range it extends, or starts one in place of the oldest). Returns the end of the range that
 * holds the last page ([low, that end) is then all known readable), or 0 if some page may not be read. */
static __attribute__((noinline)) uint64_t readable_up_to(struct rule_cache *cache, uint64_t low, uint64_t high) {
    uint64_t known_high = 0;
    if (low >= high || high - low > 4096 || high >= (1ull << 56)) return 0; /* not a user-space frame */
    for (uint64_t page = low >> 12; page <= (high - 1) >> 12; page++) {
        uint64_t at = page << 12;
        struct good_range *found = NULL;
        for (unsigned i = 0; i < GOOD_RANGES && !found; i++) {
            if (at >= cache->good[i].low && at < cache->good[i].high) found = &cache->good[i];
        }
        if (!found) {
            if (!page_readable(page)) return 0;
            for (unsigned i = 0; i < GOOD_RANGES && !found; i++) {
                struct good_range *r = &cache->good[i];
                if (r->low == r->high) continue;
                if (r->high == at) { r->high = at + 4096; found = r; }
                else if (r->low == at + 4096) { r->low = at; found = r; }
            }
            if (!found) {
                found = &cache->good[cache->good_next++ % GOOD_RANGES];
                if (found->low != found->high) cache->epoch++; /* a known range is forgotten */
                found->low = at;
                found->high = at + 4096;
            }
        }
        known_high = found->high;
        cache->last = *found;
    }
    return known_high;
}

/* ---- code that is never unloaded --------------------------------------------------------------------- */

/* The executable segments of the main program, of libc and of the shim itself: never unloaded, so the code
 * bytes before a return address there never change, and the walk memo does not compare them (the rule cache
 * still does). */
#define PERMANENT_MAX 8
static struct good_range permanent[PERMANENT_MAX];
static unsigned permanent_count;

static int find_permanent(struct dl_phdr_info *info, size_t size, void *data) {
    unsigned *seen = data;
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    int main_program = (*seen)++ == 0 && name[0] == '\0'; /* the loader lists the main program first */
    uint64_t self = (uint64_t)(uintptr_t)&fdh_fast_unwind_init, shim = 0;
    for (unsigned i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uint64_t low = (uint64_t)info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && self >= low && self < low + ph->p_memsz) shim = 1;
    }
    /* The first libc listed is the program's own: another (dlmopen into a new namespace) may be unloaded. */
    static int libc_seen;
    int libc = !libc_seen && strcmp(base, "libc.so.6") == 0;
    libc_seen |= libc;
    if (!main_program && !shim && !libc) return 0;
    for (unsigned i = 0; i < info->dlpi_phnum && permanent_count < PERMANENT_MAX; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uint64_t low = (uint64_t)info->dlpi_addr + ph->p_vaddr;
        permanent[permanent_count++] = (struct good_range){low, low + ph->p_memsz};
    }
    return 0;
}

/* Whether the 8 code bytes before ip lie in code that is never unloaded. */
static inline int code_is_permanent(uint64_t ip) {
    for (unsigned i = 0; i < permanent_count; i++) {
        if (ip - 8 >= permanent[i].low && ip <= permanent[i].high) return 1;
    }
    return 0;
}

void fdh_fast_unwind_init(void) {
#if defined(DLFO_STRUCT_HAS_EH_DBASE)
    if (!available) {
        unsigned seen = 0;
        dl_iterate_phdr(find_permanent, &seen);
    }
    available = 1;
#endif
}

/* ---- the walk memo ---------------------------------------------------------------------------------- */

/* The walk is a function of its starting registers, of the rules it finds and of the memory it reads, and
 * nothing else: the same registers, the same rules and the same words give the same frames. A program
 * opening in a loop walks the same stack again and again, so each thread remembers its last walks — the
 * starting registers, the frames, and every word the walk read, in the order it read them: the 8 code bytes
 * before each return address (what the rule cache checks its rule by) and each saved rbp and return
 * address. A capture with the same registers whose words all still hold their values has the same frames:
 * one load and comparison per word instead of a rule lookup and a step per frame.
 *
 * Why that is exact: the words are compared in the walk's order and the comparison stops at the first
 * difference, so each address read is the one the walk would read next, from the same values; the rules
 * are the cached ones as long as the cache's epoch has not moved (nothing evicted, nothing emptied: a rule
 * for a return address with the same code bytes in the same epoch is the rule the walk would use), and
 * every word lies in memory the cache still knows readable (a forgotten range moves the epoch too). Only
 * complete walks are remembered (not one that handed its capture to libunwind or met a signal frame).
 * FDHOUND_UNWIND_VERIFY=1 compares each reused walk with libunwind's, as every other capture.
 *
 * Where: 4 sets of 2 entries in the thread's scratch area, the set picked by the caller's hint (the
 * recorder's call site and stack pointer, stack_capture.c), so that the opens and closes of a loop each find
 * their own; a hint says nothing of the stack and is never trusted. An entry is invalid (checks == 0) while
 * it is written, and `walking` keeps a nested call off the cache altogether: a signal handler interrupting
 * a capture never walks (it records the nested stack, stack_capture.c), and if one ever did it would find
 * the memo busy and leave this capture to libunwind. */
#define MEMO_SETS 4u
#define MEMO_WAYS 8u /* one hint can stand for several stacks: the recorder's call site and stack pointer are the
                       * same for every close() a function makes at one depth (5 in the mix benchmark), which
                       * 2 ways thrashed; a miss compares only up to the first differing word */
#define MEMO_FRAMES (FDH_MAX_STACK_DEPTH + 8)
#define MEMO_CHECKS (3 * MEMO_FRAMES) /* at most: code bytes, saved rbp, return address per frame */

struct word_check {
    uint64_t address, value;
};

struct walk_memo {
    uint64_t hint, ip, sp, rbp; /* the starting registers (and the hint that chose the set) */
    uint64_t epoch;             /* the rule cache's epoch when it was recorded */
    uint64_t hash;
    uint32_t checks;            /* words in check[]; 0: empty */
    int32_t max, count;         /* the walk's limit and its frames */
    uint32_t replace_next;      /* in a set's first entry: the way the next recording goes into */
    uint32_t rbp_needed;        /* some frame's CFA depends on the starting rbp */
    uint32_t guess;             /* in a set's first entry: the way tried first (see fdh_unwind_from) */
    uint64_t note;              /* the caller's, about these frames (stack_capture.c: their stack id); 0 when recorded */
    void *frames[MEMO_FRAMES];
    struct word_check check[MEMO_CHECKS];
};
_Static_assert(sizeof(struct walk_memo) * MEMO_SETS * MEMO_WAYS <= FDH_SCRATCH_WALK_MEMO_SIZE,
               "walk memo outgrew its scratch slot");

/* Whether every word still holds the value the walk read, compared in the walk's order. Not instrumented by
 * ASan, like the walk. */
__attribute__((no_sanitize("address"))) static int memo_holds(const struct walk_memo *e) {
    const struct word_check *c = e->check, *end = c + e->checks;
    /* Still one word at a time, stopping at the first difference (a later word's memory may be gone), but
     * unrolled: a load, a load and a compare per word. */
#pragma GCC unroll 4
    for (; c < end; c++) {
        uint64_t word; /* code bytes lie at any alignment: memcpy is one load */
        memcpy(&word, (const void *)(uintptr_t)c->address, sizeof word);
        if (word != c->value) return 0;
    }
    return 1;
}

/* Whether entry e is a walk from these registers, recorded in this epoch, whose words all still hold. */
static inline __attribute__((always_inline)) int memo_entry_holds(const struct walk_memo *e,
                                                                  const struct rule_cache *cache, uint64_t hint,
                                                                  int max, uint64_t ip, uint64_t sp, uint64_t rbp) {
    return e->checks != 0 && e->ip == ip && e->sp == sp && (e->rbp == rbp || !e->rbp_needed) &&
           e->epoch == cache->epoch && e->max == max && e->hint == hint && memo_holds(e);
}

static int walk(struct rule_cache *cache, void **frames, int max, uint64_t *hash, struct word_check *check,
                uint32_t *checks, int *rbp_needed, int *crossed_signal, int *rbx_used, uint64_t ip, uint64_t sp,
                uint64_t rbp, char *scratch);

/* Called by fdh_fast_backtrace (fast_backtrace.S) with its caller's return address, stack pointer after
 * the return and rbp. Fills frames[] with return addresses, innermost first, as unw_backtrace does, and
 * walk->hash with a hash of them (stack_capture.c's memo); returns how many, or -1 when libunwind must do
 * this capture, or FDH_FAST_UNWIND_AT_SIGNAL(n) when the walk reached a signal frame after the n frames in
 * frames[] (libunwind steps through it; the caller decides whether it may be called, shim.h). */
int fdh_unwind_from(void **frames, int max, struct fdh_walk *request, uint64_t ip, uint64_t sp, uint64_t rbp) {
    request->crossed_signal = 0;
    if (!available || max <= 0 || max > (int)MEMO_FRAMES) return -1;
    char *scratch = fdh_side_stack_scratch(FDH_SCRATCH_SIZE);
    if (!scratch) return -1;
    struct rule_cache *cache = (struct rule_cache *)(void *)(scratch + FDH_SCRATCH_UNWIND_OFFSET);
    if (FDH_UNLIKELY(cache->walking)) return -1;
    uint64_t now = atomic_load_explicit(&fdh_fast_unwind_generation, memory_order_acquire);
    if (FDH_UNLIKELY(cache->generation != now)) {
        /* A fresh area reads as zeros, an empty cache: not touched, so a thread's memory grows only by the
         * rules it uses. */
        if (cache->generation != 0) {
            memset(cache->rules, 0, sizeof cache->rules);
            memset(cache->good, 0, sizeof cache->good);
            cache->last = (struct good_range){0, 0};
        }
        cache->generation = now;
        cache->epoch++;
    }
    uint64_t hint = request->hint;
    request->frames = frames;
    request->note = NULL;
    struct walk_memo *set = (struct walk_memo *)(void *)(scratch + FDH_SCRATCH_WALK_MEMO_OFFSET) +
                            ((hint * 0x9E3779B97F4A7C15ull) >> 62) * MEMO_WAYS;
    /* A guess first: several stacks under one hint (the closes of one function) recur in the order they
     * were recorded in, into consecutive ways, and each way that shares the hint but not the stack costs a
     * comparison of every word up to the first that differs — so the way after the last one reused. Then
     * every other way, in order. */
    unsigned guess = set[0].guess % MEMO_WAYS, way = guess;
    if (!memo_entry_holds(&set[guess], cache, hint, max, ip, sp, rbp)) {
        for (way = 0; way < MEMO_WAYS; way++) {
            if (way != guess && memo_entry_holds(&set[way], cache, hint, max, ip, sp, rbp)) break;
        }
    }
    struct walk_memo *e;
    if (way < MEMO_WAYS) {
        e = &set[way];
        set[0].guess = way + 1;
        request->frames = e->frames;
        request->note = &e->note;
        request->hash = e->hash;
        request->crossed_signal = 0;
        if (FDH_UNLIKELY(fdh_state.config.unwind_verify)) {
            atomic_fetch_add_explicit(&fdh_fast_unwind_walks_reused, 1, memory_order_relaxed);
        }
        return e->count;
    }
    /* Recorded into the way not written last; invalid until the walk completes in the same epoch. */
    unsigned victim = set[0].replace_next % MEMO_WAYS; /* round robin */
    e = &set[victim];
    set[0].replace_next = (victim + 1) % MEMO_WAYS;
    cache->walking = 1;
    e->checks = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    uint64_t epoch = cache->epoch;
    uint32_t checks = 0;
    int rbp_needed = 1;
    int crossed_signal = 0, rbx_used = 0;
    int n = walk(cache, frames, max, &request->hash, e->check, &checks, &rbp_needed, &crossed_signal, &rbx_used, ip,
                 sp, rbp, scratch);
    request->crossed_signal = crossed_signal;
    if (n > 0 && cache->epoch == epoch && !crossed_signal && !rbx_used) {
        memcpy(e->frames, frames, (size_t)n * sizeof *frames);
        e->hint = hint;
        e->ip = ip;
        e->sp = sp;
        e->rbp = rbp;
        e->rbp_needed = (uint32_t)rbp_needed;
        e->epoch = epoch;
        e->hash = request->hash;
        e->max = max;
        e->count = n;
        e->note = 0;
        request->note = &e->note;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        e->checks = checks;
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    cache->walking = 0;
    return n;
}

/* The walk itself (see the file comment), writing into frames[] and, for the walk memo, each word it reads
 * into check[]. Not instrumented by ASan: it reads other frames' saved registers, as libunwind does. */
__attribute__((no_sanitize("address"), noinline)) static int walk(struct rule_cache *cache, void **frames, int max,
                                                        uint64_t *hash, struct word_check *check,
                                                        uint32_t *checks, int *rbp_needed, int *crossed_signal,
                                                        int *rbx_used, uint64_t ip, uint64_t sp, uint64_t rbp,
                                                        char *scratch) {
    /* A thread whose call sites outnumber the cache reads CFI at nearly every capture, evicting a rule it
     * will need again, which costs more than libunwind's own walk (its cache is larger): when a window of
     * WINDOW captures evicted at least 3/4 as many rules, libunwind takes the next BYPASS captures alone,
     * then the cache is tried again (tests: fast_unwinder_stands_aside_when_its_cache_thrashes). Rules
     * read into empty ways (a program starting, a cache just emptied by dlopen) do not count. */
    if (FDH_UNLIKELY(cache->bypass != 0)) {
        cache->bypass--;
        return -1;
    }
    if (FDH_UNLIKELY(++cache->window_captures == WINDOW)) {
        cache->bypass = cache->window_evictions >= WINDOW * 3 / 4 ? BYPASS : 0;
        cache->window_captures = cache->window_evictions = 0;
    }
    /* [the lowest word read so far on this stack, known_high) is known mapped; the stack only grows up
     * (each frame's words lie between the previous CFA and its own), so one comparison a frame keeps that
     * true, and a page is checked only when the walk first climbs past known_high. */
    uint64_t known_high = 0;
    /* The walk starts on this thread's main side stack (a capture runs only there), all of it ours and
     * mapped from sp up to its top; below it lie a guard page and the nested side stack (side_stack.c). */
    uint64_t side_top = (uint64_t)(uintptr_t)fdh_side_stack_top(scratch, 1);
    if (sp > (uint64_t)(uintptr_t)fdh_side_stack_top(scratch, 2) + 4096 && sp < side_top) known_high = side_top;
    uint64_t h = 0, previous_ip = 0;
    struct word_check *c = check;
    /* Saved rbp words matter only if a later frame's CFA is rbp-based before rbp is restored again: the
     * others are not checked (a frame-pointer-less program's pushed rbp says nothing of its frames). Marked
     * here, dropped at the end; rbp_source: the check the current rbp came from, -1 the starting register. */
    uint64_t rbp_words[MEMO_CHECKS / 64 + 1] = {0}, needed[MEMO_CHECKS / 64 + 1] = {0};
    long rbp_source = -1;
    int start_rbp_needed = 0;
    void **out = frames, **end = frames + max;
    /* Signal frames: the capture runs in a handler (or one nested in another). The walk steps through the
     * trampoline as libunwind does, into the interrupted frame, whose rule is read at its pc (rule_at_pc);
     * `interrupted` says the current ip is such a pc. A walk that cannot go on below a trampoline answers
     * AT_SIGNAL with the frames up to the first one (stack_capture.c decides whether libunwind may be
     * called); a walk through one is not remembered (fdh_unwind_from). */
    int at_signal = -1, interrupted = 0;
    struct rule pc_rule;
    /* rbx: known from a signal frame's ucontext or a frame's save of it, and used only by a frame whose CFA
     * is rbx-based — glibc's _dl_runtime_resolve, where a handler interrupting a program's first call of a
     * function finds it below the interrupted frame. Leaving those captures to libunwind (~90 µs through a
     * signal frame) made a 20 µs timer handler run back to back: the resolver never finished and the program
     * never ran again. A walk that used rbx is not remembered (its words are not all checked). */
    uint64_t rbx = 0;
    int rbx_known = 0;
#define GIVE_UP() return at_signal < 0 ? -1 : FDH_FAST_UNWIND_AT_SIGNAL(at_signal)
    for (;;) {
        *out++ = (void *)(uintptr_t)ip;
        h = (h + ip) * 0x9E3779B97F4A7C15ull;
        const struct rule *rule;
        if (FDH_UNLIKELY(interrupted)) {
            rule_at_pc(ip, &pc_rule);
            rule = &pc_rule;
            interrupted = 0;
        } else {
            struct rule *set = &cache->rules[((uint32_t)ip & (RULE_SETS - 1)) * RULE_WAYS];
            rule = set;
            if (FDH_UNLIKELY(set->ip != ip || set->code != code_before(ip))) rule = rule_missed(cache, set, ip);
        }
        uint32_t kind = rule->kind;
        if (FDH_UNLIKELY(kind > RULE_CFA_RBX)) {
            if (kind == RULE_SIGNAL) {
                if (at_signal < 0) at_signal = (int)(out - frames);
                if (out == end) break;
                /* sp is the handler's CFA: the ucontext the kernel saved, whose registers say where the
                 * interrupted code was (glibc's ucontext_t: gregs from byte 40, rbp 10, rbx 11, rsp 15, rip 16). */
                if (FDH_UNLIKELY(sp + 176 > known_high) && !(sp >= cache->last.low && sp + 176 <= cache->last.high) &&
                    readable_up_to(cache, sp, sp + 176) == 0) {
                    GIVE_UP();
                }
                const uint64_t *gregs = (const uint64_t *)(uintptr_t)(sp + 40);
                rbp = gregs[10];
                rbx = gregs[11];
                rbx_known = 1;
                sp = gregs[15];
                ip = gregs[16];
                known_high = 0; /* the interrupted stack may be another (sigaltstack) */
                previous_ip = 0;
                interrupted = 1;
                if (FDH_UNLIKELY(ip < 4096)) GIVE_UP();
                *crossed_signal = 1;
                continue;
            }
            if (kind != RULE_OUTERMOST) GIVE_UP();
            if (!code_is_permanent(ip)) *c++ = (struct word_check){ip - 8, rule->code};
            break;
        }
        /* The code bytes the rule was found by: once per run of equal return addresses (recursion), and
         * not where they never change. */
        if (ip != previous_ip && !code_is_permanent(ip)) *c++ = (struct word_check){ip - 8, rule->code};
        previous_ip = ip;
        if (kind == RULE_CFA_RBP) {
            if (rbp_source < 0) start_rbp_needed = 1;
            else needed[rbp_source / 64] |= 1ull << (rbp_source % 64);
        }
        uint64_t base = kind == RULE_CFA_RBP ? rbp : sp;
        if (FDH_UNLIKELY(kind == RULE_CFA_RBX)) {
            if (!rbx_known) GIVE_UP();
            base = rbx;
            *rbx_used = 1;
        }
        uint64_t cfa = base + (uint64_t)(int64_t)rule->cfa_offset;
        int64_t rbp_offset = rule->rbp_offset;
        uint64_t lowest = cfa + (uint64_t)(int64_t)rule->low_offset; /* the words read: [lowest, cfa) */
        /* A stack only grows down, except where the side stack's switch frame leads back to the program's,
         * whose pages are then checked afresh. */
        if (FDH_UNLIKELY(cfa <= sp)) {
            if (!((cfa & 7) == 0 && fdh_is_stack_switch(ip))) GIVE_UP();
            known_high = 0;
        } else if (FDH_UNLIKELY(lowest < sp)) {
            GIVE_UP(); /* a word below this frame: no compiler's rule says that */
        }
        if (FDH_UNLIKELY(cfa > known_high)) { /* past the side stack, or a page higher */
            if (lowest >= cache->last.low && cfa <= cache->last.high) known_high = cache->last.high;
            else if ((known_high = readable_up_to(cache, lowest, cfa)) == 0) GIVE_UP();
        }
        struct word_check *step = c; /* this frame's reads of the caller's registers */
        if (rbp_offset != 0) {
            uint64_t at = cfa + (uint64_t)rbp_offset;
            rbp = *(const uint64_t *)(uintptr_t)at;
            rbp_source = c - check;
            rbp_words[rbp_source / 64] |= 1ull << (rbp_source % 64);
            *c++ = (struct word_check){at, rbp};
        }
        if (rule->rbx_offset != RBX_UNCHANGED) { /* most functions save it */
            rbx_known = rule->rbx_offset != RBX_LOST;
            if (rbx_known) rbx = *(const uint64_t *)(uintptr_t)(cfa + (uint64_t)(int64_t)rule->rbx_offset);
        }
        ip = *(const uint64_t *)(uintptr_t)(cfa - 8);
        *c++ = (struct word_check){cfa - 8, ip};
        sp = cfa;
        if (out == end) { /* the caller's registers are read but not used: no frame depends on them */
            c = step;
            break;
        }
        if (FDH_UNLIKELY(ip < 4096)) GIVE_UP(); /* 0 ends libunwind's walk in its own way: let it decide */
    }
#undef GIVE_UP
    int n = (int)(out - frames);
    *hash = h ^ (h >> 29) ^ (uint64_t)n;
    struct word_check *kept = check;
    for (long i = 0; i < c - check; i++) {
        if (!(rbp_words[i / 64] >> (i % 64) & 1) || (needed[i / 64] >> (i % 64) & 1)) *kept++ = check[i];
    }
    *checks = (uint32_t)(kept - check);
    *rbp_needed = start_rbp_needed;
    return n;
}
