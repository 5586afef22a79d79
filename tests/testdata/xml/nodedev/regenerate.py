#!/usr/bin/python3
# Regenerates the expected outputs of the node device XML vectors from
# libvirt's own test driver (in-process).  Run with /usr/bin/python3.
#
#   dev-NAME.xml     one <device>, loaded as an existing device by a test driver
#                    opened on a file (test:///path) -> XMLDesc in dev-NAME.out.xml,
#                    virNodeDeviceListCaps in dev-NAME.caps.json | dev-NAME.err.json
#   create-NAME.xml  virNodeDeviceCreateXML on test:///default -> XMLDesc of the new
#                    device in create-NAME.out.xml and create-NAME.result.json
#                    (its name, the device names after creating and after
#                    virNodeDeviceDestroy) | create-NAME.err.json
#   default-*.out.xml / default.caps.json   the devices of test:///default
#   seq-NAME.json    create/destroy steps on a fresh test:///default ->
#                    seq-NAME.expected.json (sorted device names or the error)
import glob
import json
import os
import sys
import tempfile

import libvirt

HERE = os.path.dirname(os.path.abspath(__file__))
libvirt.registerErrorHandler(lambda ctx, err: None, None)


def err_json(e):
    return {"code": e.get_error_code(), "domain": e.get_error_domain(),
            "message": e.get_error_message()}


def read(path):
    with open(path, newline="") as f:
        return f.read()


def write(path, text):
    with open(path, "w", newline="") as f:
        f.write(text)


def write_json(path, obj):
    write(path, json.dumps(obj, indent=1) + "\n")


def clear(base):
    for ext in (".out.xml", ".err.json", ".caps.json", ".result.json", ".expected.json"):
        if os.path.exists(base + ext):
            os.unlink(base + ext)


def main():
    for path in sorted(glob.glob(os.path.join(HERE, "dev-*.xml"))):
        if path.endswith(".out.xml"):
            continue
        base = path[:-4]
        clear(base)
        fd, node = tempfile.mkstemp(suffix=".xml")
        os.write(fd, ("<node>" + read(path) + "</node>").encode())
        os.close(fd)
        try:
            conn = libvirt.open("test://" + node)
            names = conn.listDevices(None, 0)
            assert len(names) == 1, names
            dev = conn.nodeDeviceLookupByName(names[0])
            write(base + ".out.xml", dev.XMLDesc(0))
            write_json(base + ".caps.json", dev.listCaps())
            conn.close()
        except libvirt.libvirtError as e:
            write_json(base + ".err.json", err_json(e))
        os.unlink(node)

    conn = libvirt.open("test:///default")
    for name in sorted(conn.listDevices(None, 0)):
        dev = conn.nodeDeviceLookupByName(name)
        write(os.path.join(HERE, "default-%s.out.xml" % name), dev.XMLDesc(0))
    write_json(os.path.join(HERE, "default.caps.json"),
               {n: conn.nodeDeviceLookupByName(n).listCaps()
                for n in sorted(conn.listDevices(None, 0))})

    for path in sorted(glob.glob(os.path.join(HERE, "create-*.xml"))):
        if path.endswith(".out.xml"):
            continue
        base = path[:-4]
        clear(base)
        try:
            dev = conn.nodeDeviceCreateXML(read(path), 0)
            write(base + ".out.xml", dev.XMLDesc(0))
            after_create = sorted(conn.listDevices(None, 0))
            name = dev.name()
            dev.destroy()
            write_json(base + ".result.json", {
                "name": name,
                "afterCreate": after_create,
                "afterDestroy": sorted(conn.listDevices(None, 0)),
            })
        except libvirt.libvirtError as e:
            write_json(base + ".err.json", err_json(e))
    conn.close()

    for path in sorted(glob.glob(os.path.join(HERE, "seq-*.json"))):
        if path.endswith((".expected.json", ".err.json")):
            continue
        base = path[:-5]
        clear(base)
        # Every connection is closed above, so this one starts from a fresh state.
        conn = libvirt.open("test:///default")
        results = []
        for step in json.loads(read(path)):
            try:
                if step["op"] == "create":
                    dev = conn.nodeDeviceCreateXML(step["xml"], 0)
                    results.append({"name": dev.name(), "xml": dev.XMLDesc(0),
                                    "devices": sorted(conn.listDevices(None, 0))})
                else:
                    conn.nodeDeviceLookupByName(step["name"]).destroy()
                    results.append({"devices": sorted(conn.listDevices(None, 0))})
            except libvirt.libvirtError as e:
                results.append({"error": err_json(e)})
        write_json(base + ".expected.json", results)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
