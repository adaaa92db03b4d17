/*
 * wordfreq.c -- count word frequencies read from stdin and print the top N.
 *
 *     cc -O2 -Wall -o wordfreq wordfreq.c
 *     ./wordfreq 10 < book.txt
 *
 * Words are maximal runs of ASCII letters, digits, apostrophes and bytes >= 0x80
 * (so UTF-8 words such as "naïve" or "你好" stay in one piece), folded to lower case.
 * The table is an open-addressing hash map with linear probing, grown at 70 % load.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_SLOTS 1024
#define MAX_WORD_LEN 128

typedef struct {
    char *word;     /* NULL marks an empty slot */
    uint32_t hash;
    long count;
} Entry;

typedef struct {
    Entry *slots;
    size_t n_slots;
    size_t n_used;
} WordTable;

/* FNV-1a, 32-bit: simple and good enough for short keys. */
static uint32_t fnv1a(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL) {
        fprintf(stderr, "wordfreq: out of memory (%s)\n", strerror(errno));
        exit(EXIT_FAILURE);
    }
    return p;
}

static void table_init(WordTable *t, size_t n_slots)
{
    t->slots = xcalloc(n_slots, sizeof(Entry));
    t->n_slots = n_slots;
    t->n_used = 0;
}

static Entry *find_slot(Entry *slots, size_t n_slots, const char *word, uint32_t hash)
{
    size_t mask = n_slots - 1;
    size_t i = hash & mask;
    while (slots[i].word != NULL) {
        if (slots[i].hash == hash && strcmp(slots[i].word, word) == 0) {
            return &slots[i];
        }
        i = (i + 1) & mask;
    }
    return &slots[i];
}

static void table_grow(WordTable *t)
{
    size_t new_n = t->n_slots * 2;
    Entry *fresh = xcalloc(new_n, sizeof(Entry));
    for (size_t i = 0; i < t->n_slots; i++) {
        Entry *old = &t->slots[i];
        if (old->word != NULL) {
            *find_slot(fresh, new_n, old->word, old->hash) = *old;
        }
    }
    free(t->slots);
    t->slots = fresh;
    t->n_slots = new_n;
}

static void table_add(WordTable *t, const char *word, size_t len)
{
    if ((t->n_used + 1) * 10 > t->n_slots * 7) {
        table_grow(t);
    }
    uint32_t hash = fnv1a(word, len);
    Entry *e = find_slot(t->slots, t->n_slots, word, hash);
    if (e->word == NULL) {
        e->word = xcalloc(len + 1, 1);
        memcpy(e->word, word, len);
        e->hash = hash;
        t->n_used++;
    }
    e->count++;
}

static int by_count_desc(const void *a, const void *b)
{
    const Entry *x = a, *y = b;
    if (x->count != y->count) {
        return x->count < y->count ? 1 : -1;
    }
    return strcmp(x->word, y->word);
}

static int is_word_byte(int c)
{
    return isalnum(c) || c == '\'' || c >= 0x80;
}

int main(int argc, char **argv)
{
    long top_n = argc > 1 ? strtol(argv[1], NULL, 10) : 20;
    char word[MAX_WORD_LEN + 1];
    size_t len = 0;
    long total = 0;
    int c;
    WordTable table;

    if (top_n <= 0) {
        fprintf(stderr, "usage: %s [N > 0] < file\n", argv[0]);
        return EXIT_FAILURE;
    }
    table_init(&table, INITIAL_SLOTS);

    while ((c = getchar()) != EOF) {
        if (is_word_byte(c)) {
            if (len < MAX_WORD_LEN) {
                word[len++] = (char)(c < 0x80 ? tolower(c) : c);
            }
            continue;
        }
        if (len > 0) {
            word[len] = '\0';
            table_add(&table, word, len);
            total++;
            len = 0;
        }
    }
    if (len > 0) {
        word[len] = '\0';
        table_add(&table, word, len);
        total++;
    }

    /* Compact the used entries to the front, then sort them. */
    size_t k = 0;
    for (size_t i = 0; i < table.n_slots; i++) {
        if (table.slots[i].word != NULL) {
            table.slots[k++] = table.slots[i];
        }
    }
    qsort(table.slots, k, sizeof(Entry), by_count_desc);

    printf("%ld words, %zu distinct\n", total, k);
    for (size_t i = 0; i < k && (long)i < top_n; i++) {
        double share = 100.0 * (double)table.slots[i].count / (double)total;
        printf("%4zu  %-24s %8ld  %5.2f%%\n", i + 1, table.slots[i].word,
               table.slots[i].count, share);
    }
    for (size_t i = 0; i < k; i++) {
        free(table.slots[i].word);
    }
    free(table.slots);
    return EXIT_SUCCESS;
}
