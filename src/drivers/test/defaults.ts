/**
 * The objects test:///default starts with, as libvirt 9.0's test driver
 * defines them (testOpenDefault): the domain `test`, the network
 * `default`, the interface `eth1`, the pool `default-pool` and four node
 * devices.
 *
 * @module
 */

import { type DomainDef, parseDomainXML } from "../../conf/domain_xml.ts";
import { type InterfaceDef, parseInterfaceXML } from "../../conf/interface_xml.ts";
import { type NetworkDef, parseNetworkXML } from "../../conf/network_xml.ts";
import { type NodeDeviceDef, parseNodeDeviceXML } from "../../conf/nodedev_xml.ts";
import { parsePoolXML, type PoolDef } from "../../conf/storage_xml.ts";
import { assignTestIfnames } from "./domain_common.ts";

/** The definition test:///default starts with (libvirt's built-in default domain). */
const DEFAULT_DOMAIN_XML = `<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory>8388608</memory>
  <currentMemory>2097152</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default' bridge='virbr0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/>
    </memballoon>
  </devices>
</domain>`;

/** The default domain `test` of test:///default (running there with id 1). */
export function defaultTestDomain(): DomainDef {
  return assignTestIfnames(parseDomainXML(DEFAULT_DOMAIN_XML));
}

/** The network `default` of test:///default, as libvirt's test driver defines it. */
const DEFAULT_TEST_NETWORK_XML = `<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;

/** The definition of test:///default's network `default` (active, persistent, not autostarted). */
export function defaultTestNetwork(): NetworkDef {
  return parseNetworkXML(DEFAULT_TEST_NETWORK_XML);
}

/** The interface `eth1` of test:///default. */
const DEFAULT_TEST_INTERFACE_XML = `<interface type="ethernet" name="eth1">
  <start mode="onboot"/>
  <mac address="aa:bb:cc:dd:ee:ff"/>
  <mtu size="1492"/>
  <protocol family="ipv4">
    <ip address="192.168.0.5" prefix="24"/>
    <route gateway="192.168.0.1"/>
  </protocol>
</interface>
`;

export function defaultTestInterface(): InterfaceDef {
  return parseInterfaceXML(DEFAULT_TEST_INTERFACE_XML);
}

const DEFAULT_POOL_XML = "<pool type='dir'>" +
  "  <name>default-pool</name>" +
  "  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>" +
  "  <target>" +
  "    <path>/default-pool</path>" +
  "  </target>" +
  "</pool>";

/** default-pool of test:///default: a dir pool at /default-pool, 100 GiB free. */
export function defaultTestPool(): PoolDef {
  return parsePoolXML(DEFAULT_POOL_XML);
}

/** The node devices of test:///default. */
const DEFAULT_DEVICES = [
  "<device>" +
  "  <name>computer</name>" +
  "  <capability type='system'>" +
  "    <hardware>" +
  "      <vendor>Libvirt</vendor>" +
  "      <version>Test driver</version>" +
  "      <serial>123456</serial>" +
  "      <uuid>11111111-2222-3333-4444-555555555555</uuid>" +
  "    </hardware>" +
  "    <firmware>" +
  "      <vendor>Libvirt</vendor>" +
  "      <version>Test Driver</version>" +
  "      <release_date>01/22/2007</release_date>" +
  "    </firmware>" +
  "  </capability>" +
  "</device>",
  "<device>" +
  "  <name>scsi_host1</name>" +
  "  <parent>computer</parent>" +
  "  <capability type='scsi_host'>" +
  "    <host>1</host>" +
  "    <unique_id>0</unique_id>" +
  "    <capability type='fc_host'>" +
  "      <wwnn>2000000012341234</wwnn>" +
  "      <wwpn>1000000012341234</wwpn>" +
  "      <fabric_wwn>2000000043214321</fabric_wwn>" +
  "    </capability>" +
  "    <capability type='vport_ops'>" +
  "      <max_vports>127</max_vports>" +
  "      <vports>1</vports>" +
  "    </capability>" +
  "  </capability>" +
  "</device>",
  "<device>" +
  "  <name>scsi_host2</name>" +
  "  <parent>computer</parent>" +
  "  <capability type='scsi_host'>" +
  "    <host>2</host>" +
  "    <unique_id>1</unique_id>" +
  "    <capability type='fc_host'>" +
  "      <wwnn>2000000056785678</wwnn>" +
  "      <wwpn>1000000056785678</wwpn>" +
  "      <fabric_wwn>2000000087658765</fabric_wwn>" +
  "    </capability>" +
  "    <capability type='vport_ops'>" +
  "      <max_vports>127</max_vports>" +
  "      <vports>0</vports>" +
  "    </capability>" +
  "  </capability>" +
  "</device>",
  "<device>" +
  "  <name>scsi_host11</name>" +
  "  <parent>scsi_host1</parent>" +
  "  <capability type='scsi_host'>" +
  "    <host>11</host>" +
  "    <unique_id>10</unique_id>" +
  "    <capability type='fc_host'>" +
  "      <wwnn>2000000034563456</wwnn>" +
  "      <wwpn>1000000034563456</wwpn>" +
  "      <fabric_wwn>2000000043214321</fabric_wwn>" +
  "    </capability>" +
  "  </capability>" +
  "</device>",
];

/**
 * The devices of test:///default in its definition order: computer,
 * scsi_host1, scsi_host2, scsi_host11 (vport_ops shows 0/0, as libvirt 9.0
 * does not read max_vports/vports back).
 */
export function defaultTestNodeDevices(): NodeDeviceDef[] {
  return DEFAULT_DEVICES.map((x) => parseNodeDeviceXML(x, "existing"));
}
