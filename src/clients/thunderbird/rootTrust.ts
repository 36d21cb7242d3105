// How Thunderbird comes to trust the organisation's roots on this OS. Linux: the profile's own NSS
// store, written with certutil (NSS's tools exist only there). Windows and macOS have no certutil:
// the root goes into the OS store (the CA step) and Thunderbird is told to read that store —
// Mozilla's enterprise roots, which on Windows read the machine's and the user's ROOT stores and on
// macOS the keychains' trust settings (security/manager/ssl/EnterpriseRoots.cpp).
export const ENTERPRISE_ROOTS_PREF = "security.enterprise_roots.enabled";

export type ThunderbirdRootTrust = "profile-store" | "os-store";

export function thunderbirdRootTrust(platform: NodeJS.Platform = process.platform): ThunderbirdRootTrust {
  return platform === "win32" || platform === "darwin" ? "os-store" : "profile-store";
}
