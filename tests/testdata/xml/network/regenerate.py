#!/usr/bin/python3
# Regenerates the expected outputs of the network XML vectors from the local libvirt 9.0 test
# driver: NAME.xml -> NAME.out.xml (virNetworkGetXMLDesc after virNetworkDefineXML) or
# NAME.err.json; NAME.update.json -> NAME.update.out.xml or NAME.update.err.json;
# test-default.out.xml is test:///default's own network "default".
import glob
import json
import os

import libvirt

libvirt.registerErrorHandler(lambda *a: None, None)
HERE = os.path.dirname(os.path.abspath(__file__))


def err_json(e):
    return json.dumps({"code": e.get_error_code(), "domain": e.get_error_domain(),
                       "message": e.get_error_message()}, indent=2) + "\n"


def write(path, text):
    for old in (path.replace(".out.xml", ".err.json"), path.replace(".err.json", ".out.xml")):
        if old != path and os.path.exists(old):
            os.remove(old)
    with open(path, "w") as f:
        f.write(text)


def define_one(src):
    conn = libvirt.open("test:///default")
    try:
        with open(src) as f:
            net = conn.networkDefineXML(f.read())
        out = (".out.xml", net.XMLDesc(0))
        net.undefine()
        # libvirt gives its own output back when it is defined again (the unit test relies on it).
        again = conn.networkDefineXML(out[1])
        if again.XMLDesc(0) != out[1]:
            raise SystemExit("%s: libvirt does not give its own output back" % src)
        again.undefine()
        del net, again
    except libvirt.libvirtError as e:
        out = (".err.json", err_json(e))
    conn.close()
    return out


def update_one(spec):
    conn = libvirt.open("test:///default")
    if spec["base"] == "default":
        net = conn.networkLookupByName("default")
    else:
        with open(os.path.join(HERE, spec["base"])) as f:
            net = conn.networkDefineXML(f.read())
    try:
        net.update(spec["command"], spec["section"], spec["parentIndex"], spec["xml"], spec["flags"])
        out = (".out.xml", net.XMLDesc(0))
    except libvirt.libvirtError as e:
        out = (".err.json", err_json(e))
    if spec["base"] == "default":
        # put the shared default network back the way it was
        xml = net.XMLDesc(0)
        net.destroy()
        net.undefine()
        with open(os.path.join(HERE, "test-default.out.xml")) as f:
            conn.networkDefineXML(f.read()).create()
    else:
        net.undefine()
    del net
    conn.close()
    return out


def main():
    conn = libvirt.open("test:///default")
    net = conn.networkLookupByName("default")
    write(os.path.join(HERE, "test-default.out.xml"), net.XMLDesc(0))
    del net
    conn.close()
    for src in sorted(glob.glob(os.path.join(HERE, "*.xml"))):
        if src.endswith(".out.xml"):
            continue
        ext, text = define_one(src)
        write(src[:-4] + ext, text)
    for src in sorted(glob.glob(os.path.join(HERE, "*.update.json"))):
        with open(src) as f:
            spec = json.load(f)
        ext, text = update_one(spec)
        write(src[:-5] + ext, text)


main()
