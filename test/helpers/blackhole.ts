// A port whose SYNs go unanswered, like a firewall's DROP rule: a full listen queue (backlog 0 and
// one connection already in it). A network fixture, so it runs on the real clock (under libfaketime
// Python's sleep returns at once and the port would close).
import { spawn, type ChildProcess } from "node:child_process";
import { realClockEnv } from "./realClock.js";

export function blackholePort(): { port: Promise<number>; child: ChildProcess } {
  const child = spawn("python3", ["-c", 'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nf=socket.socket();f.connect(s.getsockname())\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)'], { stdio: ["ignore", "pipe", "inherit"], env: realClockEnv() });
  return { child, port: new Promise((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim())))) };
}
