/* hooks_dbus.c — libdbus connections: dbus_connection_open/_open_private, dbus_bus_get/_get_private,
 * dbus_connection_close, dbus_connection_ref, dbus_connection_unref. A leaked bus connection costs a
 * descriptor in the program and a connection slot in dbus-daemon (256 per user by default), so it is
 * tracked as an object of its own (dbus_table.c), not only as the socket under it.
 *
 * The shim never includes or links libdbus: the types are opaque here, and the real functions are resolved
 * on first use — dlsym(RTLD_NEXT) first, then, because a module dlopen'ed RTLD_LOCAL (Python's
 * _dbus_bindings.so) brings libdbus into a local scope RTLD_NEXT does not search, the already loaded
 * libdbus-1.so.3 itself (RTLD_NOLOAD: never loads it). Without libdbus in the process these symbols are
 * only reached by a program probing for them; they then fail (NULL) instead of crashing.
 *
 * Only the application's calls count. libdbus calls its own exported functions through the PLT, so they
 * reach these hooks too, and not symmetrically (a pending call takes its connection reference internally
 * but drops it with the public dbus_connection_unref): calls whose return address lies in libdbus are
 * passed straight through, and a thread-local depth covers calls nested in a hooked one (dbus_bus_get
 * calls dbus_connection_open). The socket()/connect() libdbus makes inside are recorded by the socket hooks as
 * usual; the connection then adopts that descriptor (kind and owner D-Bus). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>

#include "shim.h"

typedef struct DBusConnection DBusConnection;
typedef struct DBusError DBusError;
typedef uint32_t dbus_bool_t;
enum { DBUS_BUS_SESSION = 0, DBUS_BUS_SYSTEM = 1, DBUS_BUS_STARTER = 2 }; /* libdbus's DBusBusType */

/* The interposed functions, with libdbus's signatures over opaque types. */
DBusConnection *dbus_connection_open(const char *address, DBusError *error);
DBusConnection *dbus_connection_open_private(const char *address, DBusError *error);
DBusConnection *dbus_bus_get(int type, DBusError *error);
DBusConnection *dbus_bus_get_private(int type, DBusError *error);
void dbus_connection_close(DBusConnection *connection);
DBusConnection *dbus_connection_ref(DBusConnection *connection);
void dbus_connection_unref(DBusConnection *connection);

static struct {
    DBusConnection *(*open)(const char *, DBusError *);
    DBusConnection *(*open_private)(const char *, DBusError *);
    DBusConnection *(*bus_get)(int, DBusError *);
    DBusConnection *(*bus_get_private)(int, DBusError *);
    void (*close)(DBusConnection *);
    DBusConnection *(*ref)(DBusConnection *);
    void (*unref)(DBusConnection *);
    dbus_bool_t (*get_unix_fd)(DBusConnection *, int *); /* optional: the connection's socket */
} real;
static int resolved; /* 1 once every required pointer above is set (release/acquire) */

/* Inside a libdbus call made by one of these hooks: nested dbus_* calls are libdbus's own business. */
static __thread int dbus_depth __attribute__((tls_model("initial-exec")));

/* The loaded libdbus by its soname first: that works whether it was loaded globally or RTLD_LOCAL, and a
 * successful dlsym does not allocate (a failing one mallocs its error message). RTLD_NEXT is the fallback
 * for a libdbus under another name. */
static void *find(const char *name, void **handle) {
    if (!*handle) *handle = dlopen("libdbus-1.so.3", RTLD_NOLOAD | RTLD_LAZY);
    void *function = *handle ? dlsym(*handle, name) : NULL;
    return function ? function : dlsym(RTLD_NEXT, name);
}

/* libdbus's code range: its calls to its own exported functions are not the application's, and its own
 * close() of a connection socket is no misuse (registered with the recorder). */
static uintptr_t dbus_text_start, dbus_text_end;

static int find_text(struct dl_phdr_info *info, size_t size, void *data) {
    uintptr_t target = (uintptr_t)data, low = UINTPTR_MAX, high = 0;
    int contains = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
        if (start < low) low = start;
        if (end > high) high = end;
        if (target >= start && target < end) contains = 1;
    }
    if (!contains) return 0;
    dbus_text_start = low;
    dbus_text_end = high;
    return 1;
}

/* Resolves every real function once libdbus is in the process; 0 while it is not. Two threads racing
 * here store the same values. */
static int resolve(void) {
    if (FDH_LIKELY(__atomic_load_n(&resolved, __ATOMIC_ACQUIRE))) return 1;
    int saved = errno;
    uint64_t signals = fdh_signals_hold(); /* dlopen, dlsym, dl_iterate_phdr: the loader's lock (raw.c) */
    void *handle = NULL;
    real.open = find("dbus_connection_open", &handle);
    real.open_private = find("dbus_connection_open_private", &handle);
    real.bus_get = find("dbus_bus_get", &handle);
    real.bus_get_private = find("dbus_bus_get_private", &handle);
    real.close = find("dbus_connection_close", &handle);
    real.ref = find("dbus_connection_ref", &handle);
    real.unref = find("dbus_connection_unref", &handle);
    real.get_unix_fd = find("dbus_connection_get_unix_fd", &handle);
    int complete = real.open && real.open_private && real.bus_get && real.bus_get_private && real.close &&
                   real.ref && real.unref;
    if (complete) {
        dl_iterate_phdr(find_text, (void *)(uintptr_t)real.close);
        fdh_set_owner_code(FDH_OWNER_DBUS, dbus_text_start, dbus_text_end);
        __atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
    }
    fdh_signals_release(signals);
    errno = saved;
    return complete;
}

/* Whether the application made this call: not nested in one of our hooks, not made by libdbus itself. */
static int from_application(void *return_address) {
    uintptr_t caller = (uintptr_t)return_address;
    return dbus_depth == 0 && !(caller > dbus_text_start && caller <= dbus_text_end);
}

static int socket_of(DBusConnection *connection) {
    int fd = -1;
    if (real.get_unix_fd && !real.get_unix_fd(connection, &fd)) fd = -1;
    return fd;
}

/* "session bus: unix:path=/run/user/1000/bus" — the bus, and the address libdbus will have used. */
static uint32_t describe_bus(int type) {
    const char *name = "bus", *address = NULL;
    switch (type) {
    case DBUS_BUS_SESSION: name = "session bus"; address = getenv("DBUS_SESSION_BUS_ADDRESS"); break;
    case DBUS_BUS_SYSTEM:
        name = "system bus";
        address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        if (!address) address = "unix:path=/var/run/dbus/system_bus_socket"; /* libdbus's default */
        break;
    case DBUS_BUS_STARTER: name = "starter bus"; address = getenv("DBUS_STARTER_ADDRESS"); break;
    }
    char buffer[600];
    char *end = buffer + sizeof buffer;
    char *p = fdh_append(buffer, end, name);
    if (address && *address) {
        p = fdh_append(p, end, ": ");
        p = fdh_append(p, end, address);
    }
    return fdh_intern(buffer, (size_t)(p - buffer));
}

static uint32_t describe_address(const char *address) {
    if (!address) return 0;
    char buffer[600];
    char *p = fdh_append(buffer, buffer + sizeof buffer, address);
    return fdh_intern(buffer, (size_t)(p - buffer));
}

static uint8_t bus_kind(int type) {
    switch (type) {
    case DBUS_BUS_SESSION: return FDH_DBUS_BUS_SESSION;
    case DBUS_BUS_SYSTEM: return FDH_DBUS_BUS_SYSTEM;
    case DBUS_BUS_STARTER: return FDH_DBUS_BUS_STARTER;
    default: return FDH_DBUS_BUS_ADDRESS;
    }
}

/* After an opening call: the new connection (or one more reference to a shared one), or the failure — a
 * refused connection ("maximum number of active connections") is the symptom users see. */
static DBusConnection *opened(void *caller, uint8_t api, DBusConnection *connection, int is_private, uint8_t bus,
                              uint32_t (*describe)(const void *), const void *what) {
    if (!from_application(caller)) return connection;
    FDH_RECORDING {
        uint32_t address = describe(what);
        if (connection) {
            fdh_dbus_opened(api, (uint64_t)(uintptr_t)connection, bus, is_private, address, socket_of(connection));
        } else {
            fdh_record_failure(api, 0, 0, address);
        }
    }
    return connection;
}

static uint32_t describe_address_arg(const void *what) { return describe_address(what); }
static uint32_t describe_bus_arg(const void *what) { return describe_bus(*(const int *)what); }

FDH_EXPORT DBusConnection *dbus_connection_open(const char *address, DBusError *error) {
    if (!resolve()) return NULL;
    dbus_depth++;
    DBusConnection *connection = real.open(address, error);
    dbus_depth--;
    return opened(__builtin_return_address(0), FDH_API_DBUS_CONNECTION_OPEN, connection, 0, FDH_DBUS_BUS_ADDRESS, describe_address_arg, address);
}

FDH_EXPORT DBusConnection *dbus_connection_open_private(const char *address, DBusError *error) {
    if (!resolve()) return NULL;
    dbus_depth++;
    DBusConnection *connection = real.open_private(address, error);
    dbus_depth--;
    return opened(__builtin_return_address(0), FDH_API_DBUS_CONNECTION_OPEN_PRIVATE, connection, 1, FDH_DBUS_BUS_ADDRESS, describe_address_arg,
                  address);
}

FDH_EXPORT DBusConnection *dbus_bus_get(int type, DBusError *error) {
    if (!resolve()) return NULL;
    dbus_depth++;
    DBusConnection *connection = real.bus_get(type, error);
    dbus_depth--;
    return opened(__builtin_return_address(0), FDH_API_DBUS_BUS_GET, connection, 0, bus_kind(type), describe_bus_arg, &type);
}

FDH_EXPORT DBusConnection *dbus_bus_get_private(int type, DBusError *error) {
    if (!resolve()) return NULL;
    dbus_depth++;
    DBusConnection *connection = real.bus_get_private(type, error);
    dbus_depth--;
    return opened(__builtin_return_address(0), FDH_API_DBUS_BUS_GET_PRIVATE, connection, 1, bus_kind(type), describe_bus_arg, &type);
}

/* Close and unref are recorded before the real call: once libdbus frees the object, another thread may get
 * a new connection at the same address, and that open must come after this release (as with close(2)). */
FDH_EXPORT void dbus_connection_close(DBusConnection *connection) {
    if (!resolve()) return;
    if (connection && from_application(__builtin_return_address(0))) {
        FDH_RECORDING fdh_dbus_closed((uint64_t)(uintptr_t)connection);
    }
    dbus_depth++;
    real.close(connection);
    dbus_depth--;
}

FDH_EXPORT DBusConnection *dbus_connection_ref(DBusConnection *connection) {
    if (!resolve()) return connection;
    dbus_depth++;
    DBusConnection *result = real.ref(connection);
    dbus_depth--;
    if (connection && from_application(__builtin_return_address(0))) {
        FDH_RECORDING fdh_dbus_referenced((uint64_t)(uintptr_t)connection);
    }
    return result;
}

FDH_EXPORT void dbus_connection_unref(DBusConnection *connection) {
    if (!resolve()) return;
    if (connection && from_application(__builtin_return_address(0))) {
        FDH_RECORDING fdh_dbus_unreferenced((uint64_t)(uintptr_t)connection);
    }
    dbus_depth++;
    real.unref(connection);
    dbus_depth--;
}
