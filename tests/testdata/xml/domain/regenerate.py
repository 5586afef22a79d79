#!/usr/bin/python3
"""Regenerates libvirt's expected outputs for the domain XML vectors.

For every input NAME.xml (not NAME.*.xml) in this folder, define it on a
fresh test:///default connection and write:
  NAME.out.xml       XMLDesc(0) of the defined, inactive domain
  NAME.secure.xml    XMLDesc(VIR_DOMAIN_XML_SECURE) of the inactive domain
  NAME.migratable.xml  XMLDesc(VIR_DOMAIN_XML_MIGRATABLE) of the inactive domain
  NAME.copy.xml      XMLDesc(VIR_DOMAIN_XML_SECURE) once NAME.secure.xml is defined in its
                     place: the copy libvirt makes of a definition (virDomainDefCopy formats
                     it, then parses the document)
  NAME.live.xml      XMLDesc(0) once started with create() (first line has id='N')
  NAME.live-inactive.xml  XMLDesc(VIR_DOMAIN_XML_INACTIVE) while running
or, when libvirt refuses the definition, NAME.err.json with code/domain/message.
The default domain `test` is dumped as default-test.live.xml (+ -inactive, -secure).
Run with /usr/bin/python3 (needs Debian's python3-libvirt).
"""
import glob
import json
import os
import libvirt

HERE = os.path.dirname(os.path.abspath(__file__))
libvirt.registerErrorHandler(lambda *a: None, None)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read_text(path):
    with open(path) as f:
        return f.read()


def main():
    for old in glob.glob(os.path.join(HERE, "*.*.xml")) + glob.glob(os.path.join(HERE, "*.err.json")):
        os.remove(old)
    c = libvirt.open("test:///default")
    d = c.lookupByName("test")
    write(os.path.join(HERE, "default-test.live.xml"), d.XMLDesc(0))
    write(os.path.join(HERE, "default-test.live-inactive.xml"), d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    write(os.path.join(HERE, "default-test.live-secure.xml"), d.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
    c.close()
    for path in sorted(glob.glob(os.path.join(HERE, "*.xml"))):
        base = os.path.basename(path)
        if base.count(".") != 1:
            continue
        name = base[:-4]
        with open(path) as f:
            xml = f.read()
        c = libvirt.open("test:///default")
        try:
            dom = c.defineXML(xml)
        except libvirt.libvirtError as e:
            err = {"code": e.get_error_code(), "domain": e.get_error_domain(), "message": e.get_error_message()}
            write(os.path.join(HERE, name + ".err.json"), json.dumps(err, indent=2) + "\n")
            c.close()
            continue
        write(os.path.join(HERE, name + ".out.xml"), dom.XMLDesc(0))
        write(os.path.join(HERE, name + ".secure.xml"), dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
        write(os.path.join(HERE, name + ".migratable.xml"), dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE))
        try:
            dom.create()
            write(os.path.join(HERE, name + ".live.xml"), dom.XMLDesc(0))
            write(os.path.join(HERE, name + ".live-inactive.xml"), dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
            dom.destroy()
        except libvirt.libvirtError:
            pass
        dom.undefine()
        again = c.defineXML(read_text(os.path.join(HERE, name + ".secure.xml")))
        write(os.path.join(HERE, name + ".copy.xml"), again.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
        again.undefine()
        c.close()


if __name__ == "__main__":
    main()
