// A store that must not be touched: root acting for a user found a database that leads outside the
// user's home or belongs to another account. Every operation fails with BAD_INPUT naming it, so the
// refusal shows in `status`, `ca` and `onboard` like any other store's failure.
import { RelayError } from "../errors.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";

export class RefusedStore implements TrustStore {
  constructor(
    readonly store: string,
    readonly location: string,
    private readonly why: string,
  ) {}

  status(_ca: AcceptedCa): Promise<StoreResult> {
    return Promise.reject(new RelayError("BAD_INPUT", this.why));
  }

  install(_ca: AcceptedCa): Promise<StoreResult> {
    return Promise.reject(new RelayError("BAD_INPUT", this.why));
  }

  remove(_ca: AcceptedCa): Promise<StoreResult> {
    return Promise.reject(new RelayError("BAD_INPUT", this.why));
  }

  find(_sha256: string): Promise<AcceptedCa | undefined> {
    return Promise.reject(new RelayError("BAD_INPUT", this.why));
  }

  trustedCopies(_sha256: string): Promise<string[]> {
    return Promise.reject(new RelayError("BAD_INPUT", this.why));
  }
}
