// The SASL mechanisms a configuration may allow (kept free of the schema library so that light
// code paths need not load it).
export const SASL_MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5", "NTLM", "XOAUTH2"] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
