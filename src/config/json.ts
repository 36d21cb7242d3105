// JSON parsing for untrusted input. A "__proto__" key is refused outright: it is never legitimate in
// our formats and is the usual vehicle for prototype pollution in whatever later copies the object.

export class UnsafeJsonError extends Error {
  override readonly name = "UnsafeJsonError";
}

export function parseJsonStrict(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    if (key === "__proto__") throw new UnsafeJsonError('the document contains a "__proto__" key');
    return value;
  });
}
