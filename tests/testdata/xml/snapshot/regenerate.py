#!/usr/bin/python3
"""Regenerates libvirt's snapshot XML vectors (tests/drivers/domain_extra_test.ts).

On a fresh test:///default connection, with its running domain 'test':
  running.xml       XMLDesc(0) of snapshot s1 (with a description) of the running domain
  paused_child.xml  XMLDesc(VIR_DOMAIN_SNAPSHOT_XML_SECURE) of s2, taken once it is paused
  shutoff.xml       XMLDesc(0) of s3 (internal memory, one disk named), taken once destroyed
and on another fresh connection, the domain destroyed and a snapshot s3 taken:
  redefine.out.xml  XMLDesc(0) of redefine.in.xml created with VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
The creation time in the first three is written as @CREATION_TIME@ (the test masks it too).
Run with /usr/bin/python3 (needs Debian's python3-libvirt).
"""
import os
import re
import libvirt

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


def masked(xml):
    return re.sub(r"<creationTime>\d+</creationTime>", "<creationTime>@CREATION_TIME@</creationTime>", xml, count=1)


def named(name, extra=""):
    return "<domainsnapshot><name>%s</name>%s</domainsnapshot>" % (name, extra)


def main():
    c = libvirt.open("test:///default")
    d = c.lookupByName("test")
    s1 = d.snapshotCreateXML(named("s1", "<description>hello &amp; bye</description>"), 0)
    write("running.xml", masked(s1.getXMLDesc(0)))
    d.suspend()
    s2 = d.snapshotCreateXML(named("s2"), 0)
    write("paused_child.xml", masked(s2.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)))
    d.destroy()
    s3 = d.snapshotCreateXML(
        named("s3", "<memory snapshot='internal'/><disks><disk name='/guest/diskimage1'/></disks>"), 0)
    write("shutoff.xml", masked(s3.getXMLDesc(0)))
    # The objects hold the connection open: let go of them, so the state is freed.
    del d, s1, s2, s3
    c.close()

    c = libvirt.open("test:///default")
    d = c.lookupByName("test")
    d.destroy()
    d.snapshotCreateXML(named("s3"), 0)
    with open(os.path.join(HERE, "redefine.in.xml")) as f:
        red = d.snapshotCreateXML(f.read(), libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
    write("redefine.out.xml", red.getXMLDesc(0))
    c.close()


if __name__ == "__main__":
    main()
