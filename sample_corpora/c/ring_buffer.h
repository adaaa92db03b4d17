/*
 * ring_buffer.h - a fixed-capacity byte ring buffer for single-producer,
 * single-consumer use (e.g. a UART driver feeding a line parser).
 *
 * The capacity must be a power of two so that index wrapping is a mask
 * instead of a division.
 */
#ifndef RING_BUFFER_H
#define RING_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RING_BUFFER_MAX_CAPACITY (1u << 20)

struct ring_buffer {
    uint8_t *data;
    size_t capacity;        /* always a power of two */
    volatile size_t head;   /* next write position */
    volatile size_t tail;   /* next read position */
    unsigned long overruns; /* bytes dropped because the buffer was full */
};

enum rb_status {
    RB_OK = 0,
    RB_ERR_NOMEM = -1,
    RB_ERR_INVALID = -2,
    RB_ERR_EMPTY = -3,
};

int rb_init(struct ring_buffer *rb, size_t capacity);
void rb_free(struct ring_buffer *rb);

size_t rb_write(struct ring_buffer *rb, const uint8_t *src, size_t len);
size_t rb_read(struct ring_buffer *rb, uint8_t *dst, size_t len);
int rb_peek(const struct ring_buffer *rb, uint8_t *out);
ssize_t rb_find(const struct ring_buffer *rb, uint8_t needle);

static inline size_t rb_used(const struct ring_buffer *rb)
{
    return rb->head - rb->tail;
}

static inline size_t rb_free_space(const struct ring_buffer *rb)
{
    return rb->capacity - rb_used(rb);
}

static inline bool rb_is_empty(const struct ring_buffer *rb)
{
    return rb->head == rb->tail;
}

#ifdef __cplusplus
}
#endif

#endif /* RING_BUFFER_H */
