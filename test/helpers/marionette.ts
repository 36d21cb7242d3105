// A minimal Marionette client (the remote protocol Gecko applications speak) to ask a real,
// headless Thunderbird what it read from a profile: "<length>:<json>" frames over TCP.
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { applyPrefs, prefsMap, type PrefValue } from "../../src/clients/thunderbird/prefs.js";
import { join } from "node:path";
import { freePort } from "./net.js";
import { realClockEnv } from "./realClock.js";


export class Marionette {
  private buffer = "";
  private waiting: Array<(message: unknown) => void> = [];
  private id = 0;

  /** The profile's start-up logins, as prefs.js had them (turned off for this session only). */
  startupLogins = new Map<string, PrefValue>();
  private restore: () => Promise<void> = () => Promise.resolve();

  private constructor(
    private readonly socket: Socket,
    readonly child: ChildProcess,
  ) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      for (;;) {
        const colon = this.buffer.indexOf(":");
        if (colon < 0) return;
        const length = Number(this.buffer.slice(0, colon));
        if (Buffer.byteLength(this.buffer.slice(colon + 1)) < length) return;
        const body = this.buffer.slice(colon + 1, colon + 1 + length);
        this.buffer = this.buffer.slice(colon + 1 + length);
        this.waiting.shift()?.(JSON.parse(body));
      }
    });
  }

    /**
   * Starts Thunderbird headless on `profile` with Marionette on a free port, and opens a session.
   * An account that logs in at start-up makes a headless Thunderbird wait forever on a server that
   * does not exist (a modal prompt; even offline, POP3 asks to go online): for the session only,
   * user.js turns those logins off, and after quit prefs.js gets back the values it had
   * (`startupLogins` says what they were). Thunderbird runs offline unless `online` (Firefox
   * loading a page); `env` adds to its environment (HOME, for a browser as a fresh user); `uid` and
   * `gid` run it as that account.
   */
  static async start(profile: string, binary = "thunderbird", options: { online?: boolean; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<Marionette> {
    const port = await freePort();
    const userJs = join(profile, "user.js");
    const prefsJs = join(profile, "prefs.js");
    await appendFile(userJs, `user_pref("marionette.port", ${port});\n`);
    const original = await readFile(userJs, "utf8");
    const logins = new Map([...prefsMap(await readFile(prefsJs, "utf8").catch(() => ""))].filter(([name]) => /^mail\.server\.[^.]+\.login_at_startup$/.test(name)));
    await appendFile(userJs, [...logins.keys()].map((name) => `user_pref("${name}", false);\n`).join(""));
    const restore = async () => {
      await writeFile(userJs, original);
      if (logins.size > 0) await writeFile(prefsJs, applyPrefs(await readFile(prefsJs), logins).data);
    };
    const child = spawn(binary, ["--headless", "--marionette", "--profile", profile, "-remote-allow-system-access", "--no-remote", ...(options.online ? [] : ["-offline"])], { stdio: "ignore", env: { ...realClockEnv(), ...options.env }, ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}) });
    const deadline = Date.now() + 60_000;
    let socket: Socket | undefined;
    while (!socket) {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error("Thunderbird's Marionette did not start");
      }
      socket = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(port, "127.0.0.1");
        s.once("connect", () => resolve(s));
        s.once("error", () => resolve(undefined));
      });
      if (!socket) await new Promise((r) => setTimeout(r, 250));
    }
    const m = new Marionette(socket, child);
    m.startupLogins = logins;
    m.restore = restore;
    await m.next(); // the server's hello
    await m.send("WebDriver:NewSession", {});
    await m.send("Marionette:SetContext", { value: "chrome" });
    return m;
  }

  private next(): Promise<unknown> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async send(name: string, params: Record<string, unknown>): Promise<unknown> {
    const body = JSON.stringify([0, ++this.id, name, params]);
    this.socket.write(`${Buffer.byteLength(body)}:${body}`);
    const reply = (await this.next()) as [number, number, { error?: string; message?: string } | null, unknown];
    if (reply[2]) throw new Error(`${name}: ${reply[2].error ?? ""} ${reply[2].message ?? ""}`);
    return reply[3];
  }

  /**
   * Loads `url` in a tab (Firefox) and says how it went: "loaded", or the error Marionette gives —
   * "insecure certificate" when the browser does not trust the server's certificate.
   */
  async load(url: string): Promise<string> {
    await this.send("Marionette:SetContext", { value: "content" });
    try {
      await this.send("WebDriver:Navigate", { url });
      return "loaded";
    } catch (err) {
      return (err as Error).message.replace(/^WebDriver:Navigate: /, "").split(" ").slice(0, 2).join(" ");
    } finally {
      await this.send("Marionette:SetContext", { value: "chrome" });
    }
  }

  /** Runs `script` in Thunderbird's chrome context and returns its value. */
  async execute<T>(script: string): Promise<T> {
    const result = (await this.send("WebDriver:ExecuteScript", { script, args: [] })) as { value: T };
    return result.value;
  }

  /** Quits Thunderbird (which then rewrites prefs.js) and waits for the process to end. */
  async quit(): Promise<void> {
    const exited = new Promise((r) => this.child.once("exit", r));
    await this.send("Marionette:Quit", { flags: ["eAttemptQuit"] }).catch(() => undefined);
    this.socket.destroy();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
    await this.restore();
  }
}

/** Thunderbird's view of its accounts, through its own services (MailServices). */
export const READ_ACCOUNTS = `
  const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const outgoing = MailServices.outgoingServer ?? MailServices.smtp;
  const servers = outgoing.servers.map((s) => {
    const smtp = s.QueryInterface(Ci.nsISmtpServer);
    return { key: s.key, host: smtp.hostname, port: smtp.port, socketType: s.socketType, authMethod: s.authMethod, username: s.username };
  });
  const identities = MailServices.accounts.allIdentities.map((i) => ({ key: i.key, email: i.email, fullName: i.fullName, smtpServerKey: i.smtpServerKey }));
  const accounts = MailServices.accounts.accounts.map((a) => ({
    key: a.key,
    identities: a.identities.map((i) => i.key),
    server: a.incomingServer ? { type: a.incomingServer.type, host: a.incomingServer.hostName ?? a.incomingServer.hostname ?? a.incomingServer.realHostName, port: a.incomingServer.port, socketType: a.incomingServer.socketType, authMethod: a.incomingServer.authMethod, username: a.incomingServer.username } : null,
  }));
  return { servers, identities, accounts };
`;

export interface ThunderbirdView {
  servers: Array<{ key: string; host: string; port: number; socketType: number; authMethod: number; username: string }>;
  identities: Array<{ key: string; email: string; fullName: string; smtpServerKey: string }>;
  accounts: Array<{ key: string; identities: string[]; server: { type: string; host: string; port: number; socketType: number; authMethod: number; username: string } | null }>;
}
