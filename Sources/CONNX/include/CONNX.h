/*
 * CONNX: the C boundary of onnxcost. The protobuf-c decoder generated from onnx-ml.proto, plus a
 * thin hand-written shim (shim.c) for what Swift cannot reach cleanly:
 *
 *  - mapping a file read-only (CONNX_map_file / CONNX_unmap_file);
 *  - unpacking a ModelProto WITHOUT copying weight payloads (CONNX_model_unpack): a pre-pass walks
 *    the protobuf wire format, validates every length against the buffer, and, when some TensorProto
 *    payload (raw_data, float_data, int32_data, int64_data, double_data, uint64_data, string_data)
 *    is larger than `strip_threshold` bytes, builds a compacted copy of the message in which that
 *    payload field is replaced by a small marker field (CONNX_STRIPPED_FIELD) that records where the
 *    payload lies in the original buffer. protobuf-c then unpacks the compacted copy, so a 500 MB
 *    model costs a copy of its graph structure only, and the weight pages are never touched.
 *  - reading those markers back (CONNX_tensor_stripped_payload).
 *  - an arena allocator (arena.c) that the model is unpacked into: a small allocation is a pointer
 *    bump, and freeing the model frees a few blocks instead of walking every message again.
 *
 * Ownership: the caller frees an unpacked model with CONNX_unpacked_model_free, and a mapping with
 * CONNX_unmap_file. Every hand-written symbol is prefixed CONNX_.
 */
#ifndef CONNX_H
#define CONNX_H

#include <stddef.h>
#include <stdint.h>
#include "onnx.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Typed status codes; CONNX_status_name gives a stable name for each. */
typedef enum {
    CONNX_OK = 0,
    CONNX_ERR_NOT_FOUND = 1,        /* open() failed with ENOENT */
    CONNX_ERR_OPEN = 2,             /* open() failed otherwise (see errno_out) */
    CONNX_ERR_NOT_REGULAR_FILE = 3, /* a directory, a device, a fifo */
    CONNX_ERR_EMPTY = 4,            /* zero bytes */
    CONNX_ERR_MMAP = 5,             /* mmap() failed */
    CONNX_ERR_TRUNCATED = 6,        /* a length, varint or fixed field runs past the end of its buffer */
    CONNX_ERR_MALFORMED = 7,        /* not protobuf wire format: bad wire type, field number 0, group tags, overlong varint */
    CONNX_ERR_TOO_DEEP = 8,         /* messages nested deeper than CONNX_MAX_NESTING */
    CONNX_ERR_UNPACK = 9,           /* the pre-pass accepted the bytes but protobuf-c refused them (wrong field types) */
    CONNX_ERR_NO_MEMORY = 10,
    CONNX_ERR_TOO_LARGE = 11,       /* a size does not fit the address space */
    CONNX_ERR_TOO_MANY_NODES = 12,  /* more than CONNX_MAX_NODES NodeProtos in the file */
    CONNX_ERR_TOO_MANY_VALUES = 13, /* a dims list or an attribute's value list past CONNX_MAX_DIMS / CONNX_MAX_ATTRIBUTE_VALUES */
    CONNX_ERR_TOO_MANY_OPSETS = 14, /* more than CONNX_MAX_OPSET_IMPORTS opset_import entries in the file */
    CONNX_ERR_TOO_MANY_REFERENCES = 15, /* more than CONNX_MAX_TENSOR_REFERENCES node and graph inputs/outputs */
} CONNX_status;

/** Counts the pre-pass caps before protobuf-c allocates anything for them: memory stays proportional
 *  to what a model can reasonably hold, not ×8–1,000 of a file of empty or packed entries. */
#define CONNX_MAX_NODES 10000000u
#define CONNX_MAX_DIMS 4096u
#define CONNX_MAX_ATTRIBUTE_VALUES 1048576u
#define CONNX_MAX_OPSET_IMPORTS 4096u
/** Node inputs and outputs plus graph inputs and outputs in the whole file (2^28): tensor ids and
 *  list entries of the cost pass then fit 32 bits (`ListTable` stores them as Int32). */
#define CONNX_MAX_TENSOR_REFERENCES 268435456u

/** Messages nested deeper than this are rejected before protobuf-c (which recurses without a limit) sees them. */
#define CONNX_MAX_NESTING 256

/** Field number of the marker that replaces a stripped TensorProto payload in the compacted message.
 *  Its wire type is length-delimited; its content is three varints: the original field number,
 *  the payload's byte offset in the ORIGINAL buffer, and the payload's byte length. */
#define CONNX_STRIPPED_FIELD 536870000u

/** A read-only mapping of a whole file. */
typedef struct {
    const uint8_t *bytes; /* NULL when size == 0 */
    size_t size;
} CONNX_mapped_file;

/** Maps `path` read-only. On failure returns a status and sets *errno_out (0 when not from a syscall). */
CONNX_status CONNX_map_file(const char *path, CONNX_mapped_file *out, int *errno_out);
/** Unmaps a mapping made by CONNX_map_file; safe on a zeroed struct. */
void CONNX_unmap_file(CONNX_mapped_file *file);

/* ---------------------------------------------------------------------------------------------
 * Arena (arena.c): a bump allocator for one unpacked model; memory within what malloc took for the
 * same unpack (see arena.c). Exposed for the fuzzer and the loader's tests.
 * ------------------------------------------------------------------------------------------- */

/** Requests of this many bytes or more get their own malloc (protobuf-c frees its scratch tables,
 *  1 KiB and up, while unpacking; those go back to malloc as before). */
#define CONNX_ARENA_LARGE 512u
#define CONNX_ARENA_FIRST_BLOCK 65536u
/** Blocks double in size up to this. */
#define CONNX_ARENA_MAX_BLOCK 1048576u

typedef struct CONNX_arena CONNX_arena;

typedef struct {
    size_t reserved_bytes;    /* held from malloc now: blocks plus live large allocations */
    size_t used_bytes;        /* of the blocks: handed out (rounded to 8, red zones) plus tails left behind */
    size_t redzone_bytes;     /* after each small allocation: 16 under AddressSanitizer, else 0 */
    size_t small_allocations;
    size_t large_allocations;
} CONNX_arena_stats;

/** A new empty arena (no block yet), or NULL when out of memory. */
CONNX_arena *CONNX_arena_create(void);
/** Frees every block and every large allocation still live; safe on NULL. */
void CONNX_arena_destroy(CONNX_arena *arena);
/** 8-byte aligned memory, or NULL (then CONNX_arena_failed says so). */
void *CONNX_arena_alloc(CONNX_arena *arena, size_t size);
/** Gives a large allocation back to malloc; a small one stays until the arena is destroyed. */
void CONNX_arena_free(CONNX_arena *arena, void *pointer);
CONNX_arena_stats CONNX_arena_statistics(const CONNX_arena *arena);
/** Whether an allocation has failed. */
_Bool CONNX_arena_failed(const CONNX_arena *arena);
/** A protobuf-c allocator that allocates from `arena`. */
ProtobufCAllocator CONNX_arena_allocator(CONNX_arena *arena);

/** The result of CONNX_model_unpack. `model` borrows nothing from the input buffer. */
typedef struct {
    Onnx__ModelProto *model;      /* lives in `arena`: caller frees both with CONNX_unpacked_model_free */
    CONNX_arena *arena;
    size_t stripped_payloads;     /* how many payload fields were replaced by markers */
    size_t stripped_bytes;        /* their total size */
    size_t error_offset;          /* on failure: byte offset in the input where the problem was found */
} CONNX_unpacked_model;

/** Validates and unpacks a serialized ModelProto, stripping TensorProto payloads larger than
 *  `strip_threshold` bytes (0 strips none). */
CONNX_status CONNX_model_unpack(const uint8_t *bytes, size_t size, size_t strip_threshold,
                                CONNX_unpacked_model *out);
/** Frees the model and the arena of a CONNX_model_unpack result, and clears them; safe on a zeroed struct. */
void CONNX_unpacked_model_free(CONNX_unpacked_model *unpacked);

/** Validates and unpacks a serialized TensorProto (test data `.pb` files), without stripping.
 *  Caller frees with CONNX_tensor_free. */
CONNX_status CONNX_tensor_unpack(const uint8_t *bytes, size_t size, Onnx__TensorProto **out);
void CONNX_tensor_free(Onnx__TensorProto *tensor);

/** Number of stripped-payload markers on `tensor`. */
size_t CONNX_tensor_stripped_count(const Onnx__TensorProto *tensor);
/** Reads the `index`-th marker of `tensor`. Returns 0 on success, -1 when there is none or it is malformed. */
int CONNX_tensor_stripped_payload(const Onnx__TensorProto *tensor, size_t index,
                                  uint32_t *field_number, uint64_t *offset, uint64_t *length);

/** A stable lower-case name for a status, e.g. "truncated". */
const char *CONNX_status_name(CONNX_status status);

#ifdef __cplusplus
}
#endif
#endif
