# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# How Debian's pmacct 1.7.7 writes what the capture cases expect from the
# current pmacct (from source, with Avro and the *_encode_as_* options): the
# comparison rules of tests/harness/compare-records, each with its reason.
# Sourced by the capture tests, which add the rules of their own case.
# Seen on the 201 and 401 captures; the pmacct sources (v1.7.7 and master)
# confirm each difference.

# Flow records (kafka plugin, JSON).
# shellcheck disable=SC2034
SDD_FLOW_RULES=(
  # pmacct may split one aggregate across flush intervals: counters are
  # summed over the records that agree on everything else.
  --counter packets --counter bytes --counter flows
  # Arrival time at the collector: new at each run.
  --ignore timestamp_arrival --ignore timestamp_min --ignore timestamp_max
  # Time bins of kafka_history and the time of the flush: new at each run.
  --ignore stamp_inserted --ignore stamp_updated
  # 1.7.7 has no writer_id_string: "<plugin>/<pid>", new at each run.
  --ignore writer_id
  # 1.7.7 writes "event_type": "purge" in every flow record; the current
  # pmacct writes no event_type there.
  --ignore event_type
  # The current pmacct groups custom primitives under "custom_primitives";
  # 1.7.7 writes them at the top level.
  --flatten custom_primitives
  # The pretag label: 1.7.7 refuses ',' in labels and has no
  # pre_tag_label_encode_as_map; the adapted maps write "k1%v1;k2%v2", read
  # back as the map {"k1": "v1", "k2": "v2"} the current pmacct writes.
  --convert-actual label:label_map
  # in_vlan is 1.7.7's "vlan" primitive, written as "vlan".
  --rename-actual vlan=vlan_in
  # TCP flags: 1.7.7's tcpflags only reads a 1-byte IE 6; the configs use
  # the custom primitive tcp_flags (IE 6, 2 bytes) of
  # conf-examples/custom-primitives.map, a number, written as the names the
  # current pmacct lists (tcpflags_encode_as_array).
  --convert-actual tcp_flags:tcp_flags
  # Forwarding status: a custom primitive of IE 89 in 1.7.7 (no fwd_status
  # primitive), a number, written as its RFC 7270 words
  # (fwd_status_encode_as_string).
  --convert-actual fwd_status:fwd_status
  # No mpls_label_stack in 1.7.7: mpls_label_top stands for a one-label
  # stack, written as the current pmacct's ["0-<label>"].
  --rename-actual mpls_label_top=mpls_label_stack --convert-actual mpls_label_stack:mpls_top_label
  # AS paths and communities: one '_'-separated string in 1.7.7, arrays in
  # the current pmacct (as_path_encode_as_array, bgp_comms_encode_as_array).
  --convert-actual as_path:words --convert-actual as_path_src:words
  --convert-actual comms:words --convert-actual comms_src:words
  --convert-actual ecomms:words --convert-actual ecomms_src:words
  --convert-actual lcomms:words --convert-actual lcomms_src:words
)

# BMP msglog records (JSON). (The commas are conditions of compare-records.)
# shellcheck disable=SC2034,SC2054
SDD_BMP_RULES=(
  # Sequence numbers: the order of records may change between runs.
  --ignore seq
  # Arrival time at the collector: new at each run; so is the timestamp of
  # log_init (when the session came up) and of the internal "delete" records
  # (when it went down).
  --ignore timestamp_arrival --ignore timestamp@event_type=log_init
  --ignore timestamp@bmp_msg_type=internal
  # The replayer's TCP source port: new at each run.
  --ignore bmp_router_port
  # 1.7.7 has no writer_id_string: "<process>/<pid>", new at each run.
  --ignore writer_id
  # The pretag label of the current pmacct's bmp_daemon_tag_map: 1.7.7 has no
  # such key and BMP records carry no label. 1.7.7 writes the MPLS label of a
  # route as "label", the current pmacct as "mpls_label".
  --rename-actual label=mpls_label@bmp_msg_type=route_monitor
  --rename-actual label=mpls_label@bmp_msg_type=internal
  --ignore label
  # 1.7.7 does not log End-of-RIB markers.
  --drop-expected log_type=end-of-rib
  # AS paths and communities: one ' '-separated string in 1.7.7, arrays in
  # the current pmacct.
  --convert-actual as_path:words --convert-actual comms:words
  --convert-actual ecomms:words --convert-actual lcomms:words
  # An IPv4 next hop in IPv4-mapped IPv6 form (6VPE): each version writes it
  # plain or mapped for different routes; compared as plain IPv4 on both
  # sides.
  --convert bgp_nexthop:ipv4_mapped
  # 1.7.7 does not know the peer-up information TLV type 3 (VRF/table name,
  # RFC 9069): it writes "bmp_peer_up_info_3" as hex bytes.
  --rename-actual bmp_peer_up_info_3=bmp_peer_up_info_vrf_table_name
  --convert-actual bmp_peer_up_info_vrf_table_name:hex_text
  # 1.7.7 does not write the per-peer header's BGP ID in stats records.
  --ignore bgp_id@bmp_msg_type=stats
  # 1.7.7 does not decode an IPv6 next hop of an IPv4 route (RFC 8950): it
  # writes no bgp_nexthop there (the route itself is compared).
  --set-expected bgp_nexthop=null@afi=1,bgp_nexthop~:
)
