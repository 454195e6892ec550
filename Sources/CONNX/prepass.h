/*
 * The wire-format pre-pass (prepass.c), private to CONNX: shim.c runs it before protobuf-c sees the
 * bytes. See the comment at the top of prepass.c for why and how.
 */
#ifndef CONNX_PREPASS_H
#define CONNX_PREPASS_H

#include "CONNX.h"

/* What the pre-pass found in one message. */
typedef struct {
    uint8_t *compacted;       /* the copy with large payloads stripped; NULL when nothing was stripped. Caller frees */
    size_t compacted_size;
    size_t stripped_payloads;
    size_t stripped_bytes;
    size_t error_offset;      /* where the problem was found, when the status is not CONNX_OK */
} CONNX_prepared_message;

/* Validates `bytes` as a message of type `descriptor` (tags, lengths, depth, the file-wide caps) and
 * strips the TensorProto payloads of at least `strip_threshold` bytes (0: none). */
CONNX_status CONNX_prepare_message(const uint8_t *bytes, size_t size, size_t strip_threshold,
                                   const ProtobufCMessageDescriptor *descriptor, CONNX_prepared_message *out);

#endif
