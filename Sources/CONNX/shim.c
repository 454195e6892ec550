/*
 * CONNX shim: file mapping and unpacking. Before protobuf-c sees the bytes, the pre-pass of
 * prepass.c validates them and strips large TensorProto payloads; protobuf-c then unpacks into an
 * arena (arena.c). See include/CONNX.h.
 */
/* O_CLOEXEC and mmap are POSIX.1-2008; ask for them when compiled as strict ISO C (-std=c11).
 * Apple's headers expose them by default and hide other things under _POSIX_C_SOURCE. */
#if !defined(_POSIX_C_SOURCE) && !defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L
#endif

#include "CONNX.h"
#include "prepass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * File mapping
 * ------------------------------------------------------------------------------------------- */

CONNX_status CONNX_map_file(const char *path, CONNX_mapped_file *out, int *errno_out)
{
    int ignored_errno;
    if (errno_out == NULL)
        errno_out = &ignored_errno;
    *errno_out = 0;
    if (out == NULL || path == NULL) {
        *errno_out = EINVAL;
        return CONNX_ERR_OPEN;
    }
    out->bytes = NULL;
    out->size = 0;

    /* O_NONBLOCK: opening a FIFO read-only would otherwise block until a writer appears. It does
     * not affect reads or mmap of a regular file. */
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        *errno_out = errno;
        return errno == ENOENT ? CONNX_ERR_NOT_FOUND : CONNX_ERR_OPEN;
    }

    struct stat info;
    if (fstat(fd, &info) != 0) {
        *errno_out = errno;
        close(fd);
        return CONNX_ERR_OPEN;
    }
    if (!S_ISREG(info.st_mode)) {
        close(fd);
        return CONNX_ERR_NOT_REGULAR_FILE;
    }
    if (info.st_size <= 0) {
        close(fd);
        return CONNX_ERR_EMPTY; /* mmap of 0 bytes is an error; an empty mapping is NULL/0 */
    }
    if ((uintmax_t)info.st_size > (uintmax_t)SIZE_MAX) {
        close(fd);
        return CONNX_ERR_TOO_LARGE;
    }

    size_t size = (size_t)info.st_size;
    void *mapped = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
        *errno_out = errno;
        close(fd);
        return CONNX_ERR_MMAP;
    }
    close(fd); /* the mapping keeps the file alive */
    /* The unpacker touches only the structure between weight payloads. With the default read-ahead
     * (often several MiB) each of those faults would pull in megabytes of weights from disk; on a
     * cold 500 MB model this cut the unpack from ~57 ms to ~1-4 ms. A caller that reads a payload
     * in full can madvise that range back to MADV_SEQUENTIAL or MADV_WILLNEED. Advice only. */
    (void)posix_madvise(mapped, size, POSIX_MADV_RANDOM);
    out->bytes = (const uint8_t *)mapped;
    out->size = size;
    return CONNX_OK;
}

void CONNX_unmap_file(CONNX_mapped_file *file)
{
    if (file == NULL)
        return;
    if (file->bytes != NULL && file->size > 0)
        munmap((void *)file->bytes, file->size);
    file->bytes = NULL;
    file->size = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Public unpacking API
 * ------------------------------------------------------------------------------------------- */

CONNX_status CONNX_model_unpack(const uint8_t *bytes, size_t size, size_t strip_threshold,
                                CONNX_unpacked_model *out)
{
    if (out == NULL)
        return CONNX_ERR_UNPACK;
    memset(out, 0, sizeof *out);
    if (size == 0)
        return CONNX_ERR_EMPTY;
    if (bytes == NULL)
        return CONNX_ERR_TRUNCATED;

    CONNX_prepared_message prepared;
    CONNX_status status = CONNX_prepare_message(bytes, size, strip_threshold, &onnx__model_proto__descriptor, &prepared);
    if (status != CONNX_OK) {
        out->error_offset = prepared.error_offset;
        return status;
    }
    uint8_t *compacted = prepared.compacted;
    size_t compacted_size = prepared.compacted_size;

    /* Into an arena (arena.c), which notes a failed allocation so that it is reported as out of
     * memory rather than as a file protobuf-c refused. */
    CONNX_arena *arena = CONNX_arena_create();
    if (arena == NULL) {
        free(compacted);
        return CONNX_ERR_NO_MEMORY;
    }
    ProtobufCAllocator allocator = CONNX_arena_allocator(arena);
    Onnx__ModelProto *model = compacted != NULL ? onnx__model_proto__unpack(&allocator, compacted_size, compacted)
                                                : onnx__model_proto__unpack(&allocator, size, bytes);
    free(compacted); /* protobuf-c copied everything it keeps */
    if (model == NULL) {
        bool allocation_failed = CONNX_arena_failed(arena);
        CONNX_arena_destroy(arena);
        return allocation_failed ? CONNX_ERR_NO_MEMORY : CONNX_ERR_UNPACK; /* protobuf-c does not say where */
    }
    out->model = model;
    out->arena = arena;
    out->stripped_payloads = prepared.stripped_payloads;
    out->stripped_bytes = prepared.stripped_bytes;
    return CONNX_OK;
}

void CONNX_unpacked_model_free(CONNX_unpacked_model *unpacked)
{
    if (unpacked == NULL)
        return;
    /* every allocation of the model is in the arena: no walk over the messages */
    CONNX_arena_destroy(unpacked->arena);
    unpacked->arena = NULL;
    unpacked->model = NULL;
}

CONNX_status CONNX_tensor_unpack(const uint8_t *bytes, size_t size, Onnx__TensorProto **out)
{
    if (out == NULL)
        return CONNX_ERR_UNPACK;
    *out = NULL;
    if (size == 0)
        return CONNX_ERR_EMPTY;
    if (bytes == NULL)
        return CONNX_ERR_TRUNCATED;

    CONNX_prepared_message prepared;
    CONNX_status status = CONNX_prepare_message(bytes, size, 0, &onnx__tensor_proto__descriptor, &prepared);
    free(prepared.compacted); /* never set: nothing is stripped at threshold 0 */
    if (status != CONNX_OK)
        return status;
    Onnx__TensorProto *tensor = onnx__tensor_proto__unpack(NULL, size, bytes);
    if (tensor == NULL)
        return CONNX_ERR_UNPACK;
    *out = tensor;
    return CONNX_OK;
}

void CONNX_tensor_free(Onnx__TensorProto *tensor)
{
    if (tensor != NULL)
        onnx__tensor_proto__free_unpacked(tensor, NULL);
}

const char *CONNX_status_name(CONNX_status status)
{
    switch (status) {
    case CONNX_OK: return "ok";
    case CONNX_ERR_NOT_FOUND: return "not_found";
    case CONNX_ERR_OPEN: return "open_failed";
    case CONNX_ERR_NOT_REGULAR_FILE: return "not_a_regular_file";
    case CONNX_ERR_EMPTY: return "empty";
    case CONNX_ERR_MMAP: return "mmap_failed";
    case CONNX_ERR_TRUNCATED: return "truncated";
    case CONNX_ERR_MALFORMED: return "malformed";
    case CONNX_ERR_TOO_DEEP: return "too_deep";
    case CONNX_ERR_UNPACK: return "unpack_failed";
    case CONNX_ERR_NO_MEMORY: return "out_of_memory";
    case CONNX_ERR_TOO_LARGE: return "too_large";
    case CONNX_ERR_TOO_MANY_NODES: return "too_many_nodes";
    case CONNX_ERR_TOO_MANY_VALUES: return "too_many_values";
    case CONNX_ERR_TOO_MANY_OPSETS: return "too_many_opsets";
    case CONNX_ERR_TOO_MANY_REFERENCES: return "too_many_references";
    }
    return "unknown";
}
