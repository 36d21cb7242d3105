// SASL mechanisms for SMTP AUTH (RFC 4954). Every client line of the exchange is sent with a
// transcript marker, so no secret — nor anything derived from it — is ever recorded.
import { createHmac } from "node:crypto";
import type { SaslMechanism } from "../config/mechanisms.js";
import type { SmtpConnection } from "./connection.js";
import { authenticateMessage, negotiateMessage, parseChallenge } from "./ntlm.js";
import type { Reply } from "./reply.js";
import { AUTH_MARKER } from "./transcript.js";

export interface Credentials {
  user: string;
  /** Password, or for XOAUTH2 the bearer token. */
  secret: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

async function challenge(conn: SmtpConnection, what: string): Promise<Reply> {
  return conn.readReply({ what });
}

/** Runs the exchange and returns the server's final reply (235 on success). */
export async function authenticate(conn: SmtpConnection, mechanism: SaslMechanism, creds: Credentials): Promise<Reply> {
  const hidden = AUTH_MARKER(mechanism);
  switch (mechanism) {
    case "PLAIN": {
      conn.send(`AUTH PLAIN ${b64(`\0${creds.user}\0${creds.secret}`)}`, `AUTH PLAIN ${hidden}`);
      return conn.readReply({ what: "AUTH PLAIN" });
    }
    case "LOGIN": {
      conn.send("AUTH LOGIN", `AUTH LOGIN`);
      let reply = await challenge(conn, "AUTH LOGIN");
      if (reply.code !== 334) return reply;
      conn.send(b64(creds.user), hidden);
      reply = await challenge(conn, "the user name");
      if (reply.code !== 334) return reply;
      conn.send(b64(creds.secret), hidden);
      return conn.readReply({ what: "the password" });
    }
    case "CRAM-MD5": {
      conn.send("AUTH CRAM-MD5", "AUTH CRAM-MD5");
      const reply = await challenge(conn, "AUTH CRAM-MD5");
      if (reply.code !== 334) return reply;
      const nonce = Buffer.from(reply.lines[0] ?? "", "base64");
      const digest = createHmac("md5", creds.secret).update(nonce).digest("hex");
      conn.send(b64(`${creds.user} ${digest}`), hidden);
      return conn.readReply({ what: "the CRAM-MD5 response" });
    }
    case "XOAUTH2": {
      conn.send(`AUTH XOAUTH2 ${b64(`user=${creds.user}\x01auth=Bearer ${creds.secret}\x01\x01`)}`, `AUTH XOAUTH2 ${hidden}`);
      const reply = await conn.readReply({ what: "AUTH XOAUTH2" });
      if (reply.code !== 334) return reply;
      // The server sent an error description; an empty line ends the exchange (RFC 7628 §3.2.3).
      conn.send("", hidden);
      return conn.readReply({ what: "the end of AUTH XOAUTH2" });
    }
    case "NTLM": {
      conn.send(`AUTH NTLM ${negotiateMessage().toString("base64")}`, `AUTH NTLM ${hidden}`);
      const reply = await conn.readReply({ what: "AUTH NTLM" });
      if (reply.code !== 334) return reply;
      const challenge = parseChallenge(Buffer.from(reply.lines[0] ?? "", "base64"));
      conn.send((await authenticateMessage(challenge, creds.user, creds.secret)).toString("base64"), hidden);
      return conn.readReply({ what: "the NTLM response" });
    }
  }
}
