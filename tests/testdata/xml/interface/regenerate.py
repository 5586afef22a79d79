#!/usr/bin/python3
# Regenerates the expected outputs of the interface XML vectors from the local libvirt 9.0 test
# driver: NAME.xml -> NAME.out.xml (virInterfaceGetXMLDesc after virInterfaceDefineXML) plus
# NAME.info.json (name and MAC string as the API reports them), or NAME.err.json;
# test-default.out.xml is test:///default's own interface eth1.
import glob
import json
import os

import libvirt

libvirt.registerErrorHandler(lambda *a: None, None)
HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def define_one(src):
    conn = libvirt.open("test:///default")
    try:
        with open(src) as f:
            iface = conn.interfaceDefineXML(f.read())
        out = {".out.xml": iface.XMLDesc(0),
               ".info.json": json.dumps({"name": iface.name(), "mac": iface.MACString()}, indent=2) + "\n"}
        iface.undefine()
        # libvirt gives its own output back when it is defined again (the unit test relies on it).
        again = conn.interfaceDefineXML(out[".out.xml"])
        if again.XMLDesc(0) != out[".out.xml"]:
            raise SystemExit("%s: libvirt does not give its own output back" % src)
        again.undefine()
        del iface, again
    except libvirt.libvirtError as e:
        out = {".err.json": json.dumps({"code": e.get_error_code(), "domain": e.get_error_domain(),
                                        "message": e.get_error_message()}, indent=2) + "\n"}
    conn.close()
    return out


def main():
    conn = libvirt.open("test:///default")
    iface = conn.interfaceLookupByName("eth1")
    write(os.path.join(HERE, "test-default.out.xml"), iface.XMLDesc(0))
    del iface
    conn.close()
    for src in sorted(glob.glob(os.path.join(HERE, "*.xml"))):
        if src.endswith(".out.xml"):
            continue
        base = src[:-4]
        for ext in (".out.xml", ".info.json", ".err.json"):
            if os.path.exists(base + ext):
                os.remove(base + ext)
        for ext, text in define_one(src).items():
            write(base + ext, text)


main()
