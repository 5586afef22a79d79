/**
 * `deno task passwd [--system] [--config FILE] [--delete] USER`: sets USER's
 * SASL password in the daemon's user database (sasl_users_file), reading it
 * from standard input — the first line, or typed without echo at a terminal.
 * libvirtd's counterpart is `saslpasswd2 -a libvirt USER`.
 *
 * @module
 */

import { defaultConfig, loadConfig } from "./conf/config.ts";
import { SYSTEM_CONFIG_FILE } from "./conf/system.ts";
import { defaultUsersFile, removeUser, setPassword } from "./transport/sasl_users.ts";

const USAGE = `usage: deno task passwd [--system] [--config FILE] [--delete] USER

  Sets USER's SASL password (read from standard input) in the daemon's user
  database: sasl_users_file, or ~/.config/denovirt/sasl-users
  (--system: /etc/libvirt/denovirt-sasl-users). --delete removes USER.`;

async function readPassword(): Promise<string> {
  if (Deno.stdin.isTerminal()) {
    await Deno.stdout.write(new TextEncoder().encode("Password: "));
    Deno.stdin.setRaw(true);
    const bytes: number[] = [];
    const b = new Uint8Array(1);
    try {
      for (;;) {
        const n = await Deno.stdin.read(b);
        if (n === null || b[0] === 13 || b[0] === 10) break;
        if (b[0] === 3) throw new Error("interrupted");
        if (b[0] === 127) bytes.pop();
        else bytes.push(b[0]!);
      }
    } finally {
      Deno.stdin.setRaw(false);
      await Deno.stdout.write(new TextEncoder().encode("\n"));
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
  const all = new TextDecoder().decode(await new Response(Deno.stdin.readable).arrayBuffer());
  return all.split("\n")[0]!.replace(/\r$/, "");
}

export async function passwd(args: string[]): Promise<number> {
  let configPath: string | null = null;
  let system = false;
  let remove = false;
  let user: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--config") configPath = args[++i] ?? null;
    else if (a === "--system") system = true;
    else if (a === "--delete") remove = true;
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else if (!a.startsWith("-") && user === null) user = a;
    else {
      console.error(`passwd: unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  if (user === null) {
    console.error(USAGE);
    return 2;
  }
  if (system && configPath === null) {
    try {
      Deno.statSync(SYSTEM_CONFIG_FILE);
      configPath = SYSTEM_CONFIG_FILE;
    } catch {
      // No settings file: the defaults.
    }
  }
  const config = configPath
    ? await loadConfig(configPath, () => {}, system)
    : defaultConfig(system);
  const file = config.sasl_users_file || defaultUsersFile();
  try {
    if (remove) {
      if (!(await removeUser(file, user))) {
        console.error(`passwd: no user '${user}' in ${file}`);
        return 1;
      }
      console.log(`passwd: removed '${user}' from ${file}`);
      return 0;
    }
    const password = await readPassword();
    if (password === "") {
      console.error("passwd: empty password refused");
      return 1;
    }
    await setPassword(file, user, password);
  } catch (e) {
    console.error(`passwd: ${(e as Error).message}`);
    return 1;
  }
  console.log(`passwd: set the password of '${user}' in ${file}`);
  return 0;
}

if (import.meta.main) Deno.exit(await passwd(Deno.args));
