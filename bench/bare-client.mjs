// The floor for any Node.js implementation of the submission test: the same exchange (STARTTLS,
// AUTH PLAIN, pipelined MAIL + 2 RCPT, RSET + QUIT unawaited) with no checks, no report, no CLI.
// Used by bench/run.ts as a peer. Arguments: host port caFile user password.
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { readFileSync } from "node:fs";

const [host, port, caFile, user, password] = process.argv.slice(2);
const plain = connect({ host, port: Number(port), noDelay: true });
let socket = plain;
let buffer = "";
/** The next complete reply (its last line has a space after the code). */
const reply = () =>
  new Promise((resolve) => {
    const onData = (data) => {
      buffer += data;
      if (/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(buffer)) {
        socket.off("data", onData);
        resolve(buffer);
        buffer = "";
      }
    };
    socket.on("data", onData);
  });
await reply();
plain.write("EHLO bench\r\n");
await reply();
plain.write("STARTTLS\r\n");
await reply();
socket = tlsConnect({ socket: plain, ca: readFileSync(caFile, "utf8"), checkServerIdentity: () => undefined });
await new Promise((resolve) => socket.once("secureConnect", resolve));
// As the real client does on a short link: let the TLS 1.3 ticket arrive first, or Postfix's Nagle
// and our delayed ACK cost ~40 ms (src/smtp/connection.ts).
const before = plain.bytesRead;
const started = performance.now();
while (plain.bytesRead === before && performance.now() - started < 3) await new Promise((resolve) => setTimeout(resolve, 0));
socket.write("EHLO bench\r\n");
await reply();
socket.write(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString("base64")}\r\n`);
if (!(await reply()).startsWith("235")) process.exit(1);
socket.write(`MAIL FROM:<${user}>\r\nRCPT TO:<${user}>\r\nRCPT TO:<relay-probe@example.com>\r\n`);
while (buffer.split("\r\n").filter(Boolean).length < 3) await new Promise((resolve) => socket.once("data", (d) => resolve((buffer += d))));
socket.end("RSET\r\nQUIT\r\n");
socket.unref();
