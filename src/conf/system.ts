/**
 * libvirt's standard paths, which `--system` serves as a privileged libvirtd
 * does: clients find the sockets there without a `?socket=` parameter.
 *
 * @module
 */

/** The settings file `--system` reads when no `--config` is given (if it exists). */
export const SYSTEM_CONFIG_FILE = "/etc/libvirt/libvirtd.conf";
/** Where the sockets go in system mode (libvirtd's unix_sock_dir as root). */
export const SYSTEM_RUN_DIR = "/run/libvirt";
/** A system libvirtd's pid file: `--system` refuses to start while it names a live libvirtd. */
export const LIBVIRTD_PID_FILE = "/run/libvirtd.pid";
