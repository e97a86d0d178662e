import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { isLoopbackAddress, isLoopbackHost } from "./auth.ts";
import { checkCsrf, readCookie } from "./csrf.ts";
import { ApiError } from "./http.ts";

const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const token = "a".repeat(43);

const refusal = (headers: Record<string, string>): string | undefined => {
  try {
    checkCsrf(request(headers));
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ApiError && error.status === 403);
    return error.reason;
  }
};

describe("CSRF and loopback checks", () => {
  it("accepts a matching header and cookie from the same origin", () => {
    const ok = { host: "127.0.0.1:8090", cookie: `x=1; kaika_csrf=${token}`, "x-kaika-csrf": token };
    assert.equal(refusal(ok), undefined);
    assert.equal(refusal({ ...ok, origin: "http://127.0.0.1:8090" }), undefined);
  });

  it("refuses a missing or different token, another origin and an opaque one", () => {
    const host = { host: "127.0.0.1:8090" };
    assert.equal(refusal({ ...host, cookie: `kaika_csrf=${token}` }), "Csrf");
    assert.equal(refusal({ ...host, "x-kaika-csrf": token }), "Csrf");
    assert.equal(refusal({ ...host, cookie: `kaika_csrf=${token}`, "x-kaika-csrf": `${token}b` }), "Csrf");
    const both = { ...host, cookie: `kaika_csrf=${token}`, "x-kaika-csrf": token };
    assert.equal(refusal({ ...both, origin: "https://evil.example" }), "Csrf");
    assert.equal(refusal({ ...both, origin: "http://127.0.0.1:9999" }), "Csrf");
    assert.equal(refusal({ ...both, origin: "null" }), "Csrf");
  });

  it("reads cookies and tells loopback peers and hosts", () => {
    assert.equal(readCookie(request({ cookie: "a=1; kaika_csrf=xyz ; b=2" }), "kaika_csrf"), "xyz");
    assert.equal(readCookie(request({}), "kaika_csrf"), undefined);
    for (const a of ["127.0.0.1", "127.5.0.1", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopbackAddress(a), a);
    for (const a of ["10.0.0.1", "::ffff:10.0.0.1", "", undefined]) assert.ok(!isLoopbackAddress(a), String(a));
    for (const h of ["localhost", "localhost:8090", "127.0.0.1:1", "[::1]:8090", "app.localhost:80"])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example:80", undefined])
      assert.ok(!isLoopbackHost(h), String(h));
  });
});
