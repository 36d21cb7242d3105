// The user's password in the OS keychain (Windows Credential Manager, macOS Keychain, the Secret
// Service on Linux) through @napi-rs/keyring: maintained, prebuilt binaries in its npm packages
// (keytar is archived). Never written anywhere else.
import { RelayError } from "../errors.js";

export const KEYCHAIN_SERVICE = "Relay Onboard";

export interface Keychain {
  save(account: string, password: string): Promise<void>;
  load(account: string): Promise<string | undefined>;
  remove(account: string): Promise<boolean>;
}

export async function osKeychain(service = KEYCHAIN_SERVICE): Promise<Keychain> {
  // The command-line executable carries no native module: there, the keychain is the app's to reach.
  const { Entry } = await import("@napi-rs/keyring").catch((err: unknown) => {
    throw new RelayError("KEYCHAIN_FAILED", `the system keychain cannot be reached from this program (${(err as Error).message}): use the Relay Onboard app, or delete the "${service}" entry in the keychain by hand`);
  });
  const entry = (account: string) => {
    if (!account || /[\r\n\0]/.test(account)) throw new RelayError("BAD_INPUT", "invalid keychain account name");
    return new Entry(service, account);
  };
  const wrap = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RelayError) throw err;
      throw new RelayError("KEYCHAIN_FAILED", `the system keychain refused to ${what}: ${(err as Error).message}`);
    }
  };
  return {
    save: (account, password) => Promise.resolve(wrap("store the password", () => entry(account).setPassword(password))),
    load: (account) => Promise.resolve(wrap("read the password", () => entry(account).getPassword() ?? undefined)),
    remove: (account) => Promise.resolve(wrap("delete the password", () => entry(account).deletePassword())),
  };
}
