/* SPDX-License-Identifier: GPL-2.0-or-later */
/* avro_encode.h: notifications in Avro, the IETF RelevantStateNotification
 * schema (schema/RelevantStateNotification.avsc, compiled into the library).
 *
 * Input is the JSON of notification.c: the schema's field names in the
 * schema's order, unions as their bare value or null. The encoder walks the
 * schema and refuses anything else (a missing, extra or misplaced field, a
 * value no union branch takes) with the path of the field in the message.
 *
 * The writer schema is the reference file's RelevantStateNotification record,
 * made self-contained: the reference is an array of named types, the record
 * last, and Avro wants each named type defined where it is first used. That
 * is how the deployed system's example is encoded (a record, no union index),
 * and a reader that parses the whole reference file (a union) resolves it to
 * its RelevantStateNotification branch. */
#ifndef SDD_AVRO_ENCODE_H
#define SDD_AVRO_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"

/* The reference schema file as it is in the source tree (NUL-terminated). */
extern const char sdd_avro_reference_schema[];

typedef struct sdd_avro sdd_avro;

sdd_avro *sdd_avro_new(sdd_error *err);
void sdd_avro_free(sdd_avro *a);

/* The writer schema as JSON text: what a container file header holds and
 * what one registers in a schema registry. Owned by `a`. */
const char *sdd_avro_schema_json(const sdd_avro *a);

/* One notification as plain Avro binary (*buf malloc'ed, caller frees), or
 * in the Confluent wire format: byte 0, the registry's schema id (4 bytes,
 * big-endian), then the binary. 0, or -1 with err. */
int sdd_avro_encode(sdd_avro *a, const char *json, void **buf, size_t *len, sdd_error *err);
int sdd_avro_encode_confluent(sdd_avro *a, uint32_t schema_id, const char *json, void **buf, size_t *len,
                              sdd_error *err);

/* Plain Avro binary back to the notification JSON (caller frees), NULL with
 * err: bytes that do not decode (cut short, an enum index or union branch
 * out of range, bytes left over) are refused with the field's path. */
char *sdd_avro_decode(sdd_avro *a, const void *buf, size_t len, sdd_error *err);

/* An Avro object container file of notifications. The sync marker is
 * derived from the writer schema, so the same records give the same bytes. */
typedef struct sdd_avro_file sdd_avro_file;

sdd_avro_file *sdd_avro_file_open(const char *path, sdd_error *err);       /* new or truncated */
sdd_avro_file *sdd_avro_file_open_append(const char *path, sdd_error *err); /* an existing one */
int sdd_avro_file_append(sdd_avro_file *f, const char *json, sdd_error *err);
/* Writes what is buffered and frees f; -1 with err if that failed. */
int sdd_avro_file_close(sdd_avro_file *f, sdd_error *err);

/* Calls fn with each record of a container file as notification JSON, in
 * file order; stops when fn returns non-zero. The number of records read,
 * or -1 with err, which names the file and the block or record: a damaged
 * file (a block cut short, a sync marker that is not the file's, a record
 * that does not decode) is an error, never an early end. */
typedef int (*sdd_avro_record_fn)(void *ctx, const char *json);
long sdd_avro_file_read(const char *path, sdd_avro_record_fn fn, void *ctx, sdd_error *err);

/* 1 when the file starts with the container magic "Obj\x01", 0 when not,
 * -1 with err when it cannot be read. */
int sdd_avro_file_is_container(const char *path, sdd_error *err);

#endif
