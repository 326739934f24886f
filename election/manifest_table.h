/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * manifest_table.h -- the table-driven JSON object reader behind
 * manifest_parse() (docs/spec/election.md E-2).
 *
 * Each object type of the manifest (the manifest itself, body, dates,
 * stations[], a contest and each contest type, a candidate, ...) is an
 * mf_object: a table of mf_field rows, each naming a JSON key, its type,
 * whether it is required, its limits (min/max, allowed values), where the
 * value is stored (a struct offset, or a setter), the rule ID cited when it
 * is wrong and an optional check run once it has been read.  mf_read_object()
 * walks a table; every finding it makes names the full JSON path of the
 * field ("contests[2].seats") and the field in its message.  A new ballot
 * type is a new table, not a new parser.
 *
 * Absent means: the key is missing, or (for a scalar, or a field flagged
 * MF_NULL_ABSENT) its value is null.  Keys no table names are ignored
 * (E-2: "Unknown keys are ignored"; they are still covered by E-1.1).
 *
 * Messages without a law rule ID end with the spec section of their object
 * ("(E-2)"); a field with a rule ID puts it in the finding's rule instead.
 * Nothing here is secret; nothing allocates except the stored values, which
 * the caller's struct then owns (manifest_free()).
 */
#ifndef QUORUM_ELECTION_MANIFEST_TABLE_H
#define QUORUM_ELECTION_MANIFEST_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "election/findings.h"
#include "election/manifest.h"
#include "election/rules.h"

typedef enum mf_type {
	MF_STR, /* string (non-empty if required); with names: one of them */
	MF_ID, /* an id (E-2): 1-64 bytes of A-Z a-z 0-9 . _ - */
	MF_COUNT, /* an integer 0 .. 2^53-1, within min .. max when max > 0 */
	MF_DATE, /* YYYY-MM-DD, a real Gregorian date */
	MF_ENUM, /* one of names; stores values[i] (or i) as an int */
	MF_HASH, /* 64 lower-case hexadecimal digits, stored as 32 bytes */
	MF_OBJECT, /* an object read by sub into the same struct */
	MF_ARRAY, /* an array of objects, each an element struct read by sub */
	MF_LIST, /* an array of elem scalars (MF_ID or MF_STR): char ** */
	MF_CUSTOM, /* read by the field's setter */
} mf_type;

#define MF_REQUIRED 1u /* absent is an error (an array: it must be non-empty) */
#define MF_UNIQUE 2u /* in an element of an MF_ARRAY: no two elements share it */
#define MF_TAG                                                                                     \
	4u /* MF_ENUM choosing the object's variant; if it is wrong, the                           \
	    * rest of the object is not read */
#define MF_NULL_ABSENT 8u /* MF_OBJECT: null reads as absent */

typedef struct mf_ctx {
	elec_findings *f;
	int oom;
	const rulebook *rb;
	elec_manifest *m; /* the manifest being read (checks look at it) */
	int have_poll; /* dates.polling_day was read */
} mf_ctx;

typedef struct mf_field mf_field;

typedef struct mf_object {
	const char *name; /* what an element is called in messages ("station") */
	const char *cite; /* the spec section defining it ("E-2") */
	const mf_field *fields;
	size_t nfields;
	/* With a field flagged MF_TAG: the table read after the fields, by the
	 * index of the tag's value in its names. */
	const struct mf_object *const *variants;
	size_t nvariants;
	size_t size; /* an MF_ARRAY element's struct size */
} mf_object;

/* Offsets are stored + 1 so that 0 means "not stored". */
#define MF_AT(T, f) .off = offsetof(T, f) + 1, .size = sizeof(((T *)0)->f)
#define MF_AUX(T, f) .aux = offsetof(T, f) + 1

struct mf_field {
	const char *key;
	mf_type type;
	unsigned flags;
	size_t off, size; /* MF_AT: where the value goes and its size */
	/* MF_AUX: MF_ARRAY/MF_LIST: the size_t count; MF_DATE/MF_OBJECT: an int
	 * set to 1 when present (and, for a date, valid) */
	size_t aux;
	uint64_t min, max; /* MF_COUNT limits (max 0: 0 .. 2^53-1) */
	const char *const *names; /* MF_ENUM, MF_STR: the values allowed, NULL-ended */
	const int *values; /* MF_ENUM: what names[i] stores (NULL: i) */
	const mf_object *sub; /* MF_OBJECT, MF_ARRAY */
	mf_type elem; /* MF_LIST: MF_ID or MF_STR */
	const char *rule; /* the law rule ID its findings cite, or NULL (form) */
	const char *why; /* N_() message replacing the generic one when it is
	                  * absent, empty, not allowed or out of range */
	int (*required_if)(const mf_ctx *); /* replaces MF_REQUIRED when set */
	/* MF_CUSTOM: read v (present) into obj; 1 if good */
	int (*set)(mf_ctx *, void *obj, json_t *v, const char *where);
	/* Run after a good read (an object or array: after it was read, with
	 * all_ok = no error inside it). */
	void (*check)(mf_ctx *, void *obj, const char *where, int all_ok);
};

/*
 * Read the JSON object jo by table o into obj (a struct the table's
 * offsets refer to), path being jo's JSON path ("" for the root).  Every
 * problem is a finding in c->f; allocation failure sets c->oom.  Returns 1
 * if no error was found inside jo, else 0.
 */
int mf_read_object(mf_ctx *c, const mf_object *o, void *obj, json_t *jo, const char *path);

/* A copy of s (the caller owns it), or NULL with c->oom set. */
char *mf_strdup(mf_ctx *c, const char *s);

/* "a, b or c" of a NULL-ended list, translated joints; into out (n bytes). */
void mf_join(char *out, size_t n, const char *const *names, const char *last_joint);

/* The manifest's own table (manifest.c): the root object of E-2. */
const mf_object *manifest_schema(void);

#endif
