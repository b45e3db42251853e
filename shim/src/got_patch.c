/* got_patch.c — interposition for a process the shim was loaded into after it started (fdhound attach).
 *
 * LD_PRELOAD works because the loader binds every import to the first definition it finds, and a preloaded
 * library comes first. A library dlopen'ed into a running process comes last, and everything is bound
 * already, so attaching rewrites the bindings instead: in every loaded object but the shim itself and the
 * loader, each GOT slot (R_X86_64_JUMP_SLOT and R_X86_64_GLOB_DAT relocations) that names a hooked symbol
 * (hooked_symbols.h) is pointed at the shim's hook, after making a RELRO page writable for the moment of
 * the store. The old value of every slot is kept (fixed table, no allocation) so that detaching puts them
 * all back. Objects the program loads later are patched by the dlopen hook (hooks_dlopen.c).
 *
 * What this cannot reach (said in the README): a function pointer the program took before the attach, and
 * calls libc makes to itself. The hooks find the real functions with dlsym(RTLD_NEXT), which from a
 * dlopen'ed library resolves in its own scope, after itself: libc's definitions. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hooked_symbols.h"
#include "shim.h"

#define SLOTS_MAX 16384u

struct patched_slot {
    void **slot;
    void *original;
    int relro; /* the slot's page is read-only once the loader is done with it */
};
static struct patched_slot patched[SLOTS_MAX];
static _Atomic unsigned patched_count;
static uintptr_t shim_base;
static int enabled;

#define NAME(file, symbol) #symbol,
static const char *const hooked_names[] = {FDH_HOOKED_SYMBOLS(NAME)};
#define HOOKED_COUNT (sizeof hooked_names / sizeof hooked_names[0])
static void *hook_addresses[HOOKED_COUNT];

static const char *sorted_names[HOOKED_COUNT]; /* for binary search; hook_addresses follow this order */

static void *hook_for(const char *name) {
    unsigned low = 0, high = HOOKED_COUNT;
    while (low < high) {
        unsigned mid = (low + high) / 2;
        int order = strcmp(sorted_names[mid], name);
        if (order == 0) return hook_addresses[mid];
        if (order < 0) low = mid + 1;
        else high = mid;
    }
    return NULL;
}

/* Objects already patched (by load address): dlopen re-walks the list and must not rescan them. */
#define OBJECTS_MAX 4096u
static uintptr_t patched_objects[OBJECTS_MAX];
static unsigned patched_object_count;

static int already_patched(uintptr_t base) {
    for (unsigned i = 0; i < patched_object_count; i++) {
        if (patched_objects[i] == base) return 1;
    }
    if (patched_object_count < OBJECTS_MAX) patched_objects[patched_object_count++] = base;
    return 0;
}

/* RELRO pages are read-only after relocation: such a page is writable only for the moment of the store. */
static void store_slot(void **slot, void *value, int relro) {
    uintptr_t page = (uintptr_t)slot & ~(uintptr_t)4095;
    if (relro) syscall(SYS_mprotect, page, 4096, PROT_READ | PROT_WRITE);
    __atomic_store_n(slot, value, __ATOMIC_RELEASE);
    if (relro) syscall(SYS_mprotect, page, 4096, PROT_READ);
}

static int patch_object(struct dl_phdr_info *info, size_t size, void *unused) {
    (void)size;
    (void)unused;
    if (info->dlpi_addr == shim_base || already_patched(info->dlpi_addr)) return 0;
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    if (strstr(name, "/ld-linux") || strstr(name, "linux-vdso")) return 0;
    const ElfW(Dyn) *dynamic = NULL;
    uintptr_t relro_start = 0, relro_end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC) dynamic = (const void *)(info->dlpi_addr + ph->p_vaddr);
        if (ph->p_type == PT_GNU_RELRO) {
            relro_start = info->dlpi_addr + ph->p_vaddr;
            relro_end = relro_start + ph->p_memsz;
        }
    }
    if (!dynamic) return 0;
    const ElfW(Sym) *symbols = NULL;
    const char *strings = NULL;
    const ElfW(Rela) *tables[2] = {NULL, NULL};
    size_t sizes[2] = {0, 0};
    for (const ElfW(Dyn) *d = dynamic; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB: symbols = (const void *)d->d_un.d_ptr; break;
        case DT_STRTAB: strings = (const void *)d->d_un.d_ptr; break;
        case DT_JMPREL: tables[0] = (const void *)d->d_un.d_ptr; break;
        case DT_PLTRELSZ: sizes[0] = d->d_un.d_val; break;
        case DT_RELA: tables[1] = (const void *)d->d_un.d_ptr; break;
        case DT_RELASZ: sizes[1] = d->d_un.d_val; break;
        }
    }
    if (!symbols || !strings) return 0;
    for (int t = 0; t < 2; t++) {
        if (!tables[t]) continue;
        for (size_t i = 0; i < sizes[t] / sizeof(ElfW(Rela)); i++) {
            const ElfW(Rela) *r = &tables[t][i];
            unsigned type = ELF64_R_TYPE(r->r_info);
            if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
            const char *symbol = strings + symbols[ELF64_R_SYM(r->r_info)].st_name;
            void *hook = hook_for(symbol);
            if (!hook) continue;
            void **slot = (void **)(info->dlpi_addr + r->r_offset);
            if (*slot == hook) continue;
            unsigned index = atomic_fetch_add(&patched_count, 1);
            if (index >= SLOTS_MAX) return 1; /* table full: later slots stay untraced */
            int relro = (uintptr_t)slot >= relro_start && (uintptr_t)slot < relro_end;
            patched[index].slot = slot;
            patched[index].original = *slot;
            patched[index].relro = relro;
            store_slot(slot, hook, relro);
        }
    }
    return 0;
}

int fdh_got_prepare(void) {
    Dl_info self;
    if (!dladdr((void *)fdh_got_prepare, &self) || !self.dli_fname) return -1;
    shim_base = (uintptr_t)self.dli_fbase;
    void *handle = dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    if (!handle) return -1;
    for (unsigned i = 0; i < HOOKED_COUNT; i++) { /* insertion sort: a hundred names, once */
        unsigned j = i;
        while (j > 0 && strcmp(sorted_names[j - 1], hooked_names[i]) > 0) {
            sorted_names[j] = sorted_names[j - 1];
            j--;
        }
        sorted_names[j] = hooked_names[i];
    }
    for (unsigned i = 0; i < HOOKED_COUNT; i++) hook_addresses[i] = dlsym(handle, sorted_names[i]);
    dlclose(handle);
    enabled = 1;
    return 0;
}

/* dl_iterate_phdr holds the loader's lock while it calls back: the walk only reads and stores, with the
 * program's signals held off (from the dlopen hook, a handler's jump out would leave the lock held). */
void fdh_got_patch_all(void) {
    if (!enabled) return;
    uint64_t signals = fdh_signals_hold();
    dl_iterate_phdr(patch_object, NULL);
    fdh_signals_release(signals);
}

/* Puts every patched slot back (fdhound detach): the program then calls libc directly again. */
void fdh_got_restore(void) {
    unsigned count = atomic_load(&patched_count);
    if (count > SLOTS_MAX) count = SLOTS_MAX;
    for (unsigned i = count; i-- > 0;) store_slot(patched[i].slot, patched[i].original, patched[i].relro);
    atomic_store(&patched_count, 0);
    patched_object_count = 0;
    enabled = 0;
}

int fdh_got_enabled(void) { return enabled; }
