#!/usr/bin/python3
# Regenerates the test driver's host-level vectors from the local libvirt 9.0 (in-process
# test:///default). Run: /usr/bin/python3 tests/testdata/test_driver/regenerate.py
# With --x86-map it prints the x86 CPU map table embedded at the end of
# src/drivers/test/host.ts instead.

import ctypes
import json
import os
import random
import sys
import xml.etree.ElementTree as ET

import libvirt

HERE = os.path.dirname(os.path.abspath(__file__))
CPU_MAP = "/usr/share/libvirt/cpu_map"


def x86_map():
    index = ET.parse(os.path.join(CPU_MAP, "index.xml")).getroot()
    arch = [a for a in index.findall("arch") if a.get("name") == "x86"][0]
    features, vendors, models = [], [], []
    for inc in arch.findall("include"):
        for el in ET.parse(os.path.join(CPU_MAP, inc.get("filename"))).getroot():
            if el.tag == "vendor":
                vendors.append(el.get("name"))
            elif el.tag == "feature":
                features.append(el.get("name"))
            elif el.tag == "model":
                m = {"name": el.get("name"), "vendor": None, "guest": True, "features": [],
                     "removed": []}
                for c in el:
                    if c.tag == "vendor":
                        m["vendor"] = c.get("name")
                    elif c.tag == "decode":
                        m["guest"] = c.get("guest") == "on"
                    elif c.tag == "feature":
                        # A feature QEMU removed from the model is not part of its data.
                        if c.get("removed") == "yes":
                            m["removed"].append(c.get("name"))
                        else:
                            m["features"].append(c.get("name"))
                    elif c.tag == "model":
                        raise SystemExit("models based on other models are not handled")
                models.append(m)
    return features, vendors, models


def print_x86_map():
    features, vendors, models = x86_map()
    index = {n: i for i, n in enumerate(features)}
    parts, cur = [], ""
    for n in features:
        if len(cur) + len(n) + 1 > 90:
            parts.append(cur)
            cur = ""
        cur += n + " "
    parts.append(cur)
    print("const X86_FEATURES = (")
    print(" +\n".join('  "%s"' % p for p in parts))
    print(').trim().split(" ");')
    print("const X86_VENDORS = [%s];" % ", ".join('"%s"' % v for v in vendors))
    print("// [name, vendor, decode guest, feature bit mask (bit i = X86_FEATURES[i]), removed features]")
    print("const X86_MODELS: [string, string | null, boolean, string, string][] = [")
    for m in models:
        mask = 0
        for f in m["features"]:
            mask |= 1 << index[f]
        vendor = "null" if m["vendor"] is None else '"%s"' % m["vendor"]
        print('  ["%s", %s, %s, "%x", "%s"],' % (m["name"], vendor, "true" if m["guest"] else "false",
                                                mask, " ".join(m["removed"])))
    print("];")


def err_tuple(e):
    code, domain, message, _level, str1, str2, _str3, int1, int2 = e.err
    return {"code": code, "domain": domain, "message": message, "str1": str1, "str2": str2,
            "int1": int1, "int2": int2}


def run(fn):
    try:
        return {"ok": fn()}
    except libvirt.libvirtError as e:
        return {"error": err_tuple(e)}


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


def cpu_xml(arch, model, vendor=None, features=(), extra=""):
    s = "<cpu>\n  <arch>%s</arch>\n  <model>%s</model>\n" % (arch, model)
    if vendor:
        s += "  <vendor>%s</vendor>\n" % vendor
    s += extra
    for f in features:
        s += "  <feature name='%s'/>\n" % f
    return s + "</cpu>\n"


def baseline_cases(conn):
    features, vendors, models = x86_map()
    names = [m["name"] for m in models]
    rnd = random.Random(90)
    cases = []

    def add(name, xmls, flags=0):
        cases.append({"name": name, "xmls": xmls, "flags": flags,
                      **run(lambda: conn.baselineCPU(xmls, flags))})

    for i, n in enumerate(names):
        add("x86 single " + n, [cpu_xml("x86_64", n)])
        if i % 4 == 0 or models[i]["removed"] or not models[i]["guest"]:
            add("x86 single expanded " + n, [cpu_xml("x86_64", n)], 1)
    for i in range(60):
        n = rnd.choice(names)
        feats = rnd.sample(features, rnd.randint(1, 4))
        vendor = rnd.choice([None, None, rnd.choice(vendors)])
        add("x86 single with features %d" % i, [cpu_xml(rnd.choice(["x86_64", "i686"]), n, vendor, feats)],
            rnd.choice([0, 1]))
    for i in range(250):
        k = rnd.choice([2, 2, 2, 3, 4])
        xmls = []
        family = rnd.choice([None, "Intel", "AMD"])
        pool = [m for m in models if family is None or m["vendor"] in (None, family)]
        for _ in range(k):
            m = rnd.choice(pool)
            feats = rnd.sample(features, rnd.randint(0, 3)) if rnd.random() < 0.4 else []
            vendor = m["vendor"] if (m["vendor"] and rnd.random() < 0.3) else None
            xmls.append(cpu_xml("x86_64", m["name"], vendor, feats))
        add("x86 mix %d" % i, xmls, 1 if rnd.random() < 0.2 else 0)
    # Same family pairs: the cases where the choice of model is closest.
    for i in range(80):
        a = rnd.randrange(len(models))
        b = min(len(models) - 1, max(0, a + rnd.choice([-2, -1, 1, 2])))
        add("x86 neighbours %d" % i, [cpu_xml("x86_64", names[a]), cpu_xml("x86_64", names[b])])
    H = cpu_xml
    fixed = [
        ("vendor on first only", [H("x86_64", "Haswell", "Intel"), H("x86_64", "Broadwell")]),
        ("vendor on second only", [H("x86_64", "Haswell"), H("x86_64", "Broadwell", "Intel")]),
        ("amd vendor on intel model", [H("x86_64", "Haswell", "AMD")]),
        ("hygon", [H("x86_64", "Dhyana", "Hygon"), H("x86_64", "EPYC", "AMD")]),
        ("vendors do not match", [H("x86_64", "Haswell", "Intel"), H("x86_64", "EPYC", "AMD")]),
        ("model vendor differs", [H("x86_64", "Haswell"), H("x86_64", "Haswell", "AMD")]),
        ("unknown vendor", [H("x86_64", "Haswell", "Foo")]),
        ("unknown vendor second", [H("x86_64", "Haswell"), H("x86_64", "486", "Foo")]),
        ("unknown model", [H("x86_64", "Foo")]),
        ("unknown model second", [H("x86_64", "Haswell"), H("x86_64", "Foo")]),
        ("unknown feature", [H("x86_64", "Haswell", None, ["bogus"])]),
        ("alias feature", [H("x86_64", "Haswell", None, ["sse3"])]),
        ("duplicate feature", [H("x86_64", "Haswell", None, ["vmx", "vmx"])]),
        ("removed features", [H("x86_64", "Opteron_G3")]),
        ("removed feature listed", [H("x86_64", "EPYC", "AMD", ["monitor", "sse4a"])]),
        ("decode guest off", [H("x86_64", "cpu64-rhel5")]),
        ("decode guest off twice", [H("x86_64", "cpu64-rhel6"), H("x86_64", "cpu64-rhel6")]),
        ("i686 and x86_64", [H("i686", "pentium3"), H("x86_64", "Haswell")]),
        ("x86 then ppc", [H("x86_64", "Haswell"), H("ppc64", "POWER8")]),
        ("ppc64", [H("ppc64", "POWER8")]),
        ("ppc64le", [H("ppc64le", "POWER9", "IBM")]),
        ("ppc64 pair", [H("ppc64", "POWER8"), H("ppc64", "POWER8", "IBM")]),
        ("ppc64 incompatible", [H("ppc64", "POWER8"), H("ppc64", "POWER9")]),
        ("ppc64 unknown model", [H("ppc64", "POWER5")]),
        ("ppc64 unknown vendor", [H("ppc64", "POWER8", "Foo")]),
        ("ppc64 vendor differs", [H("ppc64", "POWER8", "Freescale")]),
        ("ppc64 features ignored", [H("ppc64", "POWER9", None, ["x", "y"])]),
        ("aarch64", [H("aarch64", "cortex-a57", "ARM", ["sve"]), H("aarch64", "cortex-a53")]),
        ("armv7l any model", [H("armv7l", "anything &amp; more")]),
        ("s390x", [H("s390x", "z13")]),
        ("riscv64", [H("riscv64", "x")]),
        ("sparc", [H("sparc", "x")]),
        ("unknown arch", [H("foo", "x")]),
        ("missing arch", ["<cpu><model>Haswell</model></cpu>"]),
        ("empty arch", ["<cpu><arch></arch><model>Haswell</model></cpu>"]),
        ("missing model", ["<cpu><arch>x86_64</arch></cpu>"]),
        ("empty model", ["<cpu><arch>x86_64</arch><model></model></cpu>"]),
        ("model with spaces", ["<cpu><arch>x86_64</arch><model> Haswell </model></cpu>"]),
        ("mode attribute", ["<cpu mode='host-model'><arch>x86_64</arch><model>Haswell</model></cpu>"]),
        ("match attribute ignored", ["<cpu match='minimum'><arch>x86_64</arch><model>Haswell</model></cpu>"]),
        ("policy ignored", [H("x86_64", "Haswell", None, [], "  <feature policy='disable' name='vmx'/>\n")]),
        ("feature without name", [H("x86_64", "Haswell", None, [], "  <feature/>\n")]),
        ("feature with empty name", [H("x86_64", "Haswell", None, [], "  <feature name=''/>\n")]),
        ("not a cpu", ["<domain/>"]),
        ("host capabilities cpu", ["""<cpu>
      <arch>x86_64</arch>
      <model>Skylake-Client-IBRS</model>
      <vendor>Intel</vendor>
      <microcode version='240'/>
      <counter name='tsc' frequency='2592000000' scaling='no'/>
      <topology sockets='1' dies='1' cores='4' threads='2'/>
      <feature name='ds'/>
      <feature name='acpi'/>
      <feature name='ss'/>
      <feature name='ht'/>
      <feature name='tm'/>
      <feature name='pbe'/>
      <feature name='dtes64'/>
      <feature name='monitor'/>
      <feature name='vmx'/>
      <pages unit='KiB' size='4'/>
    </cpu>"""]),
    ]
    for name, xmls in fixed:
        add(name, xmls)
        if name in ("removed features", "removed feature listed", "i686 and x86_64", "vendor on first only", "ppc64", "aarch64"):
            add(name + " expanded", xmls, 1)
    add("flag migratable", [H("x86_64", "Haswell")], 2)
    add("flags 5", [H("x86_64", "Haswell")], 5)
    for name, text in [("malformed", "<cpu>"), ("empty document", ""), ("not xml", "hello"),
                       ("tag mismatch", "<cpu>\n<arch>x86_64</arch>\n</cpux>")]:
        add(name, [text])
    return cases


ARCHES = ("none alpha armv6l armv7l armv7b aarch64 cris i686 ia64 lm32 loongarch64 m68k "
          "microblaze microblazeel mips mipsel mips64 mips64el openrisc parisc parisc64 ppc ppcle "
          "ppc64 ppc64le ppcemb riscv32 riscv64 s390 s390x sh4 sh4eb sparc sparc64 unicore32 "
          "x86_64 xtensa xtensaeb X86_64 i386 amd64 arm").split() + [""]


class CError(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("domain", ctypes.c_int), ("message", ctypes.c_char_p),
                ("level", ctypes.c_int), ("conn", ctypes.c_void_p), ("dom", ctypes.c_void_p),
                ("str1", ctypes.c_char_p), ("str2", ctypes.c_char_p), ("str3", ctypes.c_char_p),
                ("int1", ctypes.c_int), ("int2", ctypes.c_int), ("net", ctypes.c_void_p)]


class CStat(ctypes.Structure):
    _fields_ = [("field", ctypes.c_char * 80), ("value", ctypes.c_ulonglong)]


def node_vectors():
    """Calls through the C API, to see libvirt's own argument checks."""
    lib = ctypes.CDLL("libvirt.so.0")
    lib.virGetLastError.restype = ctypes.POINTER(CError)
    lib.virConnectOpen.restype = ctypes.c_void_p
    quiet = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)(lambda *a: None)
    lib.virSetErrorFunc(None, quiet)
    conn = ctypes.c_void_p(lib.virConnectOpen(b"test:///default"))
    U = ctypes.c_ulonglong

    def last_error():
        p = lib.virGetLastError()
        if not p:
            return None
        e = p.contents
        d = lambda s: s.decode() if s else None  # noqa: E731
        return {"code": e.code, "domain": e.domain, "message": d(e.message), "str1": d(e.str1),
                "str2": d(e.str2), "int1": e.int1, "int2": e.int2}

    def call(fn, *args):
        lib.virResetLastError()
        rv = getattr(lib, fn)(*args)
        return rv, last_error()

    out = {"cpuStats": [], "memoryStats": [], "cellsFreeMemory": [], "freePages": [],
           "allocPages": [], "cpuMap": []}
    for cpu, nparams, flags in [(-1, 4, 0), (0, 2, 0), (1000, 10, 0), (0, 0, 0), (-2, 4, 0),
                                (0, -1, 0), (-2, -1, 0), (0, 4, 1), (-1, 0, 2)]:
        n = ctypes.c_int(nparams)
        params = (CStat * 16)()
        rv, e = call("virNodeGetCPUStats", conn, cpu, params if nparams > 0 else None,
                     ctypes.byref(n), flags)
        row = {"cpuNum": cpu, "nparams": nparams, "flags": flags}
        if rv < 0:
            row["error"] = e
        else:
            row["nparamsOut"] = n.value
            row["params"] = [[p.field.decode(), str(p.value)] for p in params[:n.value]] if nparams > 0 else []
        out["cpuStats"].append(row)
    for cell, nparams, flags in [(-1, 0, 0), (0, 0, 3), (-2, 0, 0), (0, -1, 0)]:
        n = ctypes.c_int(nparams)
        rv, e = call("virNodeGetMemoryStats", conn, cell, None, ctypes.byref(n), flags)
        out["memoryStats"].append({"cellNum": cell, "nparams": nparams, "flags": flags, "error": e})
    for start, maxc in [(0, 2), (0, 16), (1, 1), (1, 5), (0, 1), (2, 1), (5, 3), (-1, 1), (0, 0),
                        (0, -1), (-1, 0)]:
        arr = (U * 16)()
        rv, e = call("virNodeGetCellsFreeMemory", conn, arr, start, maxc)
        row = {"startCell": start, "maxCells": maxc}
        if rv < 0:
            row["error"] = e
        else:
            row["cells"] = [str(v) for v in arr[:rv]]
        out["cellsFreeMemory"].append(row)
    for pages, start, count, flags in [([4, 2048], 0, 2, 0), ([4, 8, 2048], 1, 1, 0), ([4], 0, 40, 0),
                                       ([4], 7, 1, 0), ([], 0, 1, 0), ([4], 0, 0, 0), ([4], 0, 1, 1),
                                       ([], 0, 1, 1)]:
        P = (ctypes.c_uint * max(len(pages), 1))(*pages)
        C = (U * 64)()
        rv, e = call("virNodeGetFreePages", conn, len(pages), P, start, count, C, flags)
        row = {"pages": pages, "startCell": start, "cellCount": count, "flags": flags}
        if rv < 0:
            row["error"] = e
        else:
            row["ret"] = rv
            row["counts"] = [str(v) for v in C[:len(pages) * count]]
        out["freePages"].append(row)
    for pages, count in [([4], 1), ([], 1), ([4], 0)]:
        P = (ctypes.c_uint * max(len(pages), 1))(*pages)
        C = (U * 4)(*([1] * 4))
        rv, e = call("virNodeAllocPages", conn, len(pages), P, C, 0, count, 0)
        out["allocPages"].append({"pages": pages, "cellCount": count, "error": e})
    for flags in [0, 1]:
        cm = ctypes.POINTER(ctypes.c_ubyte)()
        online = ctypes.c_uint(0)
        rv, e = call("virNodeGetCPUMap", conn, ctypes.byref(cm), ctypes.byref(online), flags)
        row = {"flags": flags}
        if rv < 0:
            row["error"] = e
        else:
            row.update({"cpus": rv, "cpumap": [cm[i] for i in range((rv + 7) // 8)],
                        "online": online.value})
        out["cpuMap"].append(row)
    lib.virConnectGetSysinfo.restype = ctypes.c_void_p
    rv, e = call("virConnectGetSysinfo", conn, 1)
    out["sysinfoFlags"] = e
    features = {}
    for f in range(-1, 20):
        rv, e = call("virConnectSupportsFeature", conn, f)
        features[str(f)] = rv
    out["supportsFeature"] = features
    lib.virConnectClose(conn)
    lib.virSetErrorFunc(None, None)
    return out


def main():
    if "--x86-map" in sys.argv:
        print_x86_map()
        return
    conn = libvirt.open("test:///default")
    write("capabilities.xml", conn.getCapabilities())
    write("sysinfo.xml", conn.getSysinfo())
    info = conn.getInfo()
    cpu_stats = conn.getCPUStats(-1)
    facts = {
        "type": conn.getType(), "version": conn.getVersion(), "libVersion": conn.getLibVersion(),
        "maxVcpus": {str(t): conn.getMaxVcpus(t) for t in [None, "test", "TEST", "kvm", "bogus"]},
        "nodeInfo": {"model": info[0], "memoryMiB": info[1], "cpus": info[2], "mhz": info[3],
                     "nodes": info[4], "sockets": info[5], "cores": info[6], "threads": info[7]},
        "cpuStats": {k: str(v) for k, v in cpu_stats.items()},
        "freeMemory": str(conn.getFreeMemory()),
        "securityModel": conn.getSecurityModel(),
        "isSecure": conn.isSecure(), "isEncrypted": conn.isEncrypted(), "isAlive": conn.isAlive(),
        "unsupported": {
            "virConnectGetDomainCapabilities": run(lambda: conn.getDomainCapabilities()),
            "virConnectCompareCPU": run(lambda: conn.compareCPU("<cpu/>", 0)),
            "virConnectCompareHypervisorCPU": run(
                lambda: conn.compareHypervisorCPU(None, None, None, None, "<cpu/>", 0)),
            "virConnectBaselineHypervisorCPU": run(
                lambda: conn.baselineHypervisorCPU(None, None, None, None, ["<cpu/>"], 0)),
            "virConnectDomainXMLFromNative": run(lambda: conn.domainXMLFromNative("x", "y", 0)),
            "virConnectDomainXMLToNative": run(lambda: conn.domainXMLToNative("x", "<domain/>", 0)),
            "virNodeGetMemoryParameters": run(lambda: conn.getMemoryParameters(0)),
            "virNodeSuspendForDuration": run(lambda: conn.suspendForDuration(0, 60, 0)),
            "virNodeGetSEVInfo": run(lambda: conn.getSEVInfo(0)),
            "virNodeAllocPages": run(lambda: conn.allocPages({4: 1}, 0, 1, 0)),
            "virNodeGetMemoryStats": run(lambda: conn.getMemoryStats(-1)),
        },
    }
    facts["node"] = node_vectors()
    write("host_facts.json", json.dumps(facts, indent=1) + "\n")
    models = {}
    for arch in ARCHES:
        models[arch] = run(lambda: conn.getCPUModelNames(arch, 0))
    models["x86_64 with flags"] = run(lambda: conn.getCPUModelNames("x86_64", 1))
    write("cpu_models.json", json.dumps(models, indent=1) + "\n")
    cases = baseline_cases(conn)
    write("baseline.json", json.dumps(cases, indent=1) + "\n")
    print("wrote %d baseline cases" % len(cases))


main()
