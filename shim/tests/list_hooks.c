/* list_hooks.c — prints the shim's one list of hooked symbols (src/hooked_symbols.h), one per line, for the
 * export check in run_tests.sh. */
#include <stdio.h>

#include "../src/hooked_symbols.h"

#define PRINT(file, symbol) puts(#symbol);

int main(void) {
    FDH_HOOKED_SYMBOLS(PRINT)
    return 0;
}
