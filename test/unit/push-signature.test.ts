import { describe, expect, it } from "vitest";
import { AppError } from "../../server/errors.js";
import { hmacHex, signConnector, signPilotlight, verifyPushSignature } from "../../server/ingest/push-signature.js";

const secret = "s3cret-s3cret-s3cret";
const body = Buffer.from('{"type":"actions","session_id":"s","actions":[]}');
const now = 1_764_000_000;

function code(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof AppError) return `${err.status} ${err.code}`;
    throw err;
  }
}

describe("verifyPushSignature", () => {
  it("accepts Autoplay's sha256= connector signature, in either hex case", () => {
    expect(code(() => verifyPushSignature({ connector: signConnector(secret, body) }, body, secret, now, 300))).toBeUndefined();
    const upper = `sha256=${hmacHex(secret, body).toUpperCase()}`;
    expect(code(() => verifyPushSignature({ connector: upper }, body, secret, now, 300))).toBeUndefined();
  });

  it("accepts the timestamped scheme inside the tolerance", () => {
    const header = signPilotlight(secret, body, now - 299);
    expect(code(() => verifyPushSignature({ pilotlight: header }, body, secret, now, 300))).toBeUndefined();
  });

  it("accepts when any of several v1 entries matches (secret rotation)", () => {
    const good = signPilotlight(secret, body, now).split(",v1=")[1];
    const header = `t=${now},v1=${"0".repeat(64)},v1=${good}`;
    expect(code(() => verifyPushSignature({ pilotlight: header }, body, secret, now, 300))).toBeUndefined();
  });

  it("rejects a stale timestamp, even with a correct digest", () => {
    const header = signPilotlight(secret, body, now - 301);
    expect(code(() => verifyPushSignature({ pilotlight: header }, body, secret, now, 300))).toBe("401 stale_signature");
  });

  it("rejects a timestamp from the future beyond the tolerance", () => {
    const header = signPilotlight(secret, body, now + 400);
    expect(code(() => verifyPushSignature({ pilotlight: header }, body, secret, now, 300))).toBe("401 stale_signature");
  });

  it("rejects a digest made with another secret or over another body", () => {
    expect(code(() => verifyPushSignature({ connector: signConnector("other-secret", body) }, body, secret, now, 300))).toBe(
      "401 bad_signature",
    );
    const tampered = Buffer.from(body.toString().replace("actions", "actionz"));
    expect(code(() => verifyPushSignature({ pilotlight: signPilotlight(secret, body, now) }, tampered, secret, now, 300))).toBe(
      "401 bad_signature",
    );
  });

  it("rejects malformed headers and a missing signature with distinct codes", () => {
    expect(code(() => verifyPushSignature({}, body, secret, now, 300))).toBe("401 missing_signature");
    expect(code(() => verifyPushSignature({ connector: "md5=abc" }, body, secret, now, 300))).toBe("401 malformed_signature");
    expect(code(() => verifyPushSignature({ connector: "sha256=zz" }, body, secret, now, 300))).toBe("401 bad_signature");
    expect(code(() => verifyPushSignature({ pilotlight: "v1=abc" }, body, secret, now, 300))).toBe("401 malformed_signature");
    expect(code(() => verifyPushSignature({ pilotlight: `t=${now}` }, body, secret, now, 300))).toBe("401 malformed_signature");
  });
});
