/* stripped_library.c — a shared library for StrippedLibraryTests, built with -g and then stripped as distro
 * libraries are (its debug info kept apart, findable by build-id). `lib_open_log` is exported and opens a
 * descriptor itself; `lib_open_config` is exported and opens through a static helper, which a stripped
 * library's symbol table does not name. `MARK:<name>` names the lines debug info must lead to. */
#include <fcntl.h>

__attribute__((noinline)) int lib_open_log(const char *path) {
    return open(path, O_RDONLY); /* MARK:lib_open_log */
}

__attribute__((noinline)) static int open_config_internal(const char *path) {
    return open(path, O_RDONLY) + 0; /* MARK:open_config_internal */
}

int lib_open_config(const char *path) {
    return open_config_internal(path) + 0;
}
