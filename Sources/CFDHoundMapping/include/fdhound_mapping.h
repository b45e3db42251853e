/* fdhound_mapping.h — read-only mappings of trace files that cannot crash the reader.
 *
 * A trace is mapped, not read into memory: a sparse trace costs only the pages that hold records. A mapped
 * file that shrinks under the reader (truncated by someone else while `report` runs) would make the next
 * access to a page past the new end raise SIGBUS; so does reading a hole of a file on a full tmpfs (the
 * page cannot be allocated). The guard turns that into a count: a SIGBUS handler that finds the faulting
 * address inside a registered mapping puts a zero page there (what an unwritten part of a trace reads as
 * anyway: unpublished records; after many faults, zeros to the end of the mapping), counts the fault and
 * lets the access run again. The reader then warns that part of the file could not be read.
 * Faults anywhere else go to the handler that was installed before (the Swift runtime's, or the default).
 */
#ifndef FDHOUND_MAPPING_H
#define FDHOUND_MAPPING_H

#include <stddef.h>

/* Maps `length` bytes of the open file `fd` read-only (MAP_PRIVATE) and registers the mapping with the
 * guard. Returns the address, or NULL with errno set (ENOMEM when all guard slots are in use). */
const void *fdh_map_guarded(int fd, size_t length, int *slot_out);

/* Faults absorbed so far in the mapping of `slot` (pages that read as zeros because they could not be read). */
unsigned long fdh_mapping_faults(int slot);

/* Drops the pages of [offset, offset + length) from the reader's memory (madvise MADV_DONTNEED); they are
 * read again from the page cache if touched. For a region a pass has finished with. */
void fdh_mapping_release(int slot, size_t offset, size_t length);

/* Unregisters and unmaps. */
void fdh_unmap_guarded(int slot);

#endif
