/* dbus_endpoints.c — the socket addresses of the message buses, so that a client which speaks D-Bus without
 * libdbus (sd-bus, a hand-written client: socket() + connect() to the bus socket) is still seen as holding a
 * bus connection. Read once at start-up (getenv and parsing are not for hooks); connect compares against
 * these static buffers only. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define ENDPOINT_MAX 8
#define ENDPOINT_BYTES 256

/* In fdh_describe_sockaddr's notation: a path, or "@name" for the abstract namespace. */
static char endpoints[ENDPOINT_MAX][ENDPOINT_BYTES];
static unsigned endpoint_count;

static void add_endpoint(const char *text, size_t length) {
    if (endpoint_count >= ENDPOINT_MAX || length == 0 || length >= ENDPOINT_BYTES) return;
    memcpy(endpoints[endpoint_count], text, length);
    endpoints[endpoint_count][length] = '\0';
    endpoint_count++;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* D-Bus address values escape bytes outside [-0-9A-Za-z_/.\*] as %xx. Returns the decoded length, or 0
 * when malformed or too long. `prefix` ('@' for abstract names) is written first. */
static size_t unescape(const char *value, size_t length, char prefix, char *out, size_t size) {
    size_t used = 0;
    if (prefix) out[used++] = prefix;
    for (size_t i = 0; i < length; i++) {
        char c = value[i];
        if (c == '%') {
            if (i + 2 >= length) return 0;
            int high = hex_value(value[i + 1]), low = hex_value(value[i + 2]);
            if (high < 0 || low < 0) return 0;
            c = (char)(high * 16 + low);
            i += 2;
        }
        if (used + 1 >= size) return 0;
        out[used++] = c;
    }
    return used;
}

/* One address list ("unix:path=/run/user/1000/bus;unix:abstract=/tmp/dbus-x,guid=..."): every unix path
 * or abstract name in it. Listen-only forms (unix:dir=, unix:tmpdir=, unix:runtime=) name no socket. */
static void parse_address_list(const char *list) {
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ';');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        if (length > 5 && strncmp(p, "unix:", 5) == 0) {
            const char *key = p + 5, *stop = p + length;
            while (key < stop) {
                const char *comma = memchr(key, ',', (size_t)(stop - key));
                const char *pair_end = comma ? comma : stop;
                char decoded[ENDPOINT_BYTES];
                size_t n = 0;
                if ((size_t)(pair_end - key) > 5 && strncmp(key, "path=", 5) == 0) {
                    n = unescape(key + 5, (size_t)(pair_end - key - 5), 0, decoded, sizeof decoded);
                } else if ((size_t)(pair_end - key) > 9 && strncmp(key, "abstract=", 9) == 0) {
                    n = unescape(key + 9, (size_t)(pair_end - key - 9), '@', decoded, sizeof decoded);
                }
                if (n) add_endpoint(decoded, n);
                key = pair_end + 1;
            }
        }
        p = end ? end + 1 : NULL;
    }
}

void fdh_dbus_endpoints_init(void) {
    endpoint_count = 0;
    /* The system bus's well-known socket (/var/run is a symlink to /run; the peer name is the daemon's). */
    add_endpoint("/run/dbus/system_bus_socket", strlen("/run/dbus/system_bus_socket"));
    add_endpoint("/var/run/dbus/system_bus_socket", strlen("/var/run/dbus/system_bus_socket"));
    const char *session = getenv("DBUS_SESSION_BUS_ADDRESS");
    if (session) parse_address_list(session);
    const char *system = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    if (system) parse_address_list(system);
}

int fdh_dbus_is_bus_endpoint(uint32_t peer) {
    struct fdh_trace *t = &fdh_state.trace;
    if (peer == 0 || peer + sizeof(struct fdh_string) >= t->strings_capacity) return 0;
    const struct fdh_string *record = (const struct fdh_string *)(t->strings + peer);
    const char *bytes = (const char *)(record + 1);
    for (unsigned i = 0; i < endpoint_count; i++) {
        size_t length = strlen(endpoints[i]);
        if (record->length == length && memcmp(bytes, endpoints[i], length) == 0) return 1;
    }
    return 0;
}
