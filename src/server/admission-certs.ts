/** The admission webhook's certificates: a CA of its own and a serving certificate, both with a short validity. */
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";

/** A CA and the serving certificate it signed, PEM, valid until `notAfter`. */
export interface ServingCertificate {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
// Clocks of kaika and the apiserver may differ a little.
const skewMs = 60_000;

// @peculiar/x509 is typed against the DOM's WebCrypto; Node's is the same API.
type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
type X509Keys = x509.X509CertificateCreateSelfSignedParams["keys"];
type X509Key = x509.X509CertificateCreateWithKeyParams["signingKey"];
x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

/**
 * Makes a new CA ("kaika-admission-ca") and a serving certificate for `host` (a DNS name or an IP
 * address, plus localhost), both valid for `validityMs` from now. The CA's key is dropped: it
 * signs nothing else, so the next rotation makes a new one.
 */
export async function issueServingCertificate(host: string, validityMs: number): Promise<ServingCertificate> {
  const now = Date.now();
  const notBefore = new Date(now - skewMs);
  const notAfter = new Date(now + validityMs);
  const caKeys = await newKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=kaika-admission-ca-${now}`,
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    keys: caKeys as unknown as X509Keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as unknown as X509Key),
    ],
  });
  const keys = await newKeys();
  const names = [
    { type: "dns" as const, value: "localhost" },
    ...(isIP(host) ? [{ type: "ip" as const, value: host }] : host ? [{ type: "dns" as const, value: host }] : []),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=kaika-admission",
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey as unknown as X509Key,
    signingKey: caKeys.privateKey as unknown as X509Key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    caPem: ca.toString("pem"),
    certPem: cert.toString("pem"),
    keyPem: x509.PemConverter.encode(der, "PRIVATE KEY"),
    notBefore,
    notAfter,
  };
}
