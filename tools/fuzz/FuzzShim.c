/*
 * libFuzzer harness for the CONNX shim (Sources/CONNX: shim.c, prepass.c, arena.c). Build and run with
 * tools/fuzz/run-shim-fuzzer.sh. Each input is unpacked as a ModelProto with a low strip threshold
 * (so the compaction path runs on small inputs) and as a TensorProto. Beyond "no crash", it checks
 * the shim's own promises on every model it accepts: each marker decodes, points inside the input,
 * is longer than the threshold, and the markers add up to stripped_payloads / stripped_bytes.
 */
#include "CONNX.h"

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_STRIP_THRESHOLD 64

typedef struct {
    size_t input_size;
    size_t markers;
    uint64_t marker_bytes;
} marker_totals;

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "FuzzShim invariant violated: %s\n", what);
    abort();
}

static void check_tensor_markers(const Onnx__TensorProto *tensor, marker_totals *totals)
{
    size_t count = CONNX_tensor_stripped_count(tensor);
    for (size_t i = 0; i < count; i++) {
        uint32_t field_number;
        uint64_t offset, length;
        if (CONNX_tensor_stripped_payload(tensor, i, &field_number, &offset, &length) != 0)
            fuzz_fail("a marker made by the shim does not decode");
        if (offset > totals->input_size || length > totals->input_size - offset)
            fuzz_fail("a marker points outside the input");
        if (length <= FUZZ_STRIP_THRESHOLD)
            fuzz_fail("a payload at or below the threshold was stripped");
        totals->markers++;
        totals->marker_bytes += length;
    }
    if (CONNX_tensor_stripped_payload(tensor, count, NULL, NULL, NULL) != -1)
        fuzz_fail("a marker past the count decodes");
}

/* Visits every message of an unpacked tree through the generated descriptors. The tree is at most
 * CONNX_MAX_NESTING + 1 deep, which is what the shim guarantees. */
static void visit(const ProtobufCMessage *message, marker_totals *totals, unsigned depth)
{
    if (depth > CONNX_MAX_NESTING)
        fuzz_fail("an unpacked tree is deeper than CONNX_MAX_NESTING");
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    if (descriptor == &onnx__tensor_proto__descriptor)
        check_tensor_markers((const Onnx__TensorProto *)message, totals);
    for (unsigned f = 0; f < descriptor->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields[f];
        if (field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *base = (const char *)message;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *)(base + field->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)(base + field->offset);
            for (size_t i = 0; i < count; i++)
                visit(items[i], totals, depth + 1);
        } else {
            if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                *(const uint32_t *)(base + field->quantifier_offset) != field->id)
                continue;
            const ProtobufCMessage *child = *(ProtobufCMessage *const *)(base + field->offset);
            if (child != NULL)
                visit(child, totals, depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CONNX_unpacked_model unpacked;
    CONNX_status status = CONNX_model_unpack(data, size, FUZZ_STRIP_THRESHOLD, &unpacked);
    if (status == CONNX_OK) {
        if (unpacked.model == NULL)
            fuzz_fail("ok without a model");
        marker_totals totals = {.input_size = size};
        visit(&unpacked.model->base, &totals, 0);
        if (totals.markers != unpacked.stripped_payloads || totals.marker_bytes != unpacked.stripped_bytes)
            fuzz_fail("markers do not add up to stripped_payloads / stripped_bytes");
        CONNX_unpacked_model_free(&unpacked);
    } else {
        if (unpacked.model != NULL)
            fuzz_fail("a failure returned a model");
        if (unpacked.error_offset > size)
            fuzz_fail("error_offset past the input");
    }
    (void)CONNX_status_name(status);

    Onnx__TensorProto *tensor = NULL;
    if (CONNX_tensor_unpack(data, size, &tensor) == CONNX_OK) {
        /* markers here are forged by the input, so only their decoding is exercised */
        size_t count = CONNX_tensor_stripped_count(tensor);
        for (size_t i = 0; i <= count; i++) {
            uint32_t field_number;
            uint64_t offset, length;
            (void)CONNX_tensor_stripped_payload(tensor, i, &field_number, &offset, &length);
        }
        CONNX_tensor_free(tensor);
    } else if (tensor != NULL) {
        fuzz_fail("a failed tensor unpack returned a tensor");
    }
    return 0;
}
