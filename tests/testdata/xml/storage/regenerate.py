#!/usr/bin/python3
# Regenerates the expected outputs of the storage XML vectors from libvirt's
# own test driver (test:///default, in-process).  Run with /usr/bin/python3.
#
#   pool-NAME.xml        -> virStoragePoolDefineXML, XMLDesc -> pool-NAME.out.xml | .err.json
#   vol-NAME.xml         -> virStorageVolCreateXML in default-pool, or in the
#                           pool that vol-NAME.pool.xml creates (transient);
#                           XMLDesc of the volume -> vol-NAME.out.xml and of the
#                           pool afterwards -> vol-NAME.poolout.xml | .err.json
#   findsrc-NAME.json    -> virConnectFindStoragePoolSources -> .out.xml | .err.json
#   seq-NAME.json        -> steps (create/clone/delete) in default-pool;
#                           results -> seq-NAME.expected.json
#   poollist-NAME.json   -> pool define/create/undefine steps; for each, ok or
#                           the error -> poollist-NAME.expected.json
import glob
import json
import os
import sys

import libvirt

HERE = os.path.dirname(os.path.abspath(__file__))
libvirt.registerErrorHandler(lambda ctx, err: None, None)


def err_json(e):
    return {"code": e.get_error_code(), "domain": e.get_error_domain(),
            "message": e.get_error_message()}


def write(path, text):
    with open(path, "w", newline="") as f:
        f.write(text)


def clear(base):
    for ext in (".out.xml", ".err.json", ".poolout.xml", ".expected.json"):
        if os.path.exists(base + ext):
            os.unlink(base + ext)


def read(path):
    with open(path, newline="") as f:
        return f.read()


def main():
    conn = libvirt.open("test:///default")
    defpool = conn.storagePoolLookupByName("default-pool")

    for path in sorted(glob.glob(os.path.join(HERE, "pool-*.xml"))):
        if path.endswith(".out.xml"):
            continue
        base = path[:-4]
        clear(base)
        try:
            pool = conn.storagePoolDefineXML(read(path), 0)
            write(base + ".out.xml", pool.XMLDesc(0))
            pool.undefine()
        except libvirt.libvirtError as e:
            write(base + ".err.json", json.dumps(err_json(e), indent=1) + "\n")

    for path in sorted(glob.glob(os.path.join(HERE, "vol-*.xml"))):
        if path.endswith((".out.xml", ".pool.xml", ".poolout.xml")):
            continue
        base = path[:-4]
        clear(base)
        pool = defpool
        if os.path.exists(base + ".pool.xml"):
            pool = conn.storagePoolCreateXML(read(base + ".pool.xml"), 0)
        try:
            vol = pool.createXML(read(path), 0)
            write(base + ".out.xml", vol.XMLDesc(0))
            write(base + ".poolout.xml", pool.XMLDesc(0))
            vol.delete(0)
        except libvirt.libvirtError as e:
            write(base + ".err.json", json.dumps(err_json(e), indent=1) + "\n")
        if pool is not defpool:
            pool.destroy()

    for path in sorted(glob.glob(os.path.join(HERE, "findsrc-*.json"))):
        if path.endswith(".err.json"):
            continue
        base = path[:-5]
        clear(base)
        spec = json.loads(read(path))
        try:
            out = conn.findStoragePoolSources(spec["type"], spec["srcSpec"], 0)
            write(base + ".out.xml", out)
        except libvirt.libvirtError as e:
            write(base + ".err.json", json.dumps(err_json(e), indent=1) + "\n")

    for path in sorted(glob.glob(os.path.join(HERE, "seq-*.json"))):
        if path.endswith((".expected.json", ".err.json")):
            continue
        base = path[:-5]
        clear(base)
        results = []
        for step in json.loads(read(path)):
            try:
                if step["op"] == "create":
                    vol = defpool.createXML(step["xml"], 0)
                    results.append({"vol": vol.XMLDesc(0), "pool": defpool.XMLDesc(0)})
                elif step["op"] == "clone":
                    if step["from"] in defpool.listVolumes():
                        orig = defpool.storageVolLookupByName(step["from"])
                    else:
                        # A stale handle: a volume made and deleted again.
                        orig = defpool.createXML(
                            "<volume><name>%s</name><capacity>0</capacity></volume>"
                            % step["from"], 0)
                        orig.delete(0)
                    vol = defpool.createXMLFrom(step["xml"], orig, 0)
                    results.append({"vol": vol.XMLDesc(0), "pool": defpool.XMLDesc(0)})
                elif step["op"] == "delete":
                    defpool.storageVolLookupByName(step["name"]).delete(0)
                    results.append({"pool": defpool.XMLDesc(0)})
            except libvirt.libvirtError as e:
                results.append({"error": err_json(e)})
        write(base + ".expected.json", json.dumps(results, indent=1) + "\n")
    for path in sorted(glob.glob(os.path.join(HERE, "poollist-*.json"))):
        if path.endswith(".expected.json"):
            continue
        base = path[:-5]
        clear(base)
        results = []
        made = []
        for step in json.loads(read(path)):
            try:
                if step["op"] == "define":
                    made.append(conn.storagePoolDefineXML(step["xml"], 0).name())
                elif step["op"] == "create":
                    made.append(conn.storagePoolCreateXML(step["xml"], 0).name())
                elif step["op"] == "undefine":
                    conn.storagePoolLookupByName(step["name"]).undefine()
                results.append({"ok": True})
            except libvirt.libvirtError as e:
                results.append({"error": err_json(e)})
        for name in set(made):
            try:
                pool = conn.storagePoolLookupByName(name)
                if pool.isActive():
                    pool.destroy()
                pool = conn.storagePoolLookupByName(name)
                pool.undefine()
            except libvirt.libvirtError:
                pass
        write(base + ".expected.json", json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
