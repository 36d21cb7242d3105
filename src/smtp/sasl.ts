// SASL mechanisms for SMTP AUTH (RFC 4954), as small objects the session drives through one
// generic challenge loop. A mechanism only turns challenges into responses; it never touches the
// connection, so it cannot bypass the connection's redaction of the exchange.
import { createHmac } from "node:crypto";
import type { SaslMechanism } from "../config/mechanisms.js";
import { authenticateMessage, negotiateMessage, parseChallenge } from "./ntlm.js";

export interface Credentials {
  user: string;
  /** Password, or for XOAUTH2 the bearer token. */
  secret: string;
}

/** One AUTH exchange in progress. */
export interface SaslExchange {
  /** Sent on the AUTH line itself (RFC 4954 initial response), base64. */
  initial?: string;
  /**
   * The response (base64, or "" for an empty line) to a 334 challenge, given decoded; undefined
   * when the mechanism expects no further challenge — the session then cancels with "*".
   */
  respond(challenge: Buffer): Promise<string | undefined> | string | undefined;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** A fixed sequence of responses, one per challenge. */
function sequence(responses: string[]): SaslExchange["respond"] {
  let next = 0;
  return () => responses[next++];
}

export const MECHANISMS: Record<SaslMechanism, (creds: Credentials) => SaslExchange> = {
  PLAIN: (creds) => ({ initial: b64(`\0${creds.user}\0${creds.secret}`), respond: sequence([]) }),
  LOGIN: (creds) => ({ respond: sequence([b64(creds.user), b64(creds.secret)]) }),
  "CRAM-MD5": (creds) => {
    let answered = false;
    return {
      respond: (nonce) => {
        if (answered) return undefined;
        answered = true;
        return b64(`${creds.user} ${createHmac("md5", creds.secret).update(nonce).digest("hex")}`);
      },
    };
  },
  // After a failed XOAUTH2 the server sends an error description as a 334; an empty line ends
  // the exchange (RFC 7628 §3.2.3).
  XOAUTH2: (creds) => ({ initial: b64(`user=${creds.user}\x01auth=Bearer ${creds.secret}\x01\x01`), respond: sequence([""]) }),
  NTLM: (creds) => {
    let answered = false;
    return {
      initial: negotiateMessage().toString("base64"),
      respond: async (challenge) => {
        if (answered) return undefined;
        answered = true;
        return (await authenticateMessage(parseChallenge(challenge), creds.user, creds.secret)).toString("base64");
      },
    };
  },
};
