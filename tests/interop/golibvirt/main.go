// A go-libvirt client (a second, independent XDR implementation) that runs
// one scenario against the daemon at os.Args[1] and prints what it sees, so
// the same program can be compared against libvirtd and denovirt.
package main

import (
	"fmt"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func check(what string, err error) {
	if err != nil {
		fmt.Printf("%s: error: %v\n", what, err)
	}
}

func main() {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(os.Args[1])))
	if err := l.ConnectToURI(libvirt.TestDefault); err != nil {
		fmt.Println("connect:", err)
		os.Exit(1)
	}
	defer l.Disconnect()

	typ, err := l.ConnectGetType()
	check("type", err)
	hv, err := l.ConnectGetVersion()
	check("version", err)
	lib, err := l.ConnectGetLibVersion()
	check("libversion", err)
	fmt.Println("type", typ, "hv", hv, "lib", lib)

	model, mem, cpus, mhz, nodes, sockets, cores, threads, err := l.NodeGetInfo()
	check("nodeinfo", err)
	var b strings.Builder
	for _, c := range model {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	fmt.Println("node", b.String(), mem, cpus, mhz, nodes, sockets, cores, threads)

	doms, n, err := l.ConnectListAllDomains(1, 0)
	check("list", err)
	fmt.Println("domains", n)
	for _, d := range doms {
		state, maxMem, memory, vcpus, _, err := l.DomainGetInfo(d)
		check("info", err)
		fmt.Printf("  %s id=%d state=%d max=%d mem=%d vcpus=%d\n", d.Name, d.ID, state, maxMem, memory, vcpus)
	}

	d, err := l.DomainLookupByName("test")
	check("lookup", err)
	xml, err := l.DomainGetXMLDesc(d, 0)
	check("xml", err)
	fmt.Print(xml)
	params, err := l.DomainGetSchedulerParameters(d, 1)
	check("sched", err)
	for _, p := range params {
		fmt.Printf("  sched %s=%v\n", p.Field, p.Value.I)
	}

	check("suspend", l.DomainSuspend(d))
	st, reason, err := l.DomainGetState(d, 0)
	check("state", err)
	fmt.Println("after suspend", st, reason)
	check("resume", l.DomainResume(d))
	check("resume again", l.DomainResume(d))

	probe := "<domain type='test'><name>golibvirt</name><uuid>22222222-3333-4444-5555-666666666666</uuid><memory>65536</memory><os><type>hvm</type></os></domain>"
	p, err := l.DomainDefineXML(probe)
	check("define", err)
	fmt.Println("defined", p.Name, p.ID)
	check("create", l.DomainCreate(p))
	check("destroy", l.DomainDestroy(p))
	check("undefine", l.DomainUndefine(p))
	_, err = l.DomainLookupByName("golibvirt")
	check("lookup after undefine", err)

	nets, nn, err := l.ConnectListAllNetworks(1, 0)
	check("networks", err)
	fmt.Println("networks", nn)
	for _, x := range nets {
		fmt.Println("  ", x.Name)
	}
	pools, np, err := l.ConnectListAllStoragePools(1, 0)
	check("pools", err)
	fmt.Println("pools", np)
	for _, x := range pools {
		fmt.Println("  ", x.Name)
	}
}
