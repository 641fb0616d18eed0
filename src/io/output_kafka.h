/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output_kafka.h: the `kafka:TOPIC` output of sddd (output_kafka.c). */
#ifndef SDD_OUTPUT_KAFKA_H
#define SDD_OUTPUT_KAFKA_H

#include "io/output.h"
#include "io/settings.h"
#include "io/sources.h"

/* Checks the settings the Kafka output needs (kafka_brokers, spool_dir,
 * output_format, schema_registry for the Confluent format): 0 or -1 with err. */
int sdd_output_kafka_check(const sdd_settings *cfg, sdd_error *err);
/* Opens the spool, creates the producer (it connects in the background)
 * and, for the Confluent format, the registry client. NULL with err. */
sdd_output *sdd_output_kafka_open(const char *topic, const sdd_settings *cfg, const sdd_logger *log,
                                  sdd_error *err);

#endif
