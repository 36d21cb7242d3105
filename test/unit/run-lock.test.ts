// The onboarding lock (runlock.ts): it names its owner from the moment it exists, a failed write
// leaves none, and of many runs racing — for a free lock or to take over a stale one — exactly one
// wins while the others are told which process holds it.
import { spawn } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock } from "../../src/fs/pidLock.js";
import { tempDir } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";

const ROOT = join(import.meta.dirname, "..", "..");

/**
 * n processes take the lock at once: each starts, says READY, and on "go" tries; it prints WON or the
 * failure's code, and a winner holds the lock until "end" (after every run has answered).
 */
async function race(lock: string, n: number): Promise<string[]> {
  const script = `import { acquireLock } from ${JSON.stringify(join(ROOT, "src", "fs", "pidLock.ts"))};
    import { readFile } from "node:fs/promises";
    import { createInterface } from "node:readline";
    const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    process.stdout.write("READY\\n");
    await lines.next();
    try {
      const release = await acquireLock(${JSON.stringify(lock)});
      process.stdout.write((await readFile(${JSON.stringify(lock)}, "utf8")) === String(process.pid) ? "WON\\n" : "WON-WITHOUT-PID\\n");
      await lines.next();
      await release();
    } catch (e) { process.stdout.write((e.code ?? String(e)) + "\\n"); }
    process.exit(0);`;
  const children = Array.from({ length: n }, () => spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, env: { ...process.env, ...testClockEnv() } }));
  for (const c of children) c.stdin.on("error", () => undefined); // a loser has exited: its pipe is closed
  const outputs = children.map(() => "");
  const waiting: Array<() => void> = [];
  children.forEach((c, i) =>
    c.stdout.on("data", (d: Buffer) => {
      outputs[i] += d.toString();
      for (const w of waiting.splice(0)) w();
    }),
  );
  const saw = (i: number, word: RegExp): Promise<void> =>
    word.test(outputs[i]!) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(() => void saw(i, word).then(resolve)));
  const errors = children.map(() => "");
  children.forEach((c, i) => c.stderr.on("data", (d: Buffer) => (errors[i] += d.toString())));
  const within = (what: string, p: Promise<unknown>) =>
    Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: ${JSON.stringify({ outputs, errors })}`)), 20_000))]);
  await within("not every run started", Promise.all(children.map((_, i) => saw(i, /READY\n/))));
  for (const c of children) c.stdin.write("go\n");
  // Every run answers (a line of its own after READY) before the winner lets go.
  await within("not every run answered", Promise.all(children.map((_, i) => saw(i, /READY\n.+\n/))));
  for (const c of children) c.stdin.end("end\n");
  await within("not every run ended", Promise.all(children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((resolve) => c.once("close", resolve))))));
  return outputs.map((o) => o.replace("READY\n", "").trim());
}

describe("the onboarding lock", () => {
  it("holds the owner's PID from the moment it exists, and leaves nothing of its own behind", async () => {
    const dir = await tempDir("ro-lock-");
    const lock = join(dir, "onboard.lock");
    const release = await acquireLock(lock);
    expect(await readFile(lock, "utf8")).toBe(String(process.pid));
    await expect(acquireLock(lock)).resolves.toBeTypeOf("function"); // our own PID: ours to retake
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses while a live process holds it; takes over a dead one's, and an empty one an older version left", async () => {
    const dir = await tempDir("ro-lock-");
    const lock = join(dir, "onboard.lock");
    await writeFile(lock, "1"); // init: alive
    await expect(acquireLock(lock)).rejects.toMatchObject({ code: "ALREADY_RUNNING", message: expect.stringContaining("(process 1)") as unknown });
    for (const stale of ["999999", "", "not a pid"]) {
      await writeFile(lock, stale);
      const release = await acquireLock(lock);
      expect(await readFile(lock, "utf8"), stale).toBe(String(process.pid));
      await release();
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)("a write that fails (a read-only folder) leaves no lock, not an empty one", async () => {
    const dir = join(await tempDir("ro-lock-"), "state");
    await mkdir(dir);
    const { execFileSync } = await import("node:child_process");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", dir]);
    try {
      await expect(acquireLock(join(dir, "onboard.lock"))).rejects.toMatchObject({ code: "STATE_WRITE_FAILED", message: `the lock could not be written in ${dir}: the disk is read-only (EROFS)` });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      execFileSync("umount", [dir]);
    }
  });

  it("of six runs racing for a free lock, or to take over a stale one, exactly one wins; the others name it", async () => {
    const dir = await tempDir("ro-lock-race-");
    await chmod(dir, 0o700);
    for (const start of ["free", "stale"]) {
      const lock = join(dir, `${start}.lock`);
      if (start === "stale") await writeFile(lock, "999999");
      const results = await race(lock, 6);
      expect(results.filter((r) => r === "WON"), `${start}: ${results.join(" ")}`).toHaveLength(1);
      expect(results.filter((r) => r !== "WON"), start).toEqual(Array(5).fill("ALREADY_RUNNING"));
      expect((await readdir(dir)).filter((f) => f.startsWith(start))).toEqual([]);
    }
  }, 60_000);
});
