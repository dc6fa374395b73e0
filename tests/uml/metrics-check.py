#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# metrics-check.py [--no-traffic] METRICS.prom COUNTERS.json [LIST-SAS.json]
#
# Parses `conduitctl metrics` output with the Prometheus text-format parser
# (Debian's python3-prometheus-client) and checks that its counters are
# those of `conduitctl counters --json`, both ways: every counter of the
# JSON is a sample of the same value, and every counter sample is one of
# the JSON. With LIST-SAS.json (`conduitctl list-sas --json`, taken
# together), the IKE and CHILD SA gauges and the per-child traffic
# samples match it too; --no-traffic (conduitd --kernel none): there are no
# traffic samples at all. Prints a summary line; exits 1 on a mismatch.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def labels(base, **kw):
    d = dict(base)
    d.update(kw)
    return tuple(sorted(d.items()))


def expected(prefix, c, base):
    """The samples a counters object stands for."""
    exp = {}
    for d, kinds in c["messages"].items():
        for k, xs in kinds.items():
            for x, v in xs.items():
                exp[(prefix + "ike_messages_total",
                     labels(base, exchange=x, direction=d, kind=k))] = v
    for d, ns in c["notifies"].items():
        for n, v in ns.items():
            exp[(prefix + "ike_notifies_total", labels(base, notify=n, direction=d))] = v
    for d, v in c["retransmits"].items():
        exp[(prefix + "ike_retransmits_total", labels(base, direction=d))] = v
    exp[(prefix + "ike_dropped_total", labels(base))] = c["dropped"]
    exp[(prefix + "ike_invalid_total", labels(base))] = c["invalid"]
    for kind in ("ike", "child"):
        s = c[kind + "_sas"]
        exp[(prefix + kind + "_sas_established_total", labels(base))] = s["established"]
        exp[(prefix + kind + "_sas_failed_total", labels(base))] = s["failed"]
        for cause, v in s["down"].items():
            exp[(prefix + kind + "_sas_down_total", labels(base, cause=cause))] = v
    for n, v in c["failures"].items():
        exp[(prefix + "sa_failures_total", labels(base, notify=n))] = v
    return exp


def main():
    args = sys.argv[1:]
    no_traffic = args[0] == "--no-traffic"
    if no_traffic:
        args = args[1:]
    text = open(args[0]).read()
    counters = json.load(open(args[1]))
    sas = json.load(open(args[2]))["ike_sas"] if len(args) > 2 else None
    assert counters["ok"] and counters["schema"] == 1, counters

    samples, types = {}, {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in samples, "sample twice: %r" % (key,)
            samples[key] = s.value
            types[s.name] = fam.type

    exp = expected("conduit_", counters["global"], {})
    for name, c in counters["connections"].items():
        exp.update(expected("conduit_connection_", c, {"connection": name}))
    bad = []
    for key, v in exp.items():
        if samples.get(key) != v:
            bad.append("%s%s: counters %s, metrics %s" % (key[0], dict(key[1]), v,
                                                            samples.get(key)))
        elif types[key[0]] != "counter":
            bad.append("%s is a %s" % (key[0], types[key[0]]))
    # the other way: no counter of the engine's that counters does not have
    engine = ("conduit_ike_", "conduit_connection_", "conduit_child_sas_",
              "conduit_sa_failures")
    for key in samples:
        if key[0].startswith(engine) and types[key[0]] == "counter" and key not in exp:
            bad.append("%s%s only in metrics" % (key[0], dict(key[1])))

    n_sa = 0
    if sas is not None:
        ike, child, traffic = {}, {}, {}
        for sa in sas:
            k = (sa["connection"], sa["state"])
            ike[k] = ike.get(k, 0) + 1
            for ch in sa["child_sas"]:
                k = (sa["connection"], ch["name"], ch["state"])
                child[k] = child.get(k, 0) + 1
                for d in ("in", "out"):
                    # (list-sas leaves them out where the kernel has none)
                    traffic[(sa["connection"], ch["name"], str(sa["id"]), str(ch["id"]), d)] = \
                        (ch.get("bytes_" + d), ch.get("packets_" + d))
        for (conn, state), n in ike.items():
            got = samples.get(("conduit_ike_sas", labels({}, connection=conn, state=state)))
            if got != n:
                bad.append("conduit_ike_sas %s %s: list-sas %d, metrics %s" % (conn, state, n, got))
        for (conn, name, state), n in child.items():
            got = samples.get(("conduit_child_sas",
                               labels({}, connection=conn, child=name, state=state)))
            if got != n:
                bad.append("conduit_child_sas %s/%s %s: list-sas %d, metrics %s" %
                           (conn, name, state, n, got))
        if no_traffic:
            traffic = {}
            bad += ["%s%s with --no-traffic" % (k[0], dict(k[1])) for k in samples
                    if k[0].startswith("conduit_child_sa_")]
        for (conn, name, ike_id, ch_id, d), (b, p) in traffic.items():
            lab = labels({}, connection=conn, child=name, ike_sa=ike_id, child_sa=ch_id,
                         direction=d)
            # the kernel's counters move on their own: the scenario sends
            # nothing between the two requests, so they must agree
            if samples.get(("conduit_child_sa_bytes_total", lab)) != b or \
               samples.get(("conduit_child_sa_packets_total", lab)) != p:
                bad.append("traffic %s: list-sas %s/%s, metrics %s/%s" % (
                    dict(lab), b, p, samples.get(("conduit_child_sa_bytes_total", lab)),
                    samples.get(("conduit_child_sa_packets_total", lab))))
        n_sa = len(ike) + len(child) + len(traffic)
    if bad:
        print("metrics-check: %d mismatches:\n  %s" % (len(bad), "\n  ".join(bad)))
        sys.exit(1)
    print("metrics-check: %d samples parsed; %d counters match counters --json, "
          "%d SA and traffic figures match list-sas" % (len(samples), len(exp), n_sa))


main()
