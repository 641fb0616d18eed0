/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_inventory.c: fuzz target of the inventory file's reader
 * (engine/inventory.h: sdd__inventory_load, which parses the file and hands
 * the document to sdd__inventory_from_json). An inventory it accepts is
 * written back as JSON text (sdd__inventory_write), which must read back, and asked for the services of a flow, a BMP event
 * and an interface event of tests/data, as the engine does with records. */
#include <stdio.h>
#include <stdlib.h>

#include "engine/inventory.h"
#include "parse/input.h"
#include "fuzz.h"

/* A line of tests/data/flows.jsonl, of tests/data/bmp.jsonl, and a telemetry
 * line of docs/inputs.md on the same router. */
static const char flow_line[] =
    "{\"event_type\": \"purge\", \"peer_ip_src\": \"192.0.2.1\", \"mpls_vpn_rd\": \"0:64497:1\", "
    "\"ip_proto\": \"tcp\", \"timestamp_start\": \"2023-11-14 22:14:00\", \"packets\": 101, "
    "\"bytes\": 100000, \"flows\": 10}";
static const char bmp_line[] =
    "{\"event_type\": \"log\", \"bmp_msg_type\": \"peer_down\", \"bmp_router\": \"192.0.2.1\", "
    "\"peer_ip\": \"198.51.100.1\", \"peer_type\": 1, \"rd\": \"0:64497:1\", "
    "\"timestamp\": \"2023-11-14 22:17:05\", \"reason_type\": 3}";
static const char iface_line[] =
    "{\"event_type\": \"log\", \"seq\": 7, \"timestamp\": \"1700000225.120000\", "
    "\"telemetry_node\": \"192.0.2.1\", \"telemetry_port\": 57500, \"telemetry_data\": "
    "{\"openconfig-interfaces:interfaces\": {\"interface\": [{\"name\": \"Gi0/0/0/1\", "
    "\"state\": {\"oper-status\": \"DOWN\"}}]}}, \"serialization\": \"json\"}";

static void map_records(sdd_inventory *inv)
{
    sdd_flow flow;
    sdd_bmp_event bmp;
    sdd_iface_event iface;
    sdd_unmapped why;
    int term;

    if (sdd__parse_flow(flow_line, sizeof(flow_line) - 1, &flow, NULL, 0) == SDD_SKIP_NONE)
        sdd__inventory_map_flow(inv, &flow, &term, &why);
    if (sdd__parse_bmp(bmp_line, sizeof(bmp_line) - 1, &bmp, NULL, 0) == SDD_SKIP_NONE)
        sdd__inventory_map_bmp(inv, &bmp, &why);
    if (sdd__parse_iface(iface_line, sizeof(iface_line) - 1, &iface, NULL, 0) == SDD_SKIP_NONE)
        sdd__inventory_map_iface(inv, &iface, &term, &why);
}

/* The inventory's text must be JSON that reads back into an inventory. */
static int append_text(const char *buf, size_t len, void *data)
{
    return fwrite(buf, 1, len, data) == len ? 0 : -1;
}

static void written_reads_back(const sdd_inventory *inv)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sdd_inventory *back = sdd__inventory_new(1);
    json_t *root;
    sdd_error err;

    if (!f || !back || sdd__inventory_write(inv, append_text, f) < 0 || fclose(f) != 0)
        abort();
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!root || sdd__inventory_from_json(back, root, "written", &err) < 0 ||
        sdd__inventory_count(back) != sdd__inventory_count(inv))
        abort();
    json_decref(root);
    sdd__inventory_free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    sdd_inventory *inv = sdd__inventory_new(1);
    sdd_error err;

    if (!inv)
        abort();
    fuzz_path(path, "inventory.json");
    fuzz_write(path, data, size);
    if (sdd__inventory_load(inv, path, &err) == 0) {
        written_reads_back(inv);
        map_records(inv);
        for (int i = 0; i < sdd__inventory_count(inv); i++)
            sdd__inventory_find(inv, sdd__inventory_service(inv, i)->vpn_id);
        written_reads_back(inv);
    }
    sdd__inventory_free(inv);
    return 0;
}
