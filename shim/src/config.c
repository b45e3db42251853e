/* config.c — sizes and places from the environment (documented in README.md):
 *   FDHOUND_OUTPUT_DIR     where fdhound.<pid>.trace goes (default: the current directory)
 *   FDHOUND_STACK_DEPTH    frames per stack, 1–128 (default 32)
 *   FDHOUND_EVENT_CAPACITY events kept in the log (default 262144; counters stay exact beyond it)
 *   FDHOUND_MAX_FDS        highest descriptor number tracked + 1 (default 65536, capped by RLIMIT_NOFILE)
 *   FDHOUND_STACK_NODES    stack-trie nodes (default 262144)
 *   FDHOUND_STRING_BYTES   bytes for interned paths and endpoints (default 8 MiB)
 *   FDHOUND_PY_CODES       CPython code objects kept for Python stacks (default 16384)
 *   FDHOUND_PYTHON         0: record native frames only, even in CPython processes (default 1)
 *   FDHOUND_SNAPSHOT_AT    percent of the soft RLIMIT_NOFILE whose crossing takes a snapshot (default 80;
 *                          0: never)
 *   FDHOUND_ALWAYS_ON      1: always-on mode — every event recorded, stacks sampled (sampling.c; default 0)
 *   FDHOUND_SAMPLE_FIRST   always-on: captures with a full stack per code path first (default 8)
 *   FDHOUND_SAMPLE_EVERY   always-on: then one in this many on average (default 64)
 *   FDHOUND_UNWIND_VERIFY  1: every capture is walked by the fast unwinder and by libunwind, and the program
 *                          aborts if they differ (for the shim's tests; fast_unwind.c)
 * A malformed value is a configuration error: the program then runs untraced, with one line saying why.
 * `fdhound attach` cannot change the target's environment: it hands the same NAME=value settings to
 * fdhound_attach_with (attach.c), and they are looked up here before the environment. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "shim.h"

/* Parses a decimal unsigned number; returns 0 on success, -1 if malformed or out of [min, max]. */
static int parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    if (!text || !*text) return -1;
    uint64_t value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        uint64_t digit = (uint64_t)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10) return -1;
        value = value * 10 + digit;
    }
    if (value < min || value > max) return -1;
    *out = value;
    return 0;
}

static uint64_t round_up_pow2(uint64_t v) {
    uint64_t p = 1;
    while (p < v) p <<= 1;
    return p;
}

/* Settings given by fdhound_attach_with: "NAME=value" separated by spaces; NULL outside that call. */
static const char *given_settings;
static char given_value[32];

void fdh_config_given(const char *settings) { given_settings = settings; }

/* The value of setting `name`: from the given settings if it is there, else the environment. */
static const char *setting(const char *name) {
    size_t length = fdh_strlen(name);
    for (const char *p = given_settings; p && *p;) {
        while (*p == ' ') p++;
        const char *end = p;
        while (*end && *end != ' ') end++;
        if ((size_t)(end - p) > length && strncmp(p, name, length) == 0 && p[length] == '=') {
            size_t n = (size_t)(end - p) - length - 1;
            if (n >= sizeof given_value) n = sizeof given_value - 1; /* too long: read as malformed below */
            memcpy(given_value, p + length + 1, n);
            given_value[n] = '\0';
            return given_value;
        }
        p = end;
    }
    return getenv(name);
}

static int number_setting(const char *name, uint64_t min, uint64_t max, uint64_t *value, const char **failure) {
    const char *text = setting(name);
    if (!text) return 0;
    if (parse_u64(text, min, max, value) != 0) {
        *failure = name;
        return -1;
    }
    return 0;
}

int fdh_config_load(struct fdh_config *config, const char **failure) {
    memset(config, 0, sizeof *config);
    uint64_t depth = 32;
    config->event_capacity = 262144;
    config->max_fds = 65536;
    config->stack_nodes = 262144;
    config->string_bytes = 8u << 20;
    config->modules = 4096;
    config->py_codes = 16384;
    const char *python = setting("FDHOUND_PYTHON");
    config->python = !(python && python[0] == '0' && python[1] == '\0');
    const char *verify = setting("FDHOUND_UNWIND_VERIFY");
    config->unwind_verify = verify && verify[0] == '1' && verify[1] == '\0';
    config->dbus_connections = 4096; /* 80 bytes each; dbus-daemon refuses a user's 257th by default */

    const char *dir = getenv("FDHOUND_OUTPUT_DIR");
    if (!dir || !*dir) dir = ".";
    if (fdh_strlen(dir) >= sizeof config->output_dir - 64) {
        *failure = "FDHOUND_OUTPUT_DIR is too long";
        return -1;
    }
    fdh_append(config->output_dir, config->output_dir + sizeof config->output_dir, dir);

    if (number_setting("FDHOUND_STACK_DEPTH", 1, FDH_MAX_STACK_DEPTH, &depth, failure) ||
        number_setting("FDHOUND_EVENT_CAPACITY", 16, 1ull << 26, &config->event_capacity, failure) ||
        number_setting("FDHOUND_MAX_FDS", 64, 1ull << 24, &config->max_fds, failure) ||
        number_setting("FDHOUND_STACK_NODES", 1024, 1ull << 26, &config->stack_nodes, failure) ||
        number_setting("FDHOUND_PY_CODES", 64, 1ull << 22, &config->py_codes, failure) ||
        number_setting("FDHOUND_STRING_BYTES", 4096, 1ull << 30, &config->string_bytes, failure)) {
        return -1;
    }
    config->stack_depth = (uint32_t)depth;
    uint64_t always_on = 0, sample_first = 8, sample_every = 64;
    if (number_setting("FDHOUND_ALWAYS_ON", 0, 1, &always_on, failure) ||
        number_setting("FDHOUND_SAMPLE_FIRST", 1, 1u << 20, &sample_first, failure) ||
        number_setting("FDHOUND_SAMPLE_EVERY", 1, 1u << 20, &sample_every, failure)) {
        return -1;
    }
    config->always_on = (int)always_on;
    config->sample_first = (uint32_t)sample_first;
    config->sample_every = (uint32_t)sample_every;
    uint64_t snapshot_percent = 80;
    if (number_setting("FDHOUND_SNAPSHOT_AT", 0, 100, &snapshot_percent, failure)) return -1;
    config->snapshot_permille = (uint32_t)snapshot_percent * 10;

    /* No descriptor can exceed the hard limit, so a larger live table would only waste space. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_max != RLIM_INFINITY &&
        limit.rlim_max < config->max_fds) {
        config->max_fds = limit.rlim_max < 64 ? 64 : limit.rlim_max;
    }
    config->stack_nodes = round_up_pow2(config->stack_nodes);
    config->py_codes = round_up_pow2(config->py_codes);
    /* About one index slot per 32 bytes of strings keeps the index under 70 % full for typical paths. */
    config->string_slots = round_up_pow2(config->string_bytes / 32 < 1024 ? 1024 : config->string_bytes / 32);
    config->call_sites = round_up_pow2(config->stack_nodes / 4 < 1024 ? 1024 : config->stack_nodes / 4);
    return 0;
}
