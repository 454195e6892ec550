#!/usr/bin/env python3
"""Validates tools/devices/devices.json (the hand-curated device database).

Checks: top-level and per-device schema keys and types, unique ids, unique aliases
(case-insensitive, across the whole file, never equal to another device's id), every
numeric figure backed by at least one source key (per figure, or per group key such as
"peak_tops" / "clocks" / "units"), every source key present in source_legend, legend
entries that are full citations (an address plus what the page says), derivations that
reproduce their peak within 2% and name units/clock figures that exist, engines that sum
to peak_tops, and derived / low_confidence lists that name real figures.
Prints a summary; exits 1 on any violation.
Usage: tools/devices/check.py [path/to/devices.json]
"""
import json, os, re, sys

PRECISIONS = ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4"]
CATEGORIES = {"datacenter_gpu", "edge_gpu", "consumer_gpu", "accelerator", "cpu", "soc"}
TOP_KEYS = {"schema_version", "about", "source_legend", "devices"}
REQUIRED = {"id", "name", "vendor", "category", "aliases", "peak_tops", "memory_bytes",
            "memory_bandwidth_bytes_per_s", "sources", "low_confidence"}
OPTIONAL = {"cache_bytes", "interconnect", "interconnect_bytes_per_s", "host_link", "host_link_bytes_per_s",
            "tdp_w", "clocks", "units", "derivations", "derived", "engines", "sparse_note", "notes"}
SCALARS = ["memory_bytes", "memory_bandwidth_bytes_per_s", "cache_bytes", "interconnect_bytes_per_s",
           "host_link_bytes_per_s", "tdp_w"]
CLOCK_KEYS = {"base_mhz", "boost_mhz"}
DERIV_KEYS = {"units", "unit", "clock_mhz", "ops_per_clock"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
ALIAS_RE = re.compile(r"^[a-z0-9][a-z0-9._+-]*$")
ADDR_RE = re.compile(r"(https?://\S+|github\.com/\S+|/\S+\.\w+|\S+/\S+\.(md|py|json|rst|mdx|mojo|txt|csv))")


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def main(path):
    errors = []
    err = errors.append
    try:
        doc = json.load(open(path))
    except Exception as e:  # noqa: BLE001
        print(f"{path}: cannot read JSON: {e}")
        return 1
    if not isinstance(doc, dict):
        print(f"{path}: top level is not an object")
        return 1
    for k in TOP_KEYS - doc.keys():
        err(f"top level: missing key '{k}'")
    for k in doc.keys() - TOP_KEYS:
        err(f"top level: unknown key '{k}'")
    if doc.get("schema_version") != 1:
        err("top level: schema_version must be 1")
    if not isinstance(doc.get("about"), str) or not doc.get("about"):
        err("top level: 'about' must be a non-empty string")
    legend = doc.get("source_legend") or {}
    if not isinstance(legend, dict):
        err("source_legend must be an object")
        legend = {}
    for key, cite in legend.items():
        if not isinstance(cite, str) or len(cite) < 40:
            err(f"source_legend.{key}: citation too short to say what the page says")
        elif not ADDR_RE.search(cite):
            err(f"source_legend.{key}: no address (URL or repo + path)")
        elif " - " not in cite and ": " not in cite:
            err(f"source_legend.{key}: does not say what the page says")
    devices = doc.get("devices") or []
    ids, alias_owner = {}, {}
    used_keys = set()
    n_figures = n_derived = n_low = n_derivations = 0

    for i, d in enumerate(devices):
        where = f"devices[{i}]"
        if not isinstance(d, dict):
            err(f"{where}: not an object")
            continue
        did = d.get("id")
        if isinstance(did, str):
            where = did
        for k in REQUIRED - d.keys():
            err(f"{where}: missing key '{k}'")
        for k in d.keys() - REQUIRED - OPTIONAL:
            err(f"{where}: unknown key '{k}'")
        if not isinstance(did, str) or not ID_RE.match(did):
            err(f"{where}: bad id {did!r}")
        elif did in ids:
            err(f"{where}: duplicate id")
        else:
            ids[did] = i
        for k in ("name", "vendor"):
            if not isinstance(d.get(k), str) or not d.get(k):
                err(f"{where}: '{k}' must be a non-empty string")
        if d.get("category") not in CATEGORIES:
            err(f"{where}: category {d.get('category')!r} not one of {sorted(CATEGORIES)}")
        aliases = d.get("aliases")
        if not isinstance(aliases, list):
            err(f"{where}: aliases must be a list")
            aliases = []
        for a in aliases:
            if not isinstance(a, str) or not ALIAS_RE.match(a.lower()):
                err(f"{where}: bad alias {a!r}")
                continue
            la = a.lower()
            if la in alias_owner and alias_owner[la] != did:
                err(f"{where}: alias '{a}' also used by {alias_owner[la]}")
            elif la in alias_owner:
                err(f"{where}: alias '{a}' repeated")
            alias_owner[la] = did

        # --- collect figures (dotted keys) ---
        figures = {}
        pk = d.get("peak_tops")
        if not isinstance(pk, dict):
            err(f"{where}: peak_tops must be an object")
            pk = {}
        for p, v in pk.items():
            if p not in PRECISIONS:
                err(f"{where}: peak_tops has unknown precision '{p}'")
            elif v is None:
                continue
            elif not is_num(v) or v <= 0:
                err(f"{where}: peak_tops.{p} must be a positive number")
            else:
                figures[f"peak_tops.{p}"] = v
        if not any(k.startswith("peak_tops.") for k in figures):
            err(f"{where}: no peak at all")
        for k in SCALARS:
            v = d.get(k)
            if v is None:
                continue
            if not is_num(v) or v <= 0:
                err(f"{where}: {k} must be a positive number or null")
            else:
                figures[k] = v
        if d.get("memory_bandwidth_bytes_per_s") is None:
            err(f"{where}: memory_bandwidth_bytes_per_s is required")
        for k in ("interconnect", "host_link", "sparse_note", "notes"):
            if d.get(k) is not None and not isinstance(d.get(k), str):
                err(f"{where}: {k} must be a string or null")
        if d.get("interconnect_bytes_per_s") is not None and not d.get("interconnect"):
            err(f"{where}: interconnect_bytes_per_s without interconnect text")
        if d.get("interconnect") and "bidirectional" not in d["interconnect"] and "per direction" not in d["interconnect"] \
                and d.get("interconnect_bytes_per_s") is not None:
            err(f"{where}: interconnect text must say 'bidirectional' (or 'per direction')")
        if d.get("host_link_bytes_per_s") is not None and not d.get("host_link"):
            err(f"{where}: host_link_bytes_per_s without host_link text")
        clocks = d.get("clocks") or {}
        if not isinstance(clocks, dict):
            err(f"{where}: clocks must be an object")
            clocks = {}
        for k, v in clocks.items():
            if k not in CLOCK_KEYS:
                err(f"{where}: clocks has unknown key '{k}'")
            elif v is not None:
                if not is_num(v) or v <= 0:
                    err(f"{where}: clocks.{k} must be positive")
                else:
                    figures[f"clocks.{k}"] = v
        units = d.get("units") or {}
        if not isinstance(units, dict):
            err(f"{where}: units must be an object")
            units = {}
        for k, v in units.items():
            if v is None:
                continue
            if not is_num(v) or v <= 0 or int(v) != v:
                err(f"{where}: units.{k} must be a positive integer")
            else:
                figures[f"units.{k}"] = v
        engines = d.get("engines")
        if engines is not None:
            if not isinstance(engines, list) or len(engines) < 2:
                err(f"{where}: engines must list at least two engines")
            else:
                sums = {}
                for j, e in enumerate(engines):
                    if not isinstance(e, dict) or set(e.keys()) != {"name", "peak_tops"}:
                        err(f"{where}: engines[{j}] must have exactly name and peak_tops")
                        continue
                    for p, v in e["peak_tops"].items():
                        if p not in PRECISIONS or not is_num(v) or v <= 0:
                            err(f"{where}: engines[{j}].peak_tops.{p} bad")
                            continue
                        sums[p] = sums.get(p, 0) + v
                        figures[f"engines.{j}.peak_tops.{p}"] = v
                for p, s in sums.items():
                    if p in pk and pk[p] is not None and abs(s - pk[p]) > 1e-6 * max(1, s):
                        err(f"{where}: peak_tops.{p}={pk[p]} is not the sum of engines ({s:g})")
                for p in pk:
                    if p not in sums:
                        err(f"{where}: peak_tops.{p} has no engine")
        derivs = d.get("derivations") or {}
        if not isinstance(derivs, dict):
            err(f"{where}: derivations must be an object")
            derivs = {}
        for p, dv in derivs.items():
            if p not in PRECISIONS:
                err(f"{where}: derivations.{p}: unknown precision")
                continue
            if not isinstance(dv, dict) or set(dv.keys()) != DERIV_KEYS:
                err(f"{where}: derivations.{p} must have exactly {sorted(DERIV_KEYS)}")
                continue
            if not all(is_num(dv[k]) and dv[k] > 0 for k in ("units", "clock_mhz", "ops_per_clock")):
                err(f"{where}: derivations.{p}: units, clock_mhz, ops_per_clock must be positive numbers")
                continue
            if units.get(dv["unit"]) != dv["units"]:
                err(f"{where}: derivations.{p}: units {dv['units']} != units.{dv['unit']} ({units.get(dv['unit'])})")
            if dv["clock_mhz"] not in [v for v in clocks.values() if v is not None]:
                # a clock that is not one of the device's stated clocks must be sourced separately
                if f"derivations.{p}" not in (d.get("sources") or {}):
                    err(f"{where}: derivations.{p}: clock {dv['clock_mhz']} MHz is not in clocks and has no source 'derivations.{p}'")
            got = dv["units"] * dv["clock_mhz"] * 1e6 * dv["ops_per_clock"] / 1e12
            want = pk.get(p)
            if want is None:
                err(f"{where}: derivations.{p}: no peak_tops.{p} to check")
            elif abs(got - want) / want > 0.02:
                err(f"{where}: derivations.{p}: {dv['units']} x {dv['clock_mhz']} MHz x {dv['ops_per_clock']} = {got:.2f} TOPS, "
                    f"peak {want} (off {100 * (got - want) / want:+.1f}%)")
            n_derivations += 1
        # --- sources ---
        sources = d.get("sources")
        if not isinstance(sources, dict):
            err(f"{where}: sources must be an object")
            sources = {}
        for fk, keys in sources.items():
            if not isinstance(keys, list) or not keys:
                err(f"{where}: sources.{fk} must be a non-empty list")
                continue
            for k in keys:
                used_keys.add(k)
                if k not in legend:
                    err(f"{where}: sources.{fk}: key '{k}' not in source_legend")

        def sourced(fig):
            parts = fig.split(".")
            for n in range(len(parts), 0, -1):
                if ".".join(parts[:n]) in sources:
                    return True
            return False
        for fig in figures:
            if not sourced(fig):
                err(f"{where}: figure {fig} has no source")
        group_ok = {"peak_tops", "clocks", "units", "engines", "derivations", "sparse_note", "notes", "interconnect", "host_link"}
        for fk in sources:
            if fk in group_ok or fk in figures or any(f.startswith(fk + ".") for f in figures) \
                    or (fk.startswith("derivations.") and fk.split(".", 1)[1] in derivs):
                continue
            err(f"{where}: sources.{fk} names no figure of this device (stale source entry)")
        if derivs and not any(sourced(f"derivations.{p}") for p in derivs):
            err(f"{where}: derivations have no source (key 'derivations' or 'derivations.<precision>')")
        if d.get("sparse_note") and "sparse_note" not in sources and not any(k.startswith("peak_tops") for k in sources):
            err(f"{where}: sparse_note has no source")
        # --- derived / low_confidence name real figures ---
        valid = set(figures) | {"peak_tops", "clocks", "units", "engines", "host_link", "interconnect"} | \
            {f"derivations.{p}" for p in derivs}
        for lst in ("derived", "low_confidence"):
            vals = d.get(lst) or []
            if not isinstance(vals, list):
                err(f"{where}: {lst} must be a list")
                continue
            for v in vals:
                vv = v if "." in v or v in valid else v
                if vv not in valid and not any(f.startswith(vv + ".") for f in figures) and f"peak_tops.{vv}" not in figures:
                    err(f"{where}: {lst} names '{v}', which is not a figure of this device")
        n_figures += len(figures)
        n_derived += len(d.get("derived") or [])
        n_low += len(d.get("low_confidence") or [])
        for d2 in [did]:
            pass
    # aliases never equal another device's id
    for a, owner in alias_owner.items():
        if a in ids and a != owner:
            err(f"{owner}: alias '{a}' equals the id of another device")
    for k in legend:
        if k not in used_keys:
            err(f"source_legend.{k}: not used by any device")

    print(f"{path}")
    print(f"  devices:           {len(devices)}")
    print(f"  numeric figures:   {n_figures}")
    print(f"  derivations:       {n_derivations}")
    print(f"  derived figures:   {n_derived}")
    print(f"  low-confidence:    {n_low}")
    print(f"  legend keys:       {len(legend)} ({len(used_keys)} used)")
    if errors:
        print(f"  VIOLATIONS:        {len(errors)}")
        for e in errors:
            print("   - " + e)
        return 1
    print("  OK")
    return 0


if __name__ == "__main__":
    p = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "devices.json")
    sys.exit(main(p))
