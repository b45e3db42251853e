/* list_hooks.c — prints the shim's lists of exported symbols (src/hooked_symbols.h: the hooks and the API),
 * one per line, for the export check in run_tests.sh. */
#include <stdio.h>

#include "../src/hooked_symbols.h"

#define PRINT(file, symbol) puts(#symbol);

int main(void) {
    FDH_HOOKED_SYMBOLS(PRINT)
    FDH_EXPORTED_API(PRINT)
    return 0;
}
