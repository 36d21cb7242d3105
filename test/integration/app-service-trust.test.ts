// Finding 6: main must not rely on the renderer. The core service is driven here as a compromised
// renderer would drive it through IPC: clients the policy excludes, the demo when an organisation
// is set up, and the test message to an address whose login never passed.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AppService } from "../../src/app/service.js";
import type { Policy } from "../../src/policy/policy.js";
import { tempDir } from "../helpers/org.js";

const services: AppService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
});

async function service(options: { policy?: Policy; bundledOrgFile?: string } = {}) {
  const dir = await tempDir("ro-app-trust-");
  const roots = [join(dir, "thunderbird")];
  await mkdir(join(roots[0]!, "prof.default"), { recursive: true });
  await writeFile(join(roots[0]!, "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=prof.default\nDefault=1\n");
  const s = new AppService({
    version: "test", stateDir: join(dir, "state"), policy: () => Promise.resolve(options.policy), stores: () => Promise.resolve([]), thunderbirdRoots: roots,
    ...(options.bundledOrgFile ? { bundledOrgFile: options.bundledOrgFile } : { bundledOrgFile: join(dir, "none.json") }),
  });
  services.push(s);
  return { s, dir, profile: join(roots[0]!, "prof.default") };
}

function demoMailbox(s: AppService): Array<{ to?: string[] }> {
  return (s as unknown as { demo?: { relay: { messages: Array<{ to?: string[] }> } } }).demo?.relay.messages ?? [];
}

describe("the app service does not trust its renderer (finding 6)", () => {
  it("configures only the clients managed policy allows", async () => {
    const policy = { source: "test", clients: ["apple-mail"], allowDemo: true } as unknown as Policy;
    const { s, profile } = await service({ policy });
    await s.state();
    await s.useDemo();
    const login = s.demoUser()!;
    await expect(s.configure({ email: login.email, clients: ["thunderbird"] })).rejects.toMatchObject({ code: "USAGE", message: expect.stringMatching(/policy .*thunderbird/) as unknown });
    expect(await readdir(profile)).toEqual([]);
  });

  it("refuses the demo organisation once a real one is set up, unless policy allows it", async () => {
    // A verified organisation (as state() loads it from a branded build's org file; that loading
    // is covered by the policy tests): here one verified by another service.
    const { s: source } = await service();
    await source.state();
    await source.useDemo();
    const verified = (source as unknown as { loaded: unknown }).loaded;
    const { s } = await service();
    await s.state();
    (s as unknown as { loaded: unknown }).loaded = verified;
    await expect(s.useDemo()).rejects.toMatchObject({ code: "USAGE", message: expect.stringMatching(/organisation is already set up/) as unknown });
    expect(s.demoUser()).toBeUndefined();
    // With a policy that allows the demo, it may replace it (IT's explicit choice).
    const { s: allowed } = await service({ policy: { source: "test", allowDemo: true } as unknown as Policy });
    await allowed.state();
    (allowed as unknown as { loaded: unknown }).loaded = verified;
    expect((await allowed.useDemo()).problem).toBeUndefined();
  });

  it("sends the test message only to the address whose login just passed", async () => {
    const { s } = await service();
    await s.state();
    await s.useDemo();
    const login = s.demoUser()!;
    // A failed login, then a request to send: refused, nothing delivered.
    const failed = await s.test({ email: login.email, password: "wrong", remember: false });
    expect(failed.report?.verdict).toBe("fail");
    expect(await s.sendTestMessage({ password: login.password })).toEqual({ sent: false, needs: "test" });
    expect(demoMailbox(s)).toHaveLength(0);
    // A passing login: the message goes to that address, once per request.
    expect((await s.test({ email: login.email, password: login.password, remember: false })).report?.verdict).toBe("pass");
    expect(await s.sendTestMessage({ password: login.password })).toMatchObject({ sent: true });
    expect(demoMailbox(s)).toHaveLength(1);
    // A later failing test with another address: the earlier pass no longer counts.
    await s.test({ email: "someone.else@internal.test", password: "x", remember: false });
    expect(await s.sendTestMessage({ password: login.password })).toMatchObject({ sent: false });
    expect(demoMailbox(s)).toHaveLength(1);
  });
});
