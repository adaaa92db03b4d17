/*
 * ring_buffer.c - implementation of the byte ring buffer declared in
 * ring_buffer.h. Indentation follows the kernel style: tabs, 8 columns.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ring_buffer.h"

static bool is_power_of_two(size_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

int rb_init(struct ring_buffer *rb, size_t capacity)
{
	if (!rb || !is_power_of_two(capacity) ||
		capacity > RING_BUFFER_MAX_CAPACITY)
		return RB_ERR_INVALID;

	rb->data = calloc(capacity, 1);
	if (!rb->data)
		return RB_ERR_NOMEM;

	rb->capacity = capacity;
	rb->head = 0;
	rb->tail = 0;
	rb->overruns = 0;
	return RB_OK;
}

void rb_free(struct ring_buffer *rb)
{
	if (!rb)
		return;
	free(rb->data);
	memset(rb, 0, sizeof(*rb));
}

/*
 * Copy up to @len bytes into the buffer. Bytes that do not fit are
 * counted in rb->overruns and dropped; the return value is the number
 * of bytes actually stored.
 */
size_t rb_write(struct ring_buffer *rb, const uint8_t *src, size_t len)
{
	size_t mask = rb->capacity - 1;
	size_t space = rb_free_space(rb);
	size_t n = len < space ? len : space;
	size_t start = rb->head & mask;
	size_t first = rb->capacity - start;

	if (first > n)
		first = n;
	memcpy(rb->data + start, src, first);
	memcpy(rb->data, src + first, n - first);

	rb->head += n;
	if (n < len)
		rb->overruns += (unsigned long)(len - n);
	return n;
}

size_t rb_read(struct ring_buffer *rb, uint8_t *dst, size_t len)
{
	size_t mask = rb->capacity - 1;
	size_t used = rb_used(rb);
	size_t n = len < used ? len : used;
	size_t start = rb->tail & mask;
	size_t first = rb->capacity - start;

	if (first > n)
		first = n;
	if (dst) {
		memcpy(dst, rb->data + start, first);
		memcpy(dst + first, rb->data, n - first);
	}
	rb->tail += n;
	return n;
}

int rb_peek(const struct ring_buffer *rb, uint8_t *out)
{
	if (rb_is_empty(rb))
		return RB_ERR_EMPTY;
	*out = rb->data[rb->tail & (rb->capacity - 1)];
	return RB_OK;
}

/* Offset of the first @needle from the read position, or -1. */
ssize_t rb_find(const struct ring_buffer *rb, uint8_t needle)
{
	size_t mask = rb->capacity - 1;
	size_t used = rb_used(rb);
	size_t i;

	for (i = 0; i < used; i++) {
		if (rb->data[(rb->tail + i) & mask] == needle)
			return (ssize_t)i;
	}
	return -1;
}

#ifdef RING_BUFFER_DEMO
#include <stdio.h>

int main(void)
{
	struct ring_buffer rb;
	uint8_t line[64];
	const char *msgs[] = { "AT+GMR\r\n", "OK\r\n", "température=21.5°C\r\n" };
	size_t k;

	if (rb_init(&rb, 32) != RB_OK) {
		fputs("rb_init failed\n", stderr);
		return 1;
	}
	for (k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
		ssize_t eol;

		rb_write(&rb, (const uint8_t *)msgs[k], strlen(msgs[k]));
		while ((eol = rb_find(&rb, '\n')) >= 0) {
			size_t n = rb_read(&rb, line, (size_t)eol + 1);
			line[n] = '\0';
			printf("line (%zu bytes): %s", n, (char *)line);
		}
	}
	printf("overruns: %lu\n", rb.overruns);
	rb_free(&rb);
	return 0;
}
#endif
