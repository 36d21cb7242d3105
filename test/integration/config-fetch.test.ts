// fetchConfig against real HTTPS (and plain HTTP) servers on loopback, with a throw-away test CA.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchConfig } from "../../src/config/fetch.js";
import { MAX_CONFIG_BYTES } from "../../src/config/verify.js";
import { RelayError, type FailureCode } from "../../src/errors.js";
import { createRootCa, issueServerCert, tempDir, testCa } from "../helpers/org.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Recorded {
  path: string;
  headers: IncomingMessage["headers"];
}

let https: Server;
let http: Server;
let httpsBase: string;
let httpBase: string;
let caPem: string;
const routes = new Map<string, Handler>();
const requests: Recorded[] = [];
const httpRequests: Recorded[] = [];
const streamed = { bytes: 0, closed: false };

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  const ca = await testCa();
  caPem = ca.certPem;
  const leaf = await issueServerCert(ca, ["127.0.0.1", "localhost"]);
  https = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    requests.push({ path: req.url ?? "", headers: req.headers });
    const handler = routes.get(new URL(req.url ?? "/", "https://x").pathname);
    if (handler) handler(req, res);
    else res.writeHead(404).end("not found");
  });
  http = createHttpServer((req, res) => {
    httpRequests.push({ path: req.url ?? "", headers: req.headers });
    res.end("plain");
  });
  httpsBase = `https://127.0.0.1:${await listen(https)}`;
  httpBase = `http://127.0.0.1:${await listen(http)}`;

  routes.set("/config.jws", (_req, res) => res.writeHead(200, { "content-type": "application/jose" }).end("eyJ.config.sig"));
  routes.set("/cookie-redirect", (_req, res) => res.writeHead(302, { location: "/config.jws", "set-cookie": "session=abc; Path=/" }).end());
  for (let i = 1; i <= 4; i++) routes.set(`/hop${i}`, (_req, res) => res.writeHead(301, { location: i === 1 ? "/config.jws" : `/hop${i - 1}` }).end());
  routes.set("/to-http", (_req, res) => res.writeHead(302, { location: `${httpBase}/config.jws` }).end());
  routes.set("/to-file", (_req, res) => res.writeHead(302, { location: "file:///etc/passwd" }).end());
  routes.set("/to-userinfo", (_req, res) => res.writeHead(302, { location: `https://user:secret@127.0.0.1/config.jws` }).end());
  routes.set("/forever", (_req, res) => {
    res.writeHead(200, { "content-type": "application/jose" });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const pump = () => {
      while (!res.destroyed) {
        streamed.bytes += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
    };
    res.on("close", () => (streamed.closed = true));
    pump();
  });
  routes.set("/big-declared", (_req, res) => res.writeHead(200, { "content-length": String(10 * 1024 * 1024) }).write("a"));
  routes.set("/exactly-cap", (_req, res) => res.writeHead(200).end(Buffer.alloc(MAX_CONFIG_BYTES, 0x61)));
  routes.set("/silent", () => undefined); // never answers
  routes.set("/trickle", (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write("a")), 50);
  });
  routes.set("/server-error", (_req, res) => res.writeHead(500).end("oops"));
  routes.set("/not-modified", (_req, res) => res.writeHead(304).end());
  routes.set("/multiple-choices", (_req, res) => res.writeHead(300, { location: "/config.jws" }).end());
  routes.set("/bad-request", (_req, res) => res.writeHead(400).end());
  routes.set("/declared-cap", (_req, res) => res.writeHead(200, { "content-length": String(MAX_CONFIG_BYTES) }).end(Buffer.alloc(MAX_CONFIG_BYTES, 0x61)));
  routes.set("/no-location", (_req, res) => res.writeHead(302).end());
  routes.set("/broken", (_req, res) => {
    res.writeHead(200, { "content-length": "100" });
    res.write("only ten b");
    setTimeout(() => res.socket?.destroy(), 20);
  });
});

afterAll(async () => {
  https.closeAllConnections();
  http.closeAllConnections();
  await new Promise((r) => https.close(r));
  await new Promise((r) => http.close(r));
});

async function expectCode(promise: Promise<unknown>, code: FailureCode, message?: RegExp): Promise<RelayError> {
  const err = await promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelayError);
  expect((err as RelayError).code).toBe(code);
  if (message) expect((err as RelayError).message).toMatch(message);
  return err as RelayError;
}

describe("fetchConfig over https", () => {
  it("downloads the document, trusting only the CA it is given", async () => {
    const result = await fetchConfig(`${httpsBase}/config.jws`, { ca: caPem });
    expect(result.bytes.toString()).toBe("eyJ.config.sig");
    await expectCode(fetchConfig(`${httpsBase}/config.jws`), "CONFIG_FETCH_FAILED", /not trusted/);
  });

  it("trusts this computer's CA bundle besides Node's roots (the org CA MDM deployed), and says so when neither trusts the server", async () => {
    const dir = await tempDir("ro-fetch-bundle-");
    const withOrg = join(dir, "with-org.crt");
    const withoutOrg = join(dir, "without-org.crt");
    const other = await createRootCa("Some Other Root");
    await writeFile(withOrg, `${other.certPem}\n${caPem}\n`);
    await writeFile(withoutOrg, other.certPem);
    expect((await fetchConfig(`${httpsBase}/config.jws`, { systemBundle: withOrg })).bytes.toString()).toBe("eyJ.config.sig");
    await expectCode(fetchConfig(`${httpsBase}/config.jws`, { systemBundle: withoutOrg }), "CONFIG_FETCH_FAILED", /certificate of 127\.0\.0\.1:\d+ is not trusted by this computer .*public CA or from one in this computer's trust store/);
    await expectCode(fetchConfig(`${httpsBase}/config.jws`, { systemBundle: join(dir, "missing.crt") }), "CONFIG_FETCH_FAILED", /not trusted/);
    // An explicit CA replaces the system's: the bundle does not widen what a caller pinned.
    await expectCode(fetchConfig(`${httpsBase}/config.jws`, { ca: other.certPem, systemBundle: withOrg }), "CONFIG_FETCH_FAILED", /not trusted/);
  });

  it("trusts NODE_EXTRA_CA_CERTS besides the bundle, as Node does (the bundle's list would otherwise replace it)", async () => {
    const dir = await tempDir("ro-fetch-extra-");
    const bundle = join(dir, "bundle.crt");
    const extra = join(dir, "extra.pem");
    await writeFile(bundle, (await createRootCa("Bundle Root")).certPem);
    await writeFile(extra, caPem);
    expect((await fetchConfig(`${httpsBase}/config.jws`, { systemBundle: bundle, extraCaFile: extra })).bytes.toString()).toBe("eyJ.config.sig");
    await expectCode(fetchConfig(`${httpsBase}/config.jws`, { systemBundle: bundle, extraCaFile: join(dir, "missing.pem") }), "CONFIG_FETCH_FAILED", /not trusted/);
    // This computer's own bundle (the default on Linux) with the extra file beside it.
    expect((await fetchConfig(`${httpsBase}/config.jws`, { extraCaFile: extra })).bytes.toString()).toBe("eyJ.config.sig");
    // No bundle (null): Node's trust as it was at start-up, which a file named now does not change.
    await expectCode(fetchConfig(`${httpsBase}/config.jws`, { systemBundle: null, extraCaFile: extra }), "CONFIG_FETCH_FAILED", /not trusted/);
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = extra;
    try {
      expect((await fetchConfig(`${httpsBase}/config.jws`, { systemBundle: bundle })).bytes.toString()).toBe("eyJ.config.sig");
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });

  it("refuses plain http without connecting", async () => {
    const before = httpRequests.length;
    await expectCode(fetchConfig(`${httpBase}/config.jws`), "CONFIG_FETCH_FAILED", /plain http is refused/);
    expect(httpRequests.length).toBe(before);
  });

  it("refuses a redirect to http, to file: and to a URL with credentials", async () => {
    const before = httpRequests.length;
    await expectCode(fetchConfig(`${httpsBase}/to-http`, { ca: caPem }), "CONFIG_FETCH_FAILED", /redirected to http/);
    expect(httpRequests.length).toBe(before);
    await expectCode(fetchConfig(`${httpsBase}/to-file`, { ca: caPem }), "CONFIG_FETCH_FAILED", /redirected to file/);
    await expectCode(fetchConfig(`${httpsBase}/to-userinfo`, { ca: caPem }), "CONFIG_FETCH_FAILED", /credentials/);
  });

  it("follows up to 3 redirects and refuses a fourth", async () => {
    expect((await fetchConfig(`${httpsBase}/hop3`, { ca: caPem })).source).toBe(`${httpsBase}/config.jws`);
    await expectCode(fetchConfig(`${httpsBase}/hop4`, { ca: caPem }), "CONFIG_FETCH_FAILED", /more than 3 redirects/);
  });

  it("sends no cookies and no credentials, even after a Set-Cookie", async () => {
    requests.length = 0;
    await fetchConfig(`${httpsBase}/cookie-redirect`, { ca: caPem });
    expect(requests.map((r) => r.path)).toEqual(["/cookie-redirect", "/config.jws"]);
    for (const r of requests) {
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers.authorization).toBeUndefined();
    }
    await expectCode(fetchConfig(`https://user:pw@127.0.0.1:1/config.jws`, { ca: caPem }), "CONFIG_FETCH_FAILED", /credentials/);
  });

  it("stops an endpoint that streams forever at the size cap, with bounded memory", async () => {
    streamed.bytes = 0;
    streamed.closed = false;
    const heapBefore = process.memoryUsage().rss;
    await expectCode(fetchConfig(`${httpsBase}/forever`, { ca: caPem }), "CONFIG_TOO_LARGE");
    await new Promise((r) => setTimeout(r, 100));
    expect(streamed.closed).toBe(true);
    expect(streamed.bytes).toBeGreaterThan(MAX_CONFIG_BYTES);
    // The server could push only what fits in the socket buffers before we cut it off.
    expect(streamed.bytes).toBeLessThan(8 * 1024 * 1024);
    expect(process.memoryUsage().rss - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses a declared Content-Length over the cap without reading the body, and accepts exactly the cap", async () => {
    await expectCode(fetchConfig(`${httpsBase}/big-declared`, { ca: caPem }), "CONFIG_TOO_LARGE");
    expect((await fetchConfig(`${httpsBase}/exactly-cap`, { ca: caPem })).bytes.length).toBe(MAX_CONFIG_BYTES);
  });

  it("gives up on an endpoint that never answers, or trickles, at the deadline", async () => {
    // The deadline logic, not the machine's speed: the message names the deadline that ended it.
    await expectCode(fetchConfig(`${httpsBase}/silent`, { ca: caPem, timeoutMs: 500 }), "CONFIG_FETCH_FAILED", /^no complete answer within 1 s$/);
    await expectCode(fetchConfig(`${httpsBase}/trickle`, { ca: caPem, timeoutMs: 500 }), "CONFIG_FETCH_FAILED", /^no complete answer within 1 s$/);
  });

  it("reports HTTP errors, refused connections and unresolvable names", async () => {
    await expectCode(fetchConfig(`${httpsBase}/server-error`, { ca: caPem }), "CONFIG_FETCH_FAILED", /HTTP 500/);
    await expectCode(fetchConfig(`${httpsBase}/missing`, { ca: caPem }), "CONFIG_FETCH_FAILED", /HTTP 404/);
    await expectCode(fetchConfig(`https://127.0.0.1:1/config.jws`), "CONFIG_FETCH_FAILED", /refused/);
    await expectCode(fetchConfig(`https://no-such-host.invalid/config.jws`), "CONFIG_FETCH_FAILED", /does not resolve/);
  });

  it("asks anonymously for a JOSE document, as relay-onboard (or the caller's user agent)", async () => {
    requests.length = 0;
    await fetchConfig(`${httpsBase}/config.jws`, { ca: caPem });
    await fetchConfig(`${httpsBase}/config.jws`, { ca: caPem, userAgent: "relay-onboard-app/1.2" });
    expect(requests.map((r) => [r.headers.accept, r.headers["user-agent"]])).toEqual([
      ["application/jose, application/jose+json, */*;q=0.1", "relay-onboard"],
      ["application/jose, application/jose+json, */*;q=0.1", "relay-onboard-app/1.2"],
    ]);
  });

  it("the 3xx range is redirects, from 300 (400 is an error); a declared length of exactly the cap is read", async () => {
    expect((await fetchConfig(`${httpsBase}/multiple-choices`, { ca: caPem })).source).toBe(`${httpsBase}/config.jws`);
    await expectCode(fetchConfig(`${httpsBase}/bad-request`, { ca: caPem }), "CONFIG_FETCH_FAILED", /HTTP 400/);
    expect((await fetchConfig(`${httpsBase}/declared-cap`, { ca: caPem })).bytes.length).toBe(MAX_CONFIG_BYTES);
  });

  it("refuses an address that is not a URL, and one with only a user name", async () => {
    await expectCode(fetchConfig("https://[not-an-address/config.jws"), "CONFIG_FETCH_FAILED", /^"https:\/\/\[not-an-address\/config\.jws" is not a valid URL$/);
    await expectCode(fetchConfig("https://user@127.0.0.1:1/config.jws"), "CONFIG_FETCH_FAILED", /credentials/);
  });

  it("a 304 is an answer, not a redirect; a redirect without a Location is refused", async () => {
    await expectCode(fetchConfig(`${httpsBase}/not-modified`, { ca: caPem }), "CONFIG_FETCH_FAILED", /^the server answered HTTP 304 for https:\/\/127\.0\.0\.1:\d+\/not-modified$/);
    await expectCode(fetchConfig(`${httpsBase}/no-location`, { ca: caPem }), "CONFIG_FETCH_FAILED", /^the server answered 302 without a Location$/);
  });

  it("says the download broke off when the connection drops mid-body, and names a reset during the handshake", async () => {
    await expectCode(fetchConfig(`${httpsBase}/broken`, { ca: caPem }), "CONFIG_FETCH_FAILED", /^the download broke off: /);
    const { createServer } = await import("node:net");
    const reset = createServer((socket) => socket.resetAndDestroy());
    const port = await new Promise<number>((resolve) => reset.listen(0, "127.0.0.1", () => resolve((reset.address() as AddressInfo).port)));
    try {
      await expectCode(fetchConfig(`https://127.0.0.1:${port}/config.jws`, { ca: caPem }), "CONFIG_FETCH_FAILED", new RegExp(`^127\\.0\\.0\\.1:${port} closed the connection$`));
    } finally {
      reset.close();
    }
  });

  it("refuses other schemes", async () => {
    await expectCode(fetchConfig("ftp://example.com/c.jws"), "CONFIG_FETCH_FAILED", /unsupported/);
    await expectCode(fetchConfig("javascript:alert(1)"), "CONFIG_FETCH_FAILED", /unsupported/);
  });
});

describe("fetchConfig from files (MDM-dropped copies)", () => {
  it("reads a path or a file: URL", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.jws");
    await writeFile(file, "a.b.c\n");
    expect((await fetchConfig(file)).bytes.toString()).toBe("a.b.c\n");
    expect((await fetchConfig(pathToFileURL(file).href)).bytes.toString()).toBe("a.b.c\n");
  });

  it("a Windows drive path is a path, not a URL scheme; a file: URL naming another host is refused", async () => {
    await expectCode(fetchConfig("C:\\ProgramData\\RelayOnboard\\config.jws"), "CONFIG_FETCH_FAILED", /^the configuration file C:\\ProgramData\\RelayOnboard\\config\.jws: file not found$/);
    await expectCode(fetchConfig("file://fileserver/share/config.jws"), "CONFIG_FETCH_FAILED", /^"file:\/\/fileserver\/share\/config\.jws" is not a usable file: URL$/);
    await expectCode(fetchConfig("HTTPS://127.0.0.1:1/x"), "CONFIG_FETCH_FAILED", /refused the connection/);
  });

  it("reads a file of exactly the cap; a colon later in a path is not a URL scheme", async () => {
    const dir = await tempDir();
    const exact = join(dir, "exact.jws");
    await writeFile(exact, Buffer.alloc(MAX_CONFIG_BYTES, 0x61));
    expect((await fetchConfig(exact)).bytes.length).toBe(MAX_CONFIG_BYTES);
    const colon = join(dir, "config:v2.jws");
    await writeFile(colon, "a.b.c");
    expect((await fetchConfig(colon)).bytes.toString()).toBe("a.b.c");
  });

  it("refuses a file over the cap, a device, a FIFO and a missing file", async () => {
    const dir = await tempDir();
    const big = join(dir, "big.jws");
    await writeFile(big, Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x61));
    await expectCode(fetchConfig(big), "CONFIG_TOO_LARGE");
    // Said in words (a --config flag naming a missing file is BAD_INPUT before this: cli-config.test.ts).
    await expectCode(fetchConfig("/dev/zero"), "CONFIG_FETCH_FAILED", /^the configuration file \/dev\/zero: not a regular file$/);
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    // No writer ever appears: a blocking open() would hang here.
    await expectCode(fetchConfig(fifo), "CONFIG_FETCH_FAILED", /not a regular file/);
    await expectCode(fetchConfig(join(dir, "absent.jws")), "CONFIG_FETCH_FAILED", /absent\.jws: file not found$/);
  });
});
