/*
 * Wire-format readers and writers of the pre-pass (prepass.c), private to CONNX. In a header of
 * their own so that the pre-pass file stays readable; everything here is static.
 */
#ifndef CONNX_WIRE_H
#define CONNX_WIRE_H

#include "CONNX.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------------------------
 * Wire-format primitives. Positions are offsets into the whole input buffer; `end` bounds the
 * enclosing message. Every reader fails rather than read at or past `end`.
 * ------------------------------------------------------------------------------------------- */

enum {
    WIRE_VARINT = 0,
    WIRE_FIXED64 = 1,
    WIRE_LENGTH_DELIMITED = 2,
    WIRE_FIXED32 = 5,
};

#define MAX_VARINT_BYTES 10
#define MAX_TAG_BYTES 5             /* protobuf-c rejects longer tags */
#define MAX_FIELD_NUMBER 536870911u /* 2^29 - 1 */

/* The readers below run once or more per field of the file: inlined, the walk takes about half the
 * instructions it takes with calls (clang and gcc leave them out of line when used twice). */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Reads a base-128 varint of at most 10 bytes whose value fits 64 bits. */
static CONNX_status read_long_varint(const uint8_t *bytes, size_t *pos, size_t end, uint64_t *value)
{
    uint64_t result = 0;
    size_t at = *pos;
    for (unsigned i = 0; i < MAX_VARINT_BYTES; i++) {
        if (at >= end)
            return CONNX_ERR_TRUNCATED;
        uint8_t byte = bytes[at++];
        if (i == MAX_VARINT_BYTES - 1 && byte > 1)
            return CONNX_ERR_MALFORMED; /* bits beyond 64, or an 11th byte */
        result |= (uint64_t)(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            *value = result;
            *pos = at;
            return CONNX_OK;
        }
    }
    return CONNX_ERR_MALFORMED; /* unreachable: the 10th byte either ends or fails above */
}

/* read_long_varint, with the one-byte case (most lengths and small values) inline. */
static ALWAYS_INLINE CONNX_status read_varint(const uint8_t *bytes, size_t *pos, size_t end, uint64_t *value)
{
    if (*pos < end && bytes[*pos] < 0x80) {
        *value = bytes[(*pos)++];
        return CONNX_OK;
    }
    return read_long_varint(bytes, pos, end, value);
}

/* The wire types a tag may carry (varint, fixed64, length-delimited, fixed32), as a bit set. */
#define VALID_WIRE_TYPES ((1u << WIRE_VARINT) | (1u << WIRE_FIXED64) | (1u << WIRE_LENGTH_DELIMITED) | (1u << WIRE_FIXED32))

/* Reads a field tag with the same limits protobuf-c applies (at most 5 bytes), and rejects what is
 * not a valid tag: field number 0 or above 2^29-1, groups (3, 4) and wire types 6 and 7. */
static ALWAYS_INLINE CONNX_status read_tag(const uint8_t *bytes, size_t *pos, size_t end, uint32_t *field_number,
                                           unsigned *wire_type)
{
    uint64_t tag = 0;
    size_t at = *pos;
    if (at < end && bytes[at] < 0x80) {
        tag = bytes[at++]; /* field numbers 1 to 15: most tags of an ONNX file */
    } else {
        for (unsigned i = 0;; i++) {
            if (i == MAX_TAG_BYTES)
                return CONNX_ERR_MALFORMED;
            if (at >= end)
                return CONNX_ERR_TRUNCATED;
            uint8_t byte = bytes[at++];
            tag |= (uint64_t)(byte & 0x7f) << (7 * i);
            if ((byte & 0x80) == 0)
                break;
        }
    }
    uint64_t number = tag >> 3;
    unsigned wire = (unsigned)(tag & 7);
    if (number == 0 || number > MAX_FIELD_NUMBER)
        return CONNX_ERR_MALFORMED;
    if (((VALID_WIRE_TYPES >> wire) & 1u) == 0)
        return CONNX_ERR_MALFORMED;
    *field_number = (uint32_t)number;
    *wire_type = wire;
    *pos = at;
    return CONNX_OK;
}

/* One field as laid out in the input: [tag_begin, value_begin) holds the tag (and for
 * length-delimited fields the length prefix too), [value_begin, value_end) the value. */
typedef struct {
    uint32_t field_number;
    unsigned wire_type;
    size_t tag_begin;
    size_t tag_end;     /* end of the tag bytes, where a length prefix starts */
    size_t value_begin; /* content of a length-delimited field, or the scalar bytes */
    size_t value_end;
} wire_field;

/* Reads the field that starts at *pos. On failure *error_at is where the problem was found. */
static ALWAYS_INLINE CONNX_status read_field(const uint8_t *bytes, size_t *pos, size_t end, wire_field *field,
                                             size_t *error_at)
{
    size_t at = *pos;
    field->tag_begin = at;
    *error_at = at;
    CONNX_status status = read_tag(bytes, &at, end, &field->field_number, &field->wire_type);
    if (status != CONNX_OK)
        return status;
    field->tag_end = at;
    *error_at = at;
    uint64_t value;
    switch (field->wire_type) {
    case WIRE_VARINT:
        field->value_begin = at;
        status = read_varint(bytes, &at, end, &value);
        if (status != CONNX_OK)
            return status;
        break;
    case WIRE_FIXED64:
        if (end - at < 8)
            return CONNX_ERR_TRUNCATED;
        field->value_begin = at;
        at += 8;
        break;
    case WIRE_FIXED32:
        if (end - at < 4)
            return CONNX_ERR_TRUNCATED;
        field->value_begin = at;
        at += 4;
        break;
    case WIRE_LENGTH_DELIMITED:
        status = read_varint(bytes, &at, end, &value);
        if (status != CONNX_OK)
            return status;
        /* compare against what is left, never add to the position first: no wrap-around */
        if (value > (uint64_t)(end - at))
            return CONNX_ERR_TRUNCATED;
        field->value_begin = at;
        at += (size_t)value;
        break;
    default:
        return CONNX_ERR_MALFORMED;
    }
    field->value_end = at;
    *pos = at;
    return CONNX_OK;
}

static size_t varint_size(uint64_t value)
{
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

/* Writes a varint; the caller has checked that varint_size(value) bytes fit. */
static size_t write_varint(uint8_t *out, uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        out[n++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[n++] = (uint8_t)value;
    return n;
}

static bool add_size(size_t *total, size_t amount)
{
    if (amount > SIZE_MAX - *total)
        return false;
    *total += amount;
    return true;
}

#endif
