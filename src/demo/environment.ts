// Starts the whole demo organisation on loopback: CA, relay, inbound server, signed configuration
// served over HTTPS, the helpdesk's report receiver (`support serve`, with a throw-away helpdesk
// account), and a demo user with a fresh random password.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic.js";
import { userLine } from "../support/helpdeskUsers.js";
import { listenReceiver } from "../support/listen.js";
import { createRootCa, issueServerCert } from "../certs/generate.js";
import { createDemoOrg, DEMO_DOMAIN, type DemoOrg } from "./org.js";
import { startConfigEndpoint, startDemoInbound, startDemoRelay, type DemoMessage, type RunningServer } from "./servers.js";

export interface DemoEnvironment {
  org: DemoOrg;
  relay: RunningServer & { messages: DemoMessage[] };
  inbound: RunningServer;
  configUrl: string;
  user: { email: string; password: string };
  /** The demo helpdesk: where reports arrive, and the page an agent signs in to. */
  helpdesk: { reportUrl: string; pageUrl: string; store: string; user: string; password: string; passwordFile: string };
  stop(): Promise<void>;
}

export async function startDemoEnvironment(dir: string, now: Date): Promise<DemoEnvironment> {
  const ca = await createRootCa("Relay Onboard Demo Root CA");
  const serverCert = await issueServerCert(ca, ["127.0.0.1", "localhost"]);
  const user = { email: `demo.user@${DEMO_DOMAIN}`, password: randomBytes(12).toString("base64url") };
  const started: RunningServer[] = [];
  try {
    const relay = await startDemoRelay({ certPem: serverCert.certPem, keyPem: serverCert.keyPem, users: new Map([[user.email, user.password]]), domains: [DEMO_DOMAIN] });
    started.push(relay);
    const inbound = await startDemoInbound({ domains: [DEMO_DOMAIN] });
    started.push(inbound);
    const agent = { user: "helpdesk", password: randomBytes(12).toString("base64url") };
    const store = join(dir, "helpdesk-reports");
    const passwordFile = join(dir, "helpdesk-password.txt");
    await writeFileAtomic(passwordFile, agent.password + "\n", { mode: 0o600 });
    const receiver = await listenReceiver({ cert: serverCert.certPem, key: serverCert.keyPem, host: "127.0.0.1", port: 0, store, users: await userLine(agent.user, agent.password) });
    started.push({ host: "127.0.0.1", port: 0, close: () => receiver.close() });
    const reportUrl = `${receiver.origin}/relay-onboard/reports`;
    const org = await createDemoOrg(dir, now, { ca, endpoints: { relay: { host: relay.host, port: relay.port }, inbound: { host: inbound.host, port: inbound.port }, reportUrl } });
    const endpoint = await startConfigEndpoint({ certPem: serverCert.certPem, keyPem: serverCert.keyPem, document: () => org.document });
    started.push(endpoint);
    return {
      org,
      relay,
      inbound,
      configUrl: endpoint.url,
      user,
      helpdesk: { reportUrl, pageUrl: `${receiver.origin}/helpdesk`, store, passwordFile, ...agent },
      stop: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
}
