// A go-libvirt client (an independent XDR implementation) driving a real VM
// on denovirt's QEMU driver: define, start, suspend, resume, a QMP command
// through the QEMU program, lifecycle events on its own connection,
// destroy and undefine. It prints what it sees; the test checks the lines.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func must(what string, err error) {
	if err != nil {
		fmt.Printf("%s: error: %v\n", what, err)
		os.Exit(1)
	}
}

func main() {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(os.Args[1])))
	must("connect", l.ConnectToURI(libvirt.QEMUSystem))
	defer l.Disconnect()

	typ, err := l.ConnectGetType()
	must("type", err)
	fmt.Println("type", typ)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := l.LifecycleEvents(ctx)
	must("events", err)

	xml, err := os.ReadFile(os.Args[2])
	must("read xml", err)
	d, err := l.DomainDefineXML(string(xml))
	must("define", err)
	must("create", l.DomainCreate(d))
	d, err = l.DomainLookupByName(d.Name)
	must("lookup", err)
	state, reason, err := l.DomainGetState(d, 0)
	must("state", err)
	fmt.Println("running", d.ID > 0, "state", state, "reason", reason)
	must("suspend", l.DomainSuspend(d))
	state, reason, err = l.DomainGetState(d, 0)
	must("state", err)
	fmt.Println("paused state", state, "reason", reason)
	must("resume", l.DomainResume(d))

	out, err := l.QEMUDomainMonitorCommand(d, `{"execute":"query-status"}`, 0)
	must("monitor", err)
	var st struct {
		Return struct {
			Status string `json:"status"`
		} `json:"return"`
	}
	must("parse", json.Unmarshal([]byte(out), &st))
	fmt.Println("qmp status", st.Return.Status)

	must("destroy", l.DomainDestroy(d))
	must("undefine", l.DomainUndefine(d))

	for i := 0; i < 6; i++ {
		select {
		case e := <-events:
			fmt.Println("event", e.Dom.Name, e.Event, e.Detail)
		case <-time.After(10 * time.Second):
			fmt.Println("event: timeout")
			os.Exit(1)
		}
	}
}
