/*
 * CONNX arena: the allocator protobuf-c unpacks a model into (see CONNX.h).
 *
 * Why: an unpacked model is a tree of many small allocations (a struct per message, a string per
 * name, a pointer array per repeated field) that all die together once the model is converted.
 * With malloc each costs a malloc call and protobuf_c_message_free_unpacked walks the whole tree
 * again to free them one by one (about a fifth of loading a 6,768-node decoder). Here a small
 * allocation is a pointer bump in a block, and freeing the model frees a few blocks.
 *
 * Memory stays within what malloc took for the same unpack:
 *  - a small allocation (under CONNX_ARENA_LARGE bytes) takes its size rounded up to 8 bytes, where
 *    malloc takes at least 8 bytes more (its chunk header, 16-byte rounding, 32-byte minimum);
 *  - a block is left behind when the next small allocation does not fit, wasting less than
 *    CONNX_ARENA_LARGE bytes; it holds at least 127 allocations by then, each 8 bytes smaller than
 *    its malloc chunk, so the waste is paid for;
 *  - protobuf-c frees scratch memory while unpacking (the scan tables of a message with more than 16
 *    fields, from 1 KiB up). Those requests are large, and a large allocation is its own malloc with
 *    a 24-byte header (at most 4.7% on 512 bytes), so freeing it gives the memory back as before;
 *  - the block in use may be unused past its cursor: at most CONNX_ARENA_MAX_BLOCK bytes, which
 *    malloc maps fresh and nothing touches, so they are not resident.
 * Blocks grow from 64 KiB by doubling to 1 MiB, so a 1 GB model takes about a thousand blocks.
 *
 * Freeing: a pointer inside a block is left alone (the block goes with the arena); any other pointer
 * is a large allocation and is unlinked and freed. Blocks are kept sorted by address, so telling
 * the two apart is a binary search; protobuf-c frees only scratch tables on success, and on failure
 * frees everything it built once, so this never goes quadratic.
 *
 * Under AddressSanitizer every small allocation is followed by a poisoned red zone and a block's
 * unused bytes stay poisoned, so reading past a string or an array of the unpacked model is still
 * reported as an overflow, as it was with malloc.
 */
#include "CONNX.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONNX_ARENA_ASAN 1
#endif
#endif
#if !defined(CONNX_ARENA_ASAN) && defined(__SANITIZE_ADDRESS__)
#define CONNX_ARENA_ASAN 1
#endif

#ifdef CONNX_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(address, size) ASAN_POISON_MEMORY_REGION((address), (size))
#define ARENA_UNPOISON(address, size) ASAN_UNPOISON_MEMORY_REGION((address), (size))
#define ARENA_REDZONE 16u
#else
#define ARENA_POISON(address, size) ((void)(address), (void)(size))
#define ARENA_UNPOISON(address, size) ((void)(address), (void)(size))
#define ARENA_REDZONE 0u
#endif

#define ARENA_ALIGNMENT 8u /* every protobuf-c field is a pointer, a size_t, or at most 8 bytes wide */

typedef struct {
    uint8_t *begin;
    size_t size;
} arena_block;

/* Header of a large allocation: a node of the doubly linked list the arena frees at the end. Its
 * size keeps the memory handed out 8-byte aligned (malloc returns 16-byte aligned memory). */
typedef struct arena_large {
    struct arena_large *previous;
    struct arena_large *next;
    size_t size; /* including this header */
} arena_large;

struct CONNX_arena {
    uint8_t *cursor; /* next free byte of the current block */
    uint8_t *limit;  /* end of the current block */
    arena_block *blocks; /* sorted by address */
    size_t block_count;
    size_t block_capacity;
    size_t next_block_size;
    arena_large large; /* sentinel of the circular list of live large allocations */
    CONNX_arena_stats stats;
    bool failed;
};

CONNX_arena *CONNX_arena_create(void)
{
    CONNX_arena *arena = calloc(1, sizeof *arena);
    if (arena == NULL)
        return NULL;
    arena->next_block_size = CONNX_ARENA_FIRST_BLOCK;
    arena->large.previous = &arena->large;
    arena->large.next = &arena->large;
    arena->stats.redzone_bytes = ARENA_REDZONE;
    return arena;
}

void CONNX_arena_destroy(CONNX_arena *arena)
{
    if (arena == NULL)
        return;
    for (size_t i = 0; i < arena->block_count; i++) {
        ARENA_UNPOISON(arena->blocks[i].begin, arena->blocks[i].size);
        free(arena->blocks[i].begin);
    }
    free(arena->blocks);
    arena_large *large = arena->large.next;
    while (large != &arena->large) {
        arena_large *next = large->next;
        free(large);
        large = next;
    }
    free(arena);
}

/* Records a new block in address order; blocks come from malloc, usually at rising addresses. */
static bool insert_block(CONNX_arena *arena, uint8_t *begin, size_t size)
{
    if (arena->block_count == arena->block_capacity) {
        size_t capacity = arena->block_capacity ? arena->block_capacity * 2 : 16;
        if (capacity > SIZE_MAX / sizeof(arena_block))
            return false;
        arena_block *grown = realloc(arena->blocks, capacity * sizeof(arena_block));
        if (grown == NULL)
            return false;
        arena->blocks = grown;
        arena->block_capacity = capacity;
    }
    size_t at = arena->block_count;
    while (at > 0 && arena->blocks[at - 1].begin > begin) {
        arena->blocks[at] = arena->blocks[at - 1];
        at--;
    }
    arena->blocks[at] = (arena_block){.begin = begin, .size = size};
    arena->block_count++;
    return true;
}

static void *allocate_large(CONNX_arena *arena, size_t size)
{
    if (size > SIZE_MAX - sizeof(arena_large))
        return NULL;
    size_t total = size + sizeof(arena_large);
    arena_large *large = malloc(total);
    if (large == NULL)
        return NULL;
    large->size = total;
    large->previous = &arena->large;
    large->next = arena->large.next;
    arena->large.next->previous = large;
    arena->large.next = large;
    arena->stats.reserved_bytes += total;
    arena->stats.large_allocations++;
    return large + 1;
}

/* Starts a new block that holds at least `needed` bytes. */
static bool grow(CONNX_arena *arena, size_t needed)
{
    size_t size = arena->next_block_size;
    while (size < needed)
        size *= 2; /* needed < CONNX_ARENA_LARGE + ARENA_REDZONE, far below the first block */
    uint8_t *block = malloc(size);
    if (block == NULL)
        return false;
    if (!insert_block(arena, block, size)) {
        free(block);
        return false;
    }
    ARENA_POISON(block, size);
    arena->stats.reserved_bytes += size;
    arena->stats.used_bytes += (size_t)(arena->limit - arena->cursor); /* the old block's unusable tail */
    arena->cursor = block;
    arena->limit = block + size;
    if (arena->next_block_size < CONNX_ARENA_MAX_BLOCK)
        arena->next_block_size *= 2;
    return true;
}

/* Bytes a small allocation of `size` takes in a block (see the comment at the top). */
static size_t small_allocation_size(size_t size)
{
    size_t rounded = size == 0 ? ARENA_ALIGNMENT : (size + ARENA_ALIGNMENT - 1) & ~(size_t)(ARENA_ALIGNMENT - 1);
    return rounded + ARENA_REDZONE; /* malloc(0) returns a distinct pointer; so does this */
}

static void *take_small(CONNX_arena *arena, size_t size, size_t needed)
{
    uint8_t *pointer = arena->cursor;
    arena->cursor += needed;
    arena->stats.used_bytes += needed;
    arena->stats.small_allocations++;
    ARENA_UNPOISON(pointer, size);
    return pointer;
}

/* A large allocation, or a small one that needs a new block. Kept out of line so that the common
 * case below is a few instructions with no registers to save (it runs once per protobuf-c
 * allocation: every message, string and array of the model). */
__attribute__((noinline)) static void *allocate_slowly(CONNX_arena *arena, size_t size)
{
    if (size >= CONNX_ARENA_LARGE) {
        void *pointer = allocate_large(arena, size);
        if (pointer == NULL)
            arena->failed = true;
        return pointer;
    }
    size_t needed = small_allocation_size(size);
    if (!grow(arena, needed)) {
        arena->failed = true;
        return NULL;
    }
    return take_small(arena, size, needed);
}

void *CONNX_arena_alloc(CONNX_arena *arena, size_t size)
{
    size_t needed = small_allocation_size(size);
    if (size < CONNX_ARENA_LARGE && (size_t)(arena->limit - arena->cursor) >= needed)
        return take_small(arena, size, needed);
    return allocate_slowly(arena, size);
}

/* Whether `pointer` lies in one of the blocks. */
static bool in_block(const CONNX_arena *arena, const uint8_t *pointer)
{
    size_t low = 0, high = arena->block_count;
    while (low < high) { /* the first block that begins after `pointer` */
        size_t middle = low + (high - low) / 2;
        if (arena->blocks[middle].begin <= pointer)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return false;
    const arena_block *block = &arena->blocks[low - 1];
    return (size_t)(pointer - block->begin) < block->size;
}

void CONNX_arena_free(CONNX_arena *arena, void *pointer)
{
    if (pointer == NULL || in_block(arena, pointer))
        return; /* a small allocation: its block goes with the arena */
    arena_large *large = (arena_large *)pointer - 1;
    large->previous->next = large->next;
    large->next->previous = large->previous;
    arena->stats.reserved_bytes -= large->size;
    free(large);
}

CONNX_arena_stats CONNX_arena_statistics(const CONNX_arena *arena)
{
    return arena->stats;
}

bool CONNX_arena_failed(const CONNX_arena *arena)
{
    return arena->failed;
}

static void *arena_alloc_callback(void *data, size_t size)
{
    return CONNX_arena_alloc((CONNX_arena *)data, size);
}

static void arena_free_callback(void *data, void *pointer)
{
    CONNX_arena_free((CONNX_arena *)data, pointer);
}

ProtobufCAllocator CONNX_arena_allocator(CONNX_arena *arena)
{
    return (ProtobufCAllocator){.alloc = arena_alloc_callback, .free = arena_free_callback, .allocator_data = arena};
}
