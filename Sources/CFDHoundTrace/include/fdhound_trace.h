/* fdhound_trace.h — the one definition of fdhound's trace format.
 *
 * The shim (C, shim/) writes this layout into a MAP_SHARED file; the analyzer (Swift, FDHoundCore) reads
 * it through this header imported as the `CFDHoundTrace` module. Nothing else is shared between the two
 * halves. Every field is documented in docs/TRACE-FORMAT.md; change both in the same commit and bump
 * FDH_FORMAT_VERSION on any layout change.
 *
 * Layout of a trace file (all little-endian, 64-bit, naturally aligned):
 *
 *   +--------------------------+  offset 0
 *   | struct fdh_header        |  magic, version, process facts, counters, section directory
 *   +--------------------------+  sections[i].offset (each 4096-aligned)
 *   | section: strings         |  interned byte strings (paths, endpoints, argv, module paths)
 *   | section: string index    |  open-addressing hash table over the strings (writer-side interning)
 *   | section: modules         |  loaded objects: load bias, text range, build-id, path
 *   | section: stack nodes     |  trie of return addresses; an event names its innermost node
 *   | section: events          |  fixed-size ring of events: seq S lives at slot S % capacity
 *   | section: live fds        |  one slot per descriptor number: what is open now, and from where
 *   | section: call sites      |  exact opened/closed counters per opening stack
 *   | section: py codes        |  CPython code objects seen on stacks (optional; only when Python ran)
 *   | section: D-Bus conns     |  libdbus connections: pointer, bus address, opening stack, refs (optional)
 *   | section: evidence        |  live count and snapshots near the limit and at EMFILE/ENFILE (optional)
 *   | section: shards          |  per-thread-shard counters: the live count (version 3)
 *   +--------------------------+  file_size
 *
 * Publication rule (why a reader never sees half a record): a writer fills every field of a record first
 * and stores its state/commit word last with release ordering; a reader loads that word with acquire
 * ordering and ignores records whose word is not "published". Counters are updated with atomic adds.
 */
#ifndef FDHOUND_TRACE_H
#define FDHOUND_TRACE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- identity and versioning ------------------------------------------------------------------------ */

/* First 8 bytes of every trace file: "FDHTRACE" (no NUL). */
#define FDH_MAGIC_0 'F'
#define FDH_MAGIC_STRING "FDHTRACE"
#define FDH_MAGIC_LENGTH 8

/* Bumped on any incompatible layout change. Readers reject newer versions, naming both. */
/* 3: the call-site table is split into per-thread shard tables and the live count into per-shard counters
 *    (section 13), so threads opening at one call site never write one cache line (2026-11-26).
 * 2: the event log is a ring. */
#define FDH_FORMAT_VERSION 3u

/* Written as a uint32; reads back as 0x01020304 only on a reader of the same byte order. */
#define FDH_ENDIAN_MARK 0x01020304u

/* Maximum number of entries in the section directory. Readers skip section types they do not know. */
#define FDH_MAX_SECTIONS 16u

/* Offsets of sections are multiples of this (page size; lets the writer fault pages independently). */
#define FDH_SECTION_ALIGN 4096u

/* Maximum frames one stack may hold (native and, later, interpreter frames). */
#define FDH_MAX_STACK_DEPTH 128u

/* Maximum length of a GNU build-id we store (SHA-1 ids are 20 bytes). */
#define FDH_BUILD_ID_MAX 32u

/* ---- section directory ------------------------------------------------------------------------------ */

enum fdh_section_type {
    FDH_SECTION_NONE = 0,
    FDH_SECTION_STRINGS = 1,      /* byte arena of struct fdh_string records; capacity in bytes */
    FDH_SECTION_STRING_INDEX = 2, /* uint32 slots holding string ids; writer-only interning aid */
    FDH_SECTION_MODULES = 3,      /* struct fdh_module[capacity] */
    FDH_SECTION_STACK_NODES = 4,  /* struct fdh_stack_node[capacity]; node 0 is the empty stack */
    FDH_SECTION_EVENTS = 5,       /* struct fdh_event[capacity] */
    FDH_SECTION_LIVE_FDS = 6,     /* struct fdh_live_fd[capacity], indexed by descriptor number */
    FDH_SECTION_CALL_SITES = 7,   /* struct fdh_call_site[capacity], open addressing on stack id */
    FDH_SECTION_PY_CODES = 8,     /* struct fdh_py_code[capacity]: CPython code objects; index = code id;
                                     optional: a reader must accept a trace without it */
    /* Reserved for later format growth (documented in docs/TRACE-FORMAT.md, not yet written):
     *   9  FDH_SECTION_PROCESS     process-tree links (parent trace, fork/exec generation) */
    FDH_SECTION_DBUS = 10,        /* struct fdh_dbus_connection[capacity], open addressing on the pointer;
                                     optional: a reader must accept a trace without it */
    FDH_SECTION_EVIDENCE = 11,    /* one struct fdh_evidence: the live descriptor count and the snapshots
                                     taken near the limit and at EMFILE/ENFILE (entry_size = its size,
                                     capacity 1); optional: a reader must accept a trace without it */
    FDH_SECTION_ENVIRONMENT = 12, /* one struct fdh_environment: the kernel and C library the process ran on
                                     (entry_size = its size, capacity 1); optional: a reader must accept a
                                     trace without it (written since fdhound 2026-11-26, same version 2) */
    FDH_SECTION_SHARDS = 13,      /* struct fdh_shard[capacity]: per-thread-shard counters; its capacity is the
                                     number of tables the call-site section is split into. Written from
                                     version 3; a trace without it (every version 2 trace) has one call-site
                                     table and keeps the live count in evidence.live_now */
};

struct fdh_section {
    uint32_t type;       /* enum fdh_section_type */
    uint32_t entry_size; /* bytes per entry; 1 for the byte arena */
    uint64_t offset;     /* from the start of the file, FDH_SECTION_ALIGN-aligned */
    uint64_t capacity;   /* number of entries (bytes for FDH_SECTION_STRINGS) */
    uint64_t reserved;
};

/* ---- header ----------------------------------------------------------------------------------------- */

enum fdh_process_state {
    FDH_STATE_RUNNING = 1, /* writer active, or the process died without running its destructors */
    FDH_STATE_EXITED = 2,  /* the shim's destructor ran (normal exit / exit()) */
    FDH_STATE_EXECED = 3,  /* the process image was replaced by exec (the new image has its own trace) */
};

struct fdh_header {
    char magic[FDH_MAGIC_LENGTH]; /* "FDHTRACE" */
    uint32_t version;             /* FDH_FORMAT_VERSION of the writer */
    uint32_t header_size;         /* sizeof(struct fdh_header) of the writer */
    uint32_t endian_mark;         /* FDH_ENDIAN_MARK */
    uint16_t pointer_width;       /* bytes per pointer in the traced process (8) */
    uint16_t section_count;       /* used entries of sections[] */
    uint64_t file_size;           /* bytes; every section lies inside */

    /* the traced process */
    int32_t pid;
    int32_t ppid;
    uint32_t exe_string;          /* string id: path of the executable (readlink /proc/self/exe) */
    uint32_t cmdline_string;      /* string id: argv joined with NUL bytes (length in the string record) */
    uint64_t start_realtime_ns;   /* CLOCK_REALTIME at shim start, ns since the epoch */
    uint64_t start_monotonic_ns;  /* CLOCK_MONOTONIC at shim start; event times are relative to it */
    uint64_t end_monotonic_ns;    /* CLOCK_MONOTONIC (relative to start) when state left RUNNING; 0 before */
    uint64_t rlimit_nofile_soft;  /* RLIMIT_NOFILE at start; UINT64_MAX means unlimited */
    uint64_t rlimit_nofile_hard;
    uint32_t state;               /* enum fdh_process_state */
    uint32_t stack_depth;         /* the writer's configured maximum frames per stack */
    uint32_t flags;               /* FDH_HEADER_FLAG_* */
    uint32_t shim_module;         /* index into the module table of the shim itself (frames are skipped) */

    /* atomic counters */
    uint64_t events_next;         /* next event sequence number; may exceed the events capacity */
    uint64_t events_dropped;      /* events not stored because the log was full (counters stay exact) */
    uint64_t strings_used;        /* bytes of the string arena handed out (bump pointer) */
    uint64_t strings_dropped;     /* strings not stored (arena full); their id is 0 */
    uint64_t modules_next;        /* module slots handed out */
    uint64_t modules_dropped;
    uint64_t module_generation;   /* dl_iterate_phdr adds+subs last scanned (writer bookkeeping) */
    uint64_t stacks_dropped;      /* stacks cut short because the node table was full */
    uint64_t live_dropped;        /* descriptors above the live table's capacity */
    uint64_t sites_dropped;       /* opening stacks with no room in the call-site table */
    uint64_t dbus_dropped;        /* D-Bus connections not tracked: the connection table was full */
    uint32_t python_status;       /* enum fdh_python_status: interpreter frames recorded, or why not */
    uint32_t python_version;      /* PY_VERSION_HEX of the CPython found in the process; 0 if none */
    uint64_t python_skipped;      /* captures recorded native-only although Python was active (finalizing
                                     interpreter, code-table contention) */
    uint64_t py_codes_dropped;    /* code objects not stored (table full): their frames carry code id 0 */
    uint64_t nested_events;       /* events recorded without a stack: a signal handler interrupted its thread
                                     inside the recorder and called a traced function itself */
    int32_t tracer_fd_read;       /* the shim's parked libunwind pipe, read end: never the program's;
                                     -1 none (not parked, or given back); 0 unknown (older traces) */
    int32_t tracer_fd_write;      /* its write end, likewise */

    struct fdh_section sections[FDH_MAX_SECTIONS];
};

enum fdh_header_flags {
    FDH_HEADER_FLAG_STDIO_INHERITED = 1u << 0, /* descriptors 0–2 were open at start */
    FDH_HEADER_FLAG_FORKED = 1u << 1,          /* started by fork in a traced parent (same image): its
                                                  inherited descriptors link to the parent's FORK event */
    FDH_HEADER_FLAG_NO_STACKS_AFTER_FORK = 1u << 2, /* forked from a multithreaded parent: stacks are not
                                                  captured in this child (its unwinder locks may be held) */
    FDH_HEADER_FLAG_PYTHON_FRAMES = 1u << 3,   /* stacks may hold FDH_FRAME_PYTHON frames (section 8); such
                                                  stacks may be up to FDH_MAX_STACK_DEPTH frames long */
    FDH_HEADER_FLAG_DISK_FULL = 1u << 5,       /* the file system holding the trace filled up while tracing:
                                                  later records were dropped (counted in the *_dropped
                                                  counters), the program ran on */
    FDH_HEADER_FLAG_UNWINDER_YIELDED = 1u << 6, /* the program needed the numbers of the tracer's parked pipe
                                                  (EMFILE, dup2 onto one): the shim gave them back and
                                                  captured later stacks with glibc's backtrace() */
    FDH_HEADER_FLAG_ATTACHED = 1u << 7,        /* recording started in a running process (fdhound attach): the
                                                  INHERITED descriptors were open before the attach */
    FDH_HEADER_FLAG_DETACHED = 1u << 8,        /* recording stopped by fdhound detach: state is EXITED, and
                                                  the process may still be running */
    FDH_HEADER_FLAG_ALWAYS_ON = 1u << 9,       /* always-on mode (FDHOUND_ALWAYS_ON=1): every event is recorded,
                                                  but only some captures have a full stack — the first
                                                  occurrences of each code path and a sample of the rest; the
                                                  others have a partial stack (FDH_FRAME_SAMPLED_OUT) */
    FDH_HEADER_FLAG_SECCOMP = 1u << 10,        /* recording stopped (with DETACHED) because the program installed
                                                  a seccomp filter, which could refuse the tracer's own calls;
                                                  the live table is what was open at that moment */
    FDH_HEADER_FLAG_PYTHON_NATIVE_ONLY = 1u << 4, /* a CPython was found but its frames are not recorded (any
                                                  more); python_status says why */
};

/* Whether the shim records CPython frames in this process (header.python_status). */
enum fdh_python_status {
    FDH_PYTHON_NONE = 0,                /* no CPython seen (yet): native stacks only, nothing is wrong */
    FDH_PYTHON_ACTIVE = 1,              /* Python frames are recorded */
    FDH_PYTHON_UNSUPPORTED_VERSION = 2, /* a CPython without an offsets table in the shim (not 3.10–3.13) */
    FDH_PYTHON_FREE_THREADED = 3,       /* a free-threaded (no-GIL) build: different object layout */
    FDH_PYTHON_LAYOUT_MISMATCH = 4,     /* 3.13+: _Py_DebugOffsets disagree with the shim's table */
    FDH_PYTHON_SELF_CHECK_FAILED = 5,   /* the checked walk on the first Python event failed */
    FDH_PYTHON_DISABLED = 6,            /* switched off by FDHOUND_PYTHON=0 */
    FDH_PYTHON_MISSING_SYMBOLS = 7,     /* libpython found without all the symbols the walker needs */
    FDH_PYTHON_SUBINTERPRETER = 8,      /* a second interpreter appeared: the per-thread state the shim
                                           reads names the main interpreter only, so stacks could be wrong */
    FDH_PYTHON_OTHER_RUNTIME = 9,       /* a Python runtime that is not CPython (PyPy: libpypy*): its frames
                                           are not CPython frame objects, and its JIT code has no symbols;
                                           python_version 0 */
    FDH_PYTHON_HELPER = 10,             /* such a runtime ran fdhound's Python helper: stacks of calls that
                                           create descriptors end with the Python frames it handed in
                                           (section-8 records per file/function/line, offset unknown) */
};

/* ---- strings ---------------------------------------------------------------------------------------- */

/* A string id is the byte offset of its record inside the strings section; 0 means "no string".
 * Records start 8-aligned; the first record is at offset 8. */
struct fdh_string {
    uint32_t length; /* bytes, excluding the terminating NUL; published last (release) */
    uint32_t hash;   /* FNV-1a 32 of the bytes (writer-side interning) */
    /* followed by `length` bytes and one NUL, padded to a multiple of 8 */
};

/* ---- modules ---------------------------------------------------------------------------------------- */

/* One loaded object (executable, shared library, vdso). Slots are append-only: an object unloaded and
 * another loaded at the same address get two slots; first_event_seq tells which one an event saw. */
struct fdh_module {
    uint32_t state;             /* 0 empty, 1 published (release) */
    uint32_t path_string;       /* string id of the path as the loader names it ("" for the executable
                                   is replaced by /proc/self/exe's target) */
    uint64_t load_bias;         /* dlpi_addr: add to a file virtual address to get a runtime address */
    uint64_t text_start;        /* lowest runtime address of its executable PT_LOAD segments */
    uint64_t text_end;          /* one past the highest */
    uint64_t first_event_seq;   /* events_next when the module was recorded */
    uint32_t build_id_length;   /* bytes used in build_id; 0 if the object has no GNU build-id note */
    uint32_t reserved;
    uint8_t build_id[FDH_BUILD_ID_MAX];
};

/* ---- stacks ----------------------------------------------------------------------------------------- */

enum fdh_frame_kind {
    FDH_FRAME_RETURN_ADDRESS = 0, /* native return address: symbolize address - 1 */
    FDH_FRAME_PC = 1,             /* native exact instruction address */
    FDH_FRAME_PYTHON = 2,         /* ip = (code id << 32) | byte offset of the running instruction in the
                                     code's bytecode (FDH_PY_OFFSET_UNKNOWN: not known / not started) */
    FDH_FRAME_NESTED = 3,         /* ip 0, alone: the call was made by a signal handler that interrupted its
                                     thread inside the recorder, and no stack was captured (one node per
                                     trace, so such calls still have a call site with exact counts) */
    FDH_FRAME_SAMPLED_OUT = 4,    /* ip 0, the outermost node of a partial stack (always-on mode): the stack
                                     was not captured; its code path follows — the innermost Python frame
                                     (kind 2) if there is one, then the caller of the hooked function (kind 0) */
    FDH_FRAME_SIGNAL = 5,         /* ip = the signal return trampoline (glibc's __restore_rt): the frames
                                     inside it ran in a signal handler, and the next outer frame is where the
                                     signal interrupted the program (kind 1, an exact pc). Readers that do
                                     not know kind 5 read it as kind 1 (the trampoline's own address) */
};

#define FDH_PY_OFFSET_UNKNOWN 0xFFFFFFFFu

enum fdh_node_state {
    FDH_NODE_EMPTY = 0,
    FDH_NODE_CLAIMED = 1,   /* a writer is filling it in (CPython code objects only: stack nodes are written whole) */
    FDH_NODE_PUBLISHED = 2,
};

/* A node of the stack trie, stored in an open-addressing hash table keyed by (parent, ip, kind). The node's
 * index is its stack id. Following parent links from an event's node yields the stack innermost first;
 * parent 0 means outermost frame. Node 0 is never used, so stack id 0 means "no stack". */
struct fdh_stack_node {
    uint64_t ip;
    uint32_t parent;
    uint16_t kind;  /* enum fdh_frame_kind */
    uint16_t state; /* enum fdh_node_state, published last (release) */
};

/* ---- descriptors: what they are and who owns them ---------------------------------------------------- */

enum fdh_fd_kind {
    FDH_KIND_UNKNOWN = 0,
    FDH_KIND_FILE = 1,
    FDH_KIND_DIRECTORY = 2,
    FDH_KIND_PIPE = 3,
    FDH_KIND_SOCKET_UNIX = 4,
    FDH_KIND_SOCKET_INET = 5,
    FDH_KIND_SOCKET_INET6 = 6,
    FDH_KIND_SOCKET_OTHER = 7,
    FDH_KIND_EVENTFD = 8,       /* reserved kinds 8–15 for the complete API coverage */
    FDH_KIND_TIMERFD = 9,
    FDH_KIND_SIGNALFD = 10,
    FDH_KIND_EPOLL = 11,
    FDH_KIND_INOTIFY = 12,
    FDH_KIND_MEMFD = 13,
    FDH_KIND_PIDFD = 14,
    FDH_KIND_PTY = 15,
    FDH_KIND_DBUS = 16,
    FDH_KIND_FANOTIFY = 17,
    FDH_KIND_FIFO = 18,         /* a named pipe opened by path */
    FDH_KIND_COUNT
};

enum fdh_fd_owner {
    FDH_OWNER_RAW = 0,   /* plain descriptor: close() releases it */
    FDH_OWNER_STDIO = 1, /* wrapped by a FILE*: fclose() releases it */
    FDH_OWNER_DIR = 2,   /* wrapped by a DIR*: closedir() releases it */
    FDH_OWNER_DBUS = 3,  /* owned by a libdbus connection (its socket): dbus_connection_close releases it */
};

/* ---- events ----------------------------------------------------------------------------------------- */

/* What happened. `api` names the function that did it. */
enum fdh_event_type {
    FDH_EVENT_NONE = 0,
    FDH_EVENT_OPEN = 1,      /* fd (and fd2 for pairs) became open; str1 = path or local endpoint */
    FDH_EVENT_CLOSE = 2,     /* fd was released; recorded before the real call, result filled after */
    FDH_EVENT_DUP = 3,       /* fd2 = copy of fd; if fd2 was open it was implicitly closed first */
    FDH_EVENT_LABEL = 4,     /* fd got a description: str1 = local endpoint, str2 = peer endpoint */
    FDH_EVENT_OWNER = 5,     /* fd's owner changed to `owner` (fdopen, fdopendir) */
    FDH_EVENT_INHERITED = 6, /* fd was open when the shim started; str1 = what /proc/self/fd said */
    FDH_EVENT_FAILED = 7,    /* a creating call failed: result -1, err = errno */
    FDH_EVENT_EXIT = 8,      /* the shim's destructor ran */
    FDH_EVENT_FORK = 9,      /* a child process was created (fork, _Fork, vfork, clone, posix_spawn): result =
                                its pid (-1 and err if the call failed). Reserved before the call: an
                                OPEN or DUP with a lower seq happened before the child existed */
    FDH_EVENT_EXEC = 10,     /* exec of str1 was attempted; result/err filled after (only a failure returns) */
    /* 11 reserved (descriptors received by SCM_RIGHTS are OPEN events with api recvmsg/recvmmsg) */
    FDH_EVENT_DBUS_OPEN = 12,  /* a libdbus connection was opened (api open/open_private/bus_get/bus_get_private)
                                  or referenced again (api dbus_connection_ref, or a bus_get returning the
                                  shared connection): arg = DBusConnection pointer, fd = its socket (-1
                                  unknown), result = application references after the call, str1 = bus
                                  address, owner = FDH_OWNER_DBUS */
    FDH_EVENT_DBUS_CLOSE = 13, /* dbus_connection_close or dbus_connection_unref of a tracked connection:
                                  same fields; result = references left */
    FDH_EVENT_MISUSE = 14,   /* arg = enum fdh_misuse; fd = the descriptor; recorded in addition to the call */
    FDH_EVENT_CLOEXEC = 15,  /* close-on-exec of fd changed (fcntl F_SETFD): arg = 1 set, 0 cleared */
    FDH_EVENT_PHASE_BEGIN = 16, /* the program began a phase (fdhound_phase_begin, shim/include/fdhound.h):
                                   str1 = its name (0: unnamed), api = FDH_API_PHASE, tid = the thread */
    FDH_EVENT_PHASE_END = 17,   /* fdhound_phase_end: ends the innermost phase of this tid still open */
    FDH_EVENT_ABANDONED = 18,   /* a slot whose writer was jumped out of (siglongjmp from a signal handler)
                                   before it published: result = the type it was recording, the other fields
                                   as far as it got. Published so that the ring can reuse the slot; fdhound's
                                   reader skips it like any type it does not know */
    /* Readers ignore event types they do not know: adding one is not a layout change. */
};

/* `arg` of OPEN and DUP events: the call's own flags, plus this bit when the new descriptor (both, for a
 * pair) is close-on-exec, however the call said so (O_CLOEXEC, SOCK_CLOEXEC, MFD_CLOEXEC, an "e" fopen mode,
 * F_DUPFD_CLOEXEC, opendir…). Absent in traces written before it existed (read as: not close-on-exec). */
#define FDH_EVENT_ARG_CLOEXEC (1ull << 63)

/* What an FDH_EVENT_MISUSE event reports. */
/* `arg` of a CLOSE event in a CPython process (Python frames active): what the interpreter was doing. */
enum fdh_close_python_context {
    FDH_CLOSE_PY_FINALIZING = 1u << 0, /* the interpreter was finalizing (Py_FinalizeEx: shutdown) */
    FDH_CLOSE_PY_GC = 1u << 1,         /* the cyclic garbage collector was collecting */
};

enum fdh_misuse {
    FDH_MISUSE_CLOSE_NOT_OPEN = 1,   /* close of a descriptor that is not open (EBADF): a double close if it
                                        was open earlier; str1 = what it was */
    FDH_MISUSE_CLOSE_OWNED = 2,      /* raw close() of a descriptor owned by a FILE*, DIR* or D-Bus
                                        connection: the owner will later close whatever reuses the number;
                                        owner = the owner */
};

enum fdh_api {
    FDH_API_NONE = 0,
    FDH_API_OPEN = 1, FDH_API_OPEN64 = 2, FDH_API_OPENAT = 3, FDH_API_OPENAT64 = 4, FDH_API_CREAT = 5,
    FDH_API_SOCKET = 6, FDH_API_SOCKETPAIR = 7, FDH_API_ACCEPT = 8, FDH_API_ACCEPT4 = 9,
    FDH_API_CONNECT = 10, FDH_API_BIND = 11,
    FDH_API_PIPE = 12, FDH_API_PIPE2 = 13,
    FDH_API_DUP = 14, FDH_API_DUP2 = 15, FDH_API_DUP3 = 16, FDH_API_FCNTL = 17,
    FDH_API_CLOSE = 18,
    FDH_API_FOPEN = 19, FDH_API_FOPEN64 = 20, FDH_API_FDOPEN = 21, FDH_API_FCLOSE = 22,
    FDH_API_OPENDIR = 23, FDH_API_FDOPENDIR = 24, FDH_API_CLOSEDIR = 25,
    FDH_API_STARTUP = 26, /* the shim itself (inherited descriptors, exit) */
    FDH_API_CREAT64 = 27,
    FDH_API_POPEN = 28, FDH_API_PCLOSE = 29,
    FDH_API_MKSTEMP = 30, FDH_API_MKOSTEMP = 31, FDH_API_MKSTEMPS = 32, FDH_API_MKOSTEMPS = 33,
    FDH_API_TMPFILE = 34, FDH_API_FREOPEN = 35,
    FDH_API_EVENTFD = 36, FDH_API_TIMERFD_CREATE = 37, FDH_API_SIGNALFD = 38,
    FDH_API_EPOLL_CREATE = 39, FDH_API_EPOLL_CREATE1 = 40,
    FDH_API_INOTIFY_INIT = 41, FDH_API_INOTIFY_INIT1 = 42, FDH_API_FANOTIFY_INIT = 43,
    FDH_API_MEMFD_CREATE = 44, FDH_API_PIDFD_OPEN = 45, FDH_API_POSIX_OPENPT = 46, FDH_API_GETPT = 47,
    FDH_API_RECVMSG = 48, FDH_API_RECVMMSG = 49,
    FDH_API_CLOSE_RANGE = 50, FDH_API_CLOSEFROM = 51,
    FDH_API_FORK = 52, FDH_API_VFORK = 53, FDH_API_POSIX_SPAWN = 54, FDH_API_EXEC = 55,
    FDH_API_DBUS_CONNECTION_OPEN = 56, FDH_API_DBUS_CONNECTION_OPEN_PRIVATE = 57,
    FDH_API_DBUS_BUS_GET = 58, FDH_API_DBUS_BUS_GET_PRIVATE = 59, FDH_API_DBUS_CONNECTION_CLOSE = 60,
    FDH_API_DBUS_CONNECTION_UNREF = 61, FDH_API_DBUS_CONNECTION_REF = 62,
    FDH_API_TMPFILE64 = 63, FDH_API_MKSTEMP64 = 64, FDH_API_FREOPEN64 = 65, FDH_API_FOPENCOOKIE = 66,
    FDH_API_PHASE = 67, /* fdhound_phase_begin / fdhound_phase_end (not a descriptor call) */
    FDH_API__FORK = 68,  /* glibc's _Fork (no atfork handlers) */
    FDH_API_CLONE = 69,  /* clone() making a process (not a thread) */
    FDH_API_COUNT
};

/* The commit word of an event slot. Version 1 logs kept the first `capacity` events (commit 0 or 1).
 * Version 2 logs are a ring: event seq S lives at slot S % capacity, and its commit word is the lap it
 * belongs to, fdh_event_commit_word(S, capacity) — 1 for the first lap, as in version 1 — so a slot
 * rewritten between a reader's two loads of the word never reads as consistent. */
enum fdh_event_commit {
    FDH_EVENT_UNPUBLISHED = 0,          /* never written */
    FDH_EVENT_PUBLISHED = 1,            /* version 1; version 2: published in the first lap */
    FDH_EVENT_BUSY = 0xFFFFFFFFu,       /* version 2: a writer owns the slot (claimed by CAS) */
};

/* The commit word that publishes event `seq` in a ring of `capacity` slots: its lap + 1, never 0 or BUSY. */
static inline uint32_t fdh_event_commit_word(uint64_t seq, uint64_t capacity) {
    return (uint32_t)((seq / capacity) % 0xFFFFFFFEu) + 1u;
}

/* One event. 64 bytes. Version 2: stored at slot seq % capacity (a ring; the newest events are kept).
 * Version 1: stored at index seq while seq < capacity, later events dropped. */
struct fdh_event {
    uint32_t commit;    /* enum fdh_event_commit, stored last (release) */
    uint8_t type;       /* enum fdh_event_type */
    uint8_t api;        /* enum fdh_api */
    uint8_t kind;       /* enum fdh_fd_kind of fd after the event */
    uint8_t owner;      /* enum fdh_fd_owner of fd after the event */
    int32_t fd;         /* the descriptor the event is about; -1 if none */
    int32_t fd2;        /* second descriptor (pipe/socketpair write end, dup target); -1 if none */
    int32_t result;     /* the call's return value as an int (-1 on failure) */
    int32_t err;        /* errno after the call when it failed, else 0 */
    uint64_t time_ns;   /* CLOCK_MONOTONIC minus header.start_monotonic_ns */
    uint32_t tid;       /* kernel thread id of the caller */
    uint32_t stack;     /* stack id (innermost node); 0 if none was captured */
    uint32_t str1;      /* string id: path, local endpoint or description; 0 if none */
    uint32_t str2;      /* string id: peer endpoint; 0 if none */
    uint64_t arg;       /* call-specific: open flags, dup3/accept4/pipe2 flags, fcntl command */
    uint64_t seq;       /* this event's sequence number (slot = seq % capacity) */
};

/* Reader side of the publication protocol (a seqlock): copies the slot into *out and returns its commit
 * word, or FDH_EVENT_BUSY when the copy cannot be trusted (never written, a writer owned the slot, or it
 * was rewritten meanwhile). The caller still checks the word against out->seq (fdh_event_commit_word) and
 * the slot index. */
static inline uint32_t fdh_event_read(const struct fdh_event *slot, struct fdh_event *out) {
    uint32_t first = __atomic_load_n(&slot->commit, __ATOMIC_ACQUIRE);
    if (first == FDH_EVENT_UNPUBLISHED || first == FDH_EVENT_BUSY) return FDH_EVENT_BUSY;
    __builtin_memcpy(out, (const void *)slot, sizeof *out);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t second = __atomic_load_n(&slot->commit, __ATOMIC_RELAXED);
    return second == first ? first : FDH_EVENT_BUSY;
}

/* ---- live descriptors ------------------------------------------------------------------------------- */

enum fdh_live_state {
    FDH_LIVE_CLOSED = 0,    /* never opened, or closed */
    FDH_LIVE_OPEN = 1,      /* opened while traced */
    FDH_LIVE_INHERITED = 2, /* open when the shim started */
};

/* Slot `fd` describes descriptor number fd as of the last event on it. Exact even when the event log is
 * full. `version` is a seqlock: odd while a writer updates the slot; a reader retries or skips odd slots. */
struct fdh_live_fd {
    uint32_t version;
    uint32_t state;      /* enum fdh_live_state */
    uint8_t kind;        /* enum fdh_fd_kind */
    uint8_t owner;       /* enum fdh_fd_owner */
    uint8_t api;         /* enum fdh_api that opened it */
    uint8_t cloexec;     /* 1 if opened with close-on-exec */
    uint32_t stack;      /* stack id of the opening call */
    uint32_t str1;       /* path or local endpoint */
    uint32_t str2;       /* peer endpoint */
    uint32_t tid;        /* opening thread */
    uint8_t tcp_state;   /* for TCP sockets open at exit: the kernel's TCP state then (1 ESTABLISHED … 8
                            CLOSE_WAIT … 10 LISTEN, as in /proc/net/tcp); 0 unknown / not recorded */
    uint8_t shard;       /* version 3: the opening thread's shard: the call-site table that counts its close */
    uint8_t reserved[2]; /* (was alignment padding: the layout is unchanged) */
    uint64_t open_seq;   /* sequence number of the opening event */
    uint64_t time_ns;    /* when it was opened, relative to start */
};

/* The writer's entry_size for the live table: each slot alone in a 64-byte cache line, so threads working on
 * neighbouring descriptor numbers (the kernel hands out the lowest free one) do not write the same line.
 * The 16 bytes after the fields are padding, zero. Older traces have entry_size 48; readers stride by
 * entry_size. */
#define FDH_LIVE_FD_STRIDE 64u

/* ---- D-Bus connections ------------------------------------------------------------------------------ */

enum fdh_dbus_flags {
    FDH_DBUS_PRIVATE = 1u << 0,  /* opened with dbus_connection_open_private / dbus_bus_get_private: the
                                    application must dbus_connection_close it */
    FDH_DBUS_CLOSED = 1u << 1,   /* dbus_connection_close was called */
    FDH_DBUS_RELEASED = 1u << 2, /* the application's references reached 0 (the slot no longer matches) */
    FDH_DBUS_ENDED = 1u << 3,    /* no longer open as far as the application is concerned: a private
                                    connection was closed, a shared one lost its last reference; end_seq set */
};

enum fdh_dbus_bus {
    FDH_DBUS_BUS_ADDRESS = 0,    /* dbus_connection_open*(address) */
    FDH_DBUS_BUS_SESSION = 1,    /* dbus_bus_get*(DBUS_BUS_SESSION) */
    FDH_DBUS_BUS_SYSTEM = 2,     /* dbus_bus_get*(DBUS_BUS_SYSTEM) */
    FDH_DBUS_BUS_STARTER = 3,    /* dbus_bus_get*(DBUS_BUS_STARTER) */
};

/* One libdbus connection (DBusConnection*) the program opened. 80 bytes. Each opening gets its own slot
 * (a pointer freed and reused by libdbus gets a second one), found by open addressing on the pointer; a
 * writer claims a slot by CAS on `connection` from 0 and publishes it by storing `state` = 2 last. Slots
 * are never freed, so the table is exact (including when the event log is full): connections opened =
 * published slots; open at the end = slots without FDH_DBUS_ENDED; peak = sweep over [open_seq, end_seq). */
struct fdh_dbus_connection {
    uint64_t connection;  /* DBusConnection pointer in the traced process; 0 = empty slot */
    uint32_t state;       /* 0 not published (connection != 0: claimed, being filled), 2 published (release);
                             1 is never written */
    uint32_t flags;       /* enum fdh_dbus_flags, updated with atomic or */
    uint8_t api;          /* enum fdh_api that opened it */
    uint8_t bus;          /* enum fdh_dbus_bus */
    uint16_t reserved;
    int32_t fd;           /* its socket (dbus_connection_get_unix_fd); -1 unknown */
    int32_t refs;         /* application references: +1 open/get/ref, -1 unref (atomic) */
    uint32_t tid;         /* opening thread */
    uint32_t stack;       /* stack id of the opening call */
    uint32_t end_stack;   /* stack id of the call that ended it (close, last unref); 0 while open */
    uint32_t address;     /* string id: the bus address ("session bus: unix:path=...", or as passed) */
    uint32_t reserved2;
    uint64_t open_seq;    /* sequence number of its DBUS_OPEN event (reserved even when the log is full) */
    uint64_t end_seq;     /* sequence number of the DBUS_CLOSE event that ended it; 0 while open */
    uint64_t open_time_ns; /* relative to start */
    uint64_t end_time_ns;  /* relative to start; 0 while open */
};

/* ---- CPython code objects (section 8) ---------------------------------------------------------------- */

/* One code object, copied the first time it is seen on a stack (code objects can be freed afterwards, so
 * nothing is resolved later against the process's memory). The index is the code id; slot 0 is never
 * used. Open addressing keyed by (code_address, identity); a slot is claimed by CAS on `state`. */
struct fdh_py_code {
    uint32_t state;            /* enum fdh_node_state: 0 empty, 1 claimed, 2 published (release, last) */
    uint32_t first_line;       /* co_firstlineno */
    uint32_t filename_string;  /* string id: co_filename as UTF-8 */
    uint32_t qualname_string;  /* string id: co_qualname (3.11+); co_name on 3.10, which has no qualname */
    uint32_t linetable_string; /* string id of the raw co_linetable bytes (binary; 0 if too large) */
    uint32_t python_version;   /* PY_VERSION_HEX of the writer's interpreter: selects the line-table format */
    uint64_t code_address;     /* writer-side identity: the code object's address (addresses are reused) */
    uint64_t identity;         /* writer-side identity: hash of the filename/name/line-table pointers and
                                  first line, which tells a reused address from the original object */
    uint64_t reserved;
};

/* ---- call sites ------------------------------------------------------------------------------------- */

/* Exact counters per opening stack: how many descriptors were opened there and how many of those were
 * closed again. Open addressing keyed by stack id; a slot is claimed by CAS on `stack` from 0.
 * Version 3: the section holds one table per shard (section 13's capacity; each capacity / shards slots,
 * a power of two, table s at slot s × that): a thread counts its opens in its own shard's table, and a
 * close is counted in the table its descriptor's opening counted in (fdh_live_fd.shard), so a stack may
 * have a slot in several tables and its totals are the sums. Version 2: one table. */
struct fdh_call_site {
    uint32_t stack;    /* 0 = empty slot */
    uint32_t reserved;
    uint64_t opened;
    uint64_t closed;
    uint64_t peak_open; /* highest opened - closed this slot saw (version 3: of its own table only, so not a
                           process-wide peak; readers do not sum it) */
};

/* ---- shards (section 13) ---------------------------------------------------------------------------- */

/* Counters every open and close would otherwise add to in one shared cache line, split by thread: a thread
 * adds to shard (its index in the process) % capacity. One 64-byte line each. */
struct fdh_shard {
    uint64_t live;          /* descriptors opened minus closed by this shard's threads, modulo 2^64 (a shard
                               closing what another opened goes below zero): the live count is the sum over
                               the shards, modulo 2^64 */
    uint64_t reserved[7];
};

/* ---- evidence: snapshots near the descriptor limit ----------------------------------------------------- */

/* Why a snapshot was taken. */
enum fdh_snapshot_trigger {
    FDH_SNAPSHOT_NONE = 0,      /* slot not used */
    FDH_SNAPSHOT_THRESHOLD = 1, /* the live count first reached evidence.threshold (a share of the soft limit) */
    FDH_SNAPSHOT_EMFILE = 2,    /* the first creating call that failed with EMFILE (the process's limit) */
    FDH_SNAPSHOT_ENFILE = 3,    /* the first creating call that failed with ENFILE (the system's limit) */
};

#define FDH_SNAPSHOT_SITES 64u  /* code paths kept per snapshot: those holding the most descriptors */
#define FDH_SNAPSHOT_SLOTS 3u   /* one per trigger */

/* Which code paths held how many descriptors at one moment. Filled by the one thread that won the slot, then
 * published by storing `trigger` last (release). */
struct fdh_snapshot {
    uint32_t trigger;         /* enum fdh_snapshot_trigger; 0 while unpublished */
    uint32_t site_count;      /* used entries of sites[] */
    uint64_t time_ns;         /* like fdh_event.time_ns */
    uint64_t event_seq;       /* header.events_next at that moment: events before it happened before it */
    uint64_t live_count;      /* descriptors open (evidence.live_now) */
    uint64_t limit;           /* soft RLIMIT_NOFILE at that moment (UINT64_MAX: unlimited) */
    uint32_t api;             /* the failing call (EMFILE/ENFILE), else 0 */
    uint32_t stack;           /* the failing call's stack, else 0 */
    uint64_t other_open;      /* descriptors open at that moment whose code path is not in sites[] */
    uint64_t reserved;
    struct {
        uint32_t stack;       /* the code path (call-site stack id; 0: inherited or unknown) */
        uint32_t reserved;
        uint64_t open;        /* its descriptors open at that moment */
    } sites[FDH_SNAPSHOT_SITES];
};

struct fdh_evidence {
    uint64_t live_now;         /* version 2: descriptors open now (inherited ones included), atomic; version 3:
                                  0, the count is the sum of the shards' `live` (section 13) */
    uint64_t threshold;        /* live count that takes the THRESHOLD snapshot (0: never) */
    uint64_t emfile_failures;  /* creating calls that failed with EMFILE, all of them */
    uint64_t enfile_failures;  /* the same for ENFILE */
    uint32_t threshold_permille; /* the share of the soft limit the threshold was computed from */
    uint32_t reserved;
    uint64_t reserved2[3];
    struct fdh_snapshot snapshots[FDH_SNAPSHOT_SLOTS]; /* index = trigger - 1 */
};

/* Sizes are part of the format: a change here is a format change (bump FDH_FORMAT_VERSION). */
_Static_assert(sizeof(struct fdh_section) == 32, "fdh_section layout changed");
_Static_assert(sizeof(struct fdh_header) == 744, "fdh_header layout changed");
_Static_assert(sizeof(struct fdh_module) == 80, "fdh_module layout changed");
_Static_assert(sizeof(struct fdh_stack_node) == 16, "fdh_stack_node layout changed");
_Static_assert(sizeof(struct fdh_event) == 64, "fdh_event layout changed");
_Static_assert(sizeof(struct fdh_snapshot) == 64 + 16 * FDH_SNAPSHOT_SITES, "fdh_snapshot layout changed");
_Static_assert(sizeof(struct fdh_live_fd) == 48, "fdh_live_fd layout changed");
_Static_assert(sizeof(struct fdh_call_site) == 32, "fdh_call_site layout changed");
_Static_assert(sizeof(struct fdh_shard) == 64, "fdh_shard layout changed");
_Static_assert(sizeof(struct fdh_py_code) == 48, "fdh_py_code layout changed");
_Static_assert(sizeof(struct fdh_dbus_connection) == 80, "fdh_dbus_connection layout changed");

#ifdef __cplusplus
}
#endif

/* ---- section 12: environment ------------------------------------------------------------------------ */

/* Where the process ran, for the report's environment section; written once at start, never changed. */
struct fdh_environment {
    uint32_t kernel_string; /* string id: uname's sysname, release and machine ("Linux 6.1.0-18-amd64 x86_64") */
    uint32_t libc_string;   /* string id: the C library and its version ("glibc 2.36"); 0 if unknown */
    uint32_t reserved[6];
};

#endif /* FDHOUND_TRACE_H */
