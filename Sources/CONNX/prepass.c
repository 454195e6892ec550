/*
 * CONNX pre-pass: a validating wire-format walk that strips large TensorProto payloads before
 * protobuf-c sees the bytes, and the readers for the markers it leaves. Used by shim.c.
 *
 * Why a pre-pass: protobuf-c copies every `bytes` field and recurses into nested messages without a
 * depth limit. The pre-pass follows exactly the message-typed fields that protobuf-c follows (it
 * reads the same generated descriptors), so every message protobuf-c will parse has first been
 * checked here: tags, varints, fixed fields and lengths against their enclosing buffer, and depth.
 *
 * Stripping is two linear passes over the input:
 *  1. measure: validate, decide which payload fields to strip, and compute the new size of every
 *     nested message that contains a stripped payload. Those sizes are recorded in pre-order in a
 *     growable array, keyed by the offset of the message content in the input.
 *  2. write: copy the input into a buffer of the measured size, re-encoding the length prefix of
 *     each recorded message and replacing each stripped payload by a marker; everything else is
 *     copied verbatim.
 * No global mutable state: several files may be unpacked in parallel.
 */

#include "prepass.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* ---------------------------------------------------------------------------------------------
 * The stripping walker
 * ------------------------------------------------------------------------------------------- */

/* A nested message that contains a stripped payload, so its length prefix must be re-encoded. */
typedef struct {
    size_t content_begin; /* offset of the message content in the input; unique and increasing */
    size_t new_size;      /* size of the rewritten content */
} rewritten_message;

/* The message-typed fields of one message type, by field number, so that the walk does not search
 * the descriptor for every length-delimited field. Numbers from FIELD_TABLE_NUMBERS up (none in
 * onnx-ml.proto's messages but a few) are looked up in the descriptor. */
#define FIELD_TABLE_NUMBERS 32
#define FIELD_TABLE_CAPACITY 32 /* onnx-ml.proto defines 28 message types */

/* The message types whose fields check_caps counts; found once per message, not once per field. */
typedef enum {
    COUNTED_NONE,
    COUNTED_MODEL,
    COUNTED_GRAPH,
    COUNTED_FUNCTION,
    COUNTED_NODE,
    COUNTED_TENSOR,
    COUNTED_SPARSE_TENSOR,
    COUNTED_SHAPE,
    COUNTED_ATTRIBUTE,
} counted_message;

static counted_message counted_message_of(const ProtobufCMessageDescriptor *descriptor)
{
    if (descriptor == &onnx__node_proto__descriptor)
        return COUNTED_NODE;
    if (descriptor == &onnx__attribute_proto__descriptor)
        return COUNTED_ATTRIBUTE;
    if (descriptor == &onnx__tensor_proto__descriptor)
        return COUNTED_TENSOR;
    if (descriptor == &onnx__tensor_shape_proto__descriptor)
        return COUNTED_SHAPE;
    if (descriptor == &onnx__graph_proto__descriptor)
        return COUNTED_GRAPH;
    if (descriptor == &onnx__function_proto__descriptor)
        return COUNTED_FUNCTION;
    if (descriptor == &onnx__model_proto__descriptor)
        return COUNTED_MODEL;
    if (descriptor == &onnx__sparse_tensor_proto__descriptor)
        return COUNTED_SPARSE_TENSOR;
    return COUNTED_NONE;
}

typedef struct field_table {
    const ProtobufCMessageDescriptor *descriptor;
    counted_message counted;
    const ProtobufCMessageDescriptor *nested[FIELD_TABLE_NUMBERS]; /* NULL: not a message field */
    struct field_table *nested_tables[FIELD_TABLE_NUMBERS];       /* their tables, found on first use */
} field_table;

/* One message being walked: its type, what check_caps counts in it, and its field table. */
typedef struct {
    const ProtobufCMessageDescriptor *descriptor;
    counted_message counted;
    field_table *fields; /* NULL when the walker's tables are full */
} message_type;

typedef struct {
    const uint8_t *bytes;
    size_t size;
    size_t strip_threshold; /* 0: strip nothing */
    rewritten_message *rewritten; /* pre-order; during measuring also the stack of open messages */
    size_t rewritten_count;
    size_t rewritten_capacity;
    size_t stripped_payloads;
    size_t stripped_bytes;
    size_t error_offset;
    size_t nodes;          /* NodeProtos seen in the whole file (graphs and functions) */
    size_t opset_imports;  /* OperatorSetIdProtos seen in the whole file */
    size_t references;     /* node inputs/outputs and graph inputs/outputs seen in the whole file */
    field_table tables[FIELD_TABLE_CAPACITY]; /* filled as message types are met */
    size_t table_count;
} walker;

/* The field table of `descriptor`, made on first use; NULL when all tables are taken. */
static field_table *field_table_of(walker *w, const ProtobufCMessageDescriptor *descriptor)
{
    for (size_t i = 0; i < w->table_count; i++)
        if (w->tables[i].descriptor == descriptor)
            return &w->tables[i];
    if (w->table_count == FIELD_TABLE_CAPACITY)
        return NULL;
    field_table *table = &w->tables[w->table_count++];
    table->descriptor = descriptor;
    table->counted = counted_message_of(descriptor);
    memset(table->nested, 0, sizeof table->nested);
    memset(table->nested_tables, 0, sizeof table->nested_tables);
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *member = &descriptor->fields[i];
        if (member->id < FIELD_TABLE_NUMBERS && member->type == PROTOBUF_C_TYPE_MESSAGE)
            table->nested[member->id] = (const ProtobufCMessageDescriptor *)member->descriptor;
    }
    return table;
}

static message_type message_type_of(walker *w, const ProtobufCMessageDescriptor *descriptor)
{
    message_type type = {
        .descriptor = descriptor, .counted = counted_message_of(descriptor), .fields = field_table_of(w, descriptor)};
    return type;
}

/* The type of the message `nested` found in field `number` of a `parent` message: from the parent's
 * table after the first time (the walk meets a type once per message, ~17,000 times in a 7,000-node
 * decoder, and searching the tables each time cost ~25 instructions). */
static ALWAYS_INLINE message_type nested_message_type_of(walker *w, const message_type *parent, uint32_t number,
                                                         const ProtobufCMessageDescriptor *nested)
{
    if (parent->fields == NULL || number >= FIELD_TABLE_NUMBERS)
        return message_type_of(w, nested);
    field_table *table = parent->fields->nested_tables[number];
    if (table == NULL) {
        table = field_table_of(w, nested);
        if (table == NULL)
            return message_type_of(w, nested);
        parent->fields->nested_tables[number] = table;
    }
    message_type type = {.descriptor = nested, .counted = table->counted, .fields = table};
    return type;
}

/* Elements a repeated scalar field adds: 1 when written unpacked, else one per varint in the packed
 * run (fixed-width packed runs hold fewer elements than bytes, so this bounds them too). */
static size_t repeated_elements(const walker *w, const wire_field *field)
{
    if (field->wire_type != WIRE_LENGTH_DELIMITED)
        return 1;
    size_t count = 0;
    for (size_t i = field->value_begin; i < field->value_end; i++)
        count += w->bytes[i] < 0x80;
    return count;
}

/* The pre-pass caps (CONNX.h). `values` counts this message's capped list elements so far. */
static CONNX_status check_caps(walker *w, counted_message counted, const wire_field *field, size_t *values)
{
    uint32_t number = field->field_number;
    switch (counted) {
    case COUNTED_NONE:
        break;
    case COUNTED_GRAPH:
    case COUNTED_FUNCTION:
        if ((counted == COUNTED_GRAPH && number == 1) || (counted == COUNTED_FUNCTION && number == 7)) {
            if (++w->nodes > CONNX_MAX_NODES)
                return CONNX_ERR_TOO_MANY_NODES;
        } else if (counted == COUNTED_GRAPH && (number == 11 || number == 12)) {
            if (++w->references > CONNX_MAX_TENSOR_REFERENCES)
                return CONNX_ERR_TOO_MANY_REFERENCES;
        } else if (counted == COUNTED_FUNCTION && number == 9) {
            if (++w->opset_imports > CONNX_MAX_OPSET_IMPORTS)
                return CONNX_ERR_TOO_MANY_OPSETS;
        }
        break;
    case COUNTED_NODE:
        if (number == 1 || number == 2) {
            if (++w->references > CONNX_MAX_TENSOR_REFERENCES)
                return CONNX_ERR_TOO_MANY_REFERENCES;
        }
        break;
    case COUNTED_MODEL:
        if (number == 8) {
            if (++w->opset_imports > CONNX_MAX_OPSET_IMPORTS)
                return CONNX_ERR_TOO_MANY_OPSETS;
        }
        break;
    case COUNTED_TENSOR:
    case COUNTED_SPARSE_TENSOR:
        if ((counted == COUNTED_TENSOR && number == 1) || (counted == COUNTED_SPARSE_TENSOR && number == 3)) {
            *values += repeated_elements(w, field);
            if (*values > CONNX_MAX_DIMS)
                return CONNX_ERR_TOO_MANY_VALUES;
        }
        break;
    case COUNTED_SHAPE:
        if (number == 1 && ++*values > CONNX_MAX_DIMS) /* Dimension messages, one per field */
            return CONNX_ERR_TOO_MANY_VALUES;
        break;
    case COUNTED_ATTRIBUTE:
        if (number >= 7 && number <= 11) {
            /* floats=7 (packed: 4 bytes each), ints=8 (packed varints), strings, tensors, graphs */
            if (number == 7 && field->wire_type == WIRE_LENGTH_DELIMITED)
                *values += (field->value_end - field->value_begin) / 4;
            else
                *values += number == 8 ? repeated_elements(w, field) : 1;
            if (*values > CONNX_MAX_ATTRIBUTE_VALUES)
                return CONNX_ERR_TOO_MANY_VALUES;
        }
        break;
    }
    return CONNX_OK;
}

/* TensorProto fields that hold element data: float_data=4, int32_data=5, string_data=6,
 * int64_data=7, raw_data=9, double_data=10, uint64_data=11 (onnx-ml.proto). */
static bool is_tensor_payload_field(uint32_t field_number)
{
    switch (field_number) {
    case 4: case 5: case 6: case 7: case 9: case 10: case 11:
        return true;
    default:
        return false;
    }
}

static bool should_strip(const walker *w, const message_type *type, const wire_field *field)
{
    return w->strip_threshold > 0 && type->counted == COUNTED_TENSOR &&
           field->wire_type == WIRE_LENGTH_DELIMITED && is_tensor_payload_field(field->field_number) &&
           field->value_end - field->value_begin > w->strip_threshold;
}

/* The message type protobuf-c will parse this field as, or NULL when it keeps the bytes as they are
 * (scalars, strings, packed arrays, unknown fields, or a wire type protobuf-c will refuse). */
static const ProtobufCMessageDescriptor *nested_message_type(const message_type *type, const wire_field *field)
{
    if (field->wire_type != WIRE_LENGTH_DELIMITED)
        return NULL;
    if (type->fields != NULL && field->field_number < FIELD_TABLE_NUMBERS)
        return type->fields->nested[field->field_number];
    const ProtobufCFieldDescriptor *member = protobuf_c_message_descriptor_get_field(type->descriptor, field->field_number);
    if (member == NULL || member->type != PROTOBUF_C_TYPE_MESSAGE)
        return NULL;
    return (const ProtobufCMessageDescriptor *)member->descriptor;
}

static const uint64_t stripped_marker_tag = ((uint64_t)CONNX_STRIPPED_FIELD << 3) | WIRE_LENGTH_DELIMITED;

static size_t marker_content_size(const wire_field *field)
{
    return varint_size(field->field_number) + varint_size(field->value_begin) +
           varint_size(field->value_end - field->value_begin);
}

static size_t marker_size(const wire_field *field)
{
    size_t content = marker_content_size(field);
    return varint_size(stripped_marker_tag) + varint_size(content) + content;
}

static CONNX_status push_rewritten(walker *w, size_t content_begin)
{
    if (w->rewritten_count == w->rewritten_capacity) {
        size_t capacity = w->rewritten_capacity ? w->rewritten_capacity * 2 : 64;
        if (capacity > SIZE_MAX / sizeof(rewritten_message))
            return CONNX_ERR_NO_MEMORY;
        rewritten_message *grown = realloc(w->rewritten, capacity * sizeof(rewritten_message));
        if (grown == NULL)
            return CONNX_ERR_NO_MEMORY;
        w->rewritten = grown;
        w->rewritten_capacity = capacity;
    }
    w->rewritten[w->rewritten_count].content_begin = content_begin;
    w->rewritten[w->rewritten_count].new_size = 0;
    w->rewritten_count++;
    return CONNX_OK;
}

/* Pass 1. Validates the message content [begin, end) of type `descriptor` at nesting `depth`,
 * computes its size after stripping, and reports whether anything inside it was stripped.
 * Recursion is bounded by CONNX_MAX_NESTING. */
static CONNX_status measure_message(walker *w, const message_type *type, size_t begin, size_t end, unsigned depth,
                                    size_t *new_size, bool *changed)
{
    size_t total = 0;
    bool any_change = false;
    size_t pos = begin;
    size_t capped_values = 0;
    while (pos < end) {
        wire_field field;
        size_t error_at;
        CONNX_status status = read_field(w->bytes, &pos, end, &field, &error_at);
        if (status != CONNX_OK) {
            w->error_offset = error_at;
            return status;
        }
        status = check_caps(w, type->counted, &field, &capped_values);
        if (status != CONNX_OK) {
            w->error_offset = field.tag_begin;
            return status;
        }
        size_t contribution = field.value_end - field.tag_begin; /* verbatim */
        /* A file must not carry our own marker: a forged one could point a tensor's payload at
         * other bytes of the file. */
        if (field.field_number == CONNX_STRIPPED_FIELD) {
            w->error_offset = field.tag_begin;
            return CONNX_ERR_MALFORMED;
        }
        const ProtobufCMessageDescriptor *nested = nested_message_type(type, &field);
        if (nested != NULL) {
            if (depth >= CONNX_MAX_NESTING) {
                w->error_offset = field.tag_begin;
                return CONNX_ERR_TOO_DEEP;
            }
            size_t slot = w->rewritten_count;
            status = push_rewritten(w, field.value_begin);
            if (status != CONNX_OK) {
                w->error_offset = field.tag_begin;
                return status;
            }
            size_t nested_size;
            bool nested_changed;
            const message_type nested_type = nested_message_type_of(w, type, field.field_number, nested);
            status = measure_message(w, &nested_type, field.value_begin, field.value_end, depth + 1, &nested_size,
                                     &nested_changed);
            if (status != CONNX_OK)
                return status;
            if (nested_changed) {
                w->rewritten[slot].new_size = nested_size;
                any_change = true;
                contribution = field.tag_end - field.tag_begin;
                if (!add_size(&contribution, varint_size(nested_size)) || !add_size(&contribution, nested_size)) {
                    w->error_offset = field.tag_begin;
                    return CONNX_ERR_TOO_LARGE;
                }
            } else {
                /* nothing inside changed, so every slot pushed after ours was popped: pop ours */
                w->rewritten_count = slot;
            }
        } else if (should_strip(w, type, &field)) {
            contribution = marker_size(&field);
            any_change = true;
            w->stripped_payloads++;
            w->stripped_bytes += field.value_end - field.value_begin;
        }
        if (!add_size(&total, contribution)) {
            w->error_offset = field.tag_begin;
            return CONNX_ERR_TOO_LARGE;
        }
    }
    *new_size = total;
    *changed = any_change;
    return CONNX_OK;
}

typedef struct {
    uint8_t *bytes;
    size_t size;
    size_t used;
} output_buffer;

static bool output_copy(output_buffer *out, const uint8_t *from, size_t count)
{
    if (count > out->size - out->used)
        return false;
    memcpy(out->bytes + out->used, from, count);
    out->used += count;
    return true;
}

static bool output_varint(output_buffer *out, uint64_t value)
{
    if (varint_size(value) > out->size - out->used)
        return false;
    out->used += write_varint(out->bytes + out->used, value);
    return true;
}

/* Pass 2. Writes the message content [begin, end) with the decisions pass 1 made. The input was
 * validated by pass 1; any disagreement here is an internal inconsistency and fails cleanly.
 * `next_rewritten` walks w->rewritten in the same pre-order pass 1 recorded it. */
static CONNX_status write_message(walker *w, const message_type *type, size_t begin, size_t end, unsigned depth,
                                  output_buffer *out, size_t *next_rewritten)
{
    size_t pos = begin;
    while (pos < end) {
        wire_field field;
        size_t error_at;
        CONNX_status status = read_field(w->bytes, &pos, end, &field, &error_at);
        if (status != CONNX_OK) {
            w->error_offset = error_at;
            return status;
        }
        const ProtobufCMessageDescriptor *nested = nested_message_type(type, &field);
        if (nested != NULL && *next_rewritten < w->rewritten_count &&
            w->rewritten[*next_rewritten].content_begin == field.value_begin) {
            if (depth >= CONNX_MAX_NESTING)
                return CONNX_ERR_TOO_DEEP;
            size_t nested_size = w->rewritten[(*next_rewritten)++].new_size;
            if (!output_copy(out, w->bytes + field.tag_begin, field.tag_end - field.tag_begin) ||
                !output_varint(out, nested_size))
                return CONNX_ERR_MALFORMED;
            size_t nested_start = out->used;
            const message_type nested_type = nested_message_type_of(w, type, field.field_number, nested);
            status = write_message(w, &nested_type, field.value_begin, field.value_end, depth + 1, out, next_rewritten);
            if (status != CONNX_OK)
                return status;
            if (out->used - nested_start != nested_size)
                return CONNX_ERR_MALFORMED;
        } else if (should_strip(w, type, &field)) {
            if (!output_varint(out, stripped_marker_tag) || !output_varint(out, marker_content_size(&field)) ||
                !output_varint(out, field.field_number) || !output_varint(out, field.value_begin) ||
                !output_varint(out, field.value_end - field.value_begin))
                return CONNX_ERR_MALFORMED;
        } else if (!output_copy(out, w->bytes + field.tag_begin, field.value_end - field.tag_begin)) {
            return CONNX_ERR_MALFORMED;
        }
    }
    return CONNX_OK;
}

/* Validates `bytes` as a message of type `descriptor` and, when a payload was stripped, builds the
 * compacted copy in *compacted (caller frees). */
static CONNX_status prepare_message(walker *w, const ProtobufCMessageDescriptor *descriptor,
                                    uint8_t **compacted, size_t *compacted_size)
{
    *compacted = NULL;
    *compacted_size = 0;
    size_t new_size;
    bool changed;
    const message_type type = message_type_of(w, descriptor);
    CONNX_status status = measure_message(w, &type, 0, w->size, 0, &new_size, &changed);
    if (status != CONNX_OK || !changed)
        return status;

    output_buffer out = {.bytes = malloc(new_size ? new_size : 1), .size = new_size, .used = 0};
    if (out.bytes == NULL)
        return CONNX_ERR_NO_MEMORY;
    size_t next_rewritten = 0;
    status = write_message(w, &type, 0, w->size, 0, &out, &next_rewritten);
    if (status == CONNX_OK && (out.used != new_size || next_rewritten != w->rewritten_count))
        status = CONNX_ERR_MALFORMED; /* the passes disagree: refuse rather than unpack garbage */
    if (status != CONNX_OK) {
        free(out.bytes);
        return status;
    }
    *compacted = out.bytes;
    *compacted_size = new_size;
    return CONNX_OK;
}

CONNX_status CONNX_prepare_message(const uint8_t *bytes, size_t size, size_t strip_threshold,
                                   const ProtobufCMessageDescriptor *descriptor, CONNX_prepared_message *out)
{
    memset(out, 0, sizeof *out);
    walker w = {.bytes = bytes, .size = size, .strip_threshold = strip_threshold};
    CONNX_status status = prepare_message(&w, descriptor, &out->compacted, &out->compacted_size);
    free(w.rewritten);
    out->stripped_payloads = w.stripped_payloads;
    out->stripped_bytes = w.stripped_bytes;
    out->error_offset = w.error_offset;
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * Reading the markers back
 * ------------------------------------------------------------------------------------------- */

static bool is_stripped_marker(const ProtobufCMessageUnknownField *field)
{
    return field->tag == CONNX_STRIPPED_FIELD && field->wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
}

size_t CONNX_tensor_stripped_count(const Onnx__TensorProto *tensor)
{
    if (tensor == NULL || tensor->base.unknown_fields == NULL)
        return 0;
    size_t count = 0;
    for (unsigned i = 0; i < tensor->base.n_unknown_fields; i++)
        if (is_stripped_marker(&tensor->base.unknown_fields[i]))
            count++;
    return count;
}

int CONNX_tensor_stripped_payload(const Onnx__TensorProto *tensor, size_t index, uint32_t *field_number,
                                  uint64_t *offset, uint64_t *length)
{
    if (tensor == NULL || tensor->base.unknown_fields == NULL)
        return -1;
    for (unsigned i = 0; i < tensor->base.n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *field = &tensor->base.unknown_fields[i];
        if (!is_stripped_marker(field))
            continue;
        if (index-- != 0)
            continue;
        if (field->data == NULL && field->len != 0)
            return -1;
        /* protobuf-c keeps a length-delimited unknown field with its length prefix; the content
         * after it must be exactly three varints */
        uint64_t content_length, number, at, count;
        size_t pos = 0;
        if (read_varint(field->data, &pos, field->len, &content_length) != CONNX_OK ||
            content_length != (uint64_t)(field->len - pos))
            return -1;
        if (read_varint(field->data, &pos, field->len, &number) != CONNX_OK ||
            read_varint(field->data, &pos, field->len, &at) != CONNX_OK ||
            read_varint(field->data, &pos, field->len, &count) != CONNX_OK || pos != field->len)
            return -1;
        if (number == 0 || number > MAX_FIELD_NUMBER)
            return -1;
        if (field_number != NULL)
            *field_number = (uint32_t)number;
        if (offset != NULL)
            *offset = at;
        if (length != NULL)
            *length = count;
        return 0;
    }
    return -1;
}

