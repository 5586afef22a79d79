#!/usr/bin/python3
# Regenerates expected.json from libvirt's own parser: every document of
# inputs.json is given to virStoragePoolDefineXML on test:///default
# (in-process), and libvirt's error for it is kept: for malformed XML
# (code 35) libxml2's first fatal error in libvirt's catchXMLError layout;
# for well-formed XML the pool parser's complaint. Run with /usr/bin/python3.
import json
import os

import libvirt

HERE = os.path.dirname(os.path.abspath(__file__))
libvirt.registerErrorHandler(lambda ctx, err: None, None)


def main():
    conn = libvirt.open("test:///default")
    with open(os.path.join(HERE, "inputs.json"), encoding="utf-8") as f:
        inputs = json.load(f)
    out = []
    for xml in inputs:
        try:
            conn.storagePoolDefineXML(xml).undefine()
            raise SystemExit("libvirt took %r" % xml)
        except libvirt.libvirtError as e:
            out.append({"xml": xml, "code": e.get_error_code(), "domain": e.get_error_domain(),
                        "message": e.get_error_message()})
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


main()
