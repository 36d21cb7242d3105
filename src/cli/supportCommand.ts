// `relay-onboard support serve | add-user | show`: the helpdesk's side of the report loop
// (DESIGN.md, "Helpdesk reports"). `serve` is the receiver IT runs behind its own TLS name;
// `add-user` adds a helpdesk account to the users file; `show` prints a reference's reports from
// the store folder, as the helpdesk page shows them.
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { RelayError } from "../errors.js";
import { readPassword } from "./password.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";

interface ServeFlags { listen: string; tlsCert: string; tlsKey: string; store: string; helpdeskUsers?: string; maxReportKb?: string; keepDays?: string }

const positive = (value: string | undefined, flag: string, fallback: number, max: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new RelayError("USAGE", `${flag} takes a whole number from 1 to ${max}`);
  return n;
};

async function readText(file: string, what: string): Promise<string> {
  return readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new RelayError("BAD_INPUT", `${what} ${file}: ${err.code === "ENOENT" ? "file not found" : (err.code ?? err.message)}`);
  });
}

export function registerSupportCommand(program: Command, io: CliIo): void {
  const support = program.command("support").description("the helpdesk's side: receive users' reports and read them by reference");

  support
    .command("serve")
    .description("receive reports (HTTPS POST) and serve the helpdesk a page per reference")
    .requiredOption("--listen <host:port>", "where to listen, e.g. 0.0.0.0:8443")
    .requiredOption("--tls-cert <pem>", "the server certificate chain (PEM)")
    .requiredOption("--tls-key <pem>", "its private key (PEM)")
    .requiredOption("--store <dir>", "where reports are kept, by reference")
    .option("--helpdesk-users <file>", "helpdesk accounts (support add-user); without it the helpdesk pages are off")
    .option("--max-report-kb <n>", "the largest report accepted, in KiB (default 256)")
    .option("--keep-days <n>", "delete reports older than this (default 90)")
    .action(async (opts: ServeFlags) => {
      const m = /^(.+):(\d{1,5})$/.exec(opts.listen);
      const port = Number(m?.[2]);
      if (!m || port > 65535) throw new RelayError("USAGE", "--listen takes HOST:PORT, e.g. 0.0.0.0:8443 (port 0: any free port, printed)");
      const host = m[1]!.replace(/^\[(.*)\]$/, "$1");
      const [cert, key] = [await readText(opts.tlsCert, "the TLS certificate"), await readText(opts.tlsKey, "the TLS key")];
      const users = opts.helpdeskUsers ? await readText(opts.helpdeskUsers, "the helpdesk users file") : undefined;
      const { listenReceiver } = await import("../support/listen.js");
      const running = await listenReceiver({ cert, key, host, port, store: opts.store, ...(users !== undefined ? { users } : {}), maxBytes: positive(opts.maxReportKb, "--max-report-kb", 256, 256) * 1024, keepDays: positive(opts.keepDays, "--keep-days", 90, 3650), now: io.now });
      io.stdout(`Receiving reports at ${running.origin}/ (POST); ${users !== undefined ? `helpdesk pages at ${running.origin}/helpdesk` : "helpdesk pages off (no --helpdesk-users)"}; reports kept in ${opts.store}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void running.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  support
    .command("add-user")
    .description("add (or replace) a helpdesk account in the users file")
    .argument("<name>", "the account name")
    .requiredOption("--users <file>", "the helpdesk users file")
    .option("--password-env <name>", "read the password from this environment variable")
    .option("--password-stdin", "read the password from standard input")
    .action(async (name: string, opts: { users: string; passwordEnv?: string; passwordStdin?: boolean }) => {
      const password = await readPassword(io, opts, name);
      if (password === undefined) throw new RelayError("USAGE", "give the password with --password-env NAME or --password-stdin");
      const { userLine, parseUsers } = await import("../support/helpdeskUsers.js");
      const { writeFileAtomic } = await import("../fs/atomic.js");
      const existing = await readFile(opts.users, "utf8").catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? "" : Promise.reject(err)));
      parseUsers(existing, opts.users); // a damaged file is refused, not rewritten
      const lines = existing.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith(`${name}:`));
      await writeFileAtomic(opts.users, [...lines, await userLine(name, password)].join("\n") + "\n", { mode: 0o600 });
      io.stdout(`helpdesk account ${name} saved in ${opts.users}\n`);
    });

  support
    .command("show")
    .description("print a reference's reports from the store folder, newest first")
    .argument("<reference>", "the reference the user reads out (RO-XXXX-XXXX)")
    .requiredOption("--store <dir>", "the receiver's store folder")
    .option("--html", "print the helpdesk page")
    .option("--json", "print the reports as JSON")
    .action(async (given: string, opts: { store: string; html?: boolean; json?: boolean }) => {
      const { normaliseReference } = await import("../support/reference.js");
      const reference = normaliseReference(given);
      if (!reference) throw new RelayError("USAGE", "a reference looks like RO-XXXX-XXXX");
      const { reportsOf } = await import("../support/store.js");
      const reports = await reportsOf(opts.store, reference);
      if (opts.json) printJson(io, { ok: reports.length > 0, reference, reports });
      else if (opts.html) io.stdout((await import("../support/helpdeskPage.js")).helpdeskPage(reference, reports));
      else io.stdout((await import("../support/helpdeskPage.js")).helpdeskText(reference, reports));
      if (reports.length === 0) throw new CheckFailed(1);
    });
}
