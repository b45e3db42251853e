/* SwiftPM needs one source file in a C target; the trace format itself is header-only
 * (include/fdhound_trace.h), shared verbatim with the shim. */
#include "fdhound_trace.h"
