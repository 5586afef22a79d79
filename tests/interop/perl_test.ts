// Differential: Perl's Sys::Virt (another binding built on libvirt's client
// library, and the one its own test suite exercises against test:///default)
// prints the same against the real libvirtd and against denovirt. Lists are
// sorted: libvirtd walks its object tables in hash order, seeded at random.

import assert from "node:assert/strict";
import { haveTools, scriptDifferential } from "./_tools.ts";

const PERL = "/usr/bin/perl";

/** What every script starts with: the connection and a printer of errors. */
const PRELUDE = `
use strict; use warnings; use Sys::Virt;
$| = 1;
my $uri = 'test+unix:///default?socket=' . $ARGV[0];
my $c = Sys::Virt->new(uri => $uri);
sub fails { my ($what, $f) = @_; eval { $f->(); 1 } and return print "$what: no error\\n";
  my $e = $@; print "$what: ", $e->code, " ", $e->domain, " ", $e->message, "\\n" }
sub names { join(",", sort map { $_->get_name } @_) }
`;

/** Each script gets the socket path as its argument and prints what it saw. */
const SCRIPTS: Record<string, string> = {
  "host": `
my $i = $c->get_node_info;
print join(" ", map { "$_=$i->{$_}" } sort keys %$i), "\\n";
my $caps = $c->get_capabilities;
print "arch ", ($caps =~ m{<arch>(\\w+)</arch>})[0], " guests ", scalar(() = $caps =~ /<guest>/g), "\\n";
my ($v, $maj, $min, $mic) = ($c->get_version, $c->get_major_version, $c->get_minor_version,
  $c->get_micro_version);
print "version $v = $maj.$min.$mic, type ", $c->get_type, "\\n";
print "max vcpus ", $c->get_max_vcpus("linux"), ", secure ", $c->is_secure, ", encrypted ",
  $c->is_encrypted, ", alive ", $c->is_alive, "\\n";
print "free ", $c->get_node_free_memory, " cells ", join(",", $c->get_node_cells_free_memory(0, 2)), "\\n";
print "devices ", names($c->list_all_node_devices), " ", $c->num_of_node_devices(undef), "\\n";
print $c->get_node_device_by_name("computer")->get_xml_description;
fails("no device", sub { $c->get_node_device_by_name("nope") });
fails("no secret", sub { $c->get_secret_by_uuid("11111111-2222-3333-4444-555555555555") });
`,
  "domains": `
my $t = $c->get_domain_by_name("test");
print join(" ", $t->get_name, $t->get_id, $t->get_uuid_string, $t->get_os_type, $t->is_active,
  $t->is_persistent, $t->get_autostart, $t->get_max_memory, $t->get_max_vcpus), "\\n";
my $i = $t->get_info;
print join(" ", map { "$_=$i->{$_}" } grep { $_ ne "cpuTime" } sort keys %$i), "\\n";
print join(",", $t->get_state), " ", $t->get_scheduler_type, "\\n";
my $x = "<domain type='test'><name>wibble</name><uuid>12341234-5678-5678-5678-123412341234</uuid>
<memory>10241024</memory><currentMemory>1024120</currentMemory><vcpu>4</vcpu><os><type>hvm</type></os></domain>";
my $d = $c->define_domain($x);
print "defined ", $c->num_of_defined_domains, ": ", join(",", $c->list_defined_domain_names(5)), "\\n";
$d->create;
print "active ", $c->num_of_domains, ": ", join(",", sort $c->list_domain_ids(5)), " ", names($c->list_all_domains), "\\n";
$i = $d->get_info;
print join(" ", map { "$_=$i->{$_}" } grep { $_ ne "cpuTime" } sort keys %$i), "\\n";
$d->suspend; print "suspended ", join(",", $d->get_state), "\\n";
fails("suspend twice", sub { $d->suspend });
$d->resume; $d->set_memory(524288); print "memory ", $d->get_info->{memory}, "\\n";
print $d->get_xml_description;
my $s = $d->create_snapshot("<domainsnapshot><name>s1</name><description>first</description></domainsnapshot>");
print "snapshots ", names($d->list_all_snapshots), " current ", $d->current_snapshot->get_name, "\\n";
$s->delete;
$d->destroy; print "after destroy ", join(",", $d->get_state), " ", $d->get_id, "\\n";
fails("destroy inactive", sub { $d->destroy });
$d->undefine;
fails("lookup undefined", sub { $c->get_domain_by_name("wibble") });
fails("bad xml", sub { $c->define_domain("<domain type='test'><name>x</name>") });
fails("no id", sub { $c->get_domain_by_id(42) });
`,
  "networks, pools, volumes, interfaces": `
print "networks ", names($c->list_all_networks), "\\n";
my $n = $c->define_network("<network><name>wibble</name><uuid>12341234-5678-5678-5678-123412341234</uuid>
<bridge name='virbr5'/><forward dev='eth0'/><ip address='192.168.100.1' netmask='255.255.255.0'><dhcp>
<range start='192.168.100.2' end='192.168.100.25'/></dhcp></ip></network>");
$n->create; print "active ", join(",", sort $c->list_network_names(5)), " bridge ", $n->get_bridge_name, "\\n";
print $n->get_xml_description;
$n->destroy; $n->undefine; print "networks ", names($c->list_all_networks), "\\n";
my $p = $c->get_storage_pool_by_name("default-pool");
my $pi = $p->get_info; print join(" ", map { "$_=$pi->{$_}" } sort keys %$pi), "\\n";
my $v = $p->create_volume("<volume><name>demo-vol</name><capacity unit='G'>5</capacity></volume>");
print "volumes ", names($p->list_all_volumes), " path ", $v->get_path, " key ", $v->get_key, "\\n";
print "by path ", $c->get_storage_volume_by_path("/default-pool/demo-vol")->get_name,
  " pool ", $c->get_storage_pool_by_volume($v)->get_name, "\\n";
my $vi = $v->get_info; print join(" ", map { "$_=$vi->{$_}" } sort keys %$vi), "\\n";
print $v->get_xml_description;
$v->delete(0); print "volumes ", scalar(my @l = $p->list_all_volumes), "\\n";
fails("pool conflict", sub { $c->define_storage_pool("<pool type='dir'><name>w</name><target><path>/default-pool</path></target></pool>") });
my $if = $c->get_interface_by_name("eth1");
print "interface ", $if->get_name, " ", $if->get_mac, " ", $if->is_active, " ", $c->get_interface_by_mac($if->get_mac)->get_name, "\\n";
my $e2 = $c->define_interface("<interface type='ethernet' name='eth2'><start mode='onboot'/>
<mac address='aa:bb:cc:ff:ee:ff'/><mtu size='1492'/><protocol family='ipv4'><ip address='192.168.0.6' prefix='24'/>
<route gateway='192.168.0.1'/></protocol></interface>");
$e2->create; print "interfaces ", join(",", sort $c->list_interface_names(5)), "\\n";
$e2->destroy; $e2->undefine; print "defined interfaces ", $c->num_of_defined_interfaces, "\\n";
`,
  "read-only connection": `
my $ro = Sys::Virt->new(uri => $uri, readonly => 1);
print "domains ", names($ro->list_all_domains), "\\n";
fails("destroy read-only", sub { $ro->get_domain_by_name("test")->destroy });
fails("define read-only", sub { $ro->define_network("<network><name>x</name></network>") });
`,
  "events": `
Sys::Virt::Event::register_default();
my $w = Sys::Virt->new(uri => $uri);
my @seen;
my $id = $w->domain_event_register_any(undef, Sys::Virt::Domain::EVENT_ID_LIFECYCLE,
  sub { my (undef, $dom, $event, $detail) = @_; push @seen, join(" ", $dom->get_name, $event, $detail) });
my $t = $c->get_domain_by_name("test");
$t->suspend; $t->resume; $t->destroy; $t->create;
my $until = time + 60;
Sys::Virt::Event::run_default() while @seen < 4 && time < $until;
print "$_\\n" for @seen;
$w->domain_event_deregister_any($id);
`,
};

scriptDifferential({
  name: "Sys::Virt scripts print the same against libvirtd and denovirt",
  tools: haveTools("Sys::Virt differential", ["perl_sys_virt", "libvirtd"]),
  argv: (script, socket) => [PERL, "-e", PRELUDE + script, socket],
  scripts: SCRIPTS,
  // Each script ran to its end: no error it did not expect.
  check: (out) => assert.doesNotMatch(out, /libvirt error code:| at -e line \d+/),
});
