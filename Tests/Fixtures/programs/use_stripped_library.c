/* use_stripped_library.c — the program of StrippedLibraryTests: leaks one descriptor through each entry
 * point of libfdhstripped (stripped_library.c) and prints "done". */
#include <stdio.h>

int lib_open_log(const char *path);
int lib_open_config(const char *path);

__attribute__((noinline)) static void start_service(void) {
    lib_open_log("/dev/null");    /* MARK:start_service_log */
    lib_open_config("/dev/null"); /* MARK:start_service_config */
}

int main(void) {
    start_service();
    puts("done");
    return 0;
}
